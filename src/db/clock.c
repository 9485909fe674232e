/*
 * The clock that times statements (hooks, echo, slow-query log, query
 * statistics): CLOCK_MONOTONIC nanoseconds, read cheaply.
 *
 * A vDSO clock_gettime() costs about 25 ns on the development VM, and a
 * statement that is timed reads the clock twice: against a 1 µs SQLite
 * insert that is 5% by itself.  On x86-64 CPUs with an invariant TSC
 * (CPUID 0x80000007, EDX bit 8: constant rate, running in every power
 * state, the condition Linux itself has for trusting it) the time stamp
 * counter is read instead (about 11 ns) and scaled to nanoseconds with a
 * factor measured once per process against CLOCK_MONOTONIC (over 200 µs,
 * at the first call).  Elsewhere it is clock_gettime().  Deadlines never
 * use this clock: they keep CLOCK_MONOTONIC itself (strata__monotonic_us).
 * The fast path is inline, in db/internal.h.
 */
#include <pthread.h>
#include <time.h>

#include "db/internal.h"

strata__clock_state strata__clock;

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#if STRATA__HAVE_TSC
#include <cpuid.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;

/* A (tsc, ns) pair read back to back; the tightest of three. */
static void pair(uint64_t *tsc, int64_t *ns)
{
	uint64_t best = UINT64_MAX;
	*tsc = 0;
	*ns = 0;
	for (int i = 0; i < 3; i++) {
		uint64_t a = __builtin_ia32_rdtsc();
		int64_t n = mono_ns();
		uint64_t b = __builtin_ia32_rdtsc();
		if (b - a < best) {
			best = b - a;
			*tsc = a + (b - a) / 2;
			*ns = n;
		}
	}
}

static void calibrate(void)
{
	unsigned int a, b, c, d;
	uint64_t t1, t2;
	int64_t n1, n2;
	if (!__get_cpuid(0x80000007, &a, &b, &c, &d) || !(d & (1u << 8)))
		goto done;
	pair(&t1, &n1);
	while (mono_ns() - n1 < 200000)
		;
	pair(&t2, &n2);
	if (t2 <= t1 || n2 <= n1)
		goto done;
	double ns_per_tick = (double)(n2 - n1) / (double)(t2 - t1);
	if (!(ns_per_tick > 0.02 && ns_per_tick < 20)) /* 50 MHz .. 50 GHz: anything else is not a clock */
		goto done;
	strata__clock.mult = (uint64_t)(ns_per_tick * 4294967296.0);
	strata__clock.tsc0 = t2;
	strata__clock.ns0 = n2;
	strata__clock.tsc = true;
done:
	atomic_store_explicit(&strata__clock.ready, true, memory_order_release);
}

int64_t strata__monotonic_ns_slow(void)
{
	pthread_once(&once, calibrate);
	if (strata__clock.tsc) {
		uint64_t t = __builtin_ia32_rdtsc();
		if (t >= strata__clock.tsc0)
			return strata__clock.ns0 +
			       (int64_t)(((strata__u128)(t - strata__clock.tsc0) * strata__clock.mult) >> 32);
	}
	return mono_ns();
}
#else
int64_t strata__monotonic_ns_slow(void)
{
	return mono_ns();
}
#endif

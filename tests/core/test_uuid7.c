/*
 * The version 7 generator the library and the SQLite extension share
 * (src/core/uuid7.c), driven with a clock the test sets: every value is
 * greater than the one before it from the same sequence while the clock
 * stands still, steps back or runs, the counter borrows the next
 * millisecond when spent, and the text is canonical.
 */
#include <string.h>

#include "core/uuid7.h"
#include "testdb.h"

static uint64_t ms_of(const uint8_t b[16])
{
	uint64_t ms = 0;
	for (int i = 0; i < 6; i++)
		ms = ms << 8 | b[i];
	return ms;
}

/* The next value at `now_ms` from all-ones random bytes (the worst case for the counter's seed). */
static void next(strata__uuid7 *g, uint64_t now_ms, uint8_t out[16])
{
	memset(out, 0xff, 16);
	strata__uuid7_next(g, now_ms, out);
	cr_assert_eq(out[6] >> 4, 7, "version nibble");
	cr_assert_eq(out[8] >> 6, 2, "variant bits");
}

Test(uuid7, monotonic_when_the_clock_stalls_or_steps_back)
{
	static const uint64_t clock[] = { 1000, 1000, 1000, 999, 500, 1000, 1001, 1001, 2000, 10, 2000, 2001 };
	strata__uuid7 g = { 0 };
	uint8_t prev[16], cur[16];
	next(&g, clock[0], prev);
	cr_assert_eq(ms_of(prev), 1000);
	for (size_t i = 1; i < sizeof clock / sizeof clock[0]; i++) {
		next(&g, clock[i], cur);
		cr_assert_gt(memcmp(cur, prev, 16), 0, "value %zu (clock %llu ms) is not greater than the one before",
			     i, (unsigned long long)clock[i]);
		cr_assert_geq(ms_of(cur), ms_of(prev), "the timestamp never goes back");
		memcpy(prev, cur, 16);
	}
	cr_assert_eq(ms_of(prev), 2001, "a clock that moves forward again is followed");
}

Test(uuid7, a_spent_counter_borrows_the_next_millisecond)
{
	strata__uuid7 g = { 0 };
	uint8_t prev[16], cur[16];
	next(&g, 5000, prev);
	int borrowed = 0;
	for (int i = 0; i < 10000; i++) { /* far more than 4,096 in one millisecond */
		next(&g, 5000, cur);
		cr_assert_gt(memcmp(cur, prev, 16), 0, "value %d is not greater than the one before", i);
		borrowed += ms_of(cur) != ms_of(prev);
		memcpy(prev, cur, 16);
	}
	cr_assert_geq(borrowed, 2, "10,000 values cannot share one millisecond's 12-bit counter");
	cr_assert_leq(ms_of(prev), 5003, "each millisecond borrowed holds at least 2,048 values");
}

Test(uuid7, canonical_text)
{
	static const uint8_t b[16] = { 0x01, 0x8f, 0x3a, 0x4b, 0x5c, 0x6d, 0x7e, 0x8f,
				       0x9a, 0xab, 0xbc, 0xcd, 0xde, 0xef, 0xf0, 0x01 };
	char text[37];
	strata__uuid_text(b, text);
	cr_assert_str_eq(text, "018f3a4b-5c6d-7e8f-9aab-bccddeeff001");
}

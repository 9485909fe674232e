/*
 * The version 7 UUID generator (RFC 9562, section 6.2, method 1: a
 * fixed-length counter in the 12 rand_a bits, seeded at random each new
 * millisecond), and canonical UUID text.
 *
 * Pure C with no state of its own, no clock, no randomness and no lock:
 * the caller passes those in.  The library (src/core/uuid.c, one state
 * for the process) and the SQLite extension (src/driver/sqlite_ext.c, one state
 * per connection) both compile this file, so the two make their values
 * the same way.  It includes nothing of Strata's, to build into the
 * extension alone.
 */
#ifndef STRATA_CORE_UUID7_H
#define STRATA_CORE_UUID7_H

#include <stdint.h>

/* One sequence of values: zero-initialise; calls on one state must not overlap. */
typedef struct strata__uuid7 {
	uint64_t last_ms; /* the timestamp of the last value */
	uint16_t seq;	  /* its 12-bit counter */
} strata__uuid7;

/*
 * Turn `bytes` (16 random bytes on entry) into the next version 7 UUID of
 * `g`, at Unix milliseconds `now_ms`.  Each value is greater than the one
 * before it from `g`: within one millisecond, or when the clock has
 * stepped back, the counter counts up from the last value; when it is
 * spent, the value borrows the next millisecond.
 */
void strata__uuid7_next(strata__uuid7 *g, uint64_t now_ms, uint8_t bytes[16]);

/* Canonical lower-case text of the 16 bytes: 36 characters plus NUL. */
void strata__uuid_text(const uint8_t bytes[16], char out[37]);

#endif

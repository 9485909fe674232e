/*
 * strata/value.h: the value types Strata binds and reads, timestamps and
 * UUIDs.
 */
#ifndef STRATA_VALUE_H
#define STRATA_VALUE_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum strata_type {
	STRATA_TYPE_NULL = 0,
	STRATA_TYPE_INT = 1,
	STRATA_TYPE_DOUBLE = 2,
	STRATA_TYPE_TEXT = 3,
	STRATA_TYPE_BLOB = 4,
	STRATA_TYPE_BOOL = 5,
	STRATA_TYPE_TIMESTAMP = 6,
	STRATA_TYPE_UUID = 7,
	STRATA_TYPE_JSON = 8
} strata_type;

/* Microseconds since 1970-01-01T00:00:00Z. */
typedef int64_t strata_timestamp;

typedef struct strata_uuid {
	uint8_t bytes[16];
} strata_uuid;

/* A tagged value, for the one-call helpers.  Strings are borrowed. */
typedef struct strata_value {
	strata_type type;
	union {
		int64_t i;
		double d;
		bool b;
		strata_timestamp ts;
		struct {
			const void *p;
			size_t len;
		} blob;
		const char *s; /* TEXT and JSON, NUL-terminated */
		const strata_uuid *uuid;
	} v;
} strata_value;

#define STRATA_NULL	    ((strata_value){ .type = STRATA_TYPE_NULL })
#define STRATA_INT(x)	    ((strata_value){ .type = STRATA_TYPE_INT, .v.i = (x) })
#define STRATA_DOUBLE(x)    ((strata_value){ .type = STRATA_TYPE_DOUBLE, .v.d = (x) })
#define STRATA_BOOL(x)	    ((strata_value){ .type = STRATA_TYPE_BOOL, .v.b = (x) })
#define STRATA_TEXT(x)	    ((strata_value){ .type = STRATA_TYPE_TEXT, .v.s = (x) })
#define STRATA_JSON(x)	    ((strata_value){ .type = STRATA_TYPE_JSON, .v.s = (x) })
#define STRATA_BLOB(p_, n_) ((strata_value){ .type = STRATA_TYPE_BLOB, .v.blob = { (p_), (n_) } })
#define STRATA_TIMESTAMP(x) ((strata_value){ .type = STRATA_TYPE_TIMESTAMP, .v.ts = (x) })
#define STRATA_UUID(x)	    ((strata_value){ .type = STRATA_TYPE_UUID, .v.uuid = (x) })

/* The name of a type ("int", "text", ...); never NULL. */
STRATA_API const char *strata_type_name(strata_type t);

/* The current time (CLOCK_REALTIME) in microseconds. */
STRATA_API strata_timestamp strata_timestamp_now(void);

/* Room for "YYYY-MM-DDTHH:MM:SS.ffffffZ" and its NUL, with slack for years past 9999. */
#define STRATA_TIMESTAMP_BUFSZ 40

/* Format as ISO-8601 UTC with microseconds: "2026-11-22T10:30:00.000123Z". */
STRATA_API void strata_timestamp_format(strata_timestamp ts, char buf[STRATA_TIMESTAMP_BUFSZ]);

/*
 * Parse ISO-8601 ("2026-11-22T10:30:00Z", "2026-11-22 10:30:00.5+02:00",
 * "2026-11-22"; fractions up to microseconds, a missing zone is UTC).
 * Returns STRATA_OK or STRATA_EINVAL.
 */
STRATA_API int strata_timestamp_parse(const char *s, size_t len, strata_timestamp *out);

#define STRATA_UUID_STRLEN 36

/* A random (version 4) UUID.  Returns STRATA_OK or STRATA_ERROR (no randomness). */
STRATA_API int strata_uuid_v4(strata_uuid *out);

/* A time-ordered (version 7) UUID: 48-bit milliseconds, then random bits,
 * monotonic within a process.  Returns STRATA_OK or STRATA_ERROR. */
STRATA_API int strata_uuid_v7(strata_uuid *out);

/* Canonical lower-case text, 36 characters plus NUL. */
STRATA_API void strata_uuid_format(const strata_uuid *u, char buf[STRATA_UUID_STRLEN + 1]);

/* Parse canonical text (either case, optional braces not accepted). STRATA_OK or STRATA_EINVAL. */
STRATA_API int strata_uuid_parse(const char *s, size_t len, strata_uuid *out);

#ifdef __cplusplus
}
#endif
#endif

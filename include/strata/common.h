/*
 * strata/common.h: status codes, the per-thread last error, logging and
 * the library version.  Every other Strata header includes this one.
 */
#ifndef STRATA_COMMON_H
#define STRATA_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
#define STRATA_API		 __attribute__((visibility("default")))
#define STRATA_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define STRATA_API
#define STRATA_PRINTF(fmt, args)
#endif

/*
 * Every action returns one of these.  Codes are never renumbered, only
 * appended.  Negative values are failures; STRATA_ROW and STRATA_DONE are
 * the two successful results of strata_step().
 */
typedef enum strata_status {
	STRATA_OK = 0,
	STRATA_ERROR = -1,	   /* a failure with no more specific code */
	STRATA_ENOMEM = -2,	   /* an allocation failed */
	STRATA_EINVAL = -3,	   /* a bad argument: NULL handle, malformed URL, unknown option */
	STRATA_ECONNECT = -4,	   /* the database cannot be reached, or the connection broke */
	STRATA_ECONSTRAINT = -5,   /* a constraint was violated (unique, foreign key, check, not null) */
	STRATA_ENOTFOUND = -6,	   /* no such row, file or object */
	STRATA_EBUSY = -7,	   /* the database (or a lock) is held by someone else */
	STRATA_ETIMEOUT = -8,	   /* a statement or wait ran past its timeout */
	STRATA_ESQL = -9,	   /* the database rejected the SQL (syntax, unknown table, ...) */
	STRATA_ETYPE = -10,	   /* a value was read or bound as the wrong type */
	STRATA_ERANGE = -11,	   /* an index out of range (bind parameter, column) */
	STRATA_EMISUSE = -12,	   /* the call is not valid in the handle's state */
	STRATA_EIO = -13,	   /* a file could not be read or written */
	STRATA_EPARSE = -14,	   /* a file or text could not be parsed (see file:line:col) */
	STRATA_ECONFLICT = -15,	   /* serialization failure or deadlock: retrying may succeed */
	STRATA_EMIGRATE = -16,	   /* a migration failed or the migrations drifted */
	STRATA_EAUTH = -17,	   /* the server refused the credentials */
	STRATA_EUNSUPPORTED = -18, /* the backend cannot do this */
	STRATA_ECANCELED = -19,	   /* stopped at the caller's request (a cancel flag, a signal) */
	STRATA_ROW = 100,	   /* strata_step(): a row is ready */
	STRATA_DONE = 101	   /* strata_step(): the statement has finished */
} strata_status;

/*
 * The detail of the last failure on the calling thread.  Never NULL: when
 * nothing has failed, status is STRATA_OK and message is "".  The strings
 * stay valid until the next failing Strata call on the same thread.
 */
typedef struct strata_error {
	int status;		/* a strata_status */
	const char *message;	/* one line, no trailing newline, never NULL */
	int sqlite_code;	/* SQLite's extended result code, or 0 */
	const char *sqlstate;	/* PostgreSQL's five-character SQLSTATE, or "" */
	const char *constraint; /* the violated constraint's name, or "" */
	const char *file;	/* for parse errors: the file, or "" */
	int line;		/* for parse errors: 1-based line, or 0 */
	int column;		/* for parse errors: 1-based column, or 0 */
} strata_error;

/* The last error on this thread.  Never NULL.  Thread-local; no locking. */
STRATA_API const strata_error *strata_error_last(void);

/*
 * Set the last error on this thread, for code built on Strata (generated
 * code, extensions): `status` and a printf-style message.  Returns status.
 */
STRATA_API int strata_error_set(int status, const char *fmt, ...) STRATA_PRINTF(2, 3);

/* Forget the last error on this thread (status becomes STRATA_OK). */
STRATA_API void strata_error_clear(void);

/* A short constant name for a status ("STRATA_EBUSY"); never NULL. */
STRATA_API const char *strata_status_name(int status);

/* True when retrying the failed transaction may succeed (EBUSY, ECONFLICT). */
STRATA_API bool strata_status_is_retryable(int status);

/*
 * Read a whole text file the way Strata reads its own (.env, migrations,
 * schema files): a read error is an error (so is a directory), a NUL byte or
 * invalid UTF-8 is STRATA_EPARSE with file:line:col in the error, and a UTF-8
 * byte order mark is dropped.  On success *out is a new NUL-terminated
 * string (free()) and *len (may be NULL) its length; on failure *out is
 * NULL.  Returns STRATA_OK, STRATA_ENOTFOUND, STRATA_EIO, STRATA_EPARSE,
 * STRATA_EINVAL (NULL argument) or STRATA_ENOMEM.  Thread-safe.
 */
STRATA_API int strata_file_read_text(const char *path, char **out, size_t *len);

/* The library's version, "MAJOR.MINOR.PATCH"; a constant string. */
STRATA_API const char *strata_version(void);

typedef enum strata_log_level {
	STRATA_LOG_DEBUG = 0,
	STRATA_LOG_INFO = 1,
	STRATA_LOG_WARN = 2,
	STRATA_LOG_ERROR = 3
} strata_log_level;

/*
 * A log callback.  `msg` is one line without a newline, valid only during
 * the call.  It can be called from any thread that uses Strata.
 */
typedef void (*strata_log_fn)(strata_log_level level, const char *msg, void *ud);

/*
 * Set the process-wide log callback, used by every connection whose options
 * name none.  NULL restores the default, which writes "strata: LEVEL: msg"
 * to stderr for INFO and above.  Call it before other threads use Strata;
 * it is not synchronised against concurrent logging.
 */
STRATA_API void strata_log_set_handler(strata_log_fn fn, void *ud);

#ifdef __cplusplus
}
#endif
#endif

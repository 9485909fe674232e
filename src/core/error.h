/*
 * The per-thread last error (internal side).  Set it once, where a failure
 * happens, then pass the status up untouched (STYLE rule 4).
 */
#ifndef STRATA_CORE_ERROR_H
#define STRATA_CORE_ERROR_H

#include <strata/common.h>

/* Set the last error: status and a printf-style message.  Returns status. */
int strata__error_set(int status, const char *fmt, ...) STRATA_PRINTF(2, 3);

/* Set the last error with the backend's detail.  Any of the strings may be NULL. */
int strata__error_set_db(int status, int sqlite_code, const char *sqlstate, const char *constraint, const char *fmt,
			 ...) STRATA_PRINTF(5, 6);

/* Set a parse error at file:line:col; the message is prefixed with the location. */
int strata__error_set_at(int status, const char *file, int line, int column, const char *fmt, ...) STRATA_PRINTF(5, 6);

/* Shorthand for an allocation failure. */
int strata__error_nomem(void);

/*
 * Keep the current error across cleanup code that may fail and set its own:
 * save before, restore after.  The saved copy owns its strings.  It also
 * carries an error from one thread to another (saved on one, restored on
 * the other).
 */
typedef struct strata__error_saved {
	int status;
	char *message, *sqlstate, *constraint, *file;
	int sqlite_code, line, column;
} strata__error_saved;
void strata__error_save(strata__error_saved *s);
void strata__error_restore(strata__error_saved *s);
/* Free a saved error that is not to be restored (another error won). */
void strata__error_discard(strata__error_saved *s);

#endif

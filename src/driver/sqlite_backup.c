/*
 * The SQLite backup primitive: copying one database into another page by
 * page through the online backup API (sqlite3_backup_*).  What is copied
 * where, and what is checked before and after, is decided in src/ops/.
 */
#include <sqlite3.h>
#include <time.h>

#include "core/error.h"
#include "driver/driver.h"

/* The error of a failed step: a lock that stayed, or what SQLite said (a full disk, a read-only file). */
static int step_failed(sqlite3 *dst, int s, int wait_ms)
{
	if (s == SQLITE_BUSY || s == SQLITE_LOCKED)
		return strata__error_set_db(STRATA_EBUSY, s, NULL, NULL,
					    "the database stayed locked by another connection for %d ms", wait_ms);
	if (s == SQLITE_NOMEM)
		return strata__error_nomem();
	const char *msg = sqlite3_errcode(dst) == s ? sqlite3_errmsg(dst) : sqlite3_errstr(s);
	return strata__error_set_db(STRATA_EIO, s, NULL, NULL, "%s", msg);
}

int strata__sqlite_copy_pages(void *src_conn, void *dst_conn, int wait_ms, strata__copy_step step, void *ud)
{
	sqlite3 *src = strata__sqlite_driver.native(src_conn), *dst = strata__sqlite_driver.native(dst_conn);
	int rc = STRATA_OK, waited_ms = 0;
	sqlite3_backup *bk = sqlite3_backup_init(dst, "main", src, "main");
	if (!bk)
		return strata__error_set_db(STRATA_EIO, sqlite3_extended_errcode(dst), NULL, NULL, "%s",
					    sqlite3_errmsg(dst));
	for (;;) {
		int s = sqlite3_backup_step(bk, 256);
		if (s == SQLITE_OK || s == SQLITE_DONE) {
			int total = sqlite3_backup_pagecount(bk);
			if (step && step(total - sqlite3_backup_remaining(bk), total, ud)) {
				rc = strata__error_set(STRATA_ECANCELED, "stopped on request");
				break;
			}
			if (s == SQLITE_DONE)
				break;
			continue;
		}
		if ((s == SQLITE_BUSY || s == SQLITE_LOCKED) && waited_ms < wait_ms) {
			/* another connection holds a lock: wait for it */
			struct timespec ts = { 0, 10 * 1000 * 1000 };
			nanosleep(&ts, NULL);
			waited_ms += 10;
			if (step && step(-1, -1, ud)) {
				rc = strata__error_set(STRATA_ECANCELED, "stopped on request");
				break;
			}
			continue;
		}
		rc = step_failed(dst, s, wait_ms);
		break;
	}
	/* finishing an unfinished copy rolls the destination back */
	int fin = sqlite3_backup_finish(bk);
	if (rc == STRATA_OK && fin != SQLITE_OK)
		rc = step_failed(dst, fin, wait_ms);
	return rc;
}

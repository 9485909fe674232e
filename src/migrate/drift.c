/*
 * Drift: what makes running unsafe until someone has looked: an applied
 * migration whose file changed or is gone, a pending one older than the
 * newest applied, a transaction:false migration that failed or was
 * interrupted part-way.  Each is an error naming the file and the flag
 * that allows it.
 */
#include <stdbool.h>

#include "core/error.h"
#include "migrate/internal.h"

/*
 * Drift: errors unless allowed.  `up` checks pending-out-of-order too.
 * Failed or interrupted transaction:false migrations block everything but
 * up with `retry_failed`.
 */
int strata__mig_check_drift(strata_migrator *m, bool up)
{
	for (size_t i = 0; i < m->ninfo; i++) {
		const strata_migration_info *it = &m->info[i];
		switch (it->state) {
		case STRATA_MIGRATION_CHANGED:
			if (!m->opts.allow_changed)
				return strata__error_set(
					STRATA_EMIGRATE,
					"%s: migration %s was applied, but its up section has changed since (checksum "
					"%.12s "
					"in the ledger, %.12s now). Restore the file, or allow it with option "
					"`allow_changed`",
					it->file, it->version, strata__mig_row(m, it->version)->checksum, it->checksum);
			break;
		case STRATA_MIGRATION_MISSING:
			if (!m->opts.allow_missing)
				return strata__error_set(
					STRATA_EMIGRATE,
					"migration %s (%s) is applied, but no file in %s has that version. "
					"Restore the file, or allow it with option `allow_missing`",
					it->version, it->name, m->dir);
			break;
		case STRATA_MIGRATION_FAILED:
		case STRATA_MIGRATION_RUNNING:
			if (!(up && m->opts.retry_failed))
				return strata__error_set(
					STRATA_EMIGRATE,
					"%s: migration %s (transaction:false) %s part-way: %s. Check the database, "
					"then retry with option `retry_failed`, which resumes at the statement that "
					"did not finish",
					it->file[0] ? it->file : it->version, it->version,
					it->state == STRATA_MIGRATION_FAILED ? "failed" : "was interrupted", it->note);
			break;
		case STRATA_MIGRATION_PENDING:
			if (up && it->out_of_order && !m->opts.allow_out_of_order)
				return strata__error_set(
					STRATA_EMIGRATE,
					"%s: migration %s is pending but older than the newest applied "
					"one; it may depend on a schema that changed since. Rename it to a "
					"newer version, or allow it with option `allow_out_of_order`",
					it->file, it->version);
			break;
		default: break;
		}
	}
	return STRATA_OK;
}

/*
 * transaction:false sections: statements one by one, their progress
 * written to the ledger row after each ('running', then 'applied' or
 * 'failed'), and resuming a failed or interrupted one at the statement
 * that did not finish (`up --retry-failed`).
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/error.h"
#include "migrate/internal.h"

static int set_progress(strata_migrator *m, const char *version, const char *state, const char *note)
{
	return strata_exec_values(m->db, "UPDATE strata_migrations SET state = ?, note = ? WHERE version = ?",
				  (const strata_value[]){ STRATA_TEXT(state), note ? STRATA_TEXT(note) : STRATA_NULL,
							  STRATA_TEXT(version) },
				  3, NULL);
}

/*
 * transaction:false, up: a 'running' row first, its note updated after each
 * statement, 'applied' at the end or 'failed' with the statement.  `from`
 * is where a retry resumes.
 */
int strata__mig_run_loose_up(strata_migrator *m, strata__section_run *r, size_t from)
{
	char note[900];
	int64_t t0 = strata__mig_now_ms();
	int rc;

	if (from == 0) {
		rc = strata__ledger_delete(m, r->f->version);
		if (rc == STRATA_OK) {
			snprintf(note, sizeof note, "0 of %zu statements done", r->np);
			rc = strata__ledger_insert(m, r->f->version, r->f->name, r->f->checksum, strata_timestamp_now(),
						   0, m->applied_by, "running", note);
		}
	} else {
		snprintf(note, sizeof note, "%zu of %zu statements done", from, r->np);
		rc = set_progress(m, r->f->version, "running", note);
	}
	if (rc != STRATA_OK)
		return rc;
	for (size_t i = from; i < r->np; i++) {
		char what[200];
		snprintf(what, sizeof what,
			 "transaction:false: statements 1 to %zu ran and stay applied; the ledger marks %s as failed",
			 i, r->f->version);
		rc = strata__mig_run_piece(m, r, i, i == 0 ? "transaction:false: nothing ran before it" : what);
		if (rc != STRATA_OK) {
			strata__error_saved saved;
			strata__error_save(&saved);
			snprintf(note, sizeof note, "%zu of %zu statements done; statement %zu (line %d) failed: %s", i, r->np,
				 i + 1, strata__piece_line(r, i), saved.message ? saved.message : "");
			set_progress(m, r->f->version, "failed", note);
			strata__error_restore(&saved);
			return rc;
		}
		snprintf(note, sizeof note, "%zu of %zu statements done", i + 1, r->np);
		rc = set_progress(m, r->f->version, "running", note);
		if (rc != STRATA_OK)
			return rc;
	}
	return strata_exec_values(m->db,
				  "UPDATE strata_migrations SET state = 'applied', note = NULL, duration_ms = ?, applied_at = ?, "
				  "checksum = ? WHERE version = ?",
				  (const strata_value[]){ STRATA_INT(strata__mig_now_ms() - t0), STRATA_TIMESTAMP(strata_timestamp_now()),
							  STRATA_TEXT(r->f->checksum), STRATA_TEXT(r->f->version) },
				  4, NULL);
}

/* transaction:false, down: statements one by one, then the ledger row goes. */
int strata__mig_run_loose_down(strata_migrator *m, strata__section_run *r)
{
	int rc = STRATA_OK;
	for (size_t i = 0; i < r->np && rc == STRATA_OK; i++)
		rc = strata__mig_run_piece(m, r, i, "transaction:false: the statements before it ran; the migration stays recorded as applied");
	if (rc == STRATA_OK)
		rc = strata__ledger_delete(m, r->f->version);
	return rc;
}

/* Resume point of a failed/interrupted transaction:false migration. */
size_t strata__mig_resume_at(const strata__ledger_row *r)
{
	unsigned long done = 0;
	if (r && sscanf(r->note, "%lu of", &done) == 1)
		return (size_t)done;
	return 0;
}

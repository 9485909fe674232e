/*
 * transaction:false sections: statements one by one, their progress
 * written to the ledger row after each ('running', then 'applied' or
 * 'failed'), and resuming a failed or interrupted one at the statement
 * that did not finish (`up --retry-failed`).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "migrate/internal.h"

static int set_progress(strata_migrator *m, const char *version, const char *state, const char *note)
{
	return strata_exec_values(m->db, "UPDATE strata_migrations SET state = ?, note = ? WHERE version = ?",
				  (const strata_value[]){ STRATA_TEXT(state), note ? STRATA_TEXT(note) : STRATA_NULL,
							  STRATA_TEXT(version) },
				  3, NULL);
}

/* Statement kinds that matter between statements of a transaction:false section. */
enum kind { K_OTHER, K_BEGIN, K_END, K_STATE, K_PINNED };

/*
 * BEGIN/START TRANSACTION opens the section's own transaction; COMMIT, END
 * and ROLLBACK (not ROLLBACK TO) close it.  K_STATE: a per-connection
 * setting a new connection does not have and that can be set again (SQLite
 * PRAGMA x = v and ATTACH, PostgreSQL SET and RESET, not SET LOCAL).
 * K_PINNED: per-connection state that cannot be made again on a new
 * connection (temporary tables, prepared statements, cursors, LISTEN).
 */
static enum kind kind_of(strata_migrator *m, const strata__section_run *r, size_t i)
{
	char w1[16], w2[16];
	strata__mig_words(m, r, i, w1, w2);
	bool lite = m->backend == STRATA_BACKEND_SQLITE;
	if (strcmp(w1, "BEGIN") == 0 || (strcmp(w1, "START") == 0 && strcmp(w2, "TRANSACTION") == 0))
		return K_BEGIN;
	if (strcmp(w1, "COMMIT") == 0 || strcmp(w1, "END") == 0 ||
	    (strcmp(w1, "ROLLBACK") == 0 && strcmp(w2, "TO") != 0))
		return K_END;
	if (lite && strcmp(w1, "PRAGMA") == 0)
		return memchr(strata__piece_text(r, i), '=', r->pcs[i].len) ? K_STATE : K_OTHER;
	if (lite && strcmp(w1, "ATTACH") == 0)
		return K_STATE;
	if (!lite && (strcmp(w1, "SET") == 0 || strcmp(w1, "RESET") == 0))
		return strcmp(w2, "LOCAL") == 0 || strcmp(w2, "TRANSACTION") == 0 || strcmp(w2, "CONSTRAINTS") == 0
			       ? K_OTHER
			       : K_STATE;
	if (strcmp(w1, "CREATE") == 0 && (strcmp(w2, "TEMP") == 0 || strcmp(w2, "TEMPORARY") == 0))
		return K_PINNED;
	if (!lite && (strcmp(w1, "PREPARE") == 0 || strcmp(w1, "DECLARE") == 0 || strcmp(w1, "LISTEN") == 0))
		return K_PINNED;
	return K_OTHER;
}

/*
 * A resume runs on a new connection: statements before `from` that set
 * per-connection state (PRAGMA foreign_keys = OFF before a rebuild, SET
 * search_path, ...) run again first; state that cannot be made again
 * refuses the resume, naming the statement.
 */
static int reestablish(strata_migrator *m, strata__section_run *r, size_t from)
{
	for (size_t i = 0; i < from; i++) {
		enum kind k = kind_of(m, r, i);
		if (k == K_PINNED)
			return strata__error_set_at(
				STRATA_EMIGRATE, r->f->path, strata__piece_line(r, i), 1,
				"cannot resume %s at statement %zu: statement %zu (%.60s) made per-connection state "
				"(a temporary table, prepared statement, cursor or LISTEN) that a new connection does not "
				"have, so the rest would run without it. Finish the migration by hand, or undo statements "
				"1 to %zu and change the file so it does not depend on that state",
				r->f->version, from + 1, i + 1, strata__piece_text(r, i), from);
	}
	for (size_t i = 0; i < from; i++)
		if (kind_of(m, r, i) == K_STATE) {
			int rc = strata__mig_run_piece(m, r, i, "setting it again before resuming failed; nothing else ran");
			if (rc != STRATA_OK)
				return rc;
		}
	return STRATA_OK;
}

/*
 * Record the failure of statement `i` (`done` statements stay applied) in
 * the ledger row, keeping the error; when the ledger cannot be written,
 * say so in the error instead of claiming it.
 */
static void record_failure(strata_migrator *m, strata__section_run *r, size_t i, size_t done, const char *extra)
{
	char note[900];
	strata__error_saved saved;
	strata__error_save(&saved);
	if (i < r->np)
		snprintf(note, sizeof note, "%zu of %zu statements done; statement %zu (line %d) failed%s: %s", done, r->np,
			 i + 1, strata__piece_line(r, i), extra, saved.message ? saved.message : "");
	else
		snprintf(note, sizeof note, "%zu of %zu statements done; %s", done, r->np,
			 saved.message ? saved.message : "");
	int lrc = set_progress(m, r->f->version, "failed", note);
	char ledger_err[400];
	snprintf(ledger_err, sizeof ledger_err, "%s", strata_error_last()->message);
	strata__error_restore(&saved);
	if (lrc != STRATA_OK) {
		const strata_error *e = strata_error_last();
		char *msg = strata__strdup(e->message);
		char *file = strata__strdup(e->file);
		if (msg && file)
			strata__error_set_at(e->status, file, e->line, e->column,
					     "%s (recording the failure in the ledger failed too: %s; the row still says "
					     "'running')",
					     msg, ledger_err);
		free(msg);
		free(file);
	}
}

/*
 * transaction:false, up: a 'running' row first, its note updated after each
 * statement, 'applied' at the end or 'failed' with the statement.  `from`
 * is where a retry resumes.  A section may open its own transaction
 * (BEGIN ... COMMIT): a failure inside it rolls it back, and the row
 * records the statements before its BEGIN as done, so a retry starts at
 * the BEGIN.  On SQLite the connection's foreign_keys setting is the same
 * afterwards as before.
 */
int strata__mig_run_loose_up(strata_migrator *m, strata__section_run *r, size_t from)
{
	char note[900];
	int64_t t0 = strata__mig_now_ms();
	int64_t fk_was = -1;
	size_t open_at = SIZE_MAX; /* the section's own BEGIN, while open */
	int rc;

	if (from > r->np)
		from = r->np;
	if (m->backend == STRATA_BACKEND_SQLITE) {
		rc = strata_query_int64(m->db, &fk_was, "PRAGMA foreign_keys", NULL, 0);
		if (rc != STRATA_OK)
			return rc;
	}
	if (from == 0) {
		rc = strata__ledger_delete(m, r->f->version);
		if (rc == STRATA_OK) {
			snprintf(note, sizeof note, "0 of %zu statements done", r->np);
			rc = strata__ledger_insert(m, r->f->version, r->f->name, r->f->checksum, strata_timestamp_now(),
						   0, m->applied_by, "running", note);
		}
	} else {
		rc = reestablish(m, r, from);
		if (rc == STRATA_OK) {
			snprintf(note, sizeof note, "%zu of %zu statements done", from, r->np);
			rc = set_progress(m, r->f->version, "running", note);
		}
	}
	if (rc != STRATA_OK)
		goto restore;
	for (size_t i = from; i < r->np; i++) {
		char what[400];
		enum kind k = kind_of(m, r, i);
		if (k == K_BEGIN && open_at == SIZE_MAX)
			open_at = i;
		if (open_at != SIZE_MAX && open_at < i)
			snprintf(what, sizeof what,
				 "transaction:false: the section's own transaction (BEGIN at line %d) was rolled back, so "
				 "statements %zu to %zu were undone; %s; the ledger marks %s as failed and "
				 "`strata migrate up --retry-failed` starts again at that BEGIN",
				 strata__piece_line(r, open_at), open_at + 1, i,
				 open_at == 0 ? "nothing ran before it" : "the statements before it stay applied",
				 r->f->version);
		else if (i == 0)
			snprintf(what, sizeof what, "transaction:false: nothing ran before it; the ledger marks %s as failed",
				 r->f->version);
		else
			snprintf(what, sizeof what,
				 "transaction:false: statements 1 to %zu ran and stay applied; the ledger marks %s as failed "
				 "and `strata migrate up --retry-failed` resumes at this statement",
				 i, r->f->version);
		rc = strata__mig_run_piece(m, r, i, what);
		if (rc != STRATA_OK) {
			size_t done = i;
			if (open_at != SIZE_MAX) {
				strata__error_saved saved;
				strata__error_save(&saved);
				strata_exec(m->db, "ROLLBACK");
				strata__error_restore(&saved);
				done = open_at;
			}
			record_failure(m, r, i, done, "");
			goto restore;
		}
		if (k == K_END)
			open_at = SIZE_MAX;
		/* inside the section's own transaction the note commits with it */
		snprintf(note, sizeof note, "%zu of %zu statements done", i + 1, r->np);
		rc = set_progress(m, r->f->version, "running", note);
		if (rc != STRATA_OK)
			goto restore;
	}
	if (open_at != SIZE_MAX) {
		strata__error_saved saved;
		strata__error_save(&saved);
		strata_exec(m->db, "ROLLBACK");
		strata__error_restore(&saved);
		strata__error_set_at(STRATA_EMIGRATE, r->f->path, strata__piece_line(r, open_at), 1,
				     "the up section of %s opens a transaction (BEGIN at line %d) and never commits it; it "
				     "was rolled back and the ledger marks %s as failed. Add COMMIT at the end",
				     r->f->version, strata__piece_line(r, open_at), r->f->version);
		rc = STRATA_EMIGRATE;
		record_failure(m, r, r->np, open_at, "");
		goto restore;
	}
	/* verify before the row says applied; its failure leaves the statements applied and the row failed */
	rc = strata_begin(m->db, NULL);
	if (rc == STRATA_OK) {
		rc = strata__mig_verify_section(m, r->f,
						"transaction:false: every statement ran and stays applied; the ledger marks "
						"the migration as failed until verify passes (`strata migrate up "
						"--retry-failed` verifies again)");
		strata__mig_rollback(m->db);
	}
	if (rc != STRATA_OK) {
		record_failure(m, r, r->np, r->np, "");
		goto restore;
	}
	rc = strata_exec_values(m->db,
				"UPDATE strata_migrations SET state = 'applied', note = NULL, duration_ms = ?, applied_at = ?, "
				"checksum = ? WHERE version = ?",
				(const strata_value[]){ STRATA_INT(strata__mig_now_ms() - t0),
							STRATA_TIMESTAMP(strata_timestamp_now()), STRATA_TEXT(r->f->checksum),
							STRATA_TEXT(r->f->version) },
				4, NULL);
restore:
	if (fk_was >= 0) {
		int64_t now = fk_was;
		strata__error_saved saved;
		strata__error_save(&saved);
		if (strata_query_int64(m->db, &now, "PRAGMA foreign_keys", NULL, 0) == STRATA_OK && now != fk_was)
			strata_exec(m->db, fk_was ? "PRAGMA foreign_keys = ON" : "PRAGMA foreign_keys = OFF");
		strata__error_restore(&saved);
	}
	return rc;
}

/* transaction:false, down: statements one by one, then the ledger row goes. */
int strata__mig_run_loose_down(strata_migrator *m, strata__section_run *r)
{
	int rc = STRATA_OK;
	bool open = false;
	for (size_t i = 0; i < r->np && rc == STRATA_OK; i++) {
		enum kind k = kind_of(m, r, i);
		open = k == K_BEGIN ? true : k == K_END ? false : open;
		rc = strata__mig_run_piece(m, r, i,
					   open ? "transaction:false: the section's own transaction was rolled back; the "
						  "migration stays recorded as applied"
						: "transaction:false: the statements before it ran; the migration stays "
						  "recorded as applied");
		if (rc != STRATA_OK && open) {
			strata__error_saved saved;
			strata__error_save(&saved);
			strata_exec(m->db, "ROLLBACK");
			strata__error_restore(&saved);
		}
	}
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

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
#include "core/log.h"
#include "db/internal.h"
#include "migrate/internal.h"

static int set_progress(strata_migrator *m, const char *version, const char *state, const char *note)
{
	return strata_exec_values(m->db, "UPDATE strata_migrations SET state = ?, note = ? WHERE version = ?",
				  (const strata_value[]){ STRATA_TEXT(state), note ? STRATA_TEXT(note) : STRATA_NULL,
							  STRATA_TEXT(version) },
				  3, NULL);
}

/* Statement kinds that matter between statements of a transaction:false section. */
enum kind {
	K_OTHER,
	K_BEGIN,
	K_END,
	K_STATE,
	K_PINNED
};

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
 * PostgreSQL: the index a CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT
 * EXISTS] name ON ... statement creates, as written (quotes and schema
 * kept, so to_regclass() reads it as the server would); false when the
 * statement is something else or names no index.
 */
static bool index_name(strata_migrator *m, const strata__section_run *r, size_t i, char *name, size_t cap)
{
	const char *t = strata__piece_text(r, i);
	size_t len = r->pcs[i].len, pos = 0, before = 0;
	char w[32];
	int state = 0; /* 0 CREATE, 1 [UNIQUE] INDEX, 2 [CONCURRENTLY] [IF NOT EXISTS] name */
	if (m->backend != STRATA_BACKEND_POSTGRES)
		return false;
	for (;;) {
		before = pos;
		if (!strata__sql_next_word(t, len, m->backend, &pos, w, sizeof w))
			return false;
		if (state == 0) {
			if (strcmp(w, "CREATE") != 0)
				return false;
			state = 1;
		} else if (state == 1) {
			if (strcmp(w, "UNIQUE") == 0)
				continue;
			if (strcmp(w, "INDEX") != 0)
				return false;
			state = 2;
		} else if (strcmp(w, "CONCURRENTLY") == 0 || strcmp(w, "IF") == 0 || strcmp(w, "NOT") == 0 ||
			   strcmp(w, "EXISTS") == 0) {
			continue;
		} else if (strcmp(w, "ON") == 0) {
			return false; /* no name: the server picks one */
		} else {
			break;
		}
	}
	/* the name as written: from where its first token starts to the next blank or '(' outside quotes */
	size_t s = before;
	while (s < len && (t[s] == ' ' || t[s] == '\t' || t[s] == '\n' || t[s] == '\r'))
		s++;
	size_t e = s;
	bool quoted = false;
	while (e < len && (quoted || !(t[e] == ' ' || t[e] == '\t' || t[e] == '\n' || t[e] == '\r' || t[e] == '('))) {
		if (t[e] == '"')
			quoted = !quoted;
		e++;
	}
	if (e == s || e - s >= cap)
		return false;
	memcpy(name, t + s, e - s);
	name[e - s] = '\0';
	return true;
}

/* Is there an INVALID index of that name (an interrupted or failed CREATE INDEX CONCURRENTLY)? */
static int index_invalid(strata_migrator *m, const char *name, bool *invalid)
{
	int64_t n = 0;
	int rc = strata_query_int64(
		m->db, &n,
		"SELECT count(*) FROM pg_catalog.pg_index WHERE indexrelid = to_regclass(?) AND NOT indisvalid",
		(const strata_value[]){ STRATA_TEXT(name) }, 1);
	*invalid = rc == STRATA_OK && n > 0;
	return rc;
}

/* Drop an INVALID index of that name (CONCURRENTLY outside a transaction), saying so through the log hook. */
static int drop_invalid(strata_migrator *m, const strata__section_run *r, size_t i, const char *name, bool in_tx)
{
	char sql[600];
	snprintf(sql, sizeof sql, "DROP INDEX %sIF EXISTS %s", in_tx ? "" : "CONCURRENTLY ", name);
	strata__log(m->db->log, m->db->log_ud, STRATA_LOG_WARN,
		    "%s:%d: index %s is INVALID (an interrupted or failed CREATE INDEX CONCURRENTLY); dropping it to "
		    "build it again",
		    r->f->path, strata__piece_line(r, i), name);
	int rc = strata_exec(m->db, sql);
	if (rc != STRATA_OK) {
		char why[600];
		snprintf(why, sizeof why, "%s", strata_error_last()->message);
		rc = strata__error_set_at(
			STRATA_EMIGRATE, r->f->path, strata__piece_line(r, i), 1,
			"index %s is INVALID and dropping it failed: %s; drop it by hand, then retry with "
			"option `retry_failed`",
			name, why);
	}
	return rc;
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
				"(a temporary table, prepared statement, cursor or LISTEN) that a new connection does "
				"not "
				"have, so the rest would run without it. Finish the migration by hand, or undo "
				"statements "
				"1 to %zu and change the file so it does not depend on that state",
				r->f->version, from + 1, i + 1, strata__piece_text(r, i), from);
	}
	for (size_t i = 0; i < from; i++)
		if (kind_of(m, r, i) == K_STATE) {
			int rc = strata__mig_run_piece(m, r, i,
						       "setting it again before resuming failed; nothing else ran");
			if (rc != STRATA_OK)
				return rc;
		}
	/* an index a finished statement built and that is INVALID now: drop it and build it again */
	for (size_t i = 0; i < from; i++) {
		char name[400];
		bool bad = false;
		int rc = STRATA_OK;
		if (index_name(m, r, i, name, sizeof name) && (rc = index_invalid(m, name, &bad)) == STRATA_OK && bad &&
		    (rc = drop_invalid(m, r, i, name, false)) == STRATA_OK)
			rc = strata__mig_run_piece(m, r, i,
						   "building the INVALID index again failed; the ledger marks the "
						   "migration as failed");
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
		snprintf(note, sizeof note, "%zu of %zu statements done; statement %zu (line %d) failed%s: %s", done,
			 r->np, i + 1, strata__piece_line(r, i), extra, saved.message ? saved.message : "");
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
			strata__error_set_at(
				e->status, file, e->line, e->column,
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
		snprintf(note, sizeof note, "0 of %zu statements done", r->np);
		rc = strata__ledger_replace(m, r->f->version, r->f->name, r->f->checksum, strata__mig_applied_by(m),
					    "running", note);
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
				 "transaction:false: the section's own transaction (BEGIN at line %d) was rolled back, "
				 "so "
				 "statements %zu to %zu were undone; %s; the ledger marks %s as failed and "
				 "retrying with option `retry_failed` starts again at that BEGIN",
				 strata__piece_line(r, open_at), open_at + 1, i,
				 open_at == 0 ? "nothing ran before it" : "the statements before it stay applied",
				 r->f->version);
		else if (i == 0)
			snprintf(what, sizeof what,
				 "transaction:false: nothing ran before it; the ledger marks %s as failed",
				 r->f->version);
		else
			snprintf(what, sizeof what,
				 "transaction:false: statements 1 to %zu ran and stay applied; the ledger marks %s as "
				 "failed "
				 "and retrying with option `retry_failed` resumes at this statement",
				 i, r->f->version);
		char iname[400];
		bool bad = false;
		/* CREATE INDEX CONCURRENTLY IF NOT EXISTS would skip an INVALID index left by an earlier try */
		if (index_name(m, r, i, iname, sizeof iname) && (rc = index_invalid(m, iname, &bad)) == STRATA_OK &&
		    bad)
			rc = drop_invalid(m, r, i, iname, open_at != SIZE_MAX);
		if (rc == STRATA_OK)
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
		strata__error_set_at(
			STRATA_EMIGRATE, r->f->path, strata__piece_line(r, open_at), 1,
			"the up section of %s opens a transaction (BEGIN at line %d) and never commits it; it "
			"was rolled back and the ledger marks %s as failed. Add COMMIT at the end",
			r->f->version, strata__piece_line(r, open_at), r->f->version);
		rc = STRATA_EMIGRATE;
		record_failure(m, r, r->np, open_at, "");
		goto restore;
	}
	/* never record applied over an INVALID index the section creates */
	for (size_t i = 0; i < r->np; i++) {
		char iname[400];
		bool bad = false;
		if (!index_name(m, r, i, iname, sizeof iname))
			continue;
		rc = index_invalid(m, iname, &bad);
		if (rc == STRATA_OK && bad)
			rc = strata__error_set_at(
				STRATA_EMIGRATE, r->f->path, strata__piece_line(r, i), 1,
				"index %s of %s is INVALID after the migration ran (an interrupted or failed "
				"CREATE INDEX CONCURRENTLY), so %s is not recorded as applied; retrying with option "
				"`retry_failed` drops and builds it again",
				iname, r->f->version, r->f->version);
		if (rc != STRATA_OK) {
			record_failure(m, r, r->np, r->np, "");
			goto restore;
		}
	}
	/* verify before the row says applied; its failure leaves the statements applied and the row failed */
	rc = strata_begin(m->db, NULL);
	if (rc == STRATA_OK) {
		rc = strata__mig_verify_section(
			m, r->f,
			"transaction:false: every statement ran and stays applied; the ledger marks "
			"the migration as failed until verify passes (retrying with "
			"option `retry_failed` verifies again)");
		strata__mig_rollback(m->db);
	}
	if (rc != STRATA_OK) {
		record_failure(m, r, r->np, r->np, "");
		goto restore;
	}
	rc = strata_exec_values(
		m->db,
		"UPDATE strata_migrations SET state = 'applied', note = NULL, duration_ms = ?, applied_at = ?, "
		"checksum = ? WHERE version = ?",
		(const strata_value[]){ STRATA_INT(strata__mig_now_ms() - t0), STRATA_TIMESTAMP(strata_timestamp_now()),
					STRATA_TEXT(r->f->checksum), STRATA_TEXT(r->f->version) },
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
		rc = strata__mig_run_piece(
			m, r, i,
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

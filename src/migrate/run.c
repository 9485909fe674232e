/*
 * Running: up, down and redo.  Each transactional section runs in one
 * transaction together with its ledger change; a dry run or
 * --single-transaction wraps them all in one outer transaction (SQLite:
 * foreign keys off around it, checked before the commit).
 * transaction:false sections go to loose.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "db/batch.h"
#include "migrate/internal.h"
#include "sql/split.h"

/* Batches longer than this run statement by statement: all are written before any answer is read. */
#define BATCH_MAX 200

/*
 * PostgreSQL: can the section, its ledger change and the COMMIT go out in
 * one round trip (pipeline mode)?  Not in a dry run or a single
 * transaction (an outer transaction is open), not with a verify section
 * (its answers decide), not for long sections or statements that may
 * return many rows.
 */
static bool batchable(strata_migrator *m, const strata__section_run *r, bool up)
{
	static const char *const reads[] = { "SELECT", "WITH", "VALUES", "TABLE", "SHOW", "EXPLAIN", "FETCH", "COPY" };
	if (m->backend != STRATA_BACKEND_POSTGRES || m->opts.dry_run || m->opts.single_transaction)
		return false;
	if ((up && r->f->verify.present) || r->np == 0 || r->np > BATCH_MAX)
		return false;
	for (size_t i = 0; i < r->np; i++) {
		char w1[16], w2[16];
		strata__mig_words(m, r, i, w1, w2);
		for (size_t k = 0; k < sizeof reads / sizeof reads[0]; k++)
			if (strcmp(w1, reads[k]) == 0)
				return false;
	}
	return true;
}

/* The batched form of run_transactional (see batchable). */
static int run_batched(strata_migrator *m, strata__section_run *r, bool up)
{
	strata__db_batch_item *items = calloc(r->np + 2, sizeof *items);
	char **texts = calloc(r->np, sizeof *texts);
	int rc = STRATA_OK;
	size_t failed = 0;

	if (!items || !texts) {
		rc = strata__error_nomem();
		goto out;
	}
	for (size_t i = 0; i < r->np; i++) {
		texts[i] = strata__strndup(strata__piece_text(r, i), r->pcs[i].len);
		if (!texts[i]) {
			rc = strata__error_nomem();
			goto out;
		}
		items[i + 1].sql = texts[i];
	}
	items[0].sql = "SET LOCAL synchronous_commit = off";
	const strata_value ins[] = { STRATA_TEXT(r->f->version), STRATA_TEXT(r->f->name), STRATA_TEXT(r->f->checksum),
				     STRATA_TEXT(strata__mig_applied_by(m)) };
	const strata_value del[] = { STRATA_TEXT(r->f->version) };
	items[r->np + 1] = up ? (strata__db_batch_item){ strata__ledger_insert_timed_pg_sql, ins, 4 }
			      : (strata__db_batch_item){ strata__ledger_delete_sql, del, 1 };
	/* items[0]: this commit need not wait for the WAL flush when a later one of the run will */
	size_t first = m->defer_flush ? 0 : 1;
	rc = strata__db_exec_batch_tx(m->db, items + first, r->np + 2 - first, &failed);
	failed = failed + first - 1; /* the index of the failed piece; r->np: the ledger, BEGIN or COMMIT */
	if (rc != STRATA_OK && failed < r->np)
		rc = strata__mig_piece_error(r, failed, rc, "nothing from this migration was applied");
	if (rc == STRATA_OK)
		m->unflushed = m->defer_flush; /* a durable commit also flushes all before it */
out:
	for (size_t i = 0; texts && i < r->np; i++)
		free(texts[i]);
	free(texts);
	free(items);
	return rc;
}

/*
 * Run one section in a transaction with its ledger change (insert for up,
 * delete for down).  In a dry run the caller's outer transaction makes this
 * a savepoint, and foreign keys stay as they are.
 */
static int run_transactional(strata_migrator *m, strata__section_run *r, bool up)
{
	bool fk_off = false;
	int64_t fk_before = 0;
	int64_t t0 = strata__mig_now_ms();
	char *seq = NULL;
	int rc;

	if (batchable(m, r, up))
		return run_batched(m, r, up);
	if (!m->opts.dry_run && !m->opts.single_transaction && strata__mig_rebuilds_table(m, r)) {
		int64_t on = 0;
		rc = strata_query_int64(m->db, &on, "PRAGMA foreign_keys", NULL, 0);
		if (rc != STRATA_OK)
			return rc;
		if (on) {
			rc = strata_exec(m->db, "PRAGMA foreign_keys = OFF");
			if (rc != STRATA_OK)
				return rc;
			fk_off = true;
		}
	}
	rc = strata_begin(m->db, NULL);
	if (rc != STRATA_OK)
		goto restore_fk;
	if (fk_off)
		rc = strata__mig_fk_count(m, &fk_before);
	if (rc == STRATA_OK && strata__mig_rebuilds_table(m, r))
		rc = strata__mig_seq_save(m, &seq);
	for (size_t i = 0; i < r->np && rc == STRATA_OK; i++)
		rc = strata__mig_run_piece(
			m, r, i, m->opts.dry_run ? "dry run, rolled back" : "nothing from this migration was applied");
	if (rc == STRATA_OK && seq)
		rc = strata__mig_seq_restore(m, seq);
	if (rc == STRATA_OK && fk_off)
		rc = strata__mig_fk_check(m, r->f, fk_before);
	if (rc == STRATA_OK && up)
		rc = strata__mig_verify_section(
			m, r->f, m->opts.dry_run ? "dry run, rolled back" : "nothing from this migration was applied");
	if (rc == STRATA_OK) {
		if (up)
			rc = strata__ledger_insert(m, r->f->version, r->f->name, r->f->checksum, strata_timestamp_now(),
						   strata__mig_now_ms() - t0, strata__mig_applied_by(m), "applied",
						   NULL);
		else
			rc = strata__ledger_delete(m, r->f->version);
	}
	if (rc == STRATA_OK)
		rc = strata_commit(m->db);
	else
		strata__mig_rollback(m->db);
restore_fk:
	free(seq);
	if (fk_off)
		rc = strata__mig_fk_on(m, rc);
	return rc;
}

/*
 * A run that stopped after a migration committed with synchronous_commit
 * off: one durable commit (an xid makes it write a commit record) flushes
 * the WAL of everything before it, so what the run reports as applied is
 * on disk when it returns.  Keeps the error `rc` of the run when it has one.
 */
static int flush(strata_migrator *m, int rc)
{
	const strata__db_batch_item item = { "SELECT txid_current()", NULL, 0 };
	size_t failed = 0;
	strata__error_saved saved;
	strata__error_save(&saved);
	int frc = strata__db_exec_batch_tx(m->db, &item, 1, &failed);
	char why[600];
	snprintf(why, sizeof why, "%s", strata_error_last()->message);
	strata__error_restore(&saved);
	if (frc == STRATA_OK)
		m->unflushed = false;
	if (frc == STRATA_OK || rc != STRATA_OK)
		return rc;
	return strata__error_set(frc, "the migrations ran, but making their commits durable failed: %s", why);
}

/*
 * Run the up (or down) sections of `files` in order, stopping at the first
 * failure; in a dry run all inside one transaction that is rolled back
 * (transaction:false sections cannot be tried there and are left out).
 * Writes the schema file when anything ran.
 */
static int run_files(strata_migrator *m, strata__migration **files, size_t n, bool up, size_t *done)
{
	bool outer = false, fk_off = false;
	int64_t fk_before = 0;
	int rc = STRATA_OK;

	*done = 0;
	if (m->opts.single_transaction && !m->opts.dry_run)
		for (size_t i = 0; i < n; i++) {
			const strata__mig_section *s = up ? &files[i]->up : &files[i]->down;
			if (!s->transaction)
				return strata__error_set_at(STRATA_EMIGRATE, files[i]->path, s->line, 1,
							    "%s is transaction:false, so it cannot run inside a single "
							    "transaction with the others; nothing was run",
							    files[i]->version);
		}
	bool any_rebuild = false;
	for (size_t i = 0; m->opts.dry_run && m->backend == STRATA_BACKEND_SQLITE && i < n && !any_rebuild; i++) {
		strata__section_run r;
		const strata__mig_section *s = up ? &files[i]->up : &files[i]->down;
		rc = strata__mig_split(m, files[i], s, up ? "up" : "down", &r);
		if (rc != STRATA_OK)
			return rc;
		any_rebuild = s->transaction && strata__mig_rebuilds_table(m, &r);
		free(r.pcs);
	}
	if (((m->opts.single_transaction && !m->opts.dry_run) || any_rebuild) && m->backend == STRATA_BACKEND_SQLITE &&
	    n > 0) {
		/* rebuilds inside the one transaction: foreign keys off around it, checked before commit */
		int64_t on = 0;
		rc = strata_query_int64(m->db, &on, "PRAGMA foreign_keys", NULL, 0);
		if (rc == STRATA_OK && on)
			rc = strata_exec(m->db, "PRAGMA foreign_keys = OFF");
		if (rc != STRATA_OK)
			return rc;
		fk_off = on != 0;
	}
	if (m->opts.dry_run || m->opts.single_transaction) {
		rc = strata_begin(m->db, NULL);
		if (rc != STRATA_OK)
			goto restore_fk;
		outer = true;
		if (up)
			rc = strata__ledger_ensure(m);
		if (rc == STRATA_OK && fk_off)
			rc = strata__mig_fk_count(m, &fk_before);
	}
	for (size_t i = 0; i < n && rc == STRATA_OK; i++) {
		strata__migration *f = files[i];
		const strata__mig_section *s = up ? &f->up : &f->down;
		strata__section_run r;
		if (m->opts.progress)
			m->opts.progress(i, n, f->version, f->name, m->opts.progress_ud);
		rc = strata__mig_split(m, f, s, up ? "up" : "down", &r);
		if (rc != STRATA_OK)
			break;
		if (s->transaction) {
			m->defer_flush = i + 1 < n;
			rc = run_transactional(m, &r, up);
			m->defer_flush = false;
		} else if (m->opts.dry_run) {
			/* cannot be tried inside a transaction */
		} else if (up) {
			rc = strata__mig_run_loose_up(m, &r, strata__mig_resume_at(strata__mig_row(m, f->version)));
		} else {
			rc = strata__mig_run_loose_down(m, &r);
		}
		free(r.pcs);
		if (rc == STRATA_OK)
			(*done)++;
	}
	if (m->unflushed)
		rc = flush(m, rc);
	if (m->opts.progress && rc == STRATA_OK && n > 0)
		m->opts.progress(n, n, "", "", m->opts.progress_ud);
	if (outer && fk_off && rc == STRATA_OK)
		rc = strata__mig_fk_check(m, files[n - 1], fk_before);
	if (outer && (m->opts.dry_run || rc != STRATA_OK))
		strata__mig_rollback(m->db);
	else if (outer)
		rc = strata_commit(m->db);
	if (rc != STRATA_OK && outer && !m->opts.dry_run)
		*done = 0; /* the single transaction took them all back */
	if (rc == STRATA_OK && *done > 0)
		rc = strata__mig_write_schema(m);
restore_fk:
	if (fk_off)
		rc = strata__mig_fk_on(m, rc);
	return rc;
}

int strata_migrate_up(strata_migrator *m, const char *target, size_t *applied)
{
	strata__migration **list = NULL;
	size_t n = 0, done = 0;
	int rc;

	if (applied)
		*applied = 0;
	if (!m)
		return strata__error_set(STRATA_EINVAL, "strata_migrate_up: m is NULL");
	free(m->last_backup);
	m->last_backup = NULL;
	rc = strata__mig_prepare_run(m, true);
	if (rc != STRATA_OK)
		return rc;
	rc = strata__mig_pending(m, target, &list, &n);
	if (rc != STRATA_OK)
		goto unlock;
	rc = strata__mig_check_nonempty(list, n);
	if (rc == STRATA_OK && n > 0)
		rc = strata__mig_check_dbmate(m);
	if (rc != STRATA_OK)
		goto unlock;
	if (m->opts.safe && !m->opts.dry_run) {
		for (size_t i = 0; i < n; i++)
			if (list[i]->destructive) {
				rc = strata__mig_backup(m, list[i]->version);
				break;
			}
		if (rc != STRATA_OK)
			goto unlock;
	}
	rc = run_files(m, list, n, true, &done);
unlock:
	free(list);
	strata__migrate_unlock(m);
	if (applied)
		*applied = done;
	return rc;
}

int strata_migrate_down(strata_migrator *m, int steps, const char *target, size_t *reverted)
{
	strata_migration_info **list = NULL;
	strata__migration **files = NULL;
	size_t n = 0, done = 0;
	int rc;

	if (reverted)
		*reverted = 0;
	if (!m)
		return strata__error_set(STRATA_EINVAL, "strata_migrate_down: m is NULL");
	if (steps < 0)
		return strata__error_set(STRATA_EINVAL, "option `steps` must be a positive number, not %d", steps);
	free(m->last_backup);
	m->last_backup = NULL;
	rc = strata__mig_prepare_run(m, false);
	if (rc != STRATA_OK)
		return rc;
	rc = strata__mig_reverts(m, steps, target, &list, &n);
	if (rc != STRATA_OK)
		goto unlock;
	/* every one must be revertible before any runs */
	for (size_t i = 0; i < n; i++) {
		strata__migration *f = strata__mig_file(m, list[i]->version);
		if (!f) {
			rc = strata__error_set(STRATA_EMIGRATE, "cannot roll back %s: no file in %s has that version",
					       list[i]->version, m->dir);
			goto unlock;
		}
		if (!f->down.present) {
			rc = strata__error_set_at(
				STRATA_EMIGRATE, f->path, 1, 1,
				"cannot roll back %s: the file has no '-- migrate:down' section; nothing "
				"was rolled back",
				f->version);
			goto unlock;
		}
	}
	if (m->opts.safe && !m->opts.dry_run) {
		for (size_t i = 0; i < n; i++) {
			strata__migration *f = strata__mig_file(m, list[i]->version);
			strata__section_run r;
			bool destructive = false;
			rc = strata__mig_split(m, f, &f->down, "down", &r);
			for (size_t j = 0; rc == STRATA_OK && j < r.np && !destructive; j++)
				destructive = strata__sql_is_destructive(strata__piece_text(&r, j), r.pcs[j].len,
									 m->backend, NULL, 0);
			free(r.pcs);
			if (rc == STRATA_OK && destructive) {
				rc = strata__mig_backup(m, f->version);
				break;
			}
			if (rc != STRATA_OK)
				break;
		}
		if (rc != STRATA_OK)
			goto unlock;
	}
	files = calloc(n + 1, sizeof *files);
	if (!files) {
		rc = strata__error_nomem();
		goto unlock;
	}
	for (size_t i = 0; i < n; i++)
		files[i] = strata__mig_file(m, list[i]->version);
	rc = run_files(m, files, n, false, &done);
unlock:
	free(files);
	free(list);
	strata__migrate_unlock(m);
	if (reverted)
		*reverted = done;
	return rc;
}

int strata_migrate_redo(strata_migrator *m)
{
	if (!m)
		return strata__error_set(STRATA_EINVAL, "strata_migrate_redo: m is NULL");
	int rc = strata__mig_refresh(m);
	if (rc != STRATA_OK)
		return rc;
	const char *newest = NULL;
	for (size_t i = m->ninfo; i-- > 0;)
		if (m->info[i].state != STRATA_MIGRATION_PENDING) {
			newest = m->info[i].version;
			break;
		}
	if (!newest)
		return strata__error_set(STRATA_EMIGRATE, "nothing to redo: no migration is applied");
	char version[128];
	snprintf(version, sizeof version, "%s", newest);
	size_t n = 0;
	rc = strata_migrate_down(m, 1, NULL, &n);
	if (rc == STRATA_OK)
		rc = strata_migrate_up(m, version, &n);
	return rc;
}

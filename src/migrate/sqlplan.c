/*
 * `up --sql` / `down --sql`: the exact SQL a run would send (transaction
 * control, foreign-key pragmas and ledger statements included), built
 * without running anything.  Values are shown as literals; the runner
 * binds them.
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/error.h"
#include "migrate/internal.h"

/* A literal for display only: the runner binds these values, it never pastes them. */
static int put_literal(strata_buf *b, const char *s)
{
	int rc = strata__buf_putc(b, '\'');
	for (const char *p = s; rc == STRATA_OK && *p; p++)
		rc = *p == '\'' ? strata__buf_puts(b, "''") : strata__buf_putc(b, *p);
	return rc == STRATA_OK ? strata__buf_putc(b, '\'') : rc;
}

/* INSERT INTO strata_migrations ... as the runner would bind it. */
static int plan_insert(strata_migrator *m, strata_buf *b, const strata__migration *f, const char *at, const char *state,
		       const char *note)
{
	int rc = strata__buf_puts(b, "INSERT INTO strata_migrations (version, name, checksum, applied_at, duration_ms, "
				     "applied_by, state, note) VALUES (");
	const char *vals[] = { f->version, f->name, f->checksum, at };
	for (size_t i = 0; rc == STRATA_OK && i < 4; i++) {
		rc = put_literal(b, vals[i]);
		if (rc == STRATA_OK)
			rc = strata__buf_puts(b, ", ");
	}
	if (rc == STRATA_OK)
		rc = strata__buf_puts(b, "0, ");
	if (rc == STRATA_OK)
		rc = put_literal(b, strata__mig_applied_by(m));
	if (rc == STRATA_OK)
		rc = strata__buf_printf(b, ", '%s', ", state);
	if (rc == STRATA_OK)
		rc = note ? put_literal(b, note) : strata__buf_puts(b, "NULL");
	return rc == STRATA_OK ? strata__buf_puts(b, ");\n") : rc;
}

static int plan_note(strata_buf *b, const strata__migration *f, size_t done, size_t total)
{
	int rc = strata__buf_printf(
		b,
		"UPDATE strata_migrations SET state = 'running', note = '%zu of %zu statements done' "
		"WHERE version = ",
		done, total);
	if (rc == STRATA_OK)
		rc = put_literal(b, f->version);
	return rc == STRATA_OK ? strata__buf_puts(b, ";\n") : rc;
}

/* One migration's part of the --sql plan: what run_transactional or run_loose_* would send. */
static int plan_section(strata_migrator *m, strata_buf *b, strata__migration *f, bool down, bool fk_on)
{
	const strata__mig_section *s = down ? &f->down : &f->up;
	strata__section_run r;
	char at[STRATA_TIMESTAMP_BUFSZ], note[64];
	int rc = strata__mig_split(m, f, s, down ? "down" : "up", &r);
	if (rc != STRATA_OK)
		return rc;
	bool tx = s->transaction;
	bool fk = tx && fk_on && strata__mig_rebuilds_table(m, &r);
	bool loose_up = !tx && !down;
	strata_timestamp_format(strata_timestamp_now(), at);
	rc = strata__buf_printf(b, "\n-- %s %s_%s (%s)%s\n", down ? "revert" : "apply", f->version, f->name, f->path,
				tx ? "" : " transaction:false");
	if (rc == STRATA_OK && fk)
		rc = strata__buf_puts(b, "PRAGMA foreign_keys = OFF;\n");
	if (rc == STRATA_OK && tx)
		rc = strata__buf_puts(b, m->backend == STRATA_BACKEND_SQLITE ? "BEGIN IMMEDIATE;\n" : "BEGIN;\n");
	if (rc == STRATA_OK && loose_up) {
		rc = strata__buf_puts(b, "DELETE FROM strata_migrations WHERE version = ");
		if (rc == STRATA_OK)
			rc = put_literal(b, f->version);
		if (rc == STRATA_OK)
			rc = strata__buf_puts(b, ";\n");
		snprintf(note, sizeof note, "0 of %zu statements done", r.np);
		if (rc == STRATA_OK)
			rc = plan_insert(m, b, f, at, "running", note);
	}
	for (size_t i = 0; rc == STRATA_OK && i < r.np; i++) {
		rc = strata__buf_printf(b, "%.*s;\n", (int)r.pcs[i].len, strata__piece_text(&r, i));
		if (rc == STRATA_OK && loose_up)
			rc = plan_note(b, f, i + 1, r.np);
	}
	if (rc == STRATA_OK && tx && strata__mig_rebuilds_table(m, &r))
		rc = strata__buf_puts(b, "-- sqlite_sequence values of the rebuilt tables are kept\n");
	if (rc == STRATA_OK && fk)
		rc = strata__buf_puts(b, "PRAGMA foreign_key_check;\n");
	if (rc == STRATA_OK && !down && f->verify.present)
		rc = strata__buf_puts(
			b, "-- the verify section runs here, each statement in a savepoint that is rolled back; "
			   "a failure stops the migration\n");
	if (rc == STRATA_OK && loose_up) {
		rc = strata__buf_printf(b,
					"UPDATE strata_migrations SET state = 'applied', note = NULL, duration_ms = 0, "
					"applied_at = '%s', checksum = '%s' WHERE version = ",
					at, f->checksum);
		if (rc == STRATA_OK)
			rc = put_literal(b, f->version);
		if (rc == STRATA_OK)
			rc = strata__buf_puts(b, ";\n");
	} else if (rc == STRATA_OK && !down) {
		rc = plan_insert(m, b, f, at, "applied", NULL);
	} else if (rc == STRATA_OK) {
		rc = strata__buf_puts(b, "DELETE FROM strata_migrations WHERE version = ");
		if (rc == STRATA_OK)
			rc = put_literal(b, f->version);
		if (rc == STRATA_OK)
			rc = strata__buf_puts(b, ";\n");
	}
	if (rc == STRATA_OK && tx)
		rc = strata__buf_puts(b, "COMMIT;\n");
	if (rc == STRATA_OK && fk)
		rc = strata__buf_puts(b, "PRAGMA foreign_keys = ON;\n");
	free(r.pcs);
	return rc;
}

int strata_migrate_plan_sql(strata_migrator *m, bool down, int steps, const char *target, char **sql)
{
	strata_buf b = STRATA_BUF_INIT;
	int rc;
	if (!m || !sql)
		return strata__error_set(STRATA_EINVAL, "strata_migrate_plan_sql: a NULL argument");
	*sql = NULL;
	rc = strata__mig_refresh(m);
	if (rc == STRATA_OK)
		rc = strata__mig_check_drift(m, !down);
	if (rc != STRATA_OK)
		return rc;
	int64_t fk_on = 0;
	if (m->backend == STRATA_BACKEND_SQLITE) {
		rc = strata_query_int64(m->db, &fk_on, "PRAGMA foreign_keys", NULL, 0);
		if (rc != STRATA_OK)
			return rc;
	}
	rc = strata__buf_printf(&b, "-- strata migrate %s: the SQL it would run (nothing was run)\n",
				down ? "down" : "up");
	if (rc == STRATA_OK)
		rc = strata__buf_printf(
			&b, "%s;\n",
			m->backend == STRATA_BACKEND_SQLITE
				? "CREATE TABLE IF NOT EXISTS strata_migrations (version TEXT PRIMARY KEY, name TEXT "
				  "NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL, duration_ms INTEGER NOT "
				  "NULL, applied_by TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'applied', note TEXT)"
				: "CREATE TABLE IF NOT EXISTS strata_migrations (version text PRIMARY KEY, name text "
				  "NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL, duration_ms "
				  "bigint NOT NULL, applied_by text NOT NULL, state text NOT NULL DEFAULT 'applied', "
				  "note text)");
	if (rc != STRATA_OK)
		goto done;
	if (!down) {
		strata__migration **list = NULL;
		size_t n = 0;
		rc = strata__mig_pending(m, target, &list, &n);
		if (rc == STRATA_OK)
			rc = strata__mig_check_nonempty(list, n);
		if (rc == STRATA_OK && n > 0)
			rc = strata__mig_check_dbmate(m);
		for (size_t i = 0; rc == STRATA_OK && i < n; i++)
			rc = plan_section(m, &b, list[i], false, fk_on != 0);
		if (rc == STRATA_OK && n == 0)
			rc = strata__buf_puts(&b, "-- nothing to apply: the database is up to date\n");
		free(list);
	} else {
		strata_migration_info **list = NULL;
		size_t n = 0;
		rc = strata__mig_reverts(m, steps, target, &list, &n);
		for (size_t i = 0; rc == STRATA_OK && i < n; i++) {
			strata__migration *f = strata__mig_file(m, list[i]->version);
			if (!f || !f->down.present)
				rc = strata__error_set(STRATA_EMIGRATE, "cannot roll back %s: %s", list[i]->version,
						       f ? "the file has no '-- migrate:down' section"
							 : "no file has that version");
			else
				rc = plan_section(m, &b, f, true, fk_on != 0);
		}
		if (rc == STRATA_OK && n == 0)
			rc = strata__buf_puts(&b, "-- nothing to roll back\n");
		free(list);
	}
	if (rc == STRATA_OK) {
		*sql = strata__buf_detach(&b);
		rc = *sql ? STRATA_OK : STRATA_ENOMEM;
	}
done:
	strata__buf_free(&b);
	return rc;
}

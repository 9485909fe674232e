/*
 * One section of one migration, statement by statement: splitting it,
 * running a statement with its file:line in the error, and SQLite's
 * foreign-key guard around table rebuilds (is it a rebuild; how many rows
 * break a foreign key before and after).  Shared by the runner's files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "migrate/internal.h"
#include "sql/split.h"

int strata__mig_split(strata_migrator *m, strata__migration *f, const strata__mig_section *s, const char *label,
		      strata__section_run *r)
{
	r->f = f;
	r->s = s;
	r->label = label;
	r->pcs = NULL;
	r->np = 0;
	if (!s->present)
		return STRATA_OK;
	return strata__sql_split(f->text + s->offset, s->len, m->backend, &r->pcs, &r->np);
}

const char *strata__piece_text(const strata__section_run *r, size_t i)
{
	return r->f->text + r->s->offset + r->pcs[i].offset;
}

int strata__piece_line(const strata__section_run *r, size_t i)
{
	return r->s->line + r->pcs[i].line;
}

/* The error of statement i having failed: file:line, the statement, the database's message. */
int strata__mig_piece_error(const strata__section_run *r, size_t i, int rc, const char *what)
{
	const strata_error *e = strata_error_last();
	const char *sql = strata__piece_text(r, i);
	char dberr[1200];
	if (e->sqlstate && e->sqlstate[0])
		snprintf(dberr, sizeof dberr, "%s (SQLSTATE %s)", e->message, e->sqlstate);
	else
		snprintf(dberr, sizeof dberr, "%s", e->message);
	int status = rc == STRATA_EBUSY || rc == STRATA_ECONNECT ? rc : STRATA_EMIGRATE;
	int shown = r->pcs[i].len > 160 ? 160 : (int)r->pcs[i].len;
	return strata__error_set_at(status, r->f->path, strata__piece_line(r, i), 1,
				    "%s section of %s, statement %zu of %zu failed: %s; %s. Statement: %.*s%s",
				    r->label, r->f->version, i + 1, r->np, dberr, what, shown, sql,
				    r->pcs[i].len > 160 ? "..." : "");
}

/* Run statement i; on failure, set the error at file:line with the statement. */
int strata__mig_run_piece(strata_migrator *m, const strata__section_run *r, size_t i, const char *what)
{
	char *sql = strata__strndup(strata__piece_text(r, i), r->pcs[i].len);
	if (!sql)
		return STRATA_ENOMEM;
	int rc = strata_exec(m->db, sql);
	if (rc != STRATA_OK)
		rc = strata__mig_piece_error(r, i, rc, what);
	free(sql);
	return rc;
}

void strata__mig_words(strata_migrator *m, const strata__section_run *r, size_t i, char w1[16], char w2[16])
{
	size_t pos = 0;
	const char *t = strata__piece_text(r, i);
	w1[0] = w2[0] = '\0';
	if (strata__sql_next_word(t, r->pcs[i].len, m->backend, &pos, w1, 16))
		strata__sql_next_word(t, r->pcs[i].len, m->backend, &pos, w2, 16);
}

bool strata__mig_rebuilds_table(strata_migrator *m, const strata__section_run *r)
{
	if (m->backend != STRATA_BACKEND_SQLITE)
		return false;
	if (r->s->fk_off)
		return true;
	for (size_t i = 0; i < r->np; i++) {
		char w1[16], w2[16];
		strata__mig_words(m, r, i, w1, w2);
		if ((strcmp(w1, "DROP") == 0 || strcmp(w1, "ALTER") == 0) && strcmp(w2, "TABLE") == 0)
			return true;
	}
	return false;
}

/*
 * SQLite: sqlite_sequence before a rebuild, as "name\tseq\n" lines
 * (NULL when there is no such table).  A rebuild drops the table and with
 * it its row there; the copy under the new name starts from the largest id
 * copied, so ids of deleted rows would be handed out again.
 */
int strata__mig_seq_save(strata_migrator *m, char **saved)
{
	int rc;
	*saved = NULL;
	if (m->backend != STRATA_BACKEND_SQLITE)
		return STRATA_OK;
	bool exists = strata__table_exists(m->db, "sqlite_sequence", &rc);
	if (rc != STRATA_OK || !exists)
		return rc;
	return strata_query_text(
		m->db, saved,
		"SELECT coalesce(group_concat(name || char(9) || seq || char(10), ''), '') FROM sqlite_sequence", NULL,
		0);
}

/* Give every AUTOINCREMENT table that still exists at least its saved sequence value back. */
int strata__mig_seq_restore(strata_migrator *m, const char *saved)
{
	int rc = STRATA_OK;
	for (const char *p = saved; rc == STRATA_OK && p && *p;) {
		const char *tab = strchr(p, '\t'), *nl = strchr(p, '\n');
		if (!tab || !nl || tab > nl)
			break;
		char name[512];
		snprintf(name, sizeof name, "%.*s", (int)(tab - p), p);
		int64_t seq = strtoll(tab + 1, NULL, 10);
		rc = strata_exec_values(m->db, "UPDATE sqlite_sequence SET seq = ? WHERE name = ? AND seq < ?",
					(const strata_value[]){ STRATA_INT(seq), STRATA_TEXT(name), STRATA_INT(seq) },
					3, NULL);
		if (rc == STRATA_OK)
			rc = strata_exec_values(
				m->db,
				"INSERT INTO sqlite_sequence (name, seq) SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM "
				"sqlite_sequence WHERE name = ?) AND EXISTS (SELECT 1 FROM sqlite_schema WHERE type = "
				"'table' "
				"AND name = ? AND sql LIKE '%AUTOINCREMENT%')",
				(const strata_value[]){ STRATA_TEXT(name), STRATA_INT(seq), STRATA_TEXT(name),
							STRATA_TEXT(name) },
				4, NULL);
		p = nl + 1;
	}
	return rc;
}

/* SQLite: how many rows break a foreign key now. */
int strata__mig_fk_count(strata_migrator *m, int64_t *n)
{
	return strata_query_int64(m->db, n, "SELECT count(*) FROM pragma_foreign_key_check", NULL, 0);
}

/*
 * SQLite: did the migration break a foreign key?  More violations than
 * `before` (rows that were already broken do not count against it) fails,
 * naming one of them.
 */
int strata__mig_fk_check(strata_migrator *m, const strata__migration *f, int64_t before)
{
	int64_t after = 0;
	strata_stmt *st = NULL;
	int rc = strata__mig_fk_count(m, &after);
	if (rc != STRATA_OK || after <= before)
		return rc;
	rc = strata_prepare(&st, m->db, "PRAGMA foreign_key_check");
	if (rc != STRATA_OK)
		return rc;
	rc = strata_step(st);
	if (rc == STRATA_ROW) {
		const char *table = "?", *parent = "?";
		int64_t rowid = 0;
		strata_column_text(st, 0, &table, NULL);
		if (!strata_column_is_null(st, 1))
			strata_column_int64(st, 1, &rowid);
		strata_column_text(st, 2, &parent, NULL);
		rc = strata__error_set_at(
			STRATA_EMIGRATE, f->path, f->up.line, 1,
			"migration %s leaves %lld broken foreign key%s (e.g. row %lld of %s references a "
			"missing row of %s); nothing was applied",
			f->version, (long long)(after - before), after - before == 1 ? "" : "s", (long long)rowid,
			table ? table : "?", parent ? parent : "?");
	} else if (rc == STRATA_DONE) {
		rc = STRATA_OK;
	}
	strata_finalize(st);
	return rc;
}

int64_t strata__mig_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void strata__mig_rollback(strata_db *db)
{
	strata__error_saved saved;
	strata__error_save(&saved);
	strata_rollback(db);
	strata__error_restore(&saved);
}

int strata__mig_fk_on(strata_migrator *m, int rc)
{
	strata__error_saved saved;
	strata__error_save(&saved);
	int frc = strata_exec(m->db, "PRAGMA foreign_keys = ON");
	strata__error_restore(&saved);
	return rc == STRATA_OK ? frc : rc;
}

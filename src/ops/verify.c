/*
 * strata_backup_verify: open a backup and compare it with its source.
 * The file is read as a restore would read it (ops/archive.c: SQLite
 * quick_check, PostgreSQL the whole archive), and each table's rows are
 * compared with the source's.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "ops/internal.h"

void strata_backup_verification_free(strata_backup_verification *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->ntables; i++)
		free(v->tables[i].name);
	free(v->tables);
	free(v->problem);
	free(v);
}

static void problem(strata_backup_verification *v, const char *fmt, ...) STRATA_PRINTF(2, 3);
static void problem(strata_backup_verification *v, const char *fmt, ...)
{
	va_list ap;
	v->ok = false;
	va_start(ap, fmt);
	strata__ops_note(&v->problem, fmt, ap); /* NULL after ENOMEM: strata_backup_verify sees it */
	va_end(ap);
}

/* The source's tables beside the backup's: every source table must be in the backup with as many rows. */
static int compare(strata_db *db, const strata__ops_backup *b, strata_backup_verification *v)
{
	strata__ops_rows *src = NULL;
	size_t n = 0;
	int rc = strata__ops_count_tables(db, false, &src, &n);
	if (rc != STRATA_OK)
		return rc;
	v->tables = calloc(n ? n : 1, sizeof *v->tables);
	if (!v->tables) {
		strata__ops_rows_free(src, n);
		return strata__error_nomem();
	}
	for (size_t i = 0; i < n; i++) {
		strata_backup_table_check *t = &v->tables[v->ntables];
		const strata__ops_rows *in =
			b->problem ? NULL : strata__ops_rows_find(b->tables, b->ntables, src[i].name);
		t->name = src[i].name;
		src[i].name = NULL;
		t->source_rows = src[i].rows;
		t->backup_rows = in ? in->rows : -1;
		v->ntables++;
		if (!b->problem && !in)
			problem(v, "table %s is missing from the backup", t->name);
		else if (in && in->rows != t->source_rows)
			problem(v,
				"table %s has %lld rows in the backup and %lld in the database (did it change "
				"meanwhile?)",
				t->name, (long long)in->rows, (long long)t->source_rows);
	}
	strata__ops_rows_free(src, n);
	return STRATA_OK;
}

int strata_backup_verify(strata_db *db, const char *path, strata_backup_verification **out)
{
	strata__ops_backup b;
	if (!db || !path || !out)
		return strata__error_set(STRATA_EINVAL, "strata_backup_verify: NULL argument");
	*out = NULL;
	strata_backup_verification *v = calloc(1, sizeof *v);
	if (!v)
		return strata__error_nomem();
	v->ok = true;
	int rc = strata__ops_read_backup(strata_db_backend(db), db, path, false, NULL, &b);
	if (rc != STRATA_OK) {
		strata_backup_verification_free(v);
		return rc == STRATA_ENOTFOUND || rc == STRATA_EIO ? strata__ops_error_context("verify") : rc;
	}
	v->bytes = b.bytes;
	if (b.problem)
		problem(v, "%s", b.problem);
	rc = compare(db, &b, v);
	strata__ops_backup_free(&b);
	if (rc == STRATA_OK && !v->ok && !v->problem)
		rc = strata__error_nomem();
	if (rc != STRATA_OK) {
		strata_backup_verification_free(v);
		return rc;
	}
	*out = v;
	return STRATA_OK;
}

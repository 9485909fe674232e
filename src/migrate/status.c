/*
 * Status: the files and the ledger side by side.  Reads the ledger (never
 * creating it), matches each row to its file by version, and builds the
 * strata_migration_info list every other command plans from.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "migrate/internal.h"

/* Files are sorted by version (strata__migrations_load) and so are ledger rows (strata__mig_refresh). */
static int version_key_cmp(const void *key, const void *elem, size_t off)
{
	return strata__version_cmp(key, *(char *const *)((const char *)elem + off));
}

static int file_key_cmp(const void *key, const void *elem)
{
	return version_key_cmp(key, elem, offsetof(strata__migration, version));
}

static int row_key_cmp(const void *key, const void *elem)
{
	return version_key_cmp(key, elem, offsetof(strata__ledger_row, version));
}

static int row_cmp(const void *a, const void *b)
{
	return strata__version_cmp(((const strata__ledger_row *)a)->version, ((const strata__ledger_row *)b)->version);
}

strata__migration *strata__mig_file(strata_migrator *m, const char *version)
{
	if (!m->nfiles)
		return NULL;
	return bsearch(version, m->files, m->nfiles, sizeof *m->files, file_key_cmp);
}

strata__ledger_row *strata__mig_row(strata_migrator *m, const char *version)
{
	if (!m->nrows)
		return NULL;
	return bsearch(version, m->rows, m->nrows, sizeof *m->rows, row_key_cmp);
}

static int info_cmp(const void *a, const void *b)
{
	const strata_migration_info *x = a, *y = b;
	return strata__version_cmp(x->version, y->version);
}

/* Build m->info from the files and m->rows (already read). */
static int build_info(strata_migrator *m)
{
	free(m->info);
	m->info = NULL;
	m->ninfo = 0;
	strata_migration_info *info = calloc(m->nfiles + m->nrows + 1, sizeof *info);
	if (!info)
		return strata__error_nomem();
	size_t n = 0;
	const char *newest = NULL;
	for (size_t i = 0; i < m->nrows; i++)
		if (!newest || strata__version_cmp(m->rows[i].version, newest) > 0)
			newest = m->rows[i].version;
	for (size_t i = 0; i < m->nfiles; i++) {
		strata__migration *f = &m->files[i];
		strata__ledger_row *r = strata__mig_row(m, f->version);
		strata_migration_info *it = &info[n++];
		it->version = f->version;
		it->name = f->name;
		it->file = f->path;
		it->transactional = f->up.transaction;
		it->has_down = f->down.present;
		it->has_verify = f->verify.present;
		it->destructive = f->destructive;
		it->destructive_why = f->destructive_why ? f->destructive_why : "";
		it->checksum = f->checksum;
		it->applied_by = "";
		it->note = "";
		if (!r) {
			it->state = STRATA_MIGRATION_PENDING;
			it->out_of_order = newest && strata__version_cmp(f->version, newest) < 0;
			continue;
		}
		it->applied_at = r->applied_at;
		it->duration_ms = r->duration_ms;
		it->applied_by = r->applied_by;
		it->note = r->note;
		if (strcmp(r->state, "failed") == 0)
			it->state = STRATA_MIGRATION_FAILED;
		else if (strcmp(r->state, "running") == 0)
			it->state = STRATA_MIGRATION_RUNNING;
		else if (r->checksum[0] && strcmp(r->checksum, f->checksum) != 0)
			it->state = STRATA_MIGRATION_CHANGED;
		else
			it->state = STRATA_MIGRATION_APPLIED;
	}
	for (size_t i = 0; i < m->nrows; i++) {
		strata__ledger_row *r = &m->rows[i];
		if (strata__mig_file(m, r->version))
			continue;
		strata_migration_info *it = &info[n++];
		it->version = r->version;
		it->name = r->name;
		it->file = "";
		it->state = STRATA_MIGRATION_MISSING;
		it->transactional = true;
		it->destructive_why = "";
		it->checksum = r->checksum;
		it->applied_at = r->applied_at;
		it->duration_ms = r->duration_ms;
		it->applied_by = r->applied_by;
		it->note = r->note;
	}
	qsort(info, n, sizeof *info, info_cmp);
	m->info = info;
	m->ninfo = n;
	return STRATA_OK;
}

int strata__mig_refresh(strata_migrator *m)
{
	int rc = strata__ledger_read(m);
	if (rc == STRATA_OK && m->nrows > 1)
		qsort(m->rows, m->nrows, sizeof *m->rows, row_cmp);
	if (rc == STRATA_OK)
		rc = build_info(m);
	return rc;
}

int strata_migrate_status(strata_migrator *m, const strata_migration_info **items, size_t *count)
{
	if (!m || !items || !count)
		return strata__error_set(STRATA_EINVAL, "strata_migrate_status: a NULL argument");
	int rc = strata__mig_refresh(m);
	*items = m->info;
	*count = rc == STRATA_OK ? m->ninfo : 0;
	return rc;
}

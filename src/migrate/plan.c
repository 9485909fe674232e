/*
 * Planning a run: take the lock, make sure the ledger exists, read it and
 * check drift; then which files up applies (pending, up to a target) and
 * which applied versions down reverts (newest first).
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "migrate/internal.h"

/* Lock, make sure the ledger exists, read it, check drift.  Undo with unlock. */
int strata__mig_prepare_run(strata_migrator *m, bool up)
{
	int rc = strata__migrate_lock(m);
	if (rc != STRATA_OK)
		return rc;
	if (!m->opts.dry_run)
		rc = strata__ledger_ensure(m);
	if (rc == STRATA_OK)
		rc = strata__mig_refresh(m);
	if (rc == STRATA_OK)
		rc = strata__mig_check_drift(m, up);
	if (rc != STRATA_OK)
		strata__migrate_unlock(m);
	return rc;
}

/* The pending files up to target, in order.  *list is an array of pointers (free()). */
int strata__mig_pending(strata_migrator *m, const char *target, strata__migration ***list, size_t *n)
{
	*list = NULL;
	*n = 0;
	if (target && !strata__mig_file(m, target))
		return strata__error_set(STRATA_ENOTFOUND, "no migration in %s has version %s", m->dir, target);
	strata__migration **arr = calloc(m->nfiles + 1, sizeof *arr);
	if (!arr)
		return strata__error_nomem();
	size_t k = 0;
	for (size_t i = 0; i < m->ninfo; i++) {
		const strata_migration_info *it = &m->info[i];
		if (it->state != STRATA_MIGRATION_PENDING && it->state != STRATA_MIGRATION_FAILED &&
		    it->state != STRATA_MIGRATION_RUNNING)
			continue;
		if (target && strata__version_cmp(it->version, target) > 0)
			continue;
		arr[k++] = strata__mig_file(m, it->version);
	}
	*list = arr;
	*n = k;
	return STRATA_OK;
}

/* Applied versions to revert, newest first. */
int strata__mig_reverts(strata_migrator *m, int steps, const char *target, strata_migration_info ***list, size_t *n)
{
	*list = NULL;
	*n = 0;
	bool all = target && strcmp(target, "0") == 0;
	if (target && !all) {
		strata__ledger_row *r = strata__mig_row(m, target);
		if (!r)
			return strata__error_set(STRATA_ENOTFOUND,
						 "version %s is not applied, so it cannot be the target "
						 "of down (option `target` 0 rolls back everything)",
						 target);
	}
	if (!target && steps <= 0)
		steps = 1;
	strata_migration_info **arr = calloc(m->ninfo + 1, sizeof *arr);
	if (!arr)
		return strata__error_nomem();
	size_t k = 0;
	for (size_t i = m->ninfo; i-- > 0;) {
		strata_migration_info *it = &m->info[i];
		if (it->state == STRATA_MIGRATION_PENDING)
			continue;
		if (target && !all && strata__version_cmp(it->version, target) <= 0)
			break;
		if (!target && (int)k >= steps)
			break;
		arr[k++] = it;
	}
	*list = arr;
	*n = k;
	return STRATA_OK;
}

int strata__mig_check_dbmate(strata_migrator *m)
{
	int rc = STRATA_OK;
	int64_t n = 0;
	if (m->nrows > 0 || !strata__table_exists(m->db, "schema_migrations", &rc))
		return rc;
	rc = strata_query_int64(m->db, &n, "SELECT count(*) FROM schema_migrations", NULL, 0);
	if (rc == STRATA_OK && n > 0)
		rc = strata__error_set(
			STRATA_EMIGRATE,
			"this database has dbmate's ledger (schema_migrations, %lld version%s) and no Strata "
			"ledger yet, so every migration would run again; run `strata migrate adopt` to import "
			"it, then `strata migrate up`. Nothing was run",
			(long long)n, n == 1 ? "" : "s");
	return rc;
}

int strata__mig_check_nonempty(strata__migration **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (list[i]->up_statements == 0)
			return strata__error_set_at(
				STRATA_EMIGRATE, list[i]->path, list[i]->up.line, 1,
				"the up section of %s has no statements (an untouched `strata migrate "
				"new` template?); write what it should do, or delete the file. Nothing "
				"was run",
				list[i]->version);
	return STRATA_OK;
}

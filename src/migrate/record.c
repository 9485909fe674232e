/*
 * Recording without running: baseline (every migration up to a version)
 * and adopt (dbmate's schema_migrations ledger).
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/error.h"
#include "migrate/internal.h"

int strata_migrate_baseline(strata_migrator *m, const char *version, size_t *recorded)
{
	size_t n = 0;
	int rc;
	if (recorded)
		*recorded = 0;
	if (!m || !version || !*version)
		return strata__error_set(STRATA_EINVAL, "baseline needs a VERSION");
	if (!strata__mig_file(m, version))
		return strata__error_set(STRATA_ENOTFOUND, "no migration in %s has version %s", m->dir, version);
	rc = strata__migrate_lock(m);
	if (rc != STRATA_OK)
		return rc;
	rc = strata__ledger_ensure(m);
	if (rc == STRATA_OK)
		rc = strata__mig_refresh(m);
	if (rc == STRATA_OK)
		rc = strata_begin(m->db, NULL);
	if (rc != STRATA_OK)
		goto unlock;
	char by[400];
	snprintf(by, sizeof by, "%s (baseline)", strata__mig_applied_by(m));
	for (size_t i = 0; rc == STRATA_OK && i < m->nfiles; i++) {
		strata__migration *f = &m->files[i];
		if (strata__version_cmp(f->version, version) > 0 || strata__mig_row(m, f->version))
			continue;
		rc = strata__ledger_insert(m, f->version, f->name, f->checksum, strata_timestamp_now(), 0, by,
					   "applied", NULL);
		n++;
	}
	if (rc == STRATA_OK)
		rc = strata_commit(m->db);
	else
		strata__mig_rollback(m->db);
unlock:
	strata__migrate_unlock(m);
	if (recorded)
		*recorded = rc == STRATA_OK ? n : 0;
	return rc;
}

int strata_migrate_adopt(strata_migrator *m, size_t *imported)
{
	strata_stmt *st = NULL;
	char **versions = NULL;
	size_t nv = 0, cap = 0, n = 0;
	int rc;

	if (imported)
		*imported = 0;
	if (!m)
		return strata__error_set(STRATA_EINVAL, "strata_migrate_adopt: m is NULL");
	bool exists = strata__table_exists(m->db, "schema_migrations", &rc);
	if (rc != STRATA_OK)
		return rc;
	if (!exists)
		return strata__error_set(
			STRATA_ENOTFOUND,
			"there is no dbmate ledger (table schema_migrations) in this database to adopt");
	rc = strata__migrate_lock(m);
	if (rc != STRATA_OK)
		return rc;
	rc = strata__ledger_ensure(m);
	if (rc == STRATA_OK)
		rc = strata__mig_refresh(m);
	if (rc == STRATA_OK)
		rc = strata_prepare(&st, m->db, "SELECT version FROM schema_migrations ORDER BY version");
	while (rc == STRATA_OK && (rc = strata_step(st)) == STRATA_ROW) {
		const char *v = NULL;
		rc = STRATA_OK;
		if (strata_column_text(st, 0, &v, NULL) != STRATA_OK || !v)
			continue;
		if (nv == cap) {
			size_t nc = cap ? cap * 2 : 32;
			char **na = realloc(versions, nc * sizeof *na);
			if (!na) {
				rc = strata__error_nomem();
				break;
			}
			versions = na;
			cap = nc;
		}
		versions[nv] = strata__strdup(v);
		if (!versions[nv]) {
			rc = STRATA_ENOMEM;
			break;
		}
		nv++;
	}
	strata_finalize(st);
	if (rc == STRATA_DONE)
		rc = STRATA_OK;
	if (rc == STRATA_OK)
		rc = strata_begin(m->db, NULL);
	if (rc != STRATA_OK)
		goto unlock;
	char by[400];
	snprintf(by, sizeof by, "%s (adopted from dbmate)", strata__mig_applied_by(m));
	for (size_t i = 0; rc == STRATA_OK && i < nv; i++) {
		if (strata__mig_row(m, versions[i]))
			continue;
		strata__migration *f = strata__mig_file(m, versions[i]);
		rc = strata__ledger_insert(m, versions[i], f ? f->name : "", f ? f->checksum : "",
					   strata_timestamp_now(), 0, by, "applied", NULL);
		n++;
	}
	if (rc == STRATA_OK)
		rc = strata_commit(m->db);
	else
		strata__mig_rollback(m->db);
unlock:
	for (size_t i = 0; i < nv; i++)
		free(versions[i]);
	free(versions);
	strata__migrate_unlock(m);
	if (imported)
		*imported = rc == STRATA_OK ? n : 0;
	return rc;
}

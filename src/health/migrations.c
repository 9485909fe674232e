/*
 * The migrations check, through the public migration API: pending
 * migrations, drift (applied files edited or gone) and migrations left
 * failed or interrupted part-way.
 */
#include <sys/stat.h>

#include <strata/migrate.h>

#include "health/internal.h"

void strata__check_migrations(strata__hrun *r)
{
	struct stat sb;
	const char *dir = r->o.migrations_dir;
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		strata__health_missing(r, r->named_migrations, "migrations directory", dir);
		return;
	}
	strata_migrate_options mo = STRATA_MIGRATE_OPTIONS_INIT;
	mo.dir = dir;
	strata_migrator *m = NULL;
	const strata_migration_info *items = NULL;
	size_t n = 0, applied = 0, pending = 0, drift = 0, failed = 0;
	if (strata_migrator_open(&m, r->db, &mo) != STRATA_OK) {
		strata__health_find(r, STRATA_HEALTH_FAILURE, "migrations_unreadable", dir,
				    "fix the file the message names", "cannot read the migrations: %s",
				    strata_error_last()->message);
		return;
	}
	if (strata_migrate_status(m, &items, &n) != STRATA_OK) {
		strata__health_query_failed(r, "reading the migration ledger");
		goto free_migrator;
	}
	for (size_t i = 0; i < n; i++) {
		const strata_migration_info *it = &items[i];
		switch (it->state) {
		case STRATA_MIGRATION_APPLIED: applied++; break;
		case STRATA_MIGRATION_PENDING:
			pending++;
			strata__health_find(r, STRATA_HEALTH_WARNING, "pending_migration", it->file,
					    it->out_of_order
						    ? "it is older than the newest applied one: apply it with "
						      "`strata migrate up --allow-out-of-order` after checking it"
						    : "apply it with `strata migrate up`",
					    "migration %s_%s is not applied%s", it->version, it->name,
					    it->out_of_order ? " (out of order)" : "");
			break;
		case STRATA_MIGRATION_CHANGED:
			applied++;
			drift++;
			strata__health_find(
				r, STRATA_HEALTH_FAILURE, "changed_migration", it->file,
				"restore the file as it was applied (git), and put the change in a new migration",
				"migration %s_%s was edited after it was applied (checksum %.12s... differs)",
				it->version, it->name, it->checksum);
			break;
		case STRATA_MIGRATION_MISSING:
			applied++;
			drift++;
			strata__health_find(r, STRATA_HEALTH_WARNING, "missing_migration", it->version,
					    "restore the file, or check that this code belongs with this database",
					    "migration %s_%s is applied but has no file in %s", it->version, it->name,
					    dir);
			break;
		case STRATA_MIGRATION_FAILED:
		case STRATA_MIGRATION_RUNNING:
			failed++;
			strata__health_find(r, STRATA_HEALTH_FAILURE, "failed_migration", it->file,
					    "finish or undo it by hand, then `strata migrate up --retry-failed`",
					    "migration %s_%s %s part-way%s%s", it->version, it->name,
					    it->state == STRATA_MIGRATION_FAILED ? "failed" : "was interrupted",
					    *it->note ? ": " : "", it->note);
			break;
		}
	}
	strata__health_figure(r, "applied", (double)applied, "count");
	strata__health_figure(r, "pending", (double)pending, "count");
	strata__health_figure(r, "drifted", (double)drift, "count");
	strata__health_figure(r, "failed", (double)failed, "count");
	if (r->check->level == STRATA_HEALTH_OK)
		strata__health_summary(r, "%zu applied, none pending, no drift", applied);
	else
		strata__health_summary(r, "%zu applied, %zu pending, %zu drifted, %zu failed", applied, pending, drift,
				       failed);
free_migrator:
	strata_migrator_free(m);
}

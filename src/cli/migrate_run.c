/*
 * `strata migrate up|down|redo`: warnings and lint on pending migrations,
 * the run, and the report of what it applied or reverted (text or JSON).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "migrate.h"

/* Copy of the versions in a given state (so they survive the next status call). */
typedef struct vlist {
	char **v;
	size_t n;
} vlist;

static void vlist_free(vlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static bool vlist_has(const vlist *l, const char *v)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], v) == 0)
			return true;
	return false;
}

static int snapshot(mig_ctx *x, bool applied, vlist *out)
{
	const strata_migration_info *it;
	size_t n;
	if (strata_migrate_status(x->m, &it, &n) != STRATA_OK)
		return mig_fail(x);
	out->v = calloc(n + 1, sizeof *out->v);
	if (!out->v) {
		cli_errorf("out of memory");
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		bool is_applied = it[i].state == STRATA_MIGRATION_APPLIED || it[i].state == STRATA_MIGRATION_CHANGED ||
				  it[i].state == STRATA_MIGRATION_MISSING;
		if (is_applied == applied) {
			out->v[out->n] = strdup(it[i].version);
			if (!out->v[out->n]) {
				cli_errorf("out of memory");
				return 1;
			}
			out->n++;
		}
	}
	return 0;
}

static const strata_migration_info *find_info(const strata_migration_info *it, size_t n, const char *v)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(it[i].version, v) == 0)
			return &it[i];
	return NULL;
}

/*
 * Did another runner change this migration while this one waited for the
 * lock?  It was pending (up) or applied (down) before, it is applied (up)
 * or pending (down) now, and this process did not run it.
 */
static bool by_other(const mig_ctx *x, bool up, const vlist *before, const strata_migration_info *it, size_t count)
{
	bool was = vlist_has(before, it->version);
	bool changed = up ? it->state == STRATA_MIGRATION_APPLIED : it->state == STRATA_MIGRATION_PENDING;
	if (!was || !changed)
		return false;
	for (size_t i = 0; i < count && i < x->nran; i++)
		if (strcmp(x->ran[i], it->version) == 0)
			return false;
	return true;
}

/*
 * Print what this process applied or reverted, in the order it ran them
 * (the versions the progress callback saw: the first `count` completed),
 * and what another runner did meanwhile (`before`: pending or applied
 * versions before the run).
 */
static int report_run(mig_ctx *x, bool up, const vlist *before, int rc_run, size_t count)
{
	const strata_migration_info *it;
	size_t n;
	if (strata_migrate_status(x->m, &it, &n) != STRATA_OK)
		n = 0;
	size_t would = count; /* a dry run: how many would have run */
	if (x->o.dry_run || count > x->nran)
		count = x->o.dry_run ? 0 : x->nran;
	size_t others = 0;
	for (size_t i = 0; i < n && !x->o.dry_run; i++)
		others += by_other(x, up, before, &it[i], count);
	const char *backup = strata_migrate_last_backup(x->m);
	if (x->o.json) {
		printf("{\"ok\":%s,\"dry_run\":%s,\"%s\":[", rc_run == STRATA_OK ? "true" : "false",
		       x->o.dry_run ? "true" : "false", up ? "applied" : "reverted");
		for (size_t i = 0; i < count; i++) {
			const strata_migration_info *m = find_info(it, n, x->ran[i]);
			printf("%s{\"version\":", i ? "," : "");
			mig_json_str(stdout, x->ran[i]);
			printf(",\"name\":");
			mig_json_str(stdout, m ? m->name : "");
			if (up)
				printf(",\"duration_ms\":%lld", m ? (long long)m->duration_ms : 0LL);
			printf("}");
		}
		printf("],\"count\":%zu,\"%s\":[", count,
		       up ? "applied_by_another_runner" : "reverted_by_another_runner");
		bool first = true;
		for (size_t i = 0; i < n && !x->o.dry_run; i++)
			if (by_other(x, up, before, &it[i], count)) {
				printf("%s", first ? "" : ",");
				mig_json_str(stdout, it[i].version);
				first = false;
			}
		printf("],\"backup\":");
		if (backup)
			mig_json_str(stdout, backup);
		else
			printf("null");
		if (rc_run != STRATA_OK) {
			const strata_error *e = strata_error_last();
			printf(",\"status\":");
			mig_json_str(stdout, strata_status_name(e->status));
			printf(",\"error\":");
			mig_json_str(stdout, cli_text(e->message));
		}
		printf("}\n");
		return rc_run == STRATA_OK ? 0 : 1;
	}
	if (rc_run != STRATA_OK)
		cli_error(NULL);
	if (backup)
		printf("Backup: %s\n", backup);
	if (x->o.dry_run) {
		if (rc_run == STRATA_OK)
			printf("Dry run: %zu migration%s would be %s without error; everything was rolled back.\n",
			       would, would == 1 ? "" : "s", up ? "applied" : "rolled back");
		else
			printf("Dry run: the migration above would fail; everything was rolled back.\n");
		return rc_run == STRATA_OK ? 0 : 1;
	}
	for (size_t i = 0; i < count; i++) {
		const strata_migration_info *m = find_info(it, n, x->ran[i]);
		if (up)
			printf("%sapplied%s  %s_%s (%lld ms)\n", mig_paint(C_GREEN), mig_paint(C_RESET), x->ran[i],
			       m ? m->name : "", m ? (long long)m->duration_ms : 0LL);
		else
			printf("%sreverted%s %s_%s\n", mig_paint(C_YELLOW), mig_paint(C_RESET), x->ran[i],
			       m ? m->name : "");
	}
	if (others) {
		printf("Meanwhile another runner %s %zu migration%s:", up ? "applied" : "rolled back", others,
		       others == 1 ? "" : "s");
		for (size_t i = 0; i < n; i++)
			if (by_other(x, up, before, &it[i], count))
				printf(" %s_%s", it[i].version, it[i].name);
		printf("\n");
	}
	if (rc_run == STRATA_OK) {
		if (count == 0)
			printf(up ? "Nothing to apply: the database is up to date.\n" : "Nothing to roll back.\n");
		else
			printf("%s %zu migration%s.\n", up ? "Applied" : "Rolled back", count, count == 1 ? "" : "s");
		if (x->mo.schema_file && count > 0)
			printf("Schema written to %s\n", x->mo.schema_file);
	}
	return rc_run == STRATA_OK ? 0 : 1;
}

static void warn_pending(mig_ctx *x)
{
	const strata_migration_info *it;
	size_t n;
	if (strata_migrate_status(x->m, &it, &n) != STRATA_OK)
		return;
	for (size_t i = 0; i < n; i++) {
		if (it[i].state != STRATA_MIGRATION_PENDING)
			continue;
		if (x->o.to && strcmp(it[i].version, x->o.to) > 0 && strlen(it[i].version) >= strlen(x->o.to))
			continue;
		if (it[i].destructive && !x->mo.safe)
			mig_warnf("pending migration %s_%s is destructive (%s); run with --safe or "
				  "DB_BACKUP_ON_MIGRATE=true "
				  "to back up first",
				  it[i].version, it[i].name, it[i].destructive_why);
		if (!it[i].transactional && x->o.dry_run)
			mig_warnf("%s_%s is transaction:false: it cannot run inside the dry run's transaction and is "
				  "not tried",
				  it[i].version, it[i].name);
	}
}

/*
 * The destructive and locking lint rules on the pending migrations: print
 * what they find; with --strict, an error-level finding refuses the run
 * (returns 1).  The configuration comes from .strata-lint when there is one.
 */
static int lint_pending(mig_ctx *x)
{
	const strata_migration_info *it;
	size_t n, errors = 0;
	const char *applied = NULL;
	if (strata_migrate_status(x->m, &it, &n) != STRATA_OK)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (it[i].state != STRATA_MIGRATION_PENDING && it[i].state != STRATA_MIGRATION_MISSING)
			applied = it[i].version;
	strata_lint_config *cfg = NULL;
	strata_lint_report *r = NULL;
	char *text = NULL;
	int rc = 0;
	if (strata_lint_config_new(&cfg) != STRATA_OK)
		goto done;
	if (access(".strata-lint", R_OK) == 0 && strata_lint_config_load(cfg, ".strata-lint") != STRATA_OK) {
		cli_error("migrate: .strata-lint");
		rc = x->o.strict;
		goto done;
	}
	/*
	 * Linted against the database they will run on (its schema, not a
	 * replay of the applied files), over the files the migrator read.
	 */
	if (strata_lint_pending_migrator(&r, x->m, applied, cfg, &errors) != STRATA_OK) {
		cli_error("migrate: lint");
		rc = x->o.strict;
		goto done;
	}
	if (strata_lint_report_count(r) && strata_lint_report_format(r, STRATA_LINT_FORMAT_TEXT, &text) == STRATA_OK)
		fputs(text, stderr);
	if (errors && x->o.strict) {
		cli_errorf(
			"migrate: --strict: %zu error-level lint finding%s in pending migrations; nothing was applied "
			"(fix them, or suppress with `-- strata-lint: ignore RULE reason`)",
			errors, errors == 1 ? "" : "s");
		rc = 1;
	}
done:
	free(text);
	strata_lint_report_free(r);
	strata_lint_config_free(cfg);
	return rc;
}

int mig_up_down(mig_ctx *x, bool up, bool redo)
{
	char *sql = NULL;
	vlist before = { NULL, 0 };
	size_t count = 0;
	int rc;

	if (x->o.sql) {
		if (strata_migrate_plan_sql(x->m, !up, x->o.steps, x->o.to, &sql) != STRATA_OK)
			return mig_fail(x);
		fputs(sql, stdout);
		free(sql);
		return 0;
	}
	if (up && !x->o.json)
		warn_pending(x);
	if (up && !redo && lint_pending(x))
		return 1;
	rc = snapshot(x, !up, &before);
	if (rc)
		goto done;
	if (redo)
		rc = strata_migrate_redo(x->m);
	else if (up)
		rc = strata_migrate_up(x->m, x->o.to, &count);
	else
		rc = strata_migrate_down(x->m, x->o.steps, x->o.to, &count);
	if (redo) {
		if (rc != STRATA_OK) {
			rc = mig_fail(x);
		} else {
			const char *v = before.n ? before.v[before.n - 1] : "";
			if (x->o.json) {
				printf("{\"ok\":true,\"redone\":");
				mig_json_str(stdout, v);
				printf("}\n");
			} else {
				printf("Redone %s: rolled back and applied again.\n", v);
			}
			rc = 0;
		}
		goto done;
	}
	rc = report_run(x, up, &before, rc, count);
done:
	vlist_free(&before);
	return rc;
}

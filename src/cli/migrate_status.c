/*
 * `strata migrate status` and `history`: every migration with its state,
 * as a table or JSON, and who holds the lock.
 */
#include <stdlib.h>

#include "cli.h"
#include "migrate.h"

int mig_status(mig_ctx *x, bool history)
{
	const strata_migration_info *it;
	size_t n, applied = 0, pending = 0, drift = 0;
	size_t failed = 0, interrupted = 0, changed = 0, missing = 0, out_of_order = 0;
	char *holder = NULL;
	if (strata_migrate_lock_holder(x->m, &holder) != STRATA_OK)
		return mig_fail(x);
	if (strata_migrate_status(x->m, &it, &n) != STRATA_OK) {
		free(holder);
		return mig_fail(x);
	}
	/* true counts: failed and interrupted migrations are not applied */
	for (size_t i = 0; i < n; i++) {
		switch (it[i].state) {
		case STRATA_MIGRATION_PENDING: pending++; break;
		case STRATA_MIGRATION_APPLIED: applied++; break;
		case STRATA_MIGRATION_CHANGED: applied++, changed++; break;
		case STRATA_MIGRATION_MISSING: applied++, missing++; break;
		case STRATA_MIGRATION_FAILED: failed++; break;
		case STRATA_MIGRATION_RUNNING: interrupted++; break;
		}
		out_of_order += it[i].state == STRATA_MIGRATION_PENDING && it[i].out_of_order;
	}
	drift = failed + interrupted + changed + missing + out_of_order;
	if (x->o.json) {
		printf("{\"ok\":true,\"url\":");
		mig_json_str(stdout, x->shown_url ? x->shown_url : strata_db_url(x->db));
		printf(",\"dir\":");
		mig_json_str(stdout, strata_migrate_dir(x->m));
		printf(",\"applied\":%zu,\"pending\":%zu,\"failed\":%zu,\"interrupted\":%zu,\"changed\":%zu,"
		       "\"missing\":%zu,\"out_of_order\":%zu,\"drift\":%zu,\"running\":",
		       applied, pending, failed, interrupted, changed, missing, out_of_order, drift);
		if (holder)
			mig_json_str(stdout, holder);
		else
			printf("null");
		printf(",\"migrations\":[");
		bool first = true;
		for (size_t i = 0; i < n; i++) {
			if (history && it[i].state == STRATA_MIGRATION_PENDING)
				continue;
			char iso[STRATA_TIMESTAMP_BUFSZ] = "";
			if (it[i].applied_at)
				strata_timestamp_format(it[i].applied_at, iso);
			printf("%s{\"version\":", first ? "" : ",");
			first = false;
			mig_json_str(stdout, it[i].version);
			printf(",\"name\":");
			mig_json_str(stdout, it[i].name);
			printf(",\"state\":");
			mig_json_str(stdout, mig_state_name(it[i].state));
			printf(",\"file\":");
			mig_json_str(stdout, it[i].file);
			printf(",\"applied_at\":");
			if (it[i].applied_at)
				mig_json_str(stdout, iso);
			else
				printf("null");
			printf(",\"duration_ms\":%lld,\"applied_by\":", (long long)it[i].duration_ms);
			mig_json_str(stdout, it[i].applied_by);
			printf(",\"checksum\":");
			mig_json_str(stdout, it[i].checksum);
			printf(",\"transactional\":%s,\"destructive\":%s,\"out_of_order\":%s,\"note\":",
			       it[i].transactional ? "true" : "false", it[i].destructive ? "true" : "false",
			       it[i].out_of_order ? "true" : "false");
			mig_json_str(stdout, it[i].destructive && it[i].state == STRATA_MIGRATION_PENDING
						     ? it[i].destructive_why
						     : cli_text(it[i].note));
			printf("}");
		}
		printf("]}\n");
	} else if (history) {
		printf("%-14s %-30s %-19s %9s  %s\n", "VERSION", "NAME", "APPLIED AT (UTC)", "DURATION", "APPLIED BY");
		for (size_t i = 0; i < n; i++) {
			if (it[i].state == STRATA_MIGRATION_PENDING)
				continue;
			char at[40];
			mig_fmt_time(it[i].applied_at, at, sizeof at);
			printf("%-14s %-30.30s %-19s %6lld ms  %s\n", it[i].version, it[i].name, at,
			       (long long)it[i].duration_ms, it[i].applied_by);
		}
		if (applied == 0)
			printf("No migration has been applied.\n");
	} else {
		printf("%s%s%s (migrations in %s)\n", mig_paint(C_BOLD),
		       x->shown_url ? x->shown_url : strata_db_url(x->db), mig_paint(C_RESET),
		       strata_migrate_dir(x->m));
		printf("%-11s %-14s %-30s %-19s %s\n", "STATE", "VERSION", "NAME", "APPLIED AT (UTC)", "NOTE");
		for (size_t i = 0; i < n; i++) {
			char at[40];
			const char *note = cli_text(it[i].note);
			mig_fmt_time(it[i].applied_at, at, sizeof at);
			if (it[i].state == STRATA_MIGRATION_PENDING)
				note = it[i].out_of_order  ? "out of order: older than the newest applied"
				       : it[i].destructive ? it[i].destructive_why
							   : "";
			else if (it[i].state == STRATA_MIGRATION_CHANGED)
				note = "the file's up section changed since it was applied";
			else if (it[i].state == STRATA_MIGRATION_MISSING)
				note = "no file has this version";
			printf("%s%-11s%s %-14s %-30.30s %-19s %s\n", mig_paint(mig_state_color(it[i].state)),
			       mig_state_name(it[i].state), mig_paint(C_RESET), it[i].version, it[i].name, at,
			       note ? note : "");
		}
		printf("%zu applied, %zu pending", applied, pending);
		const struct {
			size_t n;
			const char *what;
		} extra[] = { { failed, "failed" },
			      { interrupted, "interrupted" },
			      { changed, "changed since applied" },
			      { missing, "without a file" },
			      { out_of_order, "out of order" } };
		for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
			if (extra[i].n)
				printf(", %s%zu %s%s", mig_paint(C_RED), extra[i].n, extra[i].what, mig_paint(C_RESET));
		printf(".\n");
	}
	if (holder && !x->o.json)
		printf("A migration is running now: %s.\n", holder);
	/* a dbmate database not adopted yet: every migration shows as pending, and up would run them again */
	int64_t dbmate = 0;
	if (applied + failed + interrupted == 0 && pending > 0 &&
	    strata_query_int64(x->db, &dbmate, "SELECT count(*) FROM schema_migrations", NULL, 0) == STRATA_OK &&
	    dbmate > 0 && !x->o.json)
		printf("This database has dbmate's ledger (schema_migrations, %lld version%s) and no Strata ledger "
		       "yet: run "
		       "`strata migrate adopt` to import it.\n",
		       (long long)dbmate, dbmate == 1 ? "" : "s");
	free(holder);
	if (x->o.exit_code && (pending > 0 || drift > 0))
		return 3;
	return 0;
}

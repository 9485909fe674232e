/*
 * The replicas check: each read replica named by the `replica_urls` option
 * or $DATABASE_REPLICA_URLS (the ones a strata_pool would read from) is
 * reached, asked whether it is a standby, whether its WAL receiver streams
 * from the primary, and how far it has replayed.  Lag in bytes is the
 * primary's flushed WAL position minus the replica's replay position; lag
 * in time is 0 when it has replayed everything the primary had flushed,
 * else the age of the last transaction it replayed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/env.h"
#include "core/error.h"
#include "health/internal.h"
#include "pool/internal.h"

static const char standby_sql[] =
	"SELECT pg_is_in_recovery(), COALESCE((pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint, -1), "
	"COALESCE((SELECT status FROM pg_stat_wal_receiver), ''), "
	"COALESCE((EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) * 1000)::bigint, -1)";

typedef struct replicas_run {
	strata__hrun *r;
	int64_t primary_lsn; /* -1: unknown */
	int checked, failed, streaming;
	int64_t worst_lag_ms, worst_lag_bytes;
} replicas_run;

static void check_one(replicas_run *rr, const char *url, int n)
{
	strata__hrun *r = rr->r;
	char *shown = strata_url_redact(url);
	const char *subject = shown ? shown : "(replica)";
	strata_db *db = NULL;
	strata_stmt *st = NULL;
	strata_open_options oo = STRATA_OPEN_OPTIONS_INIT;
	oo.connect_timeout_s = 5;
	rr->checked++;
	int rc = strata_open(&db, url, &oo);
	if (rc != STRATA_OK) {
		strata__health_find(r, STRATA_HEALTH_FAILURE, "replica_unreachable", subject,
				    "start the replica or fix its URL; meanwhile a pool sends its reads to the primary",
				    "replica %d cannot be reached: %s", n, strata_error_last()->message);
		rr->failed++;
		goto done;
	}
	if (strata_db_backend(db) != STRATA_BACKEND_POSTGRES) {
		strata__health_find(r, STRATA_HEALTH_FAILURE, "replica_not_standby", subject,
				    "name PostgreSQL streaming replicas in DATABASE_REPLICA_URLS",
				    "replica %d is not a PostgreSQL server", n);
		rr->failed++;
		goto done;
	}
	bool in_recovery = false;
	if (strata_prepare(&st, db, standby_sql) != STRATA_OK || strata_step(st) != STRATA_ROW ||
	    strata_column_bool(st, 0, &in_recovery) != STRATA_OK) {
		strata__health_query_failed(r, subject);
		rr->failed++;
		goto done;
	}
	if (!in_recovery) {
		strata__health_find(
			r, STRATA_HEALTH_FAILURE, "replica_not_standby", subject,
			"point the URL at a standby; a pool sends no reads to it (it may have been promoted)",
			"replica %d is not in recovery: promoted, or not a replica", n);
		rr->failed++;
		goto done;
	}
	int64_t replay = strata__col_i64(st, 1), replay_age_ms = strata__col_i64(st, 3);
	const char *receiver = strata__col_str(st, 2);
	if (strcmp(receiver, "streaming") == 0)
		rr->streaming++;
	else
		strata__health_find(r, STRATA_HEALTH_WARNING, "replica_not_streaming", subject,
				    "check its primary_conninfo and the primary's pg_hba.conf replication entry; it "
				    "replays only the WAL it already has",
				    "replica %d's WAL receiver is %s, not streaming from the primary", n,
				    *receiver ? receiver : "not running");
	int64_t lag_bytes = -1, lag_ms;
	if (rr->primary_lsn >= 0 && replay >= 0)
		lag_bytes = rr->primary_lsn > replay ? rr->primary_lsn - replay : 0;
	lag_ms = lag_bytes == 0 ? 0 : replay_age_ms;
	char name[64];
	if (lag_bytes >= 0) {
		snprintf(name, sizeof name, "replica_%d_lag_bytes", n);
		strata__health_figure(r, name, (double)lag_bytes, "bytes");
		if (lag_bytes > rr->worst_lag_bytes)
			rr->worst_lag_bytes = lag_bytes;
	}
	if (lag_ms >= 0) {
		snprintf(name, sizeof name, "replica_%d_lag_ms", n);
		strata__health_figure(r, name, (double)lag_ms, "ms");
		if (lag_ms > rr->worst_lag_ms)
			rr->worst_lag_ms = lag_ms;
		if (lag_ms > r->t.replica_lag_ms)
			strata__health_find(
				r, STRATA_HEALTH_WARNING, "replica_lag", subject,
				"look for long queries or heavy I/O on the replica and for network trouble; a "
				"pool stops reading from a replica past replica_max_lag_ms",
				"replica %d is %lld ms behind the primary (%lld bytes; threshold %d ms)", n,
				(long long)lag_ms, (long long)lag_bytes, r->t.replica_lag_ms);
	}
done:
	strata_finalize(st);
	strata_close(db);
	free(shown);
}

static int each_url(const char *url, int n, void *ud)
{
	check_one(ud, url, n);
	return STRATA_OK;
}

void strata__check_replicas(strata__hrun *r)
{
	char *urls = NULL;
	if (r->backend != STRATA_BACKEND_POSTGRES) {
		strata__health_skip(r, "SQLite has no replicas");
		return;
	}
	int rc = r->o.replica_urls ? STRATA_OK : strata__env_value("DATABASE_REPLICA_URLS", &urls);
	if (rc == STRATA_OK && r->o.replica_urls && *r->o.replica_urls && !(urls = strdup(r->o.replica_urls)))
		rc = strata__error_nomem();
	if (rc != STRATA_OK) {
		strata__health_query_failed(r, "reading DATABASE_REPLICA_URLS");
		return;
	}
	if (!urls) {
		strata__health_skip(r, "no replicas configured (DATABASE_REPLICA_URLS)");
		return;
	}
	replicas_run rr = { r, -1, 0, 0, 0, 0, 0 };
	int64_t lsn = -1;
	strata__error_saved saved;
	strata__error_save(&saved);
	if (strata_query_int64(r->db, &lsn, "SELECT (pg_current_wal_flush_lsn() - '0/0'::pg_lsn)::bigint", NULL, 0) ==
	    STRATA_OK)
		rr.primary_lsn = lsn;
	strata__error_restore(&saved);
	if (strata__split_urls(urls, each_url, &rr) == STRATA_ENOMEM)
		r->oom = true;
	free(urls);
	char failed[64] = "";
	if (rr.failed)
		snprintf(failed, sizeof failed, ", %d unusable", rr.failed);
	if (rr.primary_lsn < 0)
		strata__health_summary(r, "%d replica%s%s, %d streaming (the primary's WAL position is unknown)",
				       rr.checked, rr.checked == 1 ? "" : "s", failed, rr.streaming);
	else
		strata__health_summary(r, "%d replica%s%s, %d streaming, largest lag %lld ms (%lld bytes)", rr.checked,
				       rr.checked == 1 ? "" : "s", failed, rr.streaming, (long long)rr.worst_lag_ms,
				       (long long)rr.worst_lag_bytes);
}

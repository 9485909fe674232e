/*
 * strata/health.h: health checks, statistics and optimisation (backups,
 * restores and branches are in strata/backup.h).
 *
 * A health run is a list of checks (connectivity, read replicas,
 * migrations, schema, integrity, performance, configuration, required
 * data).  Each check ends
 * with a level and holds figures (named numbers) and findings (one thing
 * that is wrong, with advice on what to do).  The whole run is a
 * strata_health_report: plain read-only structs owned by the report, freed
 * with strata_health_report_free().  The same data prints as JSON with
 * strata_health_report_json().
 *
 * Everything here uses one connection, which belongs to the calling thread
 * for the duration of each call.
 */
#ifndef STRATA_HEALTH_H
#define STRATA_HEALTH_H

#include "backup.h"
#include "db.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How a check or a finding came out; a report's level is the worst of its checks. */
typedef enum strata_health_level {
	STRATA_HEALTH_OK = 0,
	STRATA_HEALTH_SKIPPED = 1, /* the check does not apply (backend, no file to compare with) */
	STRATA_HEALTH_WARNING = 2,
	STRATA_HEALTH_FAILURE = 3
} strata_health_level;

/*
 * Thresholds.  Zero in any field means the default shown.  Names in
 * brackets are the ones strata_health_options_set() and the command's
 * `--set NAME=VALUE` and config file take.
 */
typedef struct strata_health_thresholds {
	int connect_warn_ms;	/* connecting slower than this warns: 1000 [connect_warn_ms] */
	int round_trip_warn_ms; /* a round trip slower than this warns: 100 [round_trip_warn_ms] */
	int64_t min_rows;	/* tables smaller than this are not judged on scans or vacuum: 1000 [min_rows] */
	double seq_scan_ratio;	/* share of scans that are sequential above which a table warns: 0.5 [seq_scan_ratio] */
	int64_t seq_scan_min;	/* sequential scans a table needs before it is judged: 10 [seq_scan_min] */
	double cache_hit_min;	/* cache hit ratio below which PostgreSQL warns: 0.99 [cache_hit_min] */
	double dead_rows_ratio; /* dead rows per live row above which a table warns: 0.2 [dead_rows_ratio] */
	int vacuum_age_days;	/* never (auto)analyzed in this many days warns: 7 [vacuum_age_days] */
	int64_t unused_index_bytes; /* unused indexes at least this big warn: 1048576 [unused_index_bytes] */
	double sequence_used;	    /* share of a sequence's range used above which it warns: 0.8 [sequence_used] */
	double connections_used;    /* share of max_connections in use above which it warns: 0.8 [connections_used] */
	int long_query_ms;	    /* queries running longer warn: 300000 [long_query_ms] */
	int idle_in_transaction_ms; /* sessions idle in a transaction longer warn: 60000 [idle_in_transaction_ms] */
	int busy_timeout_min_ms;    /* SQLite busy_timeout below this warns: 1000 [busy_timeout_min_ms] */
	double freelist_ratio;	    /* SQLite free pages per page above which it warns: 0.25 [freelist_ratio] */
	int long_transaction_ms;    /* transactions open longer warn: 600000 [long_transaction_ms] */
	int matview_max_age_s;	    /* materialized views refreshed longer ago warn: off [matview_max_age_s] */
	int query_mean_growth_pct;  /* a query's mean time grown by more than this since the baseline
				       warns: 50 [query_mean_growth_pct] */
	int64_t query_min_calls; /* calls a query needs, in the baseline and since, to be judged: 50 [query_min_calls]
				  */
	int replica_lag_ms;	 /* a read replica further behind warns: 10000 [replica_lag_ms] */
} strata_health_thresholds;

#define STRATA_HEALTH_OPTIONS_VERSION 1

typedef struct strata_health_options {
	unsigned int version; /* STRATA_HEALTH_OPTIONS_VERSION */
	const char *checks;   /* comma-separated check names to run; NULL: all */
	bool thorough;	      /* SQLite integrity_check instead of quick_check; PostgreSQL: look
				 for orphaned rows under every foreign key */
	/* NULL: the default, whose check is skipped when it does not exist; a path given here
	   must exist (its check fails, code "missing_path", when it does not) */
	const char *migrations_dir; /* NULL: "migrations" */
	const char *schema_file;    /* NULL: "schema.strata" */
	const char *required_file;  /* NULL: "health.sql" */
	int64_t connect_us;	    /* how long the caller's connect took, for connectivity; 0: unknown */
	strata_health_thresholds thresholds;
	const char *queries_baseline; /* NULL: "strata-queries.json" (`strata stats --queries --json`
					 saved earlier; the `queries` check is skipped without it) */
	const char *replica_urls;     /* read replicas to check, comma-separated; NULL: $DATABASE_REPLICA_URLS
					 (or .env); "": none [replica_urls] */
} strata_health_options;

#define STRATA_HEALTH_OPTIONS_INIT                                                                 \
	{                                                                                          \
		STRATA_HEALTH_OPTIONS_VERSION, NULL, false, NULL, NULL, NULL, 0, { 0 }, NULL, NULL \
	}

/*
 * Set one option by name, as text: a threshold name (see above), or
 * "checks", "thorough", "migrations_dir", "schema_file", "required_file",
 * "replica_urls".
 * String values are borrowed: they must outlive the options.  Returns
 * STRATA_OK or STRATA_EINVAL (unknown name or malformed value).
 */
STRATA_API int strata_health_options_set(strata_health_options *opts, const char *name, const char *value);

/*
 * Read `NAME = VALUE` lines (blank lines and # comments allowed) from a
 * file into `opts` with strata_health_options_set().  The text of the
 * values is kept in *storage, which the caller frees with free() after the
 * options are no longer used.  Returns STRATA_OK, STRATA_ENOTFOUND,
 * STRATA_EIO, STRATA_EPARSE (file:line in the error), STRATA_ENOMEM.
 */
STRATA_API int strata_health_options_load(strata_health_options *opts, const char *path, char **storage);

/* A named number a check measured ("connect_ms", "tables", ...). */
typedef struct strata_health_figure {
	const char *name;
	double value;
	const char *unit; /* "ms", "bytes", "ratio", "count", "s" */
} strata_health_figure;

/* One thing a check found.  Strings are never NULL. */
typedef struct strata_health_finding {
	strata_health_level level;
	const char *code;    /* a stable identifier: "unindexed_foreign_key", "pending_migration", ... */
	const char *subject; /* the table, index, session or file concerned, or "" */
	const char *message; /* what is the matter, one line */
	const char *advice;  /* what to do about it, one line ("" when level is OK) */
} strata_health_finding;

typedef struct strata_health_check {
	const char *name;	   /* "connectivity", "migrations", ... */
	strata_health_level level; /* the worst finding, or SKIPPED */
	const char *summary;	   /* one line: "3 tables, no problems", or why it was skipped */
	double duration_ms;
	strata_health_figure *figures;
	size_t nfigures;
	strata_health_finding *findings;
	size_t nfindings;
} strata_health_check;

typedef struct strata_health_report {
	strata_health_level level; /* the worst level of any check (SKIPPED counts as OK) */
	const char *backend;	   /* "sqlite" or "postgres" */
	const char *server_version;
	const char *url; /* redacted */
	strata_timestamp started_at;
	double duration_ms;
	strata_health_check *checks;
	size_t nchecks;
} strata_health_report;

/* The names of every check, in the order they run; NULL-terminated, constant. */
STRATA_API const char *const *strata_health_check_names(void);

/*
 * Run the checks on an open connection.  A check that cannot complete (a
 * query fails) reports a failure finding saying why, and the run goes on:
 * the function itself only fails for bad arguments (STRATA_EINVAL: an
 * unknown check name) or STRATA_ENOMEM.  *out is freed with
 * strata_health_report_free().  Read-only: nothing in the database changes.
 */
STRATA_API int strata_health_run(strata_health_report **out, strata_db *db, const strata_health_options *opts);

/*
 * Open `url`, time the connection and run the checks.  A database that
 * cannot be reached gives a report whose connectivity check failed (and
 * the others skipped), not an error.  An SQLite file is opened with
 * mode=rw: a missing file is reported, not created, and its journal mode
 * is left alone.
 */
STRATA_API int strata_health_run_url(strata_health_report **out, const char *url, const strata_health_options *opts);

/* Free a report.  Accepts NULL. */
STRATA_API void strata_health_report_free(strata_health_report *r);

/* The exit status for a level: 0 ok or skipped, 1 warning, 2 failure. */
STRATA_API int strata_health_exit_status(strata_health_level level);

/* "ok", "skipped", "warning", "failure"; never NULL. */
STRATA_API const char *strata_health_level_name(strata_health_level level);

/* The report as JSON (one object, indented when `pretty`).  *out: free(). */
STRATA_API int strata_health_report_json(const strata_health_report *r, bool pretty, char **out);

/* ---- stats ---- */

typedef struct strata_stats_index {
	const char *name;
	int64_t bytes;
	int64_t scans; /* index scans since statistics were reset; -1: unknown (SQLite) */
	bool unique;
	bool primary;
} strata_stats_index;

typedef enum strata_stats_kind {
	STRATA_STATS_TABLE = 0, /* a table, or a partition of a partitioned table */
	STRATA_STATS_PARTITIONED =
		1,		 /* a partitioned table: its rows are its partitions' (not added to the totals again) */
	STRATA_STATS_MATVIEW = 2 /* a materialized view */
} strata_stats_kind;

typedef struct strata_stats_table {
	const char *name; /* schema-qualified on PostgreSQL outside "public" */
	int64_t rows;
	bool rows_exact;    /* false: an estimate (the planner's, for large tables) */
	int64_t data_bytes; /* the table itself (PostgreSQL: with TOAST) */
	int64_t index_bytes;
	int64_t bloat_bytes;	     /* estimated space held by dead rows; -1: unknown */
	int64_t dead_rows;	     /* -1: unknown */
	strata_stats_index *indexes; /* largest first */
	size_t nindexes;
	strata_stats_kind kind;
	bool populated; /* false: a materialized view never refreshed (WITH NO DATA): rows 0 */
} strata_stats_table;

typedef struct strata_stats {
	const char *backend;
	const char *database; /* file path or database name */
	int64_t database_bytes;
	int64_t page_size;	/* SQLite; 0 on PostgreSQL */
	int64_t page_count;	/* SQLite */
	int64_t freelist_count; /* SQLite: unused pages */
	int64_t total_rows, total_data_bytes, total_index_bytes, total_bloat_bytes;
	strata_stats_table *tables; /* largest (data + indexes) first */
	size_t ntables;
} strata_stats;

#define STRATA_STATS_OPTIONS_VERSION 1

typedef struct strata_stats_options {
	unsigned int version;	  /* STRATA_STATS_OPTIONS_VERSION */
	int64_t exact_rows_bytes; /* PostgreSQL tables up to this size are counted: 16 MiB */
} strata_stats_options;

#define STRATA_STATS_OPTIONS_INIT               \
	{                                       \
		STRATA_STATS_OPTIONS_VERSION, 0 \
	}

/*
 * Sizes and row counts of every table.  On SQLite the sizes come from the
 * dbstat table (every page is read once; rows are then exact).  *out is
 * freed with strata_stats_free().  Returns STRATA_OK, a database failure,
 * STRATA_ENOMEM.  Read-only.
 */
STRATA_API int strata_stats_collect(strata_stats **out, strata_db *db, const strata_stats_options *opts);

/* Free what strata_stats_collect() returned.  Accepts NULL. */
STRATA_API void strata_stats_free(strata_stats *s);

/* The statistics as JSON (indented when `pretty`).  *out: free().  STRATA_OK or STRATA_ENOMEM. */
STRATA_API int strata_stats_json(const strata_stats *s, bool pretty, char **out);

/* ---- optimize ---- */

/* Progress: called before each step (`done` of `total`), naming it ("VACUUM (ANALYZE) public.users"). */
typedef void (*strata_optimize_progress_fn)(size_t done, size_t total, const char *step, void *ud);

#define STRATA_OPTIMIZE_OPTIONS_VERSION 1

typedef struct strata_optimize_options {
	unsigned int version; /* STRATA_OPTIMIZE_OPTIONS_VERSION */
	bool vacuum;	      /* SQLite: VACUUM (incremental_vacuum when auto_vacuum is
				 incremental); PostgreSQL: VACUUM each table */
	bool analyze;	      /* ANALYZE (on PostgreSQL together with the vacuum) */
	strata_optimize_progress_fn progress;
	void *progress_ud;
	/* Looked at between steps: once it is non-zero the run stops there, returning STRATA_OK
	   with `interrupted` set in the result (a signal handler may set it).  May be NULL. */
	const volatile int *cancel;
} strata_optimize_options;

#define STRATA_OPTIMIZE_OPTIONS_INIT                                            \
	{                                                                       \
		STRATA_OPTIMIZE_OPTIONS_VERSION, false, false, NULL, NULL, NULL \
	}

typedef struct strata_optimize_result {
	int64_t bytes_before, bytes_after; /* the database's size */
	size_t steps_done, steps_total;
	bool interrupted; /* the cancel flag stopped it between two steps */
} strata_optimize_result;

/*
 * SQLite: PRAGMA optimize always, ANALYZE and VACUUM as asked.
 * PostgreSQL: VACUUM, VACUUM (ANALYZE) or ANALYZE, table by table.  Each
 * step commits on its own, so stopping between steps leaves nothing half
 * done.  Must not be called inside a transaction (STRATA_EMISUSE).
 * Returns STRATA_OK or the failing step's status.
 */
STRATA_API int strata_optimize(strata_db *db, const strata_optimize_options *opts, strata_optimize_result *out);

#ifdef __cplusplus
}
#endif
#endif

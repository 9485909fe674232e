/*
 * strata/lint.h: best-practice rules on schema files, live databases and
 * migration files.
 *
 * Every rule has an id ("add-index-concurrently"), a default severity, a
 * one-line summary and a longer explanation that says how to fix what it
 * found.  A strata_lint_config changes severities, turns rules off and
 * picks a side where two best practices disagree (`string-style`,
 * `enum-style`); it is read from a `.strata-lint` file or set key by key.
 *
 * Findings collect in a strata_lint_report, each with the file, line and
 * column it points at (0 for a live database), and can be written as
 * compiler-style text, JSON or SARIF 2.1.0.
 *
 * Suppressions live in the linted file, on the line before the finding
 * (comment lines in between are skipped):
 *
 *   -- strata-lint: ignore add-index-concurrently the table is tiny
 *
 * (`//` and `#` comments in schema files).  A suppression without a
 * reason, or one that suppresses nothing, is itself reported.
 *
 * Threads: a config may be shared by threads once it is no longer being
 * changed; a report belongs to one thread at a time.
 */
#ifndef STRATA_LINT_H
#define STRATA_LINT_H

#include "common.h"
#include "dialect.h"
#include "schema.h"

#ifdef __cplusplus
extern "C" {
#endif

/* strata_db (strata/db.h) is named `struct strata_db` here: lint's rules need only the dialect. */
struct strata_db;
struct strata_migrator;

typedef enum strata_lint_severity {
	STRATA_LINT_OFF = 0,	 /* the rule does not run */
	STRATA_LINT_INFO = 1,	 /* worth knowing */
	STRATA_LINT_WARNING = 2, /* probably a mistake */
	STRATA_LINT_ERROR = 3	 /* breaks data or production: `strata lint` exits 1 */
} strata_lint_severity;

/* Rule categories, as bit flags (strata_lint_options.categories). */
#define STRATA_LINT_CAT_DESIGN	    0x01u /* schema design (schema files and live databases) */
#define STRATA_LINT_CAT_DESTRUCTIVE 0x02u /* a migration destroys data */
#define STRATA_LINT_CAT_LOCKING	    0x04u /* a migration blocks reads or writes for long */
#define STRATA_LINT_CAT_BREAKING    0x08u /* a migration breaks code that is running */
#define STRATA_LINT_CAT_ROBUSTNESS  0x10u /* a migration cannot be re-run or rolled back */
#define STRATA_LINT_CAT_META	    0x20u /* suppressions, SQL that does not parse */
#define STRATA_LINT_CAT_ALL	    0xffu

/* Dialects a rule applies to (strata_lint_rule.dialects). */
#define STRATA_LINT_SQLITE   0x1u
#define STRATA_LINT_POSTGRES 0x2u

/* A rule of the registry.  Constant data; never freed. */
typedef struct strata_lint_rule {
	const char *id;		       /* "add-index-concurrently" */
	unsigned category;	       /* one STRATA_LINT_CAT_ flag */
	unsigned dialects;	       /* STRATA_LINT_SQLITE | STRATA_LINT_POSTGRES */
	strata_lint_severity severity; /* the default */
	const char *summary;	       /* one line */
	const char *explanation;       /* why, and how to fix it (several sentences) */
	const char *setting;	       /* the setting that changes what it checks, or NULL */
} strata_lint_rule;

/* Every rule, in a fixed order.  *n receives how many.  Never NULL. */
STRATA_API const strata_lint_rule *strata_lint_rules(size_t *n);

/* The rule with this id, or NULL. */
STRATA_API const strata_lint_rule *strata_lint_rule_find(const char *id);

/* The name of a severity ("off", "info", "warning", "error"). */
STRATA_API const char *strata_lint_severity_name(strata_lint_severity s);

/* ---- configuration ---- */

typedef struct strata_lint_config strata_lint_config;

/* A configuration with every default.  STRATA_OK or STRATA_ENOMEM. */
STRATA_API int strata_lint_config_new(strata_lint_config **out);

/* Free a configuration.  Accepts NULL. */
STRATA_API void strata_lint_config_free(strata_lint_config *c);

/*
 * Set one key:
 *   RULE-ID = off | info | warning | error
 *   disable = RULE-ID[, RULE-ID...]
 *   dialect = sqlite | postgres | both     (what migrations and schemas target)
 *   string-style = length | text           (default length; see string-without-length)
 *   bigint-scope = keys | all              (default keys; see prefer-bigint-over-int)
 *   enum-style = native | check            (default native; see prefer-enum)
 *   schema = PATH                          (the schema file; default schema.strata)
 *   migrations = DIR                       (default migrations)
 *   max-warnings = N                       (the CLI fails above N warnings; -1: no limit)
 *   scratch-db = URL                       (PostgreSQL server for scratch databases; see
 *                                           strata_lint_options.scratch_url)
 * Returns STRATA_OK, STRATA_EINVAL (unknown key or value; the message
 * names it and, for a misspelt rule, the likely one) or STRATA_ENOMEM.
 */
STRATA_API int strata_lint_config_set(strata_lint_config *c, const char *key, const char *value);

/*
 * Read `key = value` lines (`#` comments, `[section]` headers ignored)
 * as strata_lint_config_set() does.  `file` names the text in errors.
 * Returns STRATA_OK, STRATA_EPARSE (file:line in the error), STRATA_ENOMEM.
 */
STRATA_API int strata_lint_config_parse(strata_lint_config *c, const char *text, size_t len, const char *file);

/* Read a `.strata-lint` file.  Also STRATA_ENOTFOUND and STRATA_EIO. */
STRATA_API int strata_lint_config_load(strata_lint_config *c, const char *path);

/* The severity a rule has under this configuration (c may be NULL: the default). */
STRATA_API strata_lint_severity strata_lint_config_severity(const strata_lint_config *c, const char *rule);

/*
 * The value of a setting ("string-style", "enum-style", "bigint-scope", "dialect",
 * "schema", "migrations", "max-warnings", "scratch-db" ("" when unset)) as
 * text; NULL for an unknown
 * key.  Valid until the setting changes or the config is freed.
 */
STRATA_API const char *strata_lint_config_get(const strata_lint_config *c, const char *key);

/* ---- findings ---- */

typedef struct strata_lint_finding {
	const char *rule;	       /* the rule's id */
	strata_lint_severity severity; /* as configured */
	const char *file;	       /* the file, or the database's redacted URL */
	int line, column;	       /* 1-based; 0 when there is no position */
	const char *object;	       /* "tasks.user_id", "tasks", or "" */
	const char *message;	       /* one line */
	/*
	 * PostgreSQL migrations: the lock the statement takes on existing
	 * tables ("ACCESS EXCLUSIVE"; the strongest when it takes several),
	 * or "" (none, or not a statement of a migration).  While it is held,
	 * reads of blocks_reads[0..nblocks_reads) and writes of
	 * blocks_writes[0..nblocks_writes) wait (relation names; "schema.*"
	 * for every table of a schema, "*" for every table).  Owned by the
	 * report.
	 */
	const char *lock;
	const char *const *blocks_reads;
	size_t nblocks_reads;
	const char *const *blocks_writes;
	size_t nblocks_writes;
} strata_lint_finding;

typedef struct strata_lint_report strata_lint_report;

/* An empty report.  STRATA_OK or STRATA_ENOMEM. */
STRATA_API int strata_lint_report_new(strata_lint_report **out);

/* Free a report.  Accepts NULL. */
STRATA_API void strata_lint_report_free(strata_lint_report *r);

/* The number of findings, and finding i (owned by the report; NULL when out of range). */
STRATA_API size_t strata_lint_report_count(const strata_lint_report *r);
STRATA_API const strata_lint_finding *strata_lint_report_get(const strata_lint_report *r, size_t i);

/* How many findings have this severity. */
STRATA_API size_t strata_lint_report_count_severity(const strata_lint_report *r, strata_lint_severity s);

/* How many findings suppression comments removed. */
STRATA_API size_t strata_lint_report_suppressed(const strata_lint_report *r);

/* Order the findings by file, line, column and rule. */
STRATA_API void strata_lint_report_sort(strata_lint_report *r);

typedef enum strata_lint_format {
	STRATA_LINT_FORMAT_TEXT = 0, /* file:line:col: severity: [rule] message, one a line */
	STRATA_LINT_FORMAT_JSON = 1, /* {"findings":[...],"errors":N,"warnings":N,...} */
	STRATA_LINT_FORMAT_SARIF = 2 /* SARIF 2.1.0 for code-review tools */
} strata_lint_format;

/*
 * Write the report.  *out is a new string (free()).  Returns STRATA_OK,
 * STRATA_EINVAL (unknown format) or STRATA_ENOMEM.
 */
STRATA_API int strata_lint_report_format(const strata_lint_report *r, strata_lint_format fmt, char **out);

/* ---- linting ---- */

#define STRATA_LINT_OPTIONS_VERSION 3

/* Zero means the default shown.  A NULL options pointer means every default. */
typedef struct strata_lint_options {
	unsigned int version;		  /* STRATA_LINT_OPTIONS_VERSION */
	const strata_lint_config *config; /* severities and settings; NULL: defaults */
	strata_backend dialect;		  /* 0: the config's `dialect`; schemas then check for both,
					     migrations default to SQLite */
	unsigned categories;		  /* STRATA_LINT_CAT_ flags to run: all */
	const strata_schema *schema;	  /* migrations: the schema file's model, for
					     drop-column-in-schema; NULL: that rule is skipped */
	const char *since;		  /* migrations: report only versions newer than this; older
					     ones are still replayed as history.  NULL: all */
	const char *scratch_url;	  /* PostgreSQL migrations: a server (postgres:// URL) on which a
					     throwaway database is created, the files are applied in
					     order to check that each down undoes its up and that every
					     statement applies, and the database is dropped.  NULL: the
					     config's `scratch-db`; none: down is matched statically */
	/* Version 2: */
	const char *const *pending; /* migrations: the files that are pending (a change under review),
				       compared by real path: only they are reported, every other file
				       is replayed as history.  NULL: every file (within `since`) */
	size_t npending;
	/* Version 3: */
	struct strata_db *db; /* migrations: the database they are about to run on (a runner's
				 pre-flight): its schema is where linting starts, so tables made
				 outside migrations are known, and the files up to `since` are
				 not replayed.  Only read.  NULL: history from the files */
} strata_lint_options;

#define STRATA_LINT_OPTIONS_INIT                                                                          \
	{                                                                                                 \
		STRATA_LINT_OPTIONS_VERSION, NULL, (strata_backend)0, 0u, NULL, NULL, NULL, NULL, 0, NULL \
	}

/*
 * Lint a schema model.  `file` names it in findings; `text` (len bytes,
 * may be NULL) is its source, read for suppression comments.  Returns
 * STRATA_OK (whatever was found) or STRATA_ENOMEM / STRATA_EINVAL.
 */
STRATA_API int strata_lint_schema(strata_lint_report *r, const strata_schema *s, const char *file, const char *text,
				  size_t len, const strata_lint_options *opts);

/*
 * Load, parse and lint a schema file.  Also STRATA_ENOTFOUND, STRATA_EIO
 * and STRATA_EPARSE (the schema does not parse: file:line:col in the error).
 */
STRATA_API int strata_lint_schema_file(strata_lint_report *r, const char *path, const strata_lint_options *opts);

/*
 * Lint a live database: its tables are read into a model (as
 * strata_inspect does) and checked with the design rules; findings name
 * the table and column, with the database's redacted URL as the file.
 * Returns STRATA_OK or the failure of reading the catalog.
 */
STRATA_API int strata_lint_db(strata_lint_report *r, struct strata_db *db, const strata_lint_options *opts);

/*
 * Lint migration files given as paths, in the order they apply (sorted by
 * version when given unsorted).  Each file's up section is checked
 * statement by statement (PostgreSQL: with PostgreSQL's own parser;
 * SQLite: with a tokenizer, and by applying the files in order to an
 * in-memory scratch database and comparing tables and columns before and
 * after, which also checks that each down section undoes its up).
 * When the run knows which files are pending (`since`, `pending`), a
 * table created by an earlier pending file is new to the later ones: the
 * locking rules leave it alone, as they do a table created earlier in the
 * same file.  Nothing touches a real database.  Returns STRATA_OK (whatever was
 * found), STRATA_ENOTFOUND / STRATA_EIO (a file cannot be read),
 * STRATA_EPARSE (a file's sections are malformed: file:line in the
 * error), STRATA_ENOMEM.
 */
STRATA_API int strata_lint_migration_files(strata_lint_report *r, const char *const *paths, size_t n,
					   const strata_lint_options *opts);

/*
 * Lint every VERSION_slug.sql of a directory, in version order.  Also
 * STRATA_ENOTFOUND when there is no such directory.
 */
STRATA_API int strata_lint_migrations_dir(strata_lint_report *r, const char *dir, const strata_lint_options *opts);

/*
 * For a migration runner: run only the destructive and locking rules (as
 * configured) on the migrations of `dir` newer than `applied` (the newest
 * applied version; NULL: all are pending), for `dialect`.  *out receives
 * a new report (strata_lint_report_free), *errors (may be NULL) how many
 * error-level findings it holds.  Statuses as strata_lint_migrations_dir().
 */
STRATA_API int strata_lint_pending(strata_lint_report **out, const char *dir, strata_backend dialect,
				   const char *applied, const strata_lint_config *config, size_t *errors);

/*
 * As strata_lint_pending(), for the database `db` the migrations are
 * about to run on (its dialect is theirs): the linter starts from db's
 * schema instead of replaying the applied files, so a database that
 * Strata did not create (adopted, or built with `schema apply`) lints
 * without false `invalid-sql` findings.  db is only read; it belongs to
 * the caller's thread for the duration.  Statuses as strata_lint_pending(),
 * plus the failure to read db's catalog.
 */
STRATA_API int strata_lint_pending_db(strata_lint_report **out, struct strata_db *db, const char *dir,
				      const char *applied, const strata_lint_config *config, size_t *errors);

/*
 * As strata_lint_pending_db(), over what the migrator `m` already holds:
 * its connection, its directory's files as it read and parsed them, and
 * their dialect.  No file is read again, and the findings are the same.
 * m is only read.
 */
STRATA_API int strata_lint_pending_migrator(strata_lint_report **out, struct strata_migrator *m, const char *applied,
					    const strata_lint_config *config, size_t *errors);

#ifdef __cplusplus
}
#endif
#endif

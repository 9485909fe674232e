/*
 * Migration linting, shared by the dialects: what each statement did
 * (effects), a catalog of tables and column types replayed across files,
 * and the per-run state the dialect analysers keep.
 */
#ifndef STRATA_LINT_MIG_H
#define STRATA_LINT_MIG_H

#include "lint/internal.h"
#include "migrate/internal.h"
#include "sql/split.h"

typedef enum ekind {
	E_CREATE_TABLE,
	E_DROP_TABLE,
	E_ADD_COLUMN,
	E_DROP_COLUMN,
	E_CREATE_INDEX,
	E_DROP_INDEX,
	E_RENAME_TABLE,	 /* table -> to */
	E_RENAME_COLUMN, /* table.name -> to */
	E_ALTER_TYPE,	 /* table.name, to: the new type */
	E_TOUCH		 /* any other change to `table` (SQLite rebuilds, UPDATE, ...) */
} ekind;

typedef struct effect {
	ekind k;
	char *table, *name, *to;
	int line, col;
} effect;

typedef struct effects {
	effect *v;
	size_t n, cap;
} effects;

int strata__eff_add(effects *e, ekind k, const char *table, const char *name, const char *to, int line, int col);
/* The first effect of kind k on table (and name, when not NULL), or NULL.  Names compare case-insensitively. */
const effect *strata__eff_find(const effects *e, ekind k, const char *table, const char *name);
void strata__eff_free(effects *e);

/* Column types replayed across migrations (PostgreSQL), lower-case normalised. */
typedef struct cat_col {
	char *name, *type;
} cat_col;
typedef struct cat_table {
	char *name;
	cat_col *cols;
	size_t ncols, cap;
} cat_table;
typedef struct catalog {
	cat_table *t;
	size_t n, cap;
} catalog;

cat_table *strata__cat_table(catalog *c, const char *name);
int strata__cat_add_table(catalog *c, const char *name, cat_table **out);
void strata__cat_drop_table(catalog *c, const char *name);
int strata__cat_set_col(cat_table *t, const char *name, const char *type);
cat_col *strata__cat_col(cat_table *t, const char *name);
void strata__cat_drop_col(cat_table *t, const char *name);
int strata__cat_rename_table(catalog *c, const char *from, const char *to);
void strata__cat_free(catalog *c);

/* Would changing a column from type `from` to `to` lose data?  Types as written, any case. */
bool strata__type_narrows(const char *from, const char *to, strata_backend dialect);
/* Is the change one PostgreSQL makes without a rewrite (a wider varchar, varchar to text)? */
bool strata__type_cheap_change(const char *from, const char *to);

/* One statement of a section: the text and where it starts in the file. */
typedef struct mig_stmt {
	const char *sql; /* NUL-terminated copy */
	size_t len;
	int line, col;
} mig_stmt;

/* Linting one migration file. */
typedef struct mig_file {
	lint_ctx *ctx;
	const strata__migration *m;
	const strata_schema *schema; /* may be NULL */
	bool down;		     /* analysing the down section: record effects, report only invalid SQL */
	bool up_tx;		     /* the up section runs in a transaction */
	effects up, dn;
	/* PostgreSQL: lock_timeout set, require-lock-timeout reported. */
	bool lock_timeout, lock_reported;
} mig_file;

/* PostgreSQL: the run state and the per-statement analysis (pg.c). */
typedef struct pg_run {
	catalog cat;
	strata_db *scratch;	/* a throwaway database (pgscratch.c), or NULL */
	char *scratch_url;	/* its URL, to drop it */
} pg_run;
int strata__lint_pg_stmt(pg_run *run, mig_file *mf, const mig_stmt *st);
/* PostgreSQL: after both sections: the static down-undoes-up check. */
int strata__lint_pg_file_end(pg_run *run, mig_file *mf);

/*
 * PostgreSQL scratch database (pgscratch.c): create one on the server `url`
 * names (failure to create it is an error), apply a file's up, down and up
 * again comparing tables, columns and indexes, drop it at the end.
 */
int strata__lint_pg_scratch_open(pg_run *run, const char *url);
void strata__lint_pg_scratch_close(pg_run *run);
int strata__lint_pg_scratch_apply(pg_run *run, mig_file *mf, const mig_stmt *up, size_t nup, const mig_stmt *dn,
				  size_t ndn);

/* SQLite: the schema the files built so far, and the tokenizer rules (sqlite.c). */
typedef struct sq_entry {
	char *type, *name, *tbl, *sql; /* a row of sqlite_master */
} sq_entry;
typedef struct sq_run {
	sq_entry *v;
	size_t n, cap;
} sq_run;
int strata__lint_sq_open(sq_run *run);
void strata__lint_sq_close(sq_run *run);
/* Tokenizer rules on one statement and its effects. */
int strata__lint_sq_stmt(sq_run *run, mig_file *mf, const mig_stmt *st);
/*
 * Apply the file to the scratch database (up, then down and up again when
 * there is a down section) and compare tables before and after.
 */
int strata__lint_sq_apply(sq_run *run, mig_file *mf, const mig_stmt *up, size_t nup, const mig_stmt *dn,
			  size_t ndn);

/*
 * Lint one migration given as text (for the fuzz target and tests): as
 * strata_lint_migration_files() with a single file.  `file` names it.
 */
int strata__lint_migration_text(strata_lint_report *r, const char *file, const char *text, size_t len,
				const strata_lint_options *opts);

/* Is the schema file still using table (and column, when not NULL)? */
bool strata__schema_has(const strata_schema *s, const char *table, const char *column);

#endif

/*
 * Migration linting's internal interface, shared by the files of
 * src/lint/ that read migrations.  Three layers, each with one job:
 *
 *   dialect adapters   pg.c (PostgreSQL's parser), sqlite.c (a tokenizer)
 *                      turn one statement into its effects (lint_effect):
 *                      what it creates, drops, alters, locks.  They report
 *                      nothing but `invalid-sql`.  sqlite.c and pgscratch.c
 *                      also apply files to a scratch database and take
 *                      snapshots (lint_catalog) of it.
 *   the rules          migrules.c reads the effects of a statement, the
 *                      file so far and the catalog, and emits findings; it
 *                      compares snapshots; it is the only place that knows
 *                      what a rule is.
 *   the frame          mig.c reads files in version order, splits sections
 *                      into statements (lint_stmt), runs adapter then rules
 *                      on each, and keeps the catalog across files.
 *
 * Names: types lint_*, constants LINT_*, functions strata__lint_*.
 * Strings in effects and catalogs are owned copies (malloc); names compare
 * case-insensitively (ASCII).  Everything here belongs to one thread.
 */
#ifndef STRATA_LINT_MIG_H
#define STRATA_LINT_MIG_H

#include "lint/internal.h"
#include "migrate/file.h"
#include "sql/split.h"

/* ---- the effects of one statement ---- */

/* What a statement does to one object.  Fields used are listed per op; `table` is "" when unused. */
typedef enum lint_op {
	LINT_OP_CREATE_TABLE,	     /* table; name_len: of the table's name */
	LINT_OP_DEF_COLUMN,	     /* a column of a CREATE TABLE: table, name, type; F_PRIMARY, F_FOREIGN (to:
					the referenced table), F_UNIQUE, F_NOT_NULL; name_len; line/col: the column's */
	LINT_OP_DEF_CONSTRAINT,	     /* a constraint of a CREATE TABLE: table, name (may be NULL), to (a foreign
					key's table); kind flags; name_len; line/col: the constraint's */
	LINT_OP_DROP_TABLE,	     /* table; F_CASCADE; name_len */
	LINT_OP_ADD_COLUMN,	     /* table, name, type; F_NOT_NULL, F_DEFAULT, F_VOLATILE, F_IDENTITY, F_STORED,
					F_UNIQUE, F_PRIMARY, F_FOREIGN (to: the referenced table); name_len */
	LINT_OP_DROP_COLUMN,	     /* table, name; name_len */
	LINT_OP_SET_TYPE,	     /* table, name, type: the new type */
	LINT_OP_SET_NOT_NULL,	     /* table, name */
	LINT_OP_DROP_NOT_NULL,	     /* table, name */
	LINT_OP_ADD_CONSTRAINT,	     /* table, name (may be NULL), to (a foreign key's table); F_FOREIGN, F_CHECK,
					F_UNIQUE, F_PRIMARY, F_NOT_VALID, F_USING_INDEX; name_len */
	LINT_OP_VALIDATE_CONSTRAINT, /* table, name */
	LINT_OP_DROP_CONSTRAINT,     /* table, name; name_len */
	LINT_OP_DETACH_PARTITION,    /* table: the partitioned table, name: the partition; F_CONCURRENTLY */
	LINT_OP_ALTER_OTHER,	     /* any other ALTER TABLE action on table; what: PostgreSQL's subcommand */
	LINT_OP_CREATE_INDEX,	     /* table, name (NULL: unnamed); F_CONCURRENTLY, F_UNIQUE; name_len */
	LINT_OP_DROP_INDEX,	     /* name; F_CONCURRENTLY; name_len */
	LINT_OP_REINDEX,	     /* what: TABLE, INDEX, SCHEMA, DATABASE or SYSTEM; name; F_CONCURRENTLY */
	LINT_OP_VACUUM,		     /* table ("": every table); what: VACUUM or ANALYZE; F_FULL */
	LINT_OP_CLUSTER,	     /* table ("": every clustered table) */
	LINT_OP_LOCK,		     /* table; what: the mode ("ACCESS EXCLUSIVE") */
	LINT_OP_CREATE_TRIGGER,	     /* table, name */
	LINT_OP_COMMENT,	     /* what: the object kind (TABLE, COLUMN, ...); table: the table it is on, or "" */
	LINT_OP_CREATE_TYPE,	     /* name */
	LINT_OP_ALTER_TYPE,	     /* name: the type (anything but ADD VALUE) */
	LINT_OP_ADD_ENUM_VALUE,	     /* name: the type, to: the value; F_ORDERED: BEFORE or AFTER given */
	LINT_OP_CREATE_DOMAIN,	     /* name; F_CHECK: with a constraint */
	LINT_OP_ALTER_DOMAIN,	     /* name; F_CHECK: adds a constraint (F_NOT_VALID) */
	LINT_OP_ALTER_SEQUENCE,	     /* name */
	LINT_OP_CREATE_OTHER,	     /* what (VIEW, TRIGGER, ...) name; name_len */
	LINT_OP_DROP_OTHER,	     /* what (VIEW, TYPE, ...) name; name_len */
	LINT_OP_DROP_DATABASE,	     /* name */
	LINT_OP_RENAME_TABLE,	     /* table -> to; name_len: of `to` */
	LINT_OP_RENAME_COLUMN,	     /* table.name -> to; name_len: of `to` */
	LINT_OP_RENAME_OTHER,	     /* what (INDEX, CONSTRAINT, ...) name -> to; table: its table or "";
					name_len: of `to` */
	LINT_OP_TRUNCATE,	     /* table; F_CASCADE */
	LINT_OP_DELETE,		     /* table; F_WHERE */
	LINT_OP_UPDATE,		     /* table; F_WHERE (each column it sets follows as an ASSIGN) */
	LINT_OP_ASSIGN,		     /* table, name: a column an UPDATE sets */
	LINT_OP_VIEW_COLUMN,	     /* table (the view), name: a name in CREATE VIEW v (a, b, ...) */
	LINT_OP_BEGIN,		     /* BEGIN, START TRANSACTION */
	LINT_OP_COMMIT,		     /* COMMIT, END */
	LINT_OP_ROLLBACK,	     /* ROLLBACK (not TO SAVEPOINT) */
	LINT_OP_SET		     /* name: the setting; F_NONZERO: set to something other than 0 */
} lint_op;

/* Flags of an effect. */
#define LINT_F_IF_EXISTS    0x00001u /* IF [NOT] EXISTS: re-running is harmless */
#define LINT_F_CONCURRENTLY 0x00002u /* CONCURRENTLY */
#define LINT_F_CASCADE	    0x00004u /* CASCADE */
#define LINT_F_NOT_NULL	    0x00008u /* a column NOT NULL (or PRIMARY KEY) */
#define LINT_F_DEFAULT	    0x00010u /* a column with a DEFAULT */
#define LINT_F_VOLATILE	    0x00020u /* ...whose value is not known to be the same for every row */
#define LINT_F_IDENTITY	    0x00040u /* a column GENERATED ... AS IDENTITY */
#define LINT_F_FOREIGN	    0x00080u /* constraint kinds (of a constraint, or of a column's own) */
#define LINT_F_CHECK	    0x00100u
#define LINT_F_UNIQUE	    0x00200u
#define LINT_F_PRIMARY	    0x00400u
#define LINT_F_NOT_VALID    0x00800u /* a constraint added NOT VALID */
#define LINT_F_USING_INDEX  0x01000u /* a key added USING INDEX (built beforehand) */
#define LINT_F_WHERE	    0x02000u /* a DELETE/UPDATE with a WHERE */
#define LINT_F_NONZERO	    0x04000u /* SET to a value other than 0 */
#define LINT_F_STORED	    0x08000u /* a column GENERATED ALWAYS AS (expr) STORED */
#define LINT_F_FULL	    0x10000u /* VACUUM FULL */
#define LINT_F_ORDERED	    0x20000u /* ADD VALUE ... BEFORE/AFTER */
#define LINT_F_QUALIFIED    0x40000u /* the table was named with its schema */

typedef struct lint_effect {
	lint_op op;
	unsigned flags;
	char *table, *name, *to, *type, *what; /* NULL when not used (table: "" when not used) */
	size_t name_len;		       /* the source length of the name the op defines (0: unknown) */
	int line, col;			       /* of the statement (a column or constraint: of its definition) */
} lint_effect;

/* The effects of a section, in statement order; a statement's are a contiguous run. */
typedef struct lint_effects {
	lint_effect *v;
	size_t n, cap;
} lint_effects;

/*
 * Append a copy of *x (its strings are copied; NULL stays NULL, table NULL
 * becomes "").  STRATA_OK or STRATA_ENOMEM.
 */
int strata__lint_eff_add(lint_effects *e, const lint_effect *x);
/* The first effect of `op` on table (and name, when not NULL), or NULL. */
const lint_effect *strata__lint_eff_find(const lint_effects *e, lint_op op, const char *table, const char *name);
/* The CREATE_OTHER or DROP_OTHER effect of the materialized view `name`, or NULL. */
const lint_effect *strata__lint_eff_matview(const lint_effects *e, lint_op op, const char *name);
void strata__lint_eff_free(lint_effects *e);

/* ---- the catalog: what the migrations did so far ---- */

/* Column types lower-cased as written ("varchar(100)", "int4"). */
typedef struct lint_column {
	char *name, *type;
} lint_column;
typedef struct lint_table {
	char *name;
	lint_column *cols;
	size_t ncols, cap;
	bool fresh; /* created by a pending file of this run: new to the later ones */
} lint_table;
/* An index and its table (for DROP INDEX and REINDEX INDEX, which name only the index). */
typedef struct lint_index {
	char *name, *table;
} lint_index;
typedef struct lint_catalog {
	lint_table *t;
	size_t n, cap;
	size_t *slot; /* open-addressing index by lower-cased name: t's index + 1, 0 empty */
	size_t nslot; /* a power of two, at least twice n; 0: no index yet */
	lint_index *ix;
	size_t nix, cix;
} lint_catalog;

lint_table *strata__lint_cat_table(const lint_catalog *c, const char *name);
/* The table (added, empty, when missing) in *out.  STRATA_OK or STRATA_ENOMEM. */
int strata__lint_cat_add_table(lint_catalog *c, const char *name, lint_table **out);
/* Drop a table (and its indexes). */
void strata__lint_cat_drop_table(lint_catalog *c, const char *name);
int strata__lint_cat_rename_table(lint_catalog *c, const char *from, const char *to);
/* Set (add or replace) a column's type.  STRATA_OK or STRATA_ENOMEM. */
int strata__lint_cat_set_col(lint_table *t, const char *name, const char *type);
/* The column of t (t may be NULL), or NULL. */
lint_column *strata__lint_cat_col(const lint_table *t, const char *name);
void strata__lint_cat_drop_col(lint_table *t, const char *name);
int strata__lint_cat_rename_col(lint_table *t, const char *from, const char *to);
/* Indexes: add (replacing one of the name), drop, the table of one (NULL: unknown). */
int strata__lint_cat_add_index(lint_catalog *c, const char *name, const char *table);
void strata__lint_cat_drop_index(lint_catalog *c, const char *name);
const char *strata__lint_cat_index_table(const lint_catalog *c, const char *name);
void strata__lint_cat_free(lint_catalog *c);

/* ---- types ---- */

/* Would changing a column from type `from` to `to` lose data?  Types as written, any case. */
bool strata__lint_type_narrows(const char *from, const char *to, strata_backend dialect);
/* Is the change one PostgreSQL makes without a rewrite (a wider varchar, varchar to text)? */
bool strata__lint_type_cheap_change(const char *from, const char *to);

/* ---- files and statements ---- */

/* One statement of a section: the text and where it starts in the file. */
typedef struct lint_stmt {
	const char *sql; /* NUL-terminated copy */
	size_t len;
	int line, col;
} lint_stmt;

/* The position in the file of byte `off` of a statement. */
static inline void strata__lint_stmt_pos(const lint_stmt *st, size_t off, int *line, int *col)
{
	int dl, dc;
	strata__lint_linecol(st->sql, off < st->len ? off : st->len, &dl, &dc);
	*line = st->line + dl - 1;
	*col = dl == 1 ? st->col + dc - 1 : dc;
}

/* One migration file being linted. */
typedef struct lint_file {
	lint_ctx *ctx;
	const strata__migration *m;
	strata_backend dialect;
	const strata_schema *schema; /* may be NULL */
	bool down;		     /* in the down section: effects are recorded, only invalid SQL is reported */
	bool up_tx;		     /* the up section runs in a transaction */
	bool pending;		     /* the run knows which files are pending, and this is one */
	lint_effects up, dn;
	/* Rule state across the statements of the up section (migrules.c). */
	bool lock_timeout, stmt_timeout;   /* SET lock_timeout / statement_timeout to a limit */
	bool lock_reported, stmt_reported; /* require-lock-timeout / -statement-timeout fired already */
	bool in_tx;			   /* a transaction is open: the runner's (up_tx) or a BEGIN's */
	bool explicit_tx;		   /* ...opened by a BEGIN of the section */
	int begin_line, begin_col;	   /* of that BEGIN */
	char **not_valid;		   /* constraints added NOT VALID in the open transaction */
	size_t nnot_valid, cnot_valid;
} lint_file;

/* The effects of the section being read. */
static inline lint_effects *strata__lint_file_effects(lint_file *f)
{
	return f->down ? &f->dn : &f->up;
}

/* ---- the rules (migrules.c, migcompare.c) ---- */

/*
 * The rules on one statement, whose effects are those of the current
 * section from index `first` on; then, in the up section, the effects
 * are applied to the catalog.  STRATA_OK or STRATA_ENOMEM.
 */
int strata__lint_rules_stmt(lint_file *f, lint_catalog *cat, const lint_stmt *st, size_t first);
/* Before the first statement of the up section, and after its last (a BEGIN never committed). */
void strata__lint_rules_section_begin(lint_file *f);
int strata__lint_rules_section_end(lint_file *f);
/* Free the rule state of a file. */
void strata__lint_rules_file_free(lint_file *f);
/* After both sections, without a scratch database: does down undo up?  Matched effect by effect. */
int strata__lint_rules_down_static(lint_file *f);
/*
 * Snapshots of a scratch database (tables with their columns; indexes as
 * the columns of a table named ""), compared.  Up: what the up section
 * dropped, renamed or narrowed (SQLite, where statements alone do not
 * tell a rebuild from a drop).  Down: before up against after down.
 */
int strata__lint_rules_compare_up(lint_file *f, const lint_catalog *before, const lint_catalog *after);
int strata__lint_rules_compare_down(lint_file *f, const lint_catalog *before, const lint_catalog *after);

/* ---- PostgreSQL's locks (locks.c) ---- */

/* The table-level lock modes, weakest first. */
typedef enum lint_lock {
	LINT_LK_NONE,
	LINT_LK_ACCESS_SHARE,
	LINT_LK_ROW_SHARE,
	LINT_LK_ROW_EXCLUSIVE,
	LINT_LK_SHARE_UPDATE_EXCLUSIVE,
	LINT_LK_SHARE,
	LINT_LK_SHARE_ROW_EXCLUSIVE,
	LINT_LK_EXCLUSIVE,
	LINT_LK_ACCESS_EXCLUSIVE
} lint_lock;

/* "ACCESS EXCLUSIVE" */
const char *strata__lint_lock_name(lint_lock l);

/* One lock an effect takes. */
typedef struct lint_rel_lock {
	const char *rel; /* a relation ("*": every table, "s.*": every table of schema s), or another object */
	lint_lock level;
	bool relation; /* a table, index, view or sequence (false: a type, domain, ...) */
} lint_rel_lock;

/*
 * The locks an effect takes (at most 2, into out; returns how many), whether
 * a lock_timeout should bound the wait for them (*waits: not for row locks,
 * nor for CONCURRENTLY, which must not be cancelled half-way), and how a
 * user names the statement ("ALTER TABLE"; NULL when it takes none).
 * `scratch` (at least 2 x 80 bytes) holds names the locks point into.
 */
size_t strata__lint_effect_locks(const lint_effect *e, const lint_catalog *cat, lint_rel_lock out[2], bool *waits,
				 const char **verb, char scratch[2][80]);

/* ---- dialect adapters ---- */

/*
 * Read one statement into effects appended to the current section's list
 * (strata__lint_file_effects).  A statement the dialect's parser rejects
 * is reported as invalid-sql.  STRATA_OK or STRATA_ENOMEM.
 */
int strata__lint_pg_stmt(lint_file *f, const lint_stmt *st);
int strata__lint_sq_stmt(lint_file *f, const lint_stmt *st);

/*
 * Run statements on a scratch database in order; a failure is reported as
 * invalid-sql (when `report`) and the next one runs.  Transaction control
 * statements are skipped.  STRATA_OK or STRATA_ENOMEM.
 */
int strata__lint_exec_stmts(struct strata_db *db, lint_file *f, const lint_stmt *v, size_t n, bool report);

/*
 * PostgreSQL scratch database (pgscratch.c): create one on the server `url`
 * names (failure to create it is an error), apply each file's up, down and
 * up again comparing snapshots, drop it at the end.
 */
typedef struct lint_pg_scratch {
	struct strata_db *db; /* NULL: none */
	char *url;	      /* its URL, to drop it */
} lint_pg_scratch;
int strata__lint_pg_scratch_open(lint_pg_scratch *s, const char *url);
void strata__lint_pg_scratch_close(lint_pg_scratch *s);
int strata__lint_pg_scratch_apply(lint_pg_scratch *s, lint_file *f, const lint_stmt *up, size_t nup,
				  const lint_stmt *dn, size_t ndn);

/* SQLite: the schema the files built so far, as sqlite_master rows (sqlite.c). */
typedef struct lint_sq_entry {
	char *type, *name, *tbl, *sql;
} lint_sq_entry;
typedef struct lint_sq_history {
	lint_sq_entry *v;
	size_t n, cap;
} lint_sq_history;
void strata__lint_sq_close(lint_sq_history *h);
/*
 * Apply the file to a work database holding what it needs of the history
 * (up, then down and up again when there is a down section), compare
 * snapshots, and put what it left back into the history.
 */
int strata__lint_sq_apply(lint_sq_history *h, lint_file *f, const lint_stmt *up, size_t nup, const lint_stmt *dn,
			  size_t ndn);

/*
 * The schema of the database the migrations will run on, as the starting
 * history: SQLite's sqlite_schema rows (Strata's own tables left out,
 * sqlite.c), PostgreSQL's tables, column types and indexes (live.c).
 * STRATA_OK, STRATA_ENOMEM, or the failure to read the catalog.
 */
int strata__lint_sq_seed(lint_sq_history *h, struct strata_db *db);
int strata__lint_live_catalog(struct strata_db *db, lint_catalog *cat);

/* ---- entry points ---- */

/*
 * Lint one migration given as text (for the fuzz target and tests): as
 * strata_lint_migration_files() with a single file.  `file` names it.
 */
int strata__lint_migration_text(strata_lint_report *r, const char *file, const char *text, size_t len,
				const strata_lint_options *opts);

/* Is the schema file still using table (and column, when not NULL)? */
bool strata__lint_schema_has(const strata_schema *s, const char *table, const char *column);

#endif

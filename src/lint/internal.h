/*
 * The linter's internal side: the rule numbers, the resolved
 * configuration, the per-file context that findings are emitted through
 * (and suppressions are applied in), shared by the files of src/lint/.
 */
#ifndef STRATA_LINT_INTERNAL_H
#define STRATA_LINT_INTERNAL_H

#include <strata/lint.h>

#include "core/buf.h"

/* Rule numbers: the index of each rule in the registry (rules.c). */
enum {
	R_REQUIRE_PK,
	R_REQUIRE_TIMESTAMPS,
	R_UPDATED_AT,
	R_STRING_LENGTH,
	R_PREFER_ENUM,
	R_FK_ON_DELETE,
	R_FK_INDEX,
	R_DUP_INDEX,
	R_REDUNDANT_INDEX,
	R_OWNER_INDEX,
	R_ID_FKEY,
	R_MONEY_FLOAT,
	R_TS_TZ,
	R_CHAR,
	R_IDENT_LEN,
	R_RESERVED,
	R_BIGINT_INT,
	R_BIGINT_SMALLINT,
	R_IDENTITY,
	R_DOMAIN_CHECK,
	R_DROP_TABLE,
	R_DROP_COLUMN,
	R_TRUNCATE,
	R_TRUNCATE_CASCADE,
	R_DROP_DATABASE,
	R_DML_NO_WHERE,
	R_NARROWING,
	R_INDEX_CONC,
	R_DROP_INDEX_CONC,
	R_CONC_TX,
	R_NOT_VALID,
	R_SET_NOT_NULL,
	R_VOLATILE_DEFAULT,
	R_ALTER_TYPE,
	R_NOT_NULL_NO_DEFAULT,
	R_LOCK_TIMEOUT,
	R_STMT_TIMEOUT,
	R_REINDEX_CONC,
	R_DETACH_CONC,
	R_REPACK,
	R_DOMAIN_ADD,
	R_RENAME_TABLE,
	R_RENAME_COLUMN,
	R_DROP_SCHEMA_COL,
	R_DROP_NOT_NULL,
	R_ENUM_ORDER,
	R_IF_EXISTS,
	R_REQUIRE_DOWN,
	R_DOWN_INVERSE,
	R_TX_NESTING,
	R_TX_UNCOMMITTED,
	R_DUP_ASSIGN,
	R_TABLE_SCHEMA,
	R_INVALID_SQL,
	R_UNUSED_SUP,
	R_SUP_REASON,
	R__COUNT
};

extern const strata_lint_rule strata__lint_rules[R__COUNT];

typedef enum lint_string_style {
	STRING_STYLE_LENGTH = 0,
	STRING_STYLE_TEXT = 1
} lint_string_style;
typedef enum lint_enum_style {
	ENUM_STYLE_NATIVE = 0,
	ENUM_STYLE_CHECK = 1
} lint_enum_style;

struct strata_lint_config {
	unsigned char sev[R__COUNT]; /* 0: the rule's default; else the severity + 1 */
	lint_string_style string_style;
	lint_enum_style enum_style;
	bool bigint_all;	/* bigint-scope = all: every integer column, not only keys */
	strata_backend dialect; /* 0: both / unset */
	bool has_max_warnings;	/* false: no limit */
	int max_warnings;
	char *schema, *migrations; /* NULL: the defaults */
	char *scratch_db;	   /* NULL: none */
	char valbuf[32];	   /* max-warnings as text, written when it is set */
};

/* The locks of the statement whose findings are being emitted (PostgreSQL migrations). */
typedef struct lint_lockinfo {
	const char *level; /* "ACCESS EXCLUSIVE" */
	const char *const *reads, *const *writes;
	size_t nreads, nwrites;
} lint_lockinfo;

/* A finding as the report stores it (the public struct plus owned copies). */
typedef struct lint_item {
	strata_lint_finding f;
	int rule;
	char *file, *object, *message, *lock;
	char **reads, **writes;
} lint_item;

struct strata_lint_report {
	lint_item *items;
	size_t n, cap;
	size_t suppressed;
};

/* Linting one file (or one database): where findings go and what applies. */
typedef struct lint_ctx {
	strata_lint_report *r;
	const strata_lint_config *cfg; /* never NULL */
	unsigned dialects;	       /* STRATA_LINT_SQLITE / _POSTGRES bits being checked */
	unsigned categories;
	const char *file;
	size_t first;		   /* the report's first finding for this file */
	bool quiet;		   /* replaying history: nothing is reported */
	const lint_lockinfo *lock; /* attached to the findings emitted while set (NULL: none) */
} lint_ctx;

/* The built-in defaults (a static config). */
const strata_lint_config *strata__lint_default_config(void);

/* Begin a file: fills ctx from the options. */
void strata__lint_ctx_init(lint_ctx *ctx, strata_lint_report *r, const strata_lint_options *opts, const char *file,
			   unsigned dialects);

/* Would the rule run (category on, dialect applies, severity not off)? */
bool strata__lint_enabled(const lint_ctx *ctx, int rule);

/*
 * Report a finding of `rule` at line:col (0: none) on `object` (may be
 * NULL).  Does nothing when the rule is not enabled.  STRATA_OK or
 * STRATA_ENOMEM.
 */
int strata__lint_emit(lint_ctx *ctx, int rule, int line, int col, const char *object, const char *fmt, ...)
	STRATA_PRINTF(6, 7);

/*
 * Apply the suppression comments of `text` to the findings emitted for
 * this file since the context began, and report unused ones and ones
 * without a reason.  STRATA_OK or STRATA_ENOMEM.
 */
int strata__lint_suppress(lint_ctx *ctx, const char *text, size_t len);

/* The 1-based line and column of byte `off` in `text`. */
void strata__lint_linecol(const char *text, size_t off, int *line, int *col);

/* Case-insensitive ASCII comparisons. */
bool strata__lint_ieq(const char *a, const char *b);
bool strata__lint_ieqn(const char *a, const char *b, size_t n);

/*
 * What only a live database tells the design rules (live.c, which opens
 * the connection; the rules stay in schema.c).  Reading them marks the
 * time columns a user's UPDATE trigger keeps current as auto_update in s
 * (a change time under another name), and lists the money-like columns
 * SQLite stores REAL (binary floating point) values in.  STRATA_OK or
 * STRATA_ENOMEM (a catalog that cannot be read tells nothing).
 */
typedef struct lint_live_facts {
	char **real; /* "table.column" */
	size_t nreal, creal;
} lint_live_facts;
int strata__lint_live_facts(struct strata_db *db, strata_schema *s, lint_live_facts *out);
void strata__lint_live_facts_free(lint_live_facts *f);

/* The schema rules (schema.c) on a model; ctx is set up by the caller; facts: a live database's (or NULL). */
int strata__lint_model(lint_ctx *ctx, const strata_schema *s, bool live, const lint_live_facts *facts);

/* A PostgreSQL or SQLite reserved word? */
bool strata__lint_reserved(const char *word);

/* Is the column name one that holds money (price, amount, total_cents, ...)? */
bool strata__lint_money_like(const char *name);

/* What the design rules need to know of a SQL type as written ("varchar(20)", "int4", "timestamp(3)"). */
typedef enum lint_tclass {
	LINT_T_OTHER,
	LINT_T_TEXT,	/* text, varchar without a length, clob, citext */
	LINT_T_VARCHAR, /* varchar(n), nvarchar(n) */
	LINT_T_CHAR,	/* char(n), bpchar, nchar */
	LINT_T_TS_NOTZ, /* timestamp [without time zone] */
	LINT_T_FLOAT,	/* real, float, double precision */
	LINT_T_INT2,	/* smallint */
	LINT_T_INT4,	/* integer */
	LINT_T_INT8,	/* bigint */
	LINT_T_SERIAL2, /* smallserial */
	LINT_T_SERIAL4, /* serial */
	LINT_T_SERIAL8	/* bigserial */
} lint_tclass;
/* The class of a type (any case; modifiers and [] are ignored: `*array` says whether there were []). */
lint_tclass strata__lint_type_class(const char *type, bool *array);

#endif

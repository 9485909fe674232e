/*
 * DDL building blocks shared by the schema writer (ddl.c), the differ and
 * the inspector, which recognises what these functions write.
 */
#ifndef STRATA_SQL_DDL_H
#define STRATA_SQL_DDL_H

#include <strata/sql.h>

#include "core/buf.h"

/* SQLite expressions Strata writes for defaults (recognised by inspection). */
extern const char strata__sqlite_now[];
extern const char strata__sqlite_today[];
extern const char strata__sqlite_uuid_v4[];
extern const char strata__sqlite_uuid_v7_legacy[];

/* The prefix of PostgreSQL comments that keep a CHECK or WHERE as written. */
#define STRATA__PG_COMMENT "strata:"

int strata__sql_ident(strata_buf *b, strata_backend d, const char *name);
/* A string literal: 'it''s'. */
int strata__sql_literal(strata_buf *b, const char *s);
/* "a", "b" */
int strata__sql_ident_list(strata_buf *b, strata_backend d, const char *const *names, int n);

/* The column's SQL type (the type only). */
int strata__sql_coltype(strata_buf *b, strata_backend d, const strata_coltype *t);
/* The DEFAULT expression (without the keyword); nothing for STRATA_DEFAULT_NONE. */
int strata__sql_default(strata_buf *b, strata_backend d, const strata_column *c);

/*
 * The SQLite CHECKs implied by a column's type, one at a time: the i-th
 * condition (without CHECK and parentheses) into `b`; returns 0 when
 * written, 1 when there is no i-th, or a failure.
 */
int strata__sql_implied_check(strata_buf *b, const strata_schema *s, const strata_column *c, int i);

/*
 * The implied check an earlier Strata wrote for `c` where it differs from
 * today's (arrays of numbers: only "a JSON array"), which inspect also
 * takes as implied.  0 when written, 1 when there is none.
 */
int strata__sql_implied_check_before(strata_buf *b, const strata_column *c);

/* A whole column definition as in CREATE TABLE. */
int strata__sql_column_def(strata_buf *b, strata_backend d, const strata_schema *s, const strata_table *t,
			   const strata_column *c);

/* "CONSTRAINT name FOREIGN KEY (...) REFERENCES t (...) ON DELETE ..." */
int strata__sql_fkey(strata_buf *b, strata_backend d, const strata_fkey *f);

/*
 * CREATE TABLE `name` (NULL: t->name) with columns and constraints.
 * Foreign keys for which skip_fk(ud, f) is true are left out (NULL: none).
 */
int strata__sql_create_table(strata_buf *b, strata_backend d, const strata_schema *s, const strata_table *t,
			     const char *name, bool (*skip_fk)(void *ud, const strata_fkey *f), void *ud);

/* CREATE [UNIQUE] INDEX [CONCURRENTLY] IF NOT EXISTS ...; plus its comment on PostgreSQL. */
int strata__sql_create_index(strata_buf *b, strata_backend d, const strata_table *t, const strata_index *x,
			     bool concurrently);

/*
 * The same index created on another table `on` (NULL: t), ON ONLY `on` when
 * `only` (a partitioned table's index, partitions attached one by one).
 */
int strata__sql_create_index_on(strata_buf *b, strata_backend d, const strata_table *t, const strata_index *x,
				bool concurrently, const char *on, bool only);

/* COMMENT ON TABLE t / COLUMN t.column IS text (NULL: IS NULL); PostgreSQL only. */
int strata__sql_comment(strata_buf *b, strata_backend d, const char *table, const char *column, const char *text);
/* A column's comment (PostgreSQL only); a generated column's also keeps its expression as written. */
int strata__sql_column_comment(strata_buf *b, strata_backend d, const strata_table *t, const strata_column *c);
/* The comments of a table and its columns (PostgreSQL only). */
int strata__sql_comments(strata_buf *b, strata_backend d, const strata_table *t);

/* PostgreSQL comments keeping the table's CHECK texts as written (nothing on SQLite). */
int strata__sql_check_comments(strata_buf *b, strata_backend d, const strata_table *t);

/* CREATE TYPE ... AS ENUM, idempotent (PostgreSQL only). */
int strata__sql_create_enum(strata_buf *b, strata_backend d, const strata_enum *e);

/* The auto_update triggers of a table (and nothing when it has none). */
int strata__sql_triggers(strata_buf *b, strata_backend d, const strata_table *t);
/* Drop them (for table rebuilds and renames). */
int strata__sql_drop_triggers(strata_buf *b, strata_backend d, const strata_table *t);
/* A trigger's name: <table>_<column>_auto_update (into a static-size buffer). */
void strata__sql_trigger_name(char *buf, size_t cap, const char *table, const char *column);

/* ---- items.c ---- */

/*
 * SQLite: the triggers that check each item of an array column whose items
 * are strings (text, string(n), uuid, enums, dates, ...), which a CHECK
 * cannot; nothing on PostgreSQL or for other columns.  Per column, per
 * table, and their drops (DROP TRIGGER IF EXISTS).
 */
bool strata__sql_items_checked(const strata_column *c);
int strata__sql_item_triggers(strata_buf *b, strata_backend d, const strata_schema *s, const strata_table *t,
			      const strata_column *c);
int strata__sql_drop_item_triggers(strata_buf *b, strata_backend d, const char *table, const strata_column *c);
int strata__sql_table_item_triggers(strata_buf *b, strata_backend d, const strata_schema *s, const strata_table *t);
int strata__sql_drop_table_item_triggers(strata_buf *b, strata_backend d, const strata_table *t);
/* <table>_<column>_items_insert or _items_update (into a static-size buffer). */
void strata__sql_item_trigger_name(char *buf, size_t cap, const char *table, const char *column, bool update);

/* A dollar-quote tag ($strata$, $strata1$, ...) that `text` does not hold. */
void strata__sql_dollar_tag(const char *text, char *tag, size_t cap);
/* The quoted identifier as a string literal, for ::regclass: '"t"'. */
int strata__sql_regclass(strata_buf *b, const char *name);

/* ---- objects.c ---- */

/* Views: CREATE (with a materialized view's indexes, and on PostgreSQL the text as written) and DROP. */
int strata__sql_create_view(strata_buf *b, strata_backend d, const strata_view *v);
int strata__sql_drop_view(strata_buf *b, strata_backend d, const strata_view *v);
/* SQLite: the view holding a materialized view's query, <view>__strata_query. */
void strata__sql_matview_query_name(char *buf, size_t cap, const char *view);
/* Before functions: their bodies are checked when used (SET LOCAL check_function_bodies = off). */
int strata__sql_function_prelude(strata_buf *b, strata_backend d);
/* CREATE OR REPLACE of a function (and its text as written, PostgreSQL); DROP ROUTINE. */
int strata__sql_create_function(strata_buf *b, strata_backend d, const strata_function *f);
int strata__sql_drop_function(strata_buf *b, strata_backend d, const strata_function *f);
/* A trigger (dropped first on PostgreSQL; IF NOT EXISTS on SQLite), and its drop. */
int strata__sql_create_trigger(strata_buf *b, strata_backend d, const strata_trigger *t);
int strata__sql_drop_trigger(strata_buf *b, strata_backend d, const strata_trigger *t);
/* CREATE DOMAIN (idempotent) with its checks; a check's text as written (a conditional comment). */
int strata__sql_create_domain(strata_buf *b, strata_backend d, const strata_domain *dm);
int strata__sql_domain_check(strata_buf *b, const strata_domain *dm, const strata_check *c);
int strata__sql_create_extension(strata_buf *b, strata_backend d, const strata_extension *e);
/* CREATE SEQUENCE IF NOT EXISTS; its options (alter: every one, defaults spelled out); OWNED BY (or NONE). */
int strata__sql_create_sequence(strata_buf *b, strata_backend d, const strata_sequence *q);
int strata__sql_sequence_options(strata_buf *b, const strata_sequence *q, bool alter);
int strata__sql_sequence_owner(strata_buf *b, strata_backend d, const strata_sequence *q);

/* ---- ddl.c ---- */

/* COMMENT ON what IS 'strata:text', in a DO block, only when (current) differs from expected (both SQL). */
int strata__sql_pg_comment(strata_buf *b, const char *what, const char *text, const char *current,
			   const char *expected);

/* The model can be made on dialect d; else STRATA_EINVAL with the place to change (dialect.c). */
int strata__sql_check_dialect(const strata_schema *s, strata_backend d);

/* PostgreSQL helper functions the model needs (strata_touch, strata_uuid_v7, strata_actor, strata_stamp_actor). */
int strata__sql_prelude(strata_buf *b, strata_backend d, const strata_schema *s);

/* "ON DELETE CASCADE" words for an action ("" for no action). */
const char *strata__sql_action(strata_fk_action a);

#endif

/*
 * What the emitters of `strata gen c` share: the output (an emitter), the
 * templates the text of generated code comes from, and the pieces every
 * family of generated functions uses (SQL fragments built at generation
 * time, C types and per-column code from the kind table).
 *
 * Where things are:
 * - src/gen/templates/NAME.tmpl hold every line of generated C, as named
 *   templates with ${placeholders} (see "Templates" below); the C files
 *   decide which template to expand and with what values.
 * - emit.c: the emitter and the template engine.
 * - sqlparts.c: SQL text built at generation time (select lists, owner
 *   scope conditions, key conditions, insert placeholders).
 * - values.c: the kind table (C types, binds, reads) and per-column code.
 * - types.c: the header (types, masks, queries, pages, prototypes) and enums.
 * - crud.c: read, defaults, insert, insert_many, get, update, delete.
 * - list.c: filters, list with keyset paging, count.
 * - load.c: relation loaders.   json.c: to_json.   c.c: the two files.
 */
#ifndef STRATA_GEN_EMIT_H
#define STRATA_GEN_EMIT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"
#include "gen/model.h"

/* ---- templates ---- */

/*
 * A template file (src/gen/templates/NAME.tmpl, embedded at build time)
 * holds named templates.  Each starts at a line `@@ name` and runs to the
 * next such line or the end of the file; text before the first `@@` is the
 * file's commentary.  Inside a template:
 * - `${var}` is replaced by the value of `var` (an error if it has none);
 *   `$$` is a `$`;
 * - a line that is only `${var}` is replaced by the value as it is, with no
 *   newline of its own (for blocks of lines, which end with theirs, and may
 *   be empty);
 * - `@if var` / `@if !var` / `@elif [!]var` / `@else` / `@end` at the start of a line keep or
 *   drop the lines between them (a value is true when it is not empty, a
 *   list when it has items; naming a value never set is an error);
 * - `@each list` ... `@end` repeats the lines between for each item of a
 *   list, with the item's values (and, behind them, the outer ones);
 * - `@# ...` lines are comments.
 * Everything else is copied byte for byte: tabs, blank lines, newlines.
 */
typedef struct strata__gen_tmpl {
	const char *name;
	size_t name_len;
	const char *text; /* the body: from the line after `@@ name` */
	size_t len;
} strata__gen_tmpl;

typedef struct strata__gen_tmpls {
	strata__gen_tmpl *items;
	int n;
} strata__gen_tmpls;

/* Index the embedded template files.  STRATA_OK or STRATA_ENOMEM. */
int strata__gen_tmpls_load(strata__gen_tmpls *t);
void strata__gen_tmpls_free(strata__gen_tmpls *t);

/*
 * The values of a template's placeholders: strings, and lists of items
 * (each an inner set of values) for @each.  Names are string constants.
 * Setting a name again replaces its value.  Setters accept a NULL set and
 * do nothing (an item that could not be allocated); failures are kept in
 * `rc` (of the set and every set around it) and reported by the expansion.
 */
#define STRATA__GEN_VARS_MAX 40
typedef struct strata__gen_vars strata__gen_vars;
struct strata__gen_vars {
	int n;
	int rc;
	strata__gen_vars *parent; /* the set this one is an item of */
	const char *names[STRATA__GEN_VARS_MAX];
	char *values[STRATA__GEN_VARS_MAX];		/* NULL for a list */
	strata__gen_vars **items[STRATA__GEN_VARS_MAX]; /* a list's items */
	int nitems[STRATA__GEN_VARS_MAX];
};

#define STRATA__GEN_VARS_INIT                                     \
	{                                                         \
		0, STRATA_OK, NULL, { NULL }, { NULL }, { NULL }, \
		{                                                 \
			0                                         \
		}                                                 \
	}

void strata__gen_var(strata__gen_vars *v, const char *name, const char *value);
void strata__gen_varf(strata__gen_vars *v, const char *name, const char *fmt, ...) STRATA_PRINTF(3, 4);
/* "1" when on, "" when off: for @if. */
void strata__gen_var_bool(strata__gen_vars *v, const char *name, bool on);
/* `value` as the contents of a C string literal (escaped). */
void strata__gen_var_cstr(strata__gen_vars *v, const char *name, const char *value);
/* `value` for a block comment: `*` `/`, `/` `*` and `??` inside get a space between. */
void strata__gen_var_comment(strata__gen_vars *v, const char *name, const char *value);
/* Declare the list `name` (empty until items are added). */
void strata__gen_list(strata__gen_vars *v, const char *name);
/* A new last item of the list `name` (declared if needed); NULL when out of memory. */
strata__gen_vars *strata__gen_item(strata__gen_vars *v, const char *name);
void strata__gen_vars_free(strata__gen_vars *v);

/* ---- the emitter ---- */

typedef struct strata__gen_emitter {
	strata_buf *out;
	int rc; /* the first failure; later emits do nothing */
	const gmodel *m;
	const char *P; /* the prefix of generated names */
	const strata__gen_tmpls *tm;
	bool nonblocking; /* also the non-blocking variants (async.tmpl) */
} strata__gen_emitter;

typedef strata__gen_emitter gen_emitter;

/* Append formatted text. */
void strata__gen_printf(gen_emitter *e, const char *fmt, ...) STRATA_PRINTF(2, 3);
/* Append `s` as the contents of a C string literal (without the quotes). */
void strata__gen_cstr(gen_emitter *e, const char *s);
/* `s` escaped for a C string literal into `b`. */
int strata__gen_cstr_into(strata_buf *b, const char *s);
/* Expand `pattern` (template text) with `v` onto `out`.  STRATA_OK, STRATA_EINVAL, STRATA_ENOMEM. */
int strata__gen_expand(strata_buf *out, const char *pattern, const strata__gen_vars *v);
/* Expand the template `name` with `v` (NULL: no values). */
void strata__gen_render(gen_emitter *e, const char *name, const strata__gen_vars *v);

/*
 * Code for a block placeholder: strata__gen_block_begin() points `sub` at
 * a new buffer; emit into `sub`; strata__gen_block_end() moves the text
 * into `v` under `name` (and any failure with it).
 */
void strata__gen_block_begin(const gen_emitter *e, gen_emitter *sub, strata_buf *buf);
void strata__gen_block_end(strata__gen_vars *v, const char *name, gen_emitter *sub, strata_buf *buf);
/* Expand template `name` with `v` into the block placeholder of the same name in `v`. */
void strata__gen_block(const gen_emitter *e, strata__gen_vars *v, const char *name);

/* `s` upper-cased into buf (names are at most 63 bytes; longer ones are cut). */
void strata__gen_upper(char *buf, size_t cap, const char *s);

/* ---- SQL built at generation time (sqlparts.c) ---- */

typedef enum {
	D_SQLITE = 0,
	D_PG = 1
} gen_dialect;

/* Append formatted SQL to `b` unless *rc already failed. */
void strata__gen_sql(strata_buf *b, int *rc, const char *fmt, ...) STRATA_PRINTF(3, 4);
/* The select list of `g`, columns prefixed by `alias.` when alias is set. */
void strata__gen_select_list(strata_buf *b, int *rc, const gtable *g, const char *alias, gen_dialect d);
/* The condition that a row of `g` (under `alias`) belongs to the owner at the next `?`. */
void strata__gen_scope_cond(strata_buf *b, int *rc, const gtable *g, const char *alias, int depth);
/* The condition that `id` (an SQL expression: "?" for a parameter) names a live row of `g` of the owner (next ?). */
void strata__gen_ref_cond(strata_buf *b, int *rc, const gtable *g, const char *id, int depth);
/* The same as a per-row check for a batch (id: an expression of the row): "(SELECT 1 ...) = 1". */
void strata__gen_ref_check(strata_buf *b, int *rc, const gtable *g, const char *id);
/* " AND <scope>" for a statement on `g` qualified by its table name. */
void strata__gen_scope_and(strata_buf *b, int *rc, const gtable *g);
/* " WHERE key = ? [AND key2 = ?]" qualified by the table name. */
void strata__gen_key_where(strata_buf *b, int *rc, const gtable *g);
/* "IN (?, ?, ...)" with STRATA__GEN_BATCH placeholders. */
void strata__gen_in_batch(strata_buf *b, int *rc);
/* The PostgreSQL type of a column, for casts. */
void strata__gen_pg_type(strata_buf *b, int *rc, const gcol *gc);
/* SQL evaluated for a default the client cannot compute (sql(...), CURRENT_DATE), or NULL. */
const char *strata__gen_sql_default(const gcol *gc);
/* One insert placeholder for `gc`: ?, CAST(? AS t), COALESCE(?, expr). */
void strata__gen_insert_param(strata_buf *b, int *rc, const gcol *gc, gen_dialect d, bool cast);
/* Emit `static const char *const NAME[2] = { sqlite, pg };` */
void strata__gen_sql_pair(gen_emitter *e, const char *name, const strata_buf *lite, const strata_buf *pg);

/*
 * Build a statement for both dialects and emit it as NAME[2]: `body` runs
 * twice with `b` (the buffer), `d` (the dialect) and `rcp` in scope.
 */
#define GEN_SQL2(e, name, body)                                            \
	do {                                                               \
		strata_buf lite_ = STRATA_BUF_INIT, pg_ = STRATA_BUF_INIT; \
		for (int d_ = 0; d_ < 2 && (e)->rc == STRATA_OK; d_++) {   \
			strata_buf *b = d_ ? &pg_ : &lite_;                \
			gen_dialect d = d_ ? D_PG : D_SQLITE;              \
			int *rcp = &(e)->rc;                               \
			(void)d;                                           \
			body;                                              \
		}                                                          \
		strata__gen_sql_pair((e), (name), &lite_, &pg_);           \
		strata__gen_buf_free2(&lite_, &pg_);                       \
	} while (0)

void strata__gen_buf_free2(strata_buf *a, strata_buf *b);

/* ---- what a column is and how it is written (values.c) ---- */

/* Keys per statement of update_many and the relation loaders (padded: one prepared statement). */
#define STRATA__GEN_BATCH 256

/*
 * An unscoped variant of `g` named `name` (`unscoped name` in the schema):
 * the same table read without the owner.  *fn (free()) holds its name.
 */
int strata__gen_make_variant(const gtable *g, const char *name, gtable *v, char **fn);

bool strata__gen_scoped(const gtable *g);
/* A column whose value must name a row of the same owner (checked on write). */
bool strata__gen_needs_ref_check(const gtable *g, const gcol *gc);
/* Columns written by insert: all but database-generated ones. */
bool strata__gen_inserted(const gcol *gc);
/* Columns written by update: not the key, the owner, generated, created_at or deleted_at. */
bool strata__gen_updatable(const gcol *gc);
/* A `default actor` column (created_by_id, updated_by_id). */
bool strata__gen_actor(const gcol *gc);
bool strata__gen_any_updatable(const gtable *g);
bool strata__gen_is_array(gkind k);

/* C types of a column: optional wrapper, plain, the field's. */
const char *strata__gen_opt_type(const gcol *gc, char *buf, size_t cap);
const char *strata__gen_plain_type(const gcol *gc);
const char *strata__gen_field_type(const gcol *gc, char *buf, size_t cap);
/* The comment beside a struct field ("string(200) not null"). */
const char *strata__gen_type_doc(const gcol *gc, char *buf, size_t cap);

/* The owner parameter in a prototype: "user_id owner, " or "". */
const char *strata__gen_owner_param(const gtable *g, char *buf, size_t cap);
/* Key parameters in a prototype: "task_id id" or "task_id task_id_key, tag_id tag_id_key". */
void strata__gen_key_params(const gmodel *m, const gtable *g, strata_buf *b, int *rc);

/* Bind expression `x` (gc's plain type) at parameter expression `idx`, `indent` tabs deep. */
void strata__gen_bind_value(gen_emitter *e, const gcol *gc, const char *x, const char *idx, int indent);
/* Bind field `gc` of `row` (a pointer expression), NULL when absent. */
void strata__gen_bind_field(gen_emitter *e, const gcol *gc, const char *row, const char *idx, int indent);
/* The same for an insert: a `default actor` column the row leaves unset takes the connection's actor. */
void strata__gen_bind_inserted(gen_emitter *e, const gcol *gc, const char *row, const char *idx, int indent);
/* Field `gc` of `row` as the next value of the strata_copy `cp` (strata_copy_null when absent). */
void strata__gen_copy_field(gen_emitter *e, const gcol *gc, const char *row, int indent);
/* The STRATA_COPY_* type of a column, or NULL when strata_copy cannot take it (sql(...) types, enum arrays...). */
const char *strata__gen_copy_type(const gcol *gc);
/* Bind the owner argument (`owner`) at `idx`, `indent` tabs deep. */
void strata__gen_bind_owner(gen_emitter *e, const gtable *owned, const char *idx, int indent);
/* Bind the key arguments of `g` at i++. */
void strata__gen_bind_keys(gen_emitter *e, const gtable *g);
/* Read column `ci` (an expression) into row->field. */
void strata__gen_read_field(gen_emitter *e, const gcol *gc, const char *ci);
/* Add column `gc` of `row` to the JSON object `o` (in a json_T function). */
void strata__gen_json_field(gen_emitter *e, const gcol *gc);

/* ---- the families (one file each) ---- */

/*
 * The values every template of a table uses: T (row type), F (function
 * base), UPPER, table, own (owner parameter), owner_arg, owner_bind (the
 * owner's bind call at i++), keys (key parameters), id_type, batch, and
 * the flags pk, scoped, soft_delete; for_owner and with_deleted (text).
 */
void strata__gen_table_vars(const gen_emitter *e, const gtable *g, strata__gen_vars *v);
/* The values of both files' frames: source (the schema file), P (the prefix), tables (a list of type). */
void strata__gen_file_vars(const gen_emitter *e, const char *source, strata__gen_vars *v);
/* types.c: the whole header; the enums' functions. */
void strata__gen_header(gen_emitter *e, const char *source, const char *guard);
void strata__gen_enum_defs(gen_emitter *e, const genum *en);
/* crud.c */
void strata__gen_read_fn(gen_emitter *e, const gtable *g);
void strata__gen_defaults_fn(gen_emitter *e, const gtable *g);
void strata__gen_insert(gen_emitter *e, const gtable *g);
void strata__gen_get(gen_emitter *e, const gtable *g);
void strata__gen_update(gen_emitter *e, const gtable *g);
void strata__gen_deletes(gen_emitter *e, const gtable *g);
/* list.c */
void strata__gen_where(gen_emitter *e, const gtable *g);
void strata__gen_list_fns(gen_emitter *e, const gtable *g);
/* load.c */
void strata__gen_load(gen_emitter *e, const gtable *g, const grel *gr);
/* json.c */
void strata__gen_json(gen_emitter *e, const gtable *g);

#endif

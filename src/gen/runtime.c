/*
 * The runtime of generated code: arenas, arrays as JSON, a JSON object
 * builder over jansson, and the start-up schema check.  JSON text is
 * written here rather than by json_dumps(), which prints every double with
 * 17 digits (0.1 as 0.10000000000000001): a double is written as the
 * shortest text that reads back as the same double.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strata/gen.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/number.h"

/* ---- arenas: a list of chunks, bump allocation ---- */

typedef struct chunk {
	struct chunk *next;
	size_t used, cap;
	max_align_t data[];
} chunk;

/* The arena and its first chunk are one allocation: a small result costs one malloc. */
#define FIRST_CHUNK 512 /* with the headers, within malloc's per-thread cache of small blocks */

struct strata_arena {
	chunk *head;
	chunk *first; /* lives in the same allocation, right after the arena */
};

#define ARENA_HEAD ((sizeof(strata_arena) + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t))

strata_arena *strata_arena_new(void)
{
	strata_arena *a = malloc(ARENA_HEAD + sizeof(chunk) + FIRST_CHUNK);
	if (!a) {
		strata__error_nomem();
		return NULL;
	}
	chunk *c = (chunk *)(void *)((char *)a + ARENA_HEAD);
	c->next = NULL;
	c->used = 0;
	c->cap = FIRST_CHUNK;
	a->head = a->first = c;
	return a;
}

void *strata_arena_alloc(strata_arena *a, size_t n)
{
	const size_t align = sizeof(max_align_t);
	n = (n + align - 1) / align * align;
	if (n == 0)
		n = align;
	chunk *c = a->head;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > 4096 ? n : 4096;
		c = malloc(sizeof *c + cap);
		if (!c) {
			strata__error_nomem();
			return NULL;
		}
		c->cap = cap;
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	void *p = (char *)c->data + c->used;
	c->used += n;
	return p;
}

char *strata_arena_strndup(strata_arena *a, const char *s, size_t len)
{
	char *p = strata_arena_alloc(a, len + 1);
	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void strata_arena_free(strata_arena *a)
{
	if (!a)
		return;
	for (chunk *c = a->head, *next; c; c = next) {
		next = c->next;
		if (c != a->first)
			free(c);
	}
	free(a);
}

/* ---- writing JSON ---- */

/*
 * The shortest text that reads back as finite `v` (strata__double_text),
 * with jansson's touches: ".0" when it would read as an integer, no '+'
 * and no leading zeros in the exponent (0.1, 1e300, 5e-324, -0.0,
 * 123456789.125).
 */
static void format_double(double v, char out[32])
{
	strata__double_text(v, out);
	char *e = strchr(out, 'e');
	if (e) {
		char *d = e + 1;
		if (*d == '+')
			memmove(d, d + 1, strlen(d));
		else if (*d == '-')
			d++;
		size_t z = 0;
		while (d[z] == '0' && d[z + 1])
			z++;
		memmove(d, d + z, strlen(d + z) + 1);
	} else if (!strchr(out, '.')) {
		strcat(out, ".0");
	}
}

/* A JSON string: as jansson writes it (UTF-8 as it is; quote, backslash, control characters escaped). */
static int write_string(strata_buf *b, const char *s, size_t n)
{
	int rc = strata__buf_putc(b, '"');
	size_t run = 0;
	for (size_t i = 0; rc == STRATA_OK && i <= n; i++) {
		unsigned char c = i < n ? (unsigned char)s[i] : 0;
		if (i < n && c >= 0x20 && c != '"' && c != '\\')
			continue;
		rc = strata__buf_append(b, s + run, i - run);
		run = i + 1;
		if (rc != STRATA_OK || i == n)
			break;
		static const char named[] = "\bb\ff\nn\rr\tt\"\"\\\\";
		const char *esc = c ? strchr(named, (char)c) : NULL;
		if (esc && (esc - named) % 2 == 0)
			rc = strata__buf_printf(b, "\\%c", esc[1]);
		else
			rc = strata__buf_printf(b, "\\u%04X", (unsigned)c);
	}
	return rc == STRATA_OK ? strata__buf_putc(b, '"') : rc;
}

/* Append `v` as compact JSON: members in the order they were added. */
static int write_json(strata_buf *b, json_t *v)
{
	int rc = STRATA_OK;
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *key;
		json_t *item;
		bool first = true;
		rc = strata__buf_putc(b, '{');
		json_object_foreach(v, key, item)
		{
			if (rc == STRATA_OK && !first)
				rc = strata__buf_putc(b, ',');
			first = false;
			if (rc == STRATA_OK)
				rc = write_string(b, key, strlen(key));
			if (rc == STRATA_OK)
				rc = strata__buf_putc(b, ':');
			if (rc == STRATA_OK)
				rc = write_json(b, item);
		}
		return rc == STRATA_OK ? strata__buf_putc(b, '}') : rc;
	}
	case JSON_ARRAY:
		rc = strata__buf_putc(b, '[');
		for (size_t i = 0; rc == STRATA_OK && i < json_array_size(v); i++) {
			if (i)
				rc = strata__buf_putc(b, ',');
			if (rc == STRATA_OK)
				rc = write_json(b, json_array_get(v, i));
		}
		return rc == STRATA_OK ? strata__buf_putc(b, ']') : rc;
	case JSON_STRING: return write_string(b, json_string_value(v), json_string_length(v));
	case JSON_INTEGER: return strata__buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	case JSON_REAL: {
		char num[32];
		format_double(json_real_value(v), num);
		return strata__buf_puts(b, num);
	}
	case JSON_TRUE: return strata__buf_puts(b, "true");
	case JSON_FALSE: return strata__buf_puts(b, "false");
	default: return strata__buf_puts(b, "null");
	}
}

/* `j` as compact JSON text in a new string (free()), and `j` released; NULL (error set) on failure. */
static char *dump_and_free(json_t *j)
{
	if (!j) {
		strata__error_nomem();
		return NULL;
	}
	strata_buf b = STRATA_BUF_INIT;
	char *s = write_json(&b, j) == STRATA_OK ? strata__buf_detach(&b) : NULL;
	strata__buf_free(&b);
	json_decref(j);
	return s;
}

/* A JSON number for `v`; null for NaN and the infinities, which JSON has no numbers for. */
static json_t *json_double(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* ---- arrays ---- */

char *strata_text_array_json(const strata_text_array *a)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < a->n; i++)
		if (json_array_append_new(arr, a->items[i] ? json_string(a->items[i]) : json_null())) {
			json_decref(arr);
			arr = NULL;
		}
	return dump_and_free(arr);
}

char *strata_int_array_json(const strata_int_array *a)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < a->n; i++)
		if (json_array_append_new(arr, json_integer(a->items[i]))) {
			json_decref(arr);
			arr = NULL;
		}
	return dump_and_free(arr);
}

char *strata_float_array_json(const strata_float_array *a)
{
	for (size_t i = 0; i < a->n; i++)
		if (!isfinite(a->items[i])) {
			strata__error_set(STRATA_EINVAL,
					  "array item %zu is %g: JSON, the array's form on SQLite, has no such "
					  "number",
					  i, a->items[i]);
			return NULL;
		}
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < a->n; i++)
		if (json_array_append_new(arr, json_real(a->items[i]))) {
			json_decref(arr);
			arr = NULL;
		}
	return dump_and_free(arr);
}

/* Parse `text` as a JSON array and store its items, each through `put`, into an arena array of `size`-byte items. */
typedef int (*put_item)(strata_arena *a, json_t *v, void *slot, size_t i);

static int parse_items(strata_arena *arena, const char *text, size_t size, put_item put, void **items, size_t *n)
{
	json_error_t err;
	json_t *arr = json_loads(text, JSON_DECODE_ANY, &err);
	if (!arr || !json_is_array(arr)) {
		json_decref(arr);
		return strata__error_set(STRATA_ETYPE, "not a JSON array: %.60s", text);
	}
	int rc = STRATA_OK;
	size_t count = json_array_size(arr);
	char *base = strata_arena_alloc(arena, (count ? count : 1) * size);
	if (!base)
		rc = STRATA_ENOMEM;
	for (size_t i = 0; rc == STRATA_OK && i < count; i++)
		rc = put(arena, json_array_get(arr, i), base + i * size, i);
	if (rc == STRATA_OK) {
		*items = base;
		*n = count;
	}
	json_decref(arr);
	return rc;
}

static int put_text(strata_arena *a, json_t *v, void *slot, size_t i)
{
	const char **out = slot;
	if (json_is_null(v)) {
		*out = NULL;
		return STRATA_OK;
	}
	if (!json_is_string(v))
		return strata__error_set(STRATA_ETYPE, "array item %zu is not a string", i);
	*out = strata_arena_strndup(a, json_string_value(v), json_string_length(v));
	return *out ? STRATA_OK : STRATA_ENOMEM;
}

static int put_int(strata_arena *a, json_t *v, void *slot, size_t i)
{
	(void)a;
	if (!json_is_integer(v))
		return strata__error_set(STRATA_ETYPE, "array item %zu is not an integer", i);
	*(int64_t *)slot = json_integer_value(v);
	return STRATA_OK;
}

static int put_float(strata_arena *a, json_t *v, void *slot, size_t i)
{
	(void)a;
	if (!json_is_number(v))
		return strata__error_set(STRATA_ETYPE, "array item %zu is not a number", i);
	*(double *)slot = json_number_value(v);
	return STRATA_OK;
}

int strata_text_array_parse(strata_arena *arena, const char *text, strata_text_array *out)
{
	void *items;
	int rc = parse_items(arena, text, sizeof(const char *), put_text, &items, &out->n);
	if (rc == STRATA_OK)
		out->items = items;
	return rc;
}

int strata_int_array_parse(strata_arena *arena, const char *text, strata_int_array *out)
{
	void *items;
	int rc = parse_items(arena, text, sizeof(int64_t), put_int, &items, &out->n);
	if (rc == STRATA_OK)
		out->items = items;
	return rc;
}

int strata_float_array_parse(strata_arena *arena, const char *text, strata_float_array *out)
{
	void *items;
	int rc = parse_items(arena, text, sizeof(double), put_float, &items, &out->n);
	if (rc == STRATA_OK)
		out->items = items;
	return rc;
}

/* ---- arrays as parameters ---- */

/* One element of a PostgreSQL array literal: "..." with \ and " escaped. */
static int pg_quote_item(strata_buf *b, const char *s)
{
	if (!s)
		return strata__buf_puts(b, "NULL");
	if (strata__buf_putc(b, '"'))
		return STRATA_ENOMEM;
	for (; *s; s++) {
		if ((*s == '"' || *s == '\\') && strata__buf_putc(b, '\\'))
			return STRATA_ENOMEM;
		if (strata__buf_putc(b, *s))
			return STRATA_ENOMEM;
	}
	return strata__buf_putc(b, '"');
}

static int bind_owned(strata_stmt *st, int i, strata_buf *b, char *json)
{
	int rc;
	if (json) {
		rc = strata_bind_text(st, i, json, -1);
		free(json);
		return rc;
	}
	if (!b->ptr && strata__buf_puts(b, "{}"))
		return STRATA_ENOMEM;
	rc = strata_bind_text(st, i, b->ptr, (ptrdiff_t)b->len);
	strata__buf_free(b);
	return rc;
}

/* Append element k of an array to a PostgreSQL array literal. */
typedef int (*put_elem)(strata_buf *b, const void *items, size_t k);

static int put_text_elem(strata_buf *b, const void *items, size_t k)
{
	return pg_quote_item(b, ((const char *const *)items)[k]);
}

static int put_int_elem(strata_buf *b, const void *items, size_t k)
{
	return strata__buf_printf(b, "%lld", (long long)((const int64_t *)items)[k]);
}

static int put_float_elem(strata_buf *b, const void *items, size_t k)
{
	char text[32];
	strata__double_text(((const double *)items)[k], text);
	return strata__buf_puts(b, text);
}

/*
 * Bind an array: JSON text on SQLite (`json`, made by the caller only for
 * SQLite), a '{...}' literal on PostgreSQL built with `put`.
 */
static int bind_array(strata_db *db, strata_stmt *st, int i, const void *items, size_t n, put_elem put,
		      char *(*json)(const void *arr), const void *arr)
{
	if (strata_db_backend(db) == STRATA_BACKEND_SQLITE) {
		char *text = json(arr);
		return text ? bind_owned(st, i, NULL, text) : strata_error_last()->status;
	}
	strata_buf b = STRATA_BUF_INIT;
	int rc = strata__buf_putc(&b, '{');
	for (size_t k = 0; rc == STRATA_OK && k < n; k++) {
		if (k)
			rc = strata__buf_putc(&b, ',');
		if (rc == STRATA_OK)
			rc = put(&b, items, k);
	}
	if (rc == STRATA_OK)
		rc = strata__buf_putc(&b, '}');
	if (rc != STRATA_OK) {
		strata__buf_free(&b);
		return rc;
	}
	return bind_owned(st, i, &b, NULL);
}

static char *text_json(const void *a)
{
	return strata_text_array_json(a);
}

static char *int_json(const void *a)
{
	return strata_int_array_json(a);
}

static char *float_json(const void *a)
{
	return strata_float_array_json(a);
}

int strata_bind_text_array(strata_db *db, strata_stmt *st, int i, const strata_text_array *a)
{
	return a ? bind_array(db, st, i, a->items, a->n, put_text_elem, text_json, a) : strata_bind_null(st, i);
}

int strata_bind_int_array(strata_db *db, strata_stmt *st, int i, const strata_int_array *a)
{
	return a ? bind_array(db, st, i, a->items, a->n, put_int_elem, int_json, a) : strata_bind_null(st, i);
}

int strata_bind_float_array(strata_db *db, strata_stmt *st, int i, const strata_float_array *a)
{
	return a ? bind_array(db, st, i, a->items, a->n, put_float_elem, float_json, a) : strata_bind_null(st, i);
}

/* ---- SQL builder ---- */

void strata_sql_add(strata_sql_builder *b, const char *text)
{
	if (b->failed)
		return;
	size_t n = strlen(text);
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->sql, cap);
		if (!p) {
			b->failed = true;
			strata__error_nomem();
			return;
		}
		b->sql = p;
		b->cap = cap;
	}
	memcpy(b->sql + b->len, text, n + 1);
	b->len += n;
}

void strata_sql_add_params(strata_sql_builder *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		strata_sql_add(b, i ? ", ?" : "?");
}

void strata_sql_free(strata_sql_builder *b)
{
	free(b->sql);
	b->sql = NULL;
	b->len = b->cap = 0;
	b->failed = false;
}

/* ---- the JSON builder: a json_t behind an opaque pointer ---- */

#define J(b) ((json_t *)(b))

strata_json_builder *strata_json_new_object(void)
{
	json_t *j = json_object();
	if (!j)
		strata__error_nomem();
	return (strata_json_builder *)j;
}

strata_json_builder *strata_json_new_array(void)
{
	json_t *j = json_array();
	if (!j)
		strata__error_nomem();
	return (strata_json_builder *)j;
}

static int put(strata_json_builder *o, const char *key, json_t *v)
{
	if (!v)
		return strata__error_nomem();
	int r = key ? json_object_set_new(J(o), key, v) : json_array_append_new(J(o), v);
	return r == 0 ? STRATA_OK : strata__error_nomem();
}

int strata_json_set_null(strata_json_builder *o, const char *key)
{
	return put(o, key, json_null());
}

int strata_json_set_int(strata_json_builder *o, const char *key, int64_t v)
{
	return put(o, key, json_integer(v));
}

int strata_json_set_double(strata_json_builder *o, const char *key, double v)
{
	return put(o, key, json_double(v));
}

int strata_json_set_bool(strata_json_builder *o, const char *key, bool v)
{
	return put(o, key, json_boolean(v));
}

int strata_json_set_text(strata_json_builder *o, const char *key, const char *v)
{
	return put(o, key, v ? json_string(v) : json_null());
}

int strata_json_set_timestamp(strata_json_builder *o, const char *key, strata_timestamp v)
{
	char buf[STRATA_TIMESTAMP_BUFSZ];
	strata_timestamp_format(v, buf);
	return put(o, key, json_string(buf));
}

int strata_json_set_uuid(strata_json_builder *o, const char *key, const strata_uuid *v)
{
	char buf[STRATA_UUID_STRLEN + 1];
	strata_uuid_format(v, buf);
	return put(o, key, json_string(buf));
}

int strata_json_set_bytes(strata_json_builder *o, const char *key, const strata_bytes *v)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	strata_buf b = STRATA_BUF_INIT;
	for (size_t i = 0; i < v->len; i += 3) {
		uint32_t n = (uint32_t)v->data[i] << 16;
		if (i + 1 < v->len)
			n |= (uint32_t)v->data[i + 1] << 8;
		if (i + 2 < v->len)
			n |= v->data[i + 2];
		char q[4] = { b64[n >> 18 & 63], b64[n >> 12 & 63], i + 1 < v->len ? b64[n >> 6 & 63] : '=',
			      i + 2 < v->len ? b64[n & 63] : '=' };
		if (strata__buf_append(&b, q, 4)) {
			strata__buf_free(&b);
			return STRATA_ENOMEM;
		}
	}
	int rc = put(o, key, json_string(strata__buf_cstr(&b)));
	strata__buf_free(&b);
	return rc;
}

int strata_json_set_raw(strata_json_builder *o, const char *key, const char *json)
{
	if (!json)
		return put(o, key, json_null());
	json_error_t err;
	json_t *v = json_loads(json, JSON_DECODE_ANY, &err);
	if (!v)
		return strata__error_set(STRATA_ETYPE, "member %s is not valid JSON: %s", key ? key : "(item)",
					 err.text);
	return put(o, key, v);
}

int strata_json_set_text_array(strata_json_builder *o, const char *key, const strata_text_array *a)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < a->n; i++)
		if (json_array_append_new(arr, a->items[i] ? json_string(a->items[i]) : json_null()))
			return json_decref(arr), strata__error_nomem();
	return put(o, key, arr);
}

int strata_json_set_int_array(strata_json_builder *o, const char *key, const strata_int_array *a)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < a->n; i++)
		if (json_array_append_new(arr, json_integer(a->items[i])))
			return json_decref(arr), strata__error_nomem();
	return put(o, key, arr);
}

int strata_json_set_float_array(strata_json_builder *o, const char *key, const strata_float_array *a)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < a->n; i++)
		if (json_array_append_new(arr, json_double(a->items[i])))
			return json_decref(arr), strata__error_nomem();
	return put(o, key, arr);
}

int strata_json_set_child(strata_json_builder *o, const char *key, strata_json_builder *child)
{
	return put(o, key, J(child));
}

int strata_json_finish(strata_json_builder *o, char **out)
{
	*out = dump_and_free(J(o));
	return *out ? STRATA_OK : strata_error_last()->status;
}

void strata_json_free(strata_json_builder *o)
{
	json_decref(J(o));
}

/* ---- the start-up schema check ---- */

static int column_exists(strata_db *db, const char *table, const char *column, bool *exists)
{
	int64_t n = 0;
	int rc;
	if (strata_db_backend(db) == STRATA_BACKEND_SQLITE)
		rc = strata_query_int64v(db, &n, "SELECT count(*) FROM pragma_table_xinfo(?) WHERE name = ?",
					 STRATA_TEXT(table), STRATA_TEXT(column));
	else
		rc = strata_query_int64v(
			db, &n,
			"SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() "
			"AND table_name = ? AND column_name = ?",
			STRATA_TEXT(table), STRATA_TEXT(column));
	*exists = n > 0;
	return rc;
}

static int table_exists(strata_db *db, const char *table, bool *exists)
{
	int64_t n = 0;
	int rc;
	if (strata_db_backend(db) == STRATA_BACKEND_SQLITE)
		rc = strata_query_int64v(db, &n, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?",
					 STRATA_TEXT(table));
	else
		rc = strata_query_int64v(
			db, &n,
			"SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() "
			"AND table_name = ?",
			STRATA_TEXT(table));
	*exists = n > 0;
	return rc;
}

/* A view or materialized view and its columns (information_schema lists no materialized views). */
static int view_column_exists(strata_db *db, const char *view, const char *column, bool *exists)
{
	int64_t n = 0;
	int rc;
	if (strata_db_backend(db) == STRATA_BACKEND_SQLITE)
		rc = column ? strata_query_int64v(db, &n, "SELECT count(*) FROM pragma_table_xinfo(?) WHERE name = ?",
						  STRATA_TEXT(view), STRATA_TEXT(column))
			    : strata_query_int64v(db, &n,
						  "SELECT count(*) FROM sqlite_schema WHERE type IN ('table', 'view') "
						  "AND name = ?",
						  STRATA_TEXT(view));
	else if (column)
		rc = strata_query_int64v(
			db, &n,
			"SELECT count(*) FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid "
			"WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('v', 'm') "
			"AND c.relname = ? AND a.attname = ? AND a.attnum > 0 AND NOT a.attisdropped",
			STRATA_TEXT(view), STRATA_TEXT(column));
	else
		rc = strata_query_int64v(db, &n,
					 "SELECT count(*) FROM pg_class c WHERE c.relnamespace = "
					 "current_schema()::regnamespace AND c.relkind IN ('v', 'm') AND c.relname = ?",
					 STRATA_TEXT(view));
	*exists = n > 0;
	return rc;
}

/* The declared columns of the views of `s` (what the generated reads use), into `missing`. */
static int check_views(strata_db *db, const strata_schema *s, strata_buf *missing)
{
	int rc = STRATA_OK;
	for (int i = 0; i < s->nviews && rc == STRATA_OK; i++) {
		const strata_view *v = &s->views[i];
		bool exists;
		if (!v->ncolumns)
			continue;
		if ((rc = view_column_exists(db, v->name, NULL, &exists)) != STRATA_OK)
			return rc;
		if (!exists) {
			if (strata__buf_printf(missing, "%smissing view %s", missing->len ? "; " : "", v->name))
				return STRATA_ENOMEM;
			continue;
		}
		for (int c = 0; c < v->ncolumns && rc == STRATA_OK; c++) {
			if ((rc = view_column_exists(db, v->name, v->columns[c].name, &exists)) != STRATA_OK)
				return rc;
			if (!exists && strata__buf_printf(missing, "%sview %s: missing column %s",
							  missing->len ? "; " : "", v->name, v->columns[c].name))
				return STRATA_ENOMEM;
		}
	}
	return rc;
}

int strata_schema_check(strata_db *db, const char *schema_text)
{
	if (!db || !schema_text)
		return strata__error_set(STRATA_EINVAL, "strata_schema_check: %s is NULL", db ? "schema_text" : "db");
	strata_schema *s = NULL;
	int rc = strata_schema_parse(&s, schema_text, strlen(schema_text), "<embedded schema>");
	if (rc != STRATA_OK)
		return rc;
	strata_buf missing = STRATA_BUF_INIT;
	for (int t = 0; t < s->ntables; t++) {
		const strata_table *tb = &s->tables[t];
		bool exists;
		if ((rc = table_exists(db, tb->name, &exists)) != STRATA_OK)
			goto out;
		if (!exists) {
			if (strata__buf_printf(&missing, "%smissing table %s", missing.len ? "; " : "", tb->name)) {
				rc = STRATA_ENOMEM;
				goto out;
			}
			continue;
		}
		for (int c = 0; c < tb->ncolumns; c++) {
			if ((rc = column_exists(db, tb->name, tb->columns[c].name, &exists)) != STRATA_OK)
				goto out;
			if (!exists && strata__buf_printf(&missing, "%stable %s: missing column %s",
							  missing.len ? "; " : "", tb->name, tb->columns[c].name)) {
				rc = STRATA_ENOMEM;
				goto out;
			}
		}
	}
	if ((rc = check_views(db, s, &missing)) != STRATA_OK)
		goto out;
	if (missing.len)
		rc = strata__error_set(STRATA_ENOTFOUND,
				       "the database does not match the schema the code was generated from: %s",
				       missing.ptr);
out:
	strata__buf_free(&missing);
	strata_schema_free(s);
	return rc;
}

/* Introspection: dispatch, and what both dialects share. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "core/text.h"
#include "inspect/inspect.h"
#include "sql/ddl.h"

bool strata__inspect_skip_table(const strata_inspect_options *o, const char *name)
{
	if (strncmp(name, "sqlite_", 7) == 0)
		return true;
	if (o && o->include_ledger)
		return false;
	return strcmp(name, "strata_migrations") == 0 || strcmp(name, "strata_migrations_lock") == 0 ||
	       strcmp(name, "schema_migrations") == 0 || strcmp(name, "strata_refreshes") == 0;
}

const char *strata__inspect_text(strata_stmt *st, int col)
{
	const char *p = NULL;
	if (strata_column_is_null(st, col) || strata_column_text(st, col, &p, NULL) != STRATA_OK)
		return NULL;
	return p;
}

const char *strata__inspect_written(const char *comment, const char *md5)
{
	static const char prefix[] = STRATA__PG_COMMENT "md5=";
	size_t n = sizeof prefix - 1;
	if (!comment || !md5 || strncmp(comment, prefix, n) != 0 || strlen(md5) != 32 ||
	    strncmp(comment + n, md5, 32) != 0 || comment[n + 32] != ':')
		return NULL;
	return comment + n + 33;
}

int strata__inspect_unmanaged(strata_schema *s, const char *kind, const char *name, const char *detail)
{
	strata_unmanaged *u = strata__push(s, &s->unmanaged, &s->nunmanaged, sizeof *u);
	if (!u || !(u->kind = strata__sdup(s, kind)) || !(u->name = strata__sdup(s, name)) ||
	    (detail && !(u->detail = strata__sdup(s, detail))))
		return STRATA_ENOMEM;
	strata__log(NULL, NULL, STRATA_LOG_WARN, "inspect: %s %s is not modelled (%s); it is kept as it is, unmanaged",
		    kind, name, detail ? detail : "the schema language has no word for it");
	return STRATA_OK;
}

char *strata__inspect_unparen(strata_schema *s, const char *expr)
{
	size_t n = strlen(expr);
	if (n >= 2 && expr[0] == '(' && expr[n - 1] == ')') {
		/* Only when the first parenthesis closes at the very end: not "(a) + (b)". */
		int depth = 0;
		char q = 0;
		size_t i;
		for (i = 0; i < n; i++) {
			char c = expr[i];
			if (q) {
				if (c == q)
					q = 0;
			} else if (c == '\'' || c == '"') {
				q = c;
			} else if (c == '(') {
				depth++;
			} else if (c == ')' && --depth == 0) {
				break;
			}
		}
		if (i == n - 1)
			return strata__sndup(s, expr + 1, n - 2);
	}
	return strata__sdup(s, expr);
}

static bool is_int_text(const char *p)
{
	if (*p == '-' || *p == '+')
		p++;
	if (!*p)
		return false;
	for (; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

static bool is_number_text(const char *p)
{
	char *end;
	if (!*p)
		return false;
	strtod(p, &end);
	return *end == '\0';
}

/* 'it''s' -> it's (into the arena); NULL when `sql` is not one whole literal. */
static char *unquote_literal(strata_schema *s, const char *sql, const char **rest)
{
	if (sql[0] != '\'')
		return NULL;
	size_t n = strlen(sql);
	char *out = strata__alloc(s, n);
	if (!out)
		return NULL;
	size_t j = 0, i = 1;
	for (; i < n; i++) {
		if (sql[i] == '\'') {
			if (sql[i + 1] == '\'') {
				out[j++] = '\'';
				i++;
				continue;
			}
			break;
		}
		out[j++] = sql[i];
	}
	if (i >= n)
		return NULL;
	out[j] = '\0';
	*rest = sql + i + 1;
	return out;
}

int strata__inspect_default(strata_schema *s, strata_column *c, const char *sql, strata_backend d)
{
	strata_default *v = &c->dflt;
	strata_type_kind k = c->type.kind;
	size_t n;
	char *inner = NULL;
	memset(v, 0, sizeof *v);
	if (!sql)
		return STRATA_OK;
	while (*sql == ' ')
		sql++;
	n = strlen(sql);
	while (n && sql[n - 1] == ' ')
		n--;
	if (!(inner = strata__sndup(s, sql, n)))
		return STRATA_ENOMEM;
	/* Strata writes expressions in one pair of parentheses on SQLite. */
	if (d == STRATA_BACKEND_SQLITE && n >= 2 && inner[0] == '(' && inner[n - 1] == ')') {
		inner[n - 1] = '\0';
		inner++;
	}
	if (strcmp(inner, "NULL") == 0 || strcmp(inner, "null") == 0)
		return STRATA_OK;
	if (c->type.array || k == STRATA_T_RAW) {
		/* Types Strata has no word for take their defaults as SQL too. */
		v->kind = STRATA_DEFAULT_RAW;
		v->text = inner;
		return STRATA_OK;
	}
	/* default actor: strata_actor(), on PostgreSQL re-printed as (strata_actor())::type when cast */
	if (strcmp(inner, "strata_actor()") == 0 ||
	    (d == STRATA_BACKEND_POSTGRES && strncmp(inner, "(strata_actor())::", 18) == 0)) {
		v->kind = STRATA_DEFAULT_ACTOR;
		return STRATA_OK;
	}
	if (d == STRATA_BACKEND_SQLITE) {
		if (strcmp(inner, strata__sqlite_now) == 0 || strcmp(inner, strata__sqlite_today) == 0 ||
		    strcmp(inner, "CURRENT_TIMESTAMP") == 0 || strcmp(inner, "CURRENT_DATE") == 0) {
			v->kind = STRATA_DEFAULT_NOW;
			return STRATA_OK;
		}
		if (strcmp(inner, strata__sqlite_uuid_v4) == 0) {
			v->kind = STRATA_DEFAULT_UUID_V4;
			return STRATA_OK;
		}
		if (strcmp(inner, "strata_uuid_v7()") == 0 || strcmp(inner, strata__sqlite_uuid_v7_legacy) == 0) {
			v->kind = STRATA_DEFAULT_UUID_V7;
			return STRATA_OK;
		}
	} else {
		if (strcmp(inner, "now()") == 0 || strcmp(inner, "CURRENT_TIMESTAMP") == 0 ||
		    strcmp(inner, "CURRENT_DATE") == 0) {
			v->kind = STRATA_DEFAULT_NOW;
			return STRATA_OK;
		}
		if (strcmp(inner, "gen_random_uuid()") == 0) {
			v->kind = STRATA_DEFAULT_UUID_V4;
			return STRATA_OK;
		}
		if (strcmp(inner, "strata_uuid_v7()") == 0) {
			v->kind = STRATA_DEFAULT_UUID_V7;
			return STRATA_OK;
		}
	}
	const char *rest = "";
	char *lit = unquote_literal(s, inner, &rest);
	/* A literal, alone or followed by a cast (PostgreSQL: 'x'::type). */
	bool literal = lit && (*rest == '\0' || strncmp(rest, "::", 2) == 0);
	const char *text = literal ? lit : inner;
	if (!literal && d == STRATA_BACKEND_POSTGRES && n >= 2 && inner[0] == '(' && inner[strlen(inner) - 1] == ')') {
		/* (-1.5) or (- 1.5) */
		char *t = strata__sndup(s, inner + 1, strlen(inner) - 2);
		if (!t)
			return STRATA_ENOMEM;
		size_t j = 0;
		for (size_t i = 0; t[i]; i++)
			if (t[i] != ' ')
				t[j++] = t[i];
		t[j] = '\0';
		if (is_number_text(t))
			text = t;
	}
	if (c->type.array || k == STRATA_T_RAW)
		goto raw;
	switch (k) {
	case STRATA_T_BOOL:
		if (strcmp(text, "true") == 0 || strcmp(text, "1") == 0 || strcmp(text, "false") == 0 ||
		    strcmp(text, "0") == 0) {
			v->kind = STRATA_DEFAULT_BOOL;
			v->text = (text[0] == 't' || text[0] == '1') ? "true" : "false";
			return STRATA_OK;
		}
		goto raw;
	case STRATA_T_INT:
	case STRATA_T_BIGINT:
	case STRATA_T_FLOAT:
	case STRATA_T_DECIMAL:
		if (is_int_text(text) && (text[0] != '+')) {
			v->kind = STRATA_DEFAULT_INT;
		} else if (is_number_text(text) && (k == STRATA_T_FLOAT || k == STRATA_T_DECIMAL)) {
			v->kind = STRATA_DEFAULT_NUMBER;
		} else {
			goto raw;
		}
		return (v->text = strata__sdup(s, text)) ? STRATA_OK : STRATA_ENOMEM;
	case STRATA_T_ENUM:
		if (!literal)
			goto raw;
		v->kind = STRATA_DEFAULT_ENUM;
		v->text = lit;
		return STRATA_OK;
	case STRATA_T_STRING:
	case STRATA_T_TEXT:
	case STRATA_T_TIMESTAMP:
	case STRATA_T_DATE:
	case STRATA_T_UUID:
	case STRATA_T_JSON:
		if (!literal)
			goto raw;
		v->kind = STRATA_DEFAULT_STRING;
		v->text = lit;
		return STRATA_OK;
	default: break;
	}
raw:
	v->kind = STRATA_DEFAULT_RAW;
	v->text = inner;
	return STRATA_OK;
}

bool strata__inspect_type_name(const strata__type_names *names, const char *base, strata_coltype *t)
{
	int a = 0, b = 0;
	char tail;
	for (size_t i = 0; i < names->nwords; i++)
		if (strcmp(base, names->words[i].word) == 0) {
			t->kind = names->words[i].kind;
			return true;
		}
	for (int i = 0; i < 2; i++)
		if (names->decimal_fmt[i] && sscanf(base, names->decimal_fmt[i], &a, &b, &tail) == 2) {
			t->kind = STRATA_T_DECIMAL;
			t->precision = a;
			t->scale = b;
			return true;
		}
	if (sscanf(base, names->string_fmt, &a, &tail) == 1) {
		t->kind = STRATA_T_STRING;
		t->length = a;
		return true;
	}
	return false;
}

static bool is_ts(const strata_column *c, bool not_null, strata_default_kind dflt, bool auto_update)
{
	return c && c->type.kind == STRATA_T_TIMESTAMP && !c->type.array && c->not_null == not_null &&
	       c->dflt.kind == dflt && c->auto_update == auto_update && !c->check && !c->unique && !c->primary_key;
}

/* Exactly the audit mixin's column: `NAME ref users on delete set null default actor [auto_update]`. */
static bool is_audit(const strata_schema *s, const strata_table *t, const strata_column *c, const char *name,
		     bool auto_update)
{
	const strata_table *users = strata_schema_table(s, "users");
	if (!c || strcmp(c->name, name) != 0 || !users || users->npkey != 1 || c->not_null || c->type.array ||
	    c->dflt.kind != STRATA_DEFAULT_ACTOR || c->auto_update != auto_update || c->check || c->unique ||
	    c->primary_key)
		return false;
	const strata_column *key = NULL;
	for (int i = 0; i < users->ncolumns; i++)
		if (strcmp(users->columns[i].name, users->pkey[0]) == 0)
			key = &users->columns[i];
	strata_type_kind want = key && key->type.kind == STRATA_T_SERIAL ? STRATA_T_BIGINT : key ? key->type.kind : 0;
	if (!key || c->type.kind != want)
		return false;
	char dflt[160];
	snprintf(dflt, sizeof dflt, "%s_%s_fkey", t->name, name);
	for (int i = 0; i < t->nfkeys; i++) {
		const strata_fkey *f = &t->fkeys[i];
		if (f->ncolumns == 1 && strcmp(f->columns[0], name) == 0)
			return strcmp(f->ref_table, "users") == 0 && f->on_delete == STRATA_FK_SET_NULL &&
			       f->on_update == STRATA_FK_NO_ACTION && (!f->name || strcmp(f->name, dflt) == 0) &&
			       (f->nref_columns == 0 ||
				(f->nref_columns == 1 && strcmp(f->ref_columns[0], users->pkey[0]) == 0)) &&
			       !f->as && !f->backref;
	}
	return false;
}

/* Columns that are exactly a built-in mixin's are marked as coming from it, so they print as `use`. */
static int spot_mixins(strata_schema *s, strata_table *t)
{
	for (int i = 0; i < t->ncolumns; i++) {
		strata_column *c = &t->columns[i], *next = i + 1 < t->ncolumns ? &t->columns[i + 1] : NULL;
		if (strcmp(c->name, "created_at") == 0 && next && strcmp(next->name, "updated_at") == 0 &&
		    is_ts(c, true, STRATA_DEFAULT_NOW, false) && is_ts(next, true, STRATA_DEFAULT_NOW, true)) {
			c->mixin = next->mixin = "timestamps";
			if (strata__push_str(s, &t->mixins, &t->nmixins, "timestamps"))
				return STRATA_ENOMEM;
			i++;
		} else if (is_audit(s, t, c, "created_by_id", false) && is_audit(s, t, next, "updated_by_id", true)) {
			c->mixin = next->mixin = "audit";
			if (strata__push_str(s, &t->mixins, &t->nmixins, "audit"))
				return STRATA_ENOMEM;
			i++;
		} else if (strcmp(c->name, "deleted_at") == 0 && is_ts(c, false, STRATA_DEFAULT_NONE, false)) {
			c->mixin = "soft_delete";
			if (strata__push_str(s, &t->mixins, &t->nmixins, "soft_delete"))
				return STRATA_ENOMEM;
		}
	}
	return STRATA_OK;
}

/*
 * A view's declared columns are for `strata gen c`, which names a field
 * after each ("Total Count" becomes Total_Count): a view with a column
 * name gen c refuses (a quote, a backslash) declares none rather than make
 * gen c refuse the whole schema.
 */
static void drop_unnameable_view_columns(strata_view *v)
{
	for (int k = 0; k < v->ncolumns; k++)
		if (!strata__text_quotable(v->columns[k].name)) {
			v->columns = NULL;
			v->ncolumns = 0;
			return;
		}
}

int strata__inspect_finish(strata_schema *s)
{
	for (int i = 0; i < s->ntables; i++)
		if (spot_mixins(s, &s->tables[i]))
			return STRATA_ENOMEM;
	for (int i = 0; i < s->ntables; i++) {
		strata_table *t = &s->tables[i];
		for (int j = 0; j < t->nfkeys; j++) {
			strata_fkey *f = &t->fkeys[j];
			const strata_table *target = strata_schema_table(s, f->ref_table);
			if (f->nref_columns == 0 && target)
				for (int k = 0; k < target->npkey; k++)
					if (strata__push_str(s, &f->ref_columns, &f->nref_columns, target->pkey[k]))
						return STRATA_ENOMEM;
			if (!f->name && !(f->name = strata__default_name(s, t->name, f->columns, f->ncolumns, "fkey")))
				return STRATA_ENOMEM;
		}
		for (int j = 0; j < t->ncolumns; j++) {
			strata_column *c = &t->columns[j];
			if (t->npkey == 1 && strcmp(t->pkey[0], c->name) == 0) {
				c->primary_key = true;
				c->not_null = true;
				c->unique = false;
			}
			if (strata_table_in_pkey(t, c->name))
				c->not_null = true;
		}
	}
	for (int i = 0; i < s->nviews; i++) {
		drop_unnameable_view_columns(&s->views[i]);
		if (strata__view_depends(s, &s->views[i]))
			return STRATA_ENOMEM;
	}
	if (strata__views_order(s) || strata__schema_sort_objects(s))
		return STRATA_ENOMEM;
	return strata__schema_relations(s);
}

int strata_inspect(strata_db *db, const strata_inspect_options *opts, strata_schema **out)
{
	strata_schema *s = NULL;
	int rc;
	if (!out)
		return strata__error_set(STRATA_EINVAL, "strata_inspect: out is NULL");
	*out = NULL;
	if (!db)
		return strata__error_set(STRATA_EINVAL, "strata_inspect: db is NULL");
	if ((rc = strata__schema_new(&s, strata_db_url(db))))
		return rc;
	if (strata_db_backend(db) == STRATA_BACKEND_POSTGRES)
		rc = strata__inspect_postgres(db, opts, s);
	else
		rc = strata__inspect_sqlite(db, opts, s);
	if (!rc)
		rc = strata__inspect_finish(s);
	if (rc) {
		strata_schema_free(s);
		return rc;
	}
	*out = s;
	return STRATA_OK;
}

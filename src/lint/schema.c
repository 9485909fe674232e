/*
 * The design rules, on a schema model (from a schema file or read from a
 * live database).  Each check is a function over one table; positions
 * come from the model (0 for a live database).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "lint/internal.h"

#define MAXID 64

typedef enum tkind {
	TK_OTHER,
	TK_TEXT,
	TK_VARCHAR,
	TK_CHAR,
	TK_TS_NOTZ,
	TK_FLOAT
} tkind;

/* Classify a column's type for the rules that care. */
static tkind classify(const strata_column *c)
{
	switch (c->type.kind) {
	case STRATA_T_TEXT: return TK_TEXT;
	case STRATA_T_STRING: return TK_VARCHAR;
	case STRATA_T_FLOAT: return TK_FLOAT;
	case STRATA_T_RAW: break;
	default: return TK_OTHER;
	}
	switch (strata__lint_type_class(c->type.raw, NULL)) {
	case LINT_T_TEXT: return TK_TEXT;
	case LINT_T_VARCHAR: return TK_VARCHAR;
	case LINT_T_CHAR: return TK_CHAR;
	case LINT_T_TS_NOTZ: return TK_TS_NOTZ;
	case LINT_T_FLOAT: return TK_FLOAT;
	default: return TK_OTHER;
	}
}

/* Does SQL text `expr` mention identifier `name` as a whole word? */
static bool mentions(const char *expr, const char *name)
{
	size_t n = strlen(name);
	if (!expr || !n)
		return false;
	for (const char *p = expr; (p = strstr(p, name)) != NULL; p++) {
		bool before = p == expr || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
		bool after = !(isalnum((unsigned char)p[n]) || p[n] == '_');
		if (before && after)
			return true;
	}
	return false;
}

static bool contains_ci(const char *hay, const char *needle)
{
	if (!hay)
		return false;
	size_t n = strlen(needle);
	for (const char *p = hay; *p; p++)
		if (strata__lint_ieqn(p, needle, n))
			return true;
	return false;
}

/* A CHECK on the column (its own or a table CHECK naming it) that contains `what`. */
static bool has_check(const strata_table *t, const strata_column *c, const char *what)
{
	if (c->check && contains_ci(c->check, what))
		return true;
	for (int i = 0; i < t->nchecks; i++)
		if (mentions(t->checks[i].expr, c->name) && contains_ci(t->checks[i].expr, what))
			return true;
	return false;
}

static bool has_in_check(const strata_table *t, const strata_column *c)
{
	return has_check(t, c, " in (") || has_check(t, c, " in(") || has_check(t, c, "= any");
}

static void obj(char *buf, size_t cap, const strata_table *t, const char *name)
{
	if (name)
		snprintf(buf, cap, "%s.%s", t->name, name);
	else
		snprintf(buf, cap, "%s", t->name);
}

/* The words of a snake_case name: is one of them in `list`? */
static bool has_word(const char *name, const char *const *list)
{
	const char *p = name;
	while (*p) {
		while (*p == '_')
			p++;
		const char *s = p;
		while (*p && *p != '_')
			p++;
		size_t n = (size_t)(p - s);
		for (const char *const *w = list; n && *w; w++)
			if (strlen(*w) == n && strata__lint_ieqn(s, *w, n))
				return true;
	}
	return false;
}

static bool status_like(const char *name)
{
	static const char *const words[] = { "status",	 "state", "kind",  "type", "role",
					     "category", "stage", "phase", "mode", NULL };
	if (contains_ci(name, "content_type") || contains_ci(name, "mime_type") || contains_ci(name, "media_type"))
		return false;
	size_t n = strlen(name);
	for (const char *const *w = words; *w; w++) {
		size_t wl = strlen(*w);
		if (strata__lint_ieq(name, *w))
			return true;
		if (n > wl + 1 && name[n - wl - 1] == '_' && strata__lint_ieq(name + n - wl, *w))
			return true;
	}
	return false;
}

/*
 * Is a column named state (or province) part of a postal address, where it
 * holds one of hundreds of region names rather than a status?  Its name
 * says so (billing_state, shipping_state, address_state), or its table
 * holds an address (a city, country or postal code column, or an address
 * table).
 */
static bool address_state(const strata_table *t, const char *name)
{
	static const char *const prefixes[] = { "billing_", "shipping_",  "mailing_",  "home_",	  "work_", "address_",
						"postal_",  "residence_", "delivery_", "office_", NULL };
	static const char *const cols[] = { "city",	   "country",	     "country_code",
					    "postal_code", "postcode",	     "zip",
					    "zip_code",	   "zipcode",	     "address",
					    "address1",	   "address_line1",  "address_line_1",
					    "street",	   "street_address", NULL };
	size_t n = strlen(name);
	bool state = strata__lint_ieq(name, "state") || strata__lint_ieq(name, "province") ||
		     (n > 6 && strata__lint_ieq(name + n - 6, "_state"));
	if (!state)
		return false;
	for (const char *const *p = prefixes; *p; p++)
		if (strata__lint_ieqn(name, *p, strlen(*p)))
			return true;
	if (n > 6 && strata__lint_ieq(name + n - 6, "_state") && !strata__lint_ieq(name, "address_state"))
		return false; /* order_state, job_state: a status */
	if (contains_ci(t->name, "address"))
		return true;
	for (const char *const *p = cols; *p; p++)
		if (strata_table_column(t, *p))
			return true;
	return false;
}

bool strata__lint_money_like(const char *name)
{
	static const char *const words[] = { "price",	 "prices", "amount",  "cost",	 "costs",  "total", "subtotal",
					     "balance",	 "fee",	   "fees",    "salary",	 "wage",   "money", "tax",
					     "discount", "refund", "payment", "revenue", "charge", NULL };
	return has_word(name, words);
}

/* Is column `col` the leading column set of an index, unique constraint or the primary key? */
static bool leads(const strata_table *t, const char *const *cols, int n)
{
	for (int k = 0; k < 1 + t->nindexes + t->nuniques; k++) {
		const char *const *ic;
		int in;
		if (k == 0) {
			ic = t->pkey;
			in = t->npkey;
		} else if (k <= t->nindexes) {
			const strata_index *ix = &t->indexes[k - 1];
			if (ix->where)
				continue;
			ic = ix->columns;
			in = ix->ncolumns;
		} else {
			ic = t->uniques[k - 1 - t->nindexes].columns;
			in = t->uniques[k - 1 - t->nindexes].ncolumns;
		}
		if (in < n || n == 0)
			continue;
		bool all = true;
		for (int a = 0; a < n && all; a++) {
			bool found = false;
			for (int b = 0; b < n && !found; b++)
				found = strcmp(ic[b], cols[a]) == 0;
			all = found;
		}
		if (all)
			return true;
	}
	if (n == 1) {
		const strata_column *c = strata_table_column(t, cols[0]);
		if (c && (c->unique || c->primary_key))
			return true;
	}
	return false;
}

static bool same_where(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Is a[0..na) a prefix of b[0..nb)? */
static bool prefix_of(const char *const *a, int na, const char *const *b, int nb)
{
	if (na > nb || na == 0)
		return false;
	for (int i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

static int check_ident(lint_ctx *ctx, const char *name, const char *what, const char *object, strata_srcpos pos,
		       bool check_reserved)
{
	int rc = STRATA_OK;
	if (!name)
		return rc;
	if (strlen(name) > 63)
		rc = strata__lint_emit(ctx, R_IDENT_LEN, pos.line, pos.column, object,
				       "%s name '%.40s...' is %zu bytes; PostgreSQL keeps only 63", what, name,
				       strlen(name));
	if (rc == STRATA_OK && check_reserved && strata__lint_reserved(name))
		rc = strata__lint_emit(ctx, R_RESERVED, pos.line, pos.column, object,
				       "%s name '%s' is a reserved word in SQL", what, name);
	return rc;
}

/* Does the live database store REAL values in this money column ("table.column")? */
static bool stored_real(const lint_live_facts *facts, const char *obj)
{
	for (size_t i = 0; facts && i < facts->nreal; i++)
		if (strcmp(facts->real[i], obj) == 0)
			return true;
	return false;
}

static const char *type_word(const strata_column *c)
{
	switch (c->type.kind) {
	case STRATA_T_INT: return "int";
	case STRATA_T_BIGINT: return "bigint";
	case STRATA_T_DECIMAL: return "decimal";
	case STRATA_T_STRING:
	case STRATA_T_TEXT: return "text";
	case STRATA_T_RAW: return c->type.raw ? c->type.raw : "?";
	default: return "a non-floating-point type";
	}
}

static int check_column(lint_ctx *ctx, const strata_table *t, const strata_column *c, bool live,
			const lint_live_facts *facts)
{
	char o[2 * MAXID + 8];
	obj(o, sizeof o, t, c->name);
	int rc = check_ident(ctx, c->name, "column", o, c->pos, true);
	int ln = c->type_pos.line ? c->type_pos.line : c->pos.line;
	int cl = c->type_pos.line ? c->type_pos.column : c->pos.column;
	tkind k = classify(c);
	const strata_lint_config *cfg = ctx->cfg;
	bool pg = ctx->dialects & STRATA_LINT_POSTGRES;

	/* An array's elements are bounded or not by themselves; text[] is a list of tags, not a free-text field. */
	if (rc == STRATA_OK && (k == TK_TEXT || k == TK_VARCHAR) && !c->type.array &&
	    !(status_like(c->name) && has_in_check(t, c))) {
		if (cfg->string_style == STRING_STYLE_LENGTH && k == TK_TEXT && !has_check(t, c, "length("))
			rc = strata__lint_emit(ctx, R_STRING_LENGTH, ln, cl, o,
					       "column %s.%s is text without a maximum length: use string(n)%s",
					       t->name, c->name, pg ? " or a CHECK (length(...) <= n)" : "");
		else if (cfg->string_style == STRING_STYLE_TEXT && k == TK_VARCHAR && pg)
			rc = strata__lint_emit(ctx, R_STRING_LENGTH, ln, cl, o,
					       "column %s.%s is varchar(n): with string-style = text use text with "
					       "CHECK (length(%s) <= n)",
					       t->name, c->name, c->name);
	}
	if (rc == STRATA_OK && status_like(c->name) && !c->type.array && !address_state(t, c->name)) {
		if ((k == TK_TEXT || k == TK_VARCHAR) && !has_in_check(t, c))
			rc = strata__lint_emit(ctx, R_PREFER_ENUM, ln, cl, o,
					       "column %s.%s looks like a status but is free text: declare an enum",
					       t->name, c->name);
		else if ((k == TK_TEXT || k == TK_VARCHAR) && cfg->enum_style == ENUM_STYLE_NATIVE && !live)
			rc = strata__lint_emit(ctx, R_PREFER_ENUM, ln, cl, o,
					       "column %s.%s is text with a CHECK list: declare an enum "
					       "(enum-style = native)",
					       t->name, c->name);
	}
	if (rc == STRATA_OK && c->type.kind == STRATA_T_ENUM && cfg->enum_style == ENUM_STYLE_CHECK && pg)
		rc = strata__lint_emit(ctx, R_PREFER_ENUM, ln, cl, o,
				       "column %s.%s uses a native enum: with enum-style = check use text with a "
				       "CHECK (values can then be removed)",
				       t->name, c->name);
	if (rc == STRATA_OK && k == TK_FLOAT && strata__lint_money_like(c->name))
		rc = strata__lint_emit(ctx, R_MONEY_FLOAT, ln, cl, o,
				       "column %s.%s holds money in a floating-point type: use decimal(p,s) or "
				       "integer cents",
				       t->name, c->name);
	else if (rc == STRATA_OK && stored_real(facts, o))
		rc = strata__lint_emit(ctx, R_MONEY_FLOAT, ln, cl, o,
				       "column %s.%s is declared %s, but SQLite stores its values as REAL (binary "
				       "floating point): keep money as integer cents, or as decimal text",
				       t->name, c->name, type_word(c));
	if (rc == STRATA_OK && k == TK_TS_NOTZ)
		rc = strata__lint_emit(ctx, R_TS_TZ, ln, cl, o,
				       "column %s.%s is timestamp without time zone: use timestamptz", t->name,
				       c->name);
	if (rc == STRATA_OK && k == TK_CHAR)
		rc = strata__lint_emit(ctx, R_CHAR, ln, cl, o, "column %s.%s is char(n): use string(n)", t->name,
				       c->name);
	if (rc == STRATA_OK && strcmp(c->name, "updated_at") == 0 && !c->auto_update)
		rc = strata__lint_emit(ctx, R_UPDATED_AT, c->pos.line, c->pos.column, o,
				       "%s.updated_at is not kept current: mark it auto_update%s", t->name,
				       live ? " (or add a BEFORE UPDATE trigger)" : "");
	size_t nl = strlen(c->name);
	if (rc == STRATA_OK && nl > 3 && strcmp(c->name + nl - 3, "_id") == 0) {
		bool keyed = false;
		for (int f = 0; f < t->nfkeys && !keyed; f++)
			for (int j = 0; j < t->fkeys[f].ncolumns && !keyed; j++)
				keyed = strcmp(t->fkeys[f].columns[j], c->name) == 0;
		/* A table's own single-column primary key (album.album_id) is not a missing reference. */
		bool own_key = (t->npkey == 1 && strcmp(t->pkey[0], c->name) == 0) || (c->primary_key && t->npkey <= 1);
		if (!keyed && !own_key)
			rc = strata__lint_emit(ctx, R_ID_FKEY, c->pos.line, c->pos.column, o,
					       "column %s.%s is named like a reference but has no foreign key", t->name,
					       c->name);
	}
	return rc;
}

static int check_indexes(lint_ctx *ctx, const strata_table *t)
{
	int rc = STRATA_OK;
	char o[2 * MAXID + 8];
	for (int i = 0; i < t->nindexes && rc == STRATA_OK; i++) {
		const strata_index *a = &t->indexes[i];
		obj(o, sizeof o, t, a->name);
		rc = check_ident(ctx, a->name, a->named ? "index" : "generated index", o, a->pos, false);
		bool reported = false;
		for (int j = 0; j < t->nindexes && rc == STRATA_OK && !reported; j++) {
			const strata_index *b = &t->indexes[j];
			if (i == j || !same_where(a->where, b->where))
				continue;
			if (a->ncolumns == b->ncolumns && prefix_of((const char *const *)a->columns, a->ncolumns,
								    (const char *const *)b->columns, b->ncolumns)) {
				/* Report the later one of an identical pair (a unique one wins). */
				bool a_is_dup = (a->unique == b->unique) ? i > j : !a->unique;
				if (a_is_dup) {
					rc = strata__lint_emit(ctx, R_DUP_INDEX, a->pos.line, a->pos.column, o,
							       "index %s duplicates index %s on %s", a->name, b->name,
							       t->name);
					reported = true;
				}
			} else if (!a->unique && prefix_of((const char *const *)a->columns, a->ncolumns,
							   (const char *const *)b->columns, b->ncolumns)) {
				rc = strata__lint_emit(ctx, R_REDUNDANT_INDEX, a->pos.line, a->pos.column, o,
						       "index %s is a prefix of index %s: drop it", a->name, b->name);
				reported = true;
			}
		}
		if (rc != STRATA_OK || reported || a->where)
			continue;
		/* Covered by the primary key or a unique column. */
		if (t->npkey && (a->unique ? a->ncolumns == t->npkey : a->ncolumns <= t->npkey) &&
		    prefix_of((const char *const *)a->columns, a->ncolumns, (const char *const *)t->pkey, t->npkey)) {
			rc = strata__lint_emit(ctx, R_REDUNDANT_INDEX, a->pos.line, a->pos.column, o,
					       "index %s is covered by the primary key of %s", a->name, t->name);
			continue;
		}
		const strata_column *c = a->ncolumns == 1 ? strata_table_column(t, a->columns[0]) : NULL;
		bool uniq = c && c->unique;
		for (int u = 0; !uniq && a->ncolumns >= 1 && u < t->nuniques; u++)
			uniq = a->ncolumns >= t->uniques[u].ncolumns &&
			       prefix_of((const char *const *)t->uniques[u].columns, t->uniques[u].ncolumns,
					 (const char *const *)a->columns, a->ncolumns) &&
			       a->ncolumns == t->uniques[u].ncolumns;
		if (uniq)
			rc = strata__lint_emit(ctx, R_REDUNDANT_INDEX, a->pos.line, a->pos.column, o,
					       "index %s is on a column set that is already unique", a->name);
	}
	return rc;
}

static int check_table(lint_ctx *ctx, const strata_table *t, bool live, const lint_live_facts *facts)
{
	char o[2 * MAXID + 8];
	int rc = check_ident(ctx, t->name, "table", t->name, t->pos, true);
	if (rc == STRATA_OK && t->npkey == 0)
		rc = strata__lint_emit(ctx, R_REQUIRE_PK, t->pos.line, t->pos.column, t->name,
				       "table %s has no primary key", t->name);
	/* A pure junction table (every column is in the primary key and a foreign key) is exempt. */
	bool junction = t->npkey > 0 && t->nfkeys > 0;
	for (int i = 0; i < t->ncolumns && junction; i++) {
		bool keyed = false;
		for (int f = 0; f < t->nfkeys && !keyed; f++)
			for (int j = 0; j < t->fkeys[f].ncolumns && !keyed; j++)
				keyed = strcmp(t->fkeys[f].columns[j], t->columns[i].name) == 0;
		junction = keyed && strata_table_in_pkey(t, t->columns[i].name);
	}
	bool created = junction || strata_table_column(t, "created_at") != NULL;
	/* A change time kept current under another name (last_update, by a trigger or auto_update) counts. */
	bool updated = junction || strata_table_column(t, "updated_at") != NULL;
	for (int i = 0; i < t->ncolumns && !updated; i++)
		updated = t->columns[i].auto_update;
	if (rc == STRATA_OK && (!created || !updated))
		rc = strata__lint_emit(ctx, R_REQUIRE_TIMESTAMPS, t->pos.line, t->pos.column, t->name,
				       "table %s has no %s: add `use timestamps`", t->name,
				       !created && !updated ? "created_at/updated_at"
				       : !created	    ? "created_at"
							    : "updated_at");
	for (int i = 0; i < t->ncolumns && rc == STRATA_OK; i++)
		rc = check_column(ctx, t, &t->columns[i], live, facts);
	for (int i = 0; i < t->nfkeys && rc == STRATA_OK; i++) {
		const strata_fkey *f = &t->fkeys[i];
		obj(o, sizeof o, t, f->ncolumns == 1 ? f->columns[0] : f->name);
		rc = check_ident(ctx, f->name, "constraint", o, f->pos, false);
		if (rc == STRATA_OK && f->on_delete == STRATA_FK_NO_ACTION)
			rc = strata__lint_emit(ctx, R_FK_ON_DELETE, f->pos.line, f->pos.column, o,
					       "foreign key %s.%s -> %s has no ON DELETE action: say cascade, set "
					       "null or restrict",
					       t->name, f->ncolumns ? f->columns[0] : "?", f->ref_table);
		if (rc == STRATA_OK && !leads(t, (const char *const *)f->columns, f->ncolumns))
			rc = strata__lint_emit(ctx, R_FK_INDEX, f->pos.line, f->pos.column, o,
					       "foreign key %s.%s -> %s has no index that starts with it", t->name,
					       f->ncolumns ? f->columns[0] : "?", f->ref_table);
	}
	if (rc == STRATA_OK)
		rc = check_indexes(ctx, t);
	for (int i = 0; i < t->nuniques && rc == STRATA_OK; i++) {
		obj(o, sizeof o, t, t->uniques[i].name);
		rc = check_ident(ctx, t->uniques[i].name, "constraint", o, t->uniques[i].pos, false);
	}
	for (int i = 0; i < t->nchecks && rc == STRATA_OK; i++) {
		obj(o, sizeof o, t, t->checks[i].name);
		rc = check_ident(ctx, t->checks[i].name, "constraint", o, t->checks[i].pos, false);
	}
	if (rc == STRATA_OK && t->owner) {
		const char *cols[1] = { t->owner };
		bool ok = false;
		for (int i = 0; i < t->nindexes && !ok; i++)
			ok = t->indexes[i].ncolumns > 0 && strcmp(t->indexes[i].columns[0], t->owner) == 0;
		for (int i = 0; i < t->nuniques && !ok; i++)
			ok = t->uniques[i].ncolumns > 0 && strcmp(t->uniques[i].columns[0], t->owner) == 0;
		ok = ok || (t->npkey > 0 && strcmp(t->pkey[0], t->owner) == 0) || leads(t, cols, 1);
		const strata_column *oc = strata_table_column(t, t->owner);
		obj(o, sizeof o, t, t->owner);
		if (!ok)
			rc = strata__lint_emit(ctx, R_OWNER_INDEX, oc ? oc->pos.line : t->pos.line,
					       oc ? oc->pos.column : t->pos.column, o,
					       "owner column %s.%s is not the first column of an index", t->name,
					       t->owner);
	}
	return rc;
}

int strata__lint_model(lint_ctx *ctx, const strata_schema *s, bool live, const lint_live_facts *facts)
{
	int rc = STRATA_OK;
	for (int i = 0; i < s->nenums && rc == STRATA_OK; i++)
		rc = check_ident(ctx, s->enums[i].name, "enum", s->enums[i].name, s->enums[i].pos, true);
	for (int i = 0; i < s->ntables && rc == STRATA_OK; i++)
		rc = check_table(ctx, &s->tables[i], live, facts);
	return rc;
}

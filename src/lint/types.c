/*
 * Column types in migrations: a small parser of type names as written
 * ("varchar(100)", "numeric(10,2)", "int4"), families and widths, and
 * what a change from one type to another does (narrows, or is cheap).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lint/mig.h"

typedef enum tfam {
	F_OTHER,
	F_INT,
	F_FLOAT,
	F_NUMERIC,
	F_TEXT,
	F_BOOL
} tfam;

typedef struct ptype {
	char base[48];
	int mods[2], nmods;
	tfam fam;
	int rank; /* integers: bytes; floats: bytes; text: 0 char, 1 varchar, 2 text */
} ptype;

static void parse_type(const char *s, strata_backend d, ptype *t)
{
	memset(t, 0, sizeof *t);
	size_t n = 0;
	while (*s && isspace((unsigned char)*s))
		s++;
	while (*s && *s != '(' && *s != '[' && n + 1 < sizeof t->base) {
		char c = (char)tolower((unsigned char)*s++);
		if (isspace((unsigned char)c) && n && t->base[n - 1] == ' ')
			continue;
		t->base[n++] = isspace((unsigned char)c) ? ' ' : c;
	}
	while (n && t->base[n - 1] == ' ')
		n--;
	t->base[n] = '\0';
	if (*s == '(') {
		s++;
		while (*s && *s != ')' && t->nmods < 2) {
			while (*s && !isdigit((unsigned char)*s) && *s != ')')
				s++;
			if (isdigit((unsigned char)*s))
				t->mods[t->nmods++] = atoi(s);
			while (isdigit((unsigned char)*s))
				s++;
		}
	}
	const char *b = t->base;
	if (!strcmp(b, "int2") || !strcmp(b, "smallint")) {
		t->fam = F_INT;
		t->rank = 2;
	} else if (!strcmp(b, "int4") || !strcmp(b, "int") || !strcmp(b, "integer") || !strcmp(b, "serial") ||
		   !strcmp(b, "serial4")) {
		t->fam = F_INT;
		t->rank = d == STRATA_BACKEND_SQLITE ? 8 : 4;
	} else if (!strcmp(b, "int8") || !strcmp(b, "bigint") || !strcmp(b, "bigserial") || !strcmp(b, "serial8")) {
		t->fam = F_INT;
		t->rank = 8;
	} else if (!strcmp(b, "float4") || !strcmp(b, "real")) {
		t->fam = F_FLOAT;
		t->rank = d == STRATA_BACKEND_SQLITE ? 8 : 4;
	} else if (!strcmp(b, "float8") || !strcmp(b, "double precision") || !strcmp(b, "double") ||
		   !strcmp(b, "float")) {
		t->fam = F_FLOAT;
		t->rank = 8;
	} else if (!strcmp(b, "numeric") || !strcmp(b, "decimal")) {
		t->fam = F_NUMERIC;
	} else if (!strcmp(b, "text") || !strcmp(b, "clob") || !strcmp(b, "citext")) {
		t->fam = F_TEXT;
		t->rank = 2;
	} else if (!strcmp(b, "varchar") || !strcmp(b, "character varying") || !strcmp(b, "nvarchar")) {
		t->fam = F_TEXT;
		t->rank = t->nmods ? 1 : 2;
	} else if (!strcmp(b, "char") || !strcmp(b, "character") || !strcmp(b, "bpchar") || !strcmp(b, "nchar")) {
		t->fam = F_TEXT;
		t->rank = 0;
		if (!t->nmods) {
			t->mods[0] = 1;
			t->nmods = 1;
		}
	} else if (!strcmp(b, "bool") || !strcmp(b, "boolean")) {
		t->fam = F_BOOL;
	}
}

bool strata__lint_type_narrows(const char *from, const char *to, strata_backend d)
{
	if (!from || !to || !*from || !*to)
		return false;
	ptype a, b;
	parse_type(from, d, &a);
	parse_type(to, d, &b);
	bool a_arr = strchr(from, '[') != NULL, b_arr = strchr(to, '[') != NULL;
	if (a_arr != b_arr)
		return true;
	if (a.fam == F_OTHER || b.fam == F_OTHER)
		return strcmp(a.base, b.base) != 0 && (a.fam == F_TEXT || b.fam != F_TEXT);
	if (a.fam == F_TEXT) {
		if (b.fam != F_TEXT)
			return true; /* text to a number or bool can fail */
		bool a_lim = a.rank < 2, b_lim = b.rank < 2;
		if (b_lim && !a_lim)
			return true;
		return a_lim && b_lim && b.mods[0] < a.mods[0];
	}
	if (b.fam == F_TEXT)
		return false; /* anything fits in text */
	if (b.fam == F_BOOL)
		return a.fam != F_BOOL;
	if (a.fam == F_BOOL)
		return false;
	if (a.fam == F_INT && b.fam == F_INT)
		return b.rank < a.rank;
	if (a.fam == F_FLOAT && b.fam == F_FLOAT)
		return b.rank < a.rank;
	if (a.fam == F_NUMERIC && b.fam == F_NUMERIC) {
		if (!b.nmods)
			return false;
		if (!a.nmods)
			return true;
		int as = a.nmods > 1 ? a.mods[1] : 0, bs = b.nmods > 1 ? b.mods[1] : 0;
		return b.mods[0] - bs < a.mods[0] - as || bs < as;
	}
	if (b.fam == F_INT)
		return true; /* a fraction or a wider number into an integer */
	if (a.fam == F_NUMERIC && b.fam == F_FLOAT)
		return true; /* exact to inexact */
	if (a.fam == F_INT && b.fam == F_FLOAT)
		return a.rank == 8 || b.rank == 4;
	if (a.fam == F_INT && b.fam == F_NUMERIC)
		return b.nmods > 0 && b.mods[0] - (b.nmods > 1 ? b.mods[1] : 0) < (a.rank == 2	 ? 5
										   : a.rank == 4 ? 10
												 : 19);
	if (a.fam == F_FLOAT && b.fam == F_NUMERIC)
		return b.nmods > 0;
	return false;
}

bool strata__lint_type_cheap_change(const char *from, const char *to)
{
	if (!from || !to)
		return false;
	ptype a, b;
	parse_type(from, STRATA_BACKEND_POSTGRES, &a);
	parse_type(to, STRATA_BACKEND_POSTGRES, &b);
	bool a_vc = !strcmp(a.base, "varchar") || !strcmp(a.base, "character varying");
	if (!a_vc && strcmp(a.base, "text") != 0)
		return false;
	if (!strcmp(b.base, "text"))
		return true;
	bool b_vc = !strcmp(b.base, "varchar") || !strcmp(b.base, "character varying");
	if (!b_vc)
		return false;
	if (!b.nmods)
		return true;
	return a_vc && a.nmods && b.mods[0] >= a.mods[0];
}

lint_tclass strata__lint_type_class(const char *type, bool *array)
{
	/* Lower case, blanks collapsed, (modifiers) and [] left out: "timestamp(3) with time zone" -> "timestamp with
	 * time zone". */
	char b[64];
	size_t n = 0;
	int depth = 0;
	bool arr = false;
	for (const char *s = type ? type : ""; *s && n + 1 < sizeof b; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '(' || c == ')') {
			depth += c == '(' ? 1 : -1;
			continue;
		}
		if (depth > 0)
			continue;
		if (c == '[' || c == ']') {
			arr = true;
			continue;
		}
		if (isspace(c)) {
			if (n && b[n - 1] != ' ')
				b[n++] = ' ';
			continue;
		}
		b[n++] = (char)tolower(c);
	}
	while (n && b[n - 1] == ' ')
		n--;
	b[n] = '\0';
	if (array)
		*array = arr;
	bool has_len = strchr(type ? type : "", '(') != NULL;
	static const struct {
		const char *name;
		lint_tclass cls;
	} map[] = {
		{ "text", LINT_T_TEXT },	 { "clob", LINT_T_TEXT },
		{ "citext", LINT_T_TEXT },	 { "char", LINT_T_CHAR },
		{ "character", LINT_T_CHAR },	 { "bpchar", LINT_T_CHAR },
		{ "nchar", LINT_T_CHAR },	 { "national character", LINT_T_CHAR },
		{ "timestamp", LINT_T_TS_NOTZ }, { "timestamp without time zone", LINT_T_TS_NOTZ },
		{ "real", LINT_T_FLOAT },	 { "float", LINT_T_FLOAT },
		{ "float4", LINT_T_FLOAT },	 { "float8", LINT_T_FLOAT },
		{ "double", LINT_T_FLOAT },	 { "double precision", LINT_T_FLOAT },
		{ "smallint", LINT_T_INT2 },	 { "int2", LINT_T_INT2 },
		{ "int", LINT_T_INT4 },		 { "int4", LINT_T_INT4 },
		{ "integer", LINT_T_INT4 },	 { "bigint", LINT_T_INT8 },
		{ "int8", LINT_T_INT8 },	 { "smallserial", LINT_T_SERIAL2 },
		{ "serial2", LINT_T_SERIAL2 },	 { "serial", LINT_T_SERIAL4 },
		{ "serial4", LINT_T_SERIAL4 },	 { "bigserial", LINT_T_SERIAL8 },
		{ "serial8", LINT_T_SERIAL8 },
	};
	if (!strcmp(b, "varchar") || !strcmp(b, "character varying") || !strcmp(b, "nvarchar") ||
	    !strcmp(b, "national character varying"))
		return has_len ? LINT_T_VARCHAR : LINT_T_TEXT;
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(b, map[i].name))
			return map[i].cls;
	return LINT_T_OTHER;
}

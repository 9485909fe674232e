/*
 * Rows as JSON: a stored double prints as the shortest text that reads
 * back as the same double (0.1, not 0.10000000000000001), on both
 * backends; NaN and the infinities, which JSON has no numbers for, print
 * as null.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plain_db.h"
#include "testdb.h"

static void apply_plain(strata_db *db)
{
	strata_schema *s = NULL;
	ST_OK(strata_schema_load(&s, STRATA_SOURCE_DIR "/tests/gen/schemas/plain.strata"));
	ST_OK(strata_schema_apply(db, s));
	strata_schema_free(s);
}

static const struct {
	double v;
	const char *text;
} shortest[] = {
	{ 0.1, "0.1" },
	{ 1e300, "1e300" },
	{ 5e-324, "5e-324" },
	{ -0.0, "-0.0" },
	{ 123456789.125, "123456789.125" },
	{ 0.30000000000000004, "0.30000000000000004" },
	{ 1.5, "1.5" },
	{ 2.0, "2.0" },
	{ -2.5e-8, "-2.5e-8" },
	{ 1.7976931348623157e308, "1.7976931348623157e308" },
	{ 2.2250738585072014e-308, "2.2250738585072014e-308" },
	{ 1e21, "1e21" },
	{ 100, "100.0" },
};

/* The text after "weight": in `json`, up to the next ',' or '}'. */
static void weight_text(const char *json, char *out, size_t cap)
{
	const char *p = strstr(json, "\"weight\":");
	cr_assert_not_null(p, "%s", json);
	p += strlen("\"weight\":");
	size_t n = strcspn(p, ",}");
	cr_assert_lt(n, cap);
	memcpy(out, p, n);
	out[n] = '\0';
}

DB_TEST(gen_json, stored_doubles_print_shortest_and_read_back)
{
	apply_plain(db);
	for (size_t i = 0; i < sizeof shortest / sizeof shortest[0]; i++) {
		plain_category c = { 0 };
		char name[16];
		snprintf(name, sizeof name, "c%zu", i);
		c.name = name;
		c.weight = (strata_opt_double)STRATA_SOME(shortest[i].v);
		ST_OK(plain_category_insert(db, &c));
		plain_category *got = NULL;
		ST_OK(plain_category_get(db, c.id, &got));
		/* SQLite writes a REAL that holds a whole number as an integer: -0.0 comes back as 0 */
		bool unsigned_zero = backend == STRATA_BACKEND_SQLITE && shortest[i].v == 0;
		const char *want = unsigned_zero ? "0.0" : shortest[i].text;
		bool negative = signbit(shortest[i].v) && !unsigned_zero;
		cr_assert(got->weight.v == shortest[i].v && !signbit(got->weight.v) == !negative,
			  "%s: stored %.17g, read %.17g", want, shortest[i].v, got->weight.v);
		char *json = NULL;
		ST_OK(plain_category_to_json(got, &json));
		char text[64];
		weight_text(json, text, sizeof text);
		cr_assert_str_eq(text, want, "%s", json);
		double back = strtod(text, NULL);
		cr_assert(back == shortest[i].v && !signbit(back) == !negative, "%s reads back as %.17g", text, back);
		free(json);
		plain_category_free(got);
	}
	(void)url;
	(void)backend;
}

Test(gen_json, nan_and_infinities_are_null)
{
	strata_json_builder *o = strata_json_new_object();
	cr_assert_not_null(o);
	ST_OK(strata_json_set_double(o, "nan", NAN));
	ST_OK(strata_json_set_double(o, "inf", INFINITY));
	ST_OK(strata_json_set_double(o, "minus_inf", -INFINITY));
	double items[] = { 0.1, NAN, 2 };
	strata_float_array a = { items, 3 };
	ST_OK(strata_json_set_float_array(o, "arr", &a));
	ST_OK(strata_json_set_text(o, "s", "tab\there \"q\" \\ \x01 \xc3\xbc /"));
	char *json = NULL;
	ST_OK(strata_json_finish(o, &json));
	cr_assert_str_eq(json, "{\"nan\":null,\"inf\":null,\"minus_inf\":null,\"arr\":[0.1,null,2.0],"
			       "\"s\":\"tab\\there \\\"q\\\" \\\\ \\u0001 \xc3\xbc /\"}");
	free(json);

	/* arrays as SQLite stores them: shortest numbers; a NaN cannot be stored */
	double ok[] = { 0.1, 1e300, -0.0 };
	strata_float_array b = { ok, 3 };
	char *text = strata_float_array_json(&b);
	cr_assert_str_eq(text, "[0.1,1e300,-0.0]");
	free(text);
	cr_assert_null(strata_float_array_json(&a));
	cr_assert_eq(strata_error_last()->status, STRATA_EINVAL);
	cr_assert(strstr(strata_error_last()->message, "array item 1 is nan"), "%s", strata_error_last()->message);
}

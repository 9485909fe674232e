/* The generator's template engine (src/gen/emit.c): what a template says and its mistakes. */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "gen/emit.h"

/* Expand `pattern` with `v`; returns the status, *out the text (free()). */
static int expand(const char *pattern, const strata__gen_vars *v, char **out)
{
	strata_buf b = STRATA_BUF_INIT;
	int rc = strata__gen_expand(&b, pattern, v);
	*out = strata__buf_detach(&b);
	return rc;
}

Test(gen_templates, placeholders_conditions_and_lists)
{
	strata__gen_vars v = STRATA__GEN_VARS_INIT;
	strata__gen_var(&v, "T", "task");
	strata__gen_var_bool(&v, "on", true);
	strata__gen_var_bool(&v, "off", false);
	strata__gen_var_cstr(&v, "lit", "say \"hi\"\n");
	strata__gen_var(&v, "block", "\tline one\n\tline two\n");
	strata__gen_var(&v, "empty", "");
	strata__gen_list(&v, "none");
	for (int i = 0; i < 3; i++) {
		strata__gen_vars *it = strata__gen_item(&v, "items");
		strata__gen_varf(it, "n", "%d", i);
		strata__gen_var_bool(it, "odd", i % 2);
	}
	char *out;
	cr_assert_eq(expand("int ${T}_get(void); /* $$ */\n"
			    "@# a comment line\n"
			    "@if on\n"
			    "on\n"
			    "@elif off\n"
			    "never\n"
			    "@else\n"
			    "never\n"
			    "@end\n"
			    "@if !on\n"
			    "never\n"
			    "@elif !off\n"
			    "elif\n"
			    "@end\n"
			    "\"${lit}\"\n"
			    "${block}\n"
			    "${empty}\n"
			    "@each items\n"
			    "\t${T}${n}\n"
			    "@if odd\n"
			    "\todd\n"
			    "@end\n"
			    "@end\n"
			    "@each none\n"
			    "never\n"
			    "@end\n"
			    "@if items\n"
			    "has items\n"
			    "@end\n"
			    "@if none\n"
			    "never\n"
			    "@end\n"
			    "last",
			    &v, &out),
		     STRATA_OK, "%s", strata_error_last()->message);
	cr_assert_str_eq(out, "int task_get(void); /* $ */\n"
			      "on\n"
			      "elif\n"
			      "\"say \\\"hi\\\"\\n\"\n"
			      "\tline one\n\tline two\n"
			      "\ttask0\n"
			      "\ttask1\n"
			      "\todd\n"
			      "\ttask2\n"
			      "has items\n"
			      "last");
	free(out);
	strata__gen_vars_free(&v);
}

static void expect_mistake(const char *pattern, const char *message)
{
	strata__gen_vars v = STRATA__GEN_VARS_INIT;
	strata__gen_var(&v, "x", "1");
	char *out;
	cr_assert_eq(expand(pattern, &v, &out), STRATA_EINVAL, "%s expanded", pattern);
	cr_assert(strstr(strata_error_last()->message, message) != NULL, "%s: %s", pattern,
		  strata_error_last()->message);
	free(out);
	strata__gen_vars_free(&v);
}

Test(gen_templates, mistakes_name_the_line)
{
	expect_mistake("a\nb ${y}\n", "line 2: no value for y");
	expect_mistake("${x} costs $5\n", "line 1: a lone $");
	expect_mistake("@if x\nopen\n", "@if without @end");
	expect_mistake("@end\n", "line 1: @end without @if");
	expect_mistake("@if nothing\n@end\n", "never set: nothing");
	expect_mistake("@each x\n@end\n", "not a list: x");
	expect_mistake("@each x\n", "@each without @end");
}

Test(gen_templates, every_template_file_is_indexed)
{
	strata__gen_tmpls t;
	cr_assert_eq(strata__gen_tmpls_load(&t), STRATA_OK);
	const char *names[] = { "header", "table_types", "insert", "insert_many", "get",  "update", "delete",
				"where",  "list",	 "count",  "load",	  "json", "source", "read_field" };
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		bool found = false;
		for (int k = 0; k < t.n && !found; k++)
			found = strlen(names[i]) == t.items[k].name_len &&
				memcmp(t.items[k].name, names[i], t.items[k].name_len) == 0;
		cr_assert(found, "no template %s", names[i]);
	}
	/* names are unique: a second template of one name would never be used */
	for (int a = 0; a < t.n; a++)
		for (int b = a + 1; b < t.n; b++)
			cr_assert(t.items[a].name_len != t.items[b].name_len ||
					  memcmp(t.items[a].name, t.items[b].name, t.items[a].name_len) != 0,
				  "template %.*s defined twice", (int)t.items[a].name_len, t.items[a].name);
	strata__gen_tmpls_free(&t);
}

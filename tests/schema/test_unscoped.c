/* `unscoped NAME`: parsed, printed back, refused twice and in mixins. */
#include <stdlib.h>
#include <string.h>

#include "testdb.h"

static const char *const owned = "table users { id serial primary key }\n"
				 "table notes {\n"
				 "  id serial primary key\n"
				 "  user_id ref users not null owner\n"
				 "  unscoped admin, reports\n"
				 "}\n";

Test(schema_unscoped, parsed_and_printed)
{
	strata_schema *s;
	ST_OK(strata_schema_parse(&s, owned, strlen(owned), "u.strata"));
	const strata_table *t = strata_schema_table(s, "notes");
	cr_assert_eq(t->nunscoped, 2);
	cr_assert_str_eq(t->unscoped[0], "admin");
	cr_assert_str_eq(t->unscoped[1], "reports");
	char *text;
	ST_OK(strata_schema_print(s, 0, &text));
	cr_assert(strstr(text, "    unscoped admin\n    unscoped reports\n") != NULL, "%s", text);
	strata_schema *again;
	ST_OK(strata_schema_parse(&again, text, strlen(text), "printed"));
	cr_assert_eq(strata_schema_table(again, "notes")->nunscoped, 2);
	strata_schema_free(again);
	free(text);
	strata_schema_free(s);
}

Test(schema_unscoped, errors)
{
	strata_schema *s = NULL;
	const char *twice = "table users { id serial primary key }\n"
			    "table notes {\n  id serial primary key\n  user_id ref users not null owner\n"
			    "  unscoped admin, admin\n}\n";
	ST_EXPECT(strata_schema_parse(&s, twice, strlen(twice), "u.strata"), STRATA_EPARSE);
	cr_assert_str_eq(strata_error_last()->message,
			 "u.strata:5:19: table 'notes' names the unscoped variant 'admin' twice");
	const char *in_mixin = "mixin m {\n  unscoped admin\n}\n";
	ST_EXPECT(strata_schema_parse(&s, in_mixin, strlen(in_mixin), "u.strata"), STRATA_EPARSE);
	cr_assert(strstr(strata_error_last()->message, "u.strata:2:3:") != NULL, "%s", strata_error_last()->message);
}

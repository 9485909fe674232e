#include "gen_support.h"

#include <stdlib.h>
#include <string.h>

void gen_apply_schema(strata_db *db)
{
	strata_schema *s = NULL;
	int rc = strata_schema_load(&s, STRATA_SOURCE_DIR "/examples/tasks/schema.strata");
	cr_assert_eq(rc, STRATA_OK, "load schema: %s", strata_error_last()->message);
	rc = strata_schema_apply(db, s);
	cr_assert_eq(rc, STRATA_OK, "apply schema: %s", strata_error_last()->message);
	strata_schema_free(s);
}

user_id gen_make_user(strata_db *db, const char *email)
{
	user u = { 0 };
	u.email = email;
	u.name = "Someone";
	int rc = user_insert(db, &u);
	cr_assert_eq(rc, STRATA_OK, "user_insert: %s", strata_error_last()->message);
	return u.id;
}

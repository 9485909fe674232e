/* Shared helpers of the generator's tests: a database with the tasks schema. */
#ifndef GEN_SUPPORT_H
#define GEN_SUPPORT_H

#include "tasks_db.h"
#include "testdb.h"

/* Create the example schema's tables in `db`. */
void gen_apply_schema(strata_db *db);
/* A user with the given email; returns its key. */
user_id gen_make_user(strata_db *db, const char *email);

#endif

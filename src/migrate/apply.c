/*
 * Create a model in a database: the DDL script (src/sql, pure text) run in
 * one transaction.  Execution lives here, beside the other code that
 * changes a database's schema, so src/sql needs no connection.
 */
#include <stdlib.h>

#include <strata/migrate.h>
#include <strata/sql.h>

#include "core/error.h"

int strata_schema_apply(strata_db *db, const strata_schema *s)
{
	char *sql = NULL;
	int rc;
	if (!db || !s)
		return strata__error_set(STRATA_EINVAL, "strata_schema_apply: NULL argument");
	if ((rc = strata_sql_create(s, strata_db_backend(db), &sql)))
		return rc;
	if ((rc = strata_begin(db, NULL)))
		goto out;
	if ((rc = strata_exec(db, sql))) {
		strata__error_saved saved;
		strata__error_save(&saved);
		strata_rollback(db);
		strata__error_restore(&saved);
		goto out;
	}
	rc = strata_commit(db);
out:
	free(sql);
	return rc;
}

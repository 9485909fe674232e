/* Connections and statements on both backends. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testdb.h"

DB_TEST(db, insert_and_read_back)
{
	ST_OK(strata_exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score DOUBLE PRECISION)"));
	strata_stmt *st;
	ST_OK(strata_prepare(&st, db, "INSERT INTO t (id, name, score) VALUES (?, ?, ?)"));
	cr_assert_eq(strata_bind_count(st), 3);
	for (int i = 1; i <= 3; i++) {
		char name[16];
		snprintf(name, sizeof name, "n%d", i);
		ST_OK(strata_bind_int64(st, 1, i));
		ST_OK(strata_bind_text(st, 2, name, -1));
		ST_OK(strata_bind_double(st, 3, i * 1.5));
		ST_EXPECT(strata_step(st), STRATA_DONE);
		cr_assert_eq(strata_changes(db), 1);
	}
	strata_finalize(st);

	ST_OK(strata_prepare(&st, db, "SELECT id, name, score FROM t WHERE id >= ? ORDER BY id"));
	ST_OK(strata_bind_int64(st, 1, 2));
	int64_t id;
	const char *name;
	double score;
	ST_EXPECT(strata_step(st), STRATA_ROW);
	cr_assert_str_eq(strata_column_name(st, 1), "name");
	ST_OK(strata_column_int64(st, 0, &id));
	ST_OK(strata_column_text(st, 1, &name, NULL));
	ST_OK(strata_column_double(st, 2, &score));
	cr_assert_eq(id, 2);
	cr_assert_str_eq(name, "n2");
	cr_assert_float_eq(score, 3.0, 1e-9);
	ST_EXPECT(strata_step(st), STRATA_ROW);
	ST_EXPECT(strata_step(st), STRATA_DONE);
	strata_finalize(st);
	(void)url;
	(void)backend;
}

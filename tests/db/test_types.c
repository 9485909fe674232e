/* Every value type round-trips on both backends; wrong-type reads fail. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testdb.h"

static const char *ddl(strata_backend b)
{
	return b == STRATA_BACKEND_SQLITE
		       ? "CREATE TABLE v (id INTEGER PRIMARY KEY, i INTEGER, d REAL, t TEXT, b BLOB, f INTEGER, "
			 "ts TEXT, u TEXT, j TEXT)"
		       : "CREATE TABLE v (id INTEGER PRIMARY KEY, i BIGINT, d DOUBLE PRECISION, t TEXT, b BYTEA, "
			 "f BOOLEAN, ts TIMESTAMPTZ, u UUID, j JSONB)";
}

DB_TEST(types, round_trip_every_type)
{
	ST_OK(strata_exec(db, ddl(backend)));
	strata_uuid u, u2;
	ST_OK(strata_uuid_v7(&u));
	const unsigned char blob[] = { 0, 1, 2, 0xff, 0 };
	strata_timestamp ts;
	ST_OK(strata_timestamp_parse("2026-11-22T10:30:00.123456Z", 27, &ts));
	strata_stmt *st;
	ST_OK(strata_prepare(&st, db, "INSERT INTO v VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
	ST_OK(strata_bind_int64(st, 1, 1));
	ST_OK(strata_bind_int64(st, 2, INT64_MIN));
	ST_OK(strata_bind_double(st, 3, 0.1));
	ST_OK(strata_bind_text(st, 4, "héllo 'quoted' ?", -1));
	ST_OK(strata_bind_blob(st, 5, blob, sizeof blob));
	ST_OK(strata_bind_bool(st, 6, true));
	ST_OK(strata_bind_timestamp(st, 7, ts));
	ST_OK(strata_bind_uuid(st, 8, &u));
	ST_OK(strata_bind_json(st, 9, "{\"a\": [1, 2]}"));
	ST_EXPECT(strata_step(st), STRATA_DONE);
	/* a second row of NULLs */
	ST_OK(strata_clear_bindings(st));
	ST_OK(strata_bind_int64(st, 1, 2));
	ST_EXPECT(strata_step(st), STRATA_DONE);
	strata_finalize(st);

	ST_OK(strata_prepare(&st, db, "SELECT i, d, t, b, f, ts, u, j FROM v ORDER BY id"));
	ST_EXPECT(strata_step(st), STRATA_ROW);
	int64_t i;
	double d;
	const char *t, *j;
	const void *b;
	size_t blen;
	bool f;
	strata_timestamp ts2;
	ST_OK(strata_column_int64(st, 0, &i));
	cr_assert_eq(i, INT64_MIN);
	ST_OK(strata_column_double(st, 1, &d));
	cr_assert_eq(d, 0.1);
	ST_OK(strata_column_text(st, 2, &t, NULL));
	cr_assert_str_eq(t, "héllo 'quoted' ?");
	ST_OK(strata_column_blob(st, 3, &b, &blen));
	cr_assert_eq(blen, sizeof blob);
	cr_assert(memcmp(b, blob, blen) == 0);
	ST_OK(strata_column_bool(st, 4, &f));
	cr_assert(f);
	ST_OK(strata_column_timestamp(st, 5, &ts2));
	cr_assert_eq(ts2, ts);
	ST_OK(strata_column_uuid(st, 6, &u2));
	cr_assert(memcmp(&u, &u2, sizeof u) == 0);
	ST_OK(strata_column_json(st, 7, &j));
	cr_assert(strstr(j, "\"a\"") != NULL);

	/* reading as the wrong type is an error that names the column */
	ST_EXPECT(strata_column_int64(st, 2, &i), STRATA_ETYPE);
	cr_assert(strstr(strata_error_last()->message, "(t)") != NULL, "%s", strata_error_last()->message);
	ST_EXPECT(strata_column_blob(st, 2, &b, &blen), STRATA_ETYPE);
	ST_EXPECT(strata_column_int64(st, 99, &i), STRATA_ERANGE);

	ST_EXPECT(strata_step(st), STRATA_ROW);
	for (int c = 0; c < 8; c++)
		cr_assert(strata_column_is_null(st, c), "column %d should be NULL", c);
	ST_EXPECT(strata_column_int64(st, 0, &i), STRATA_ETYPE);
	cr_assert(strstr(strata_error_last()->message, "null") != NULL);
	ST_EXPECT(strata_step(st), STRATA_DONE);
	ST_EXPECT(strata_column_int64(st, 0, &i), STRATA_ERANGE);
	strata_finalize(st);
	(void)url;
}

DB_TEST(types, integer_reads_as_double_not_the_reverse)
{
	strata_stmt *st;
	ST_OK(strata_prepare(&st, db, "SELECT 7, 2.5"));
	ST_EXPECT(strata_step(st), STRATA_ROW);
	double d;
	int64_t i;
	ST_OK(strata_column_double(st, 0, &d));
	cr_assert_eq(d, 7.0);
	ST_EXPECT(strata_column_int64(st, 1, &i), STRATA_ETYPE);
	strata_finalize(st);
	(void)url;
	(void)backend;
}

DB_TEST(types, values_array_helpers)
{
	ST_OK(strata_exec(db, "CREATE TABLE kv (k TEXT PRIMARY KEY, n INTEGER)"));
	int64_t changes = 0;
	strata_value vals[] = { STRATA_TEXT("a"), STRATA_INT(41) };
	ST_OK(strata_exec_values(db, "INSERT INTO kv VALUES (?, ?)", vals, 2, &changes));
	cr_assert_eq(changes, 1);
	ST_OK(strata_execv(db, "UPDATE kv SET n = n + ? WHERE k = ?", STRATA_INT(1), STRATA_TEXT("a")));
	int64_t n;
	ST_OK(strata_query_int64v(db, &n, "SELECT n FROM kv WHERE k = ?", STRATA_TEXT("a")));
	cr_assert_eq(n, 42);
	char *k;
	ST_OK(strata_query_textv(db, &k, "SELECT k FROM kv WHERE n = ?", STRATA_INT(42)));
	cr_assert_str_eq(k, "a");
	free(k);
	ST_EXPECT(strata_query_int64v(db, &n, "SELECT n FROM kv WHERE k = ?", STRATA_TEXT("zz")), STRATA_ENOTFOUND);
	/* the wrong number of values is caught before anything runs */
	ST_EXPECT(strata_execv(db, "UPDATE kv SET n = ? WHERE k = ?", STRATA_INT(1)), STRATA_ERANGE);
	cr_assert(strstr(strata_error_last()->message, "1 value given for 2 parameters") != NULL, "%s",
		  strata_error_last()->message);
	(void)url;
	(void)backend;
}

Test(types, timestamp_text_forms)
{
	strata_timestamp t;
	char buf[STRATA_TIMESTAMP_BUFSZ];
	ST_OK(strata_timestamp_parse("1970-01-01T00:00:00Z", 20, &t));
	cr_assert_eq(t, 0);
	ST_OK(strata_timestamp_parse("2026-11-22 12:30:00.5+02:00", 27, &t));
	strata_timestamp_format(t, buf);
	cr_assert_str_eq(buf, "2026-11-22T10:30:00.500000Z");
	ST_OK(strata_timestamp_parse("1969-12-31T23:59:59.999999Z", 27, &t));
	cr_assert_eq(t, -1);
	strata_timestamp_format(t, buf);
	cr_assert_str_eq(buf, "1969-12-31T23:59:59.999999Z");
	ST_OK(strata_timestamp_parse("2024-02-29", 10, &t));
	ST_EXPECT(strata_timestamp_parse("2023-02-29", 10, &t), STRATA_EINVAL);
	ST_EXPECT(strata_timestamp_parse("2026-13-01", 10, &t), STRATA_EINVAL);
	ST_EXPECT(strata_timestamp_parse("yesterday", 9, &t), STRATA_EINVAL);
}

Test(types, uuid_versions_and_order)
{
	strata_uuid a, b;
	char s[STRATA_UUID_STRLEN + 1];
	ST_OK(strata_uuid_v4(&a));
	strata_uuid_format(&a, s);
	cr_assert_eq(s[14], '4');
	ST_OK(strata_uuid_parse(s, strlen(s), &b));
	cr_assert(memcmp(&a, &b, 16) == 0);
	/* v7 values sort by creation, even within one millisecond */
	strata_uuid prev;
	ST_OK(strata_uuid_v7(&prev));
	for (int i = 0; i < 5000; i++) {
		ST_OK(strata_uuid_v7(&a));
		cr_assert(memcmp(&prev, &a, 16) < 0, "v7 not monotonic at %d", i);
		prev = a;
	}
	strata_uuid_format(&a, s);
	cr_assert_eq(s[14], '7');
	ST_EXPECT(strata_uuid_parse("not-a-uuid", 10, &b), STRATA_EINVAL);
	ST_EXPECT(strata_uuid_parse("0123456789abcdef0123456789abcdef0123", 36, &b), STRATA_EINVAL);
}

/*
 * A double bound to a decimal column stores the shortest text that reads
 * back as it (0.1, not PostgreSQL's numeric 0.10000000000000001), and
 * double columns still read back every bit.
 */
DB_TEST(types, doubles_bind_as_their_shortest_text)
{
	ST_OK(strata_exec(db, "CREATE TABLE n (id integer PRIMARY KEY, x numeric, d double precision)"));
	const double vals[] = { 0.1, 1.0 / 3, -2.5e-300, 123456789.125, 5e-324, 1e300 };
	const char *text[] = { "0.1", NULL, NULL, "123456789.125", NULL, NULL };
	for (int k = 0; k < 6; k++)
		ST_OK(strata_execv(db, "INSERT INTO n VALUES (?, ?, ?)", STRATA_INT(k), STRATA_DOUBLE(vals[k]),
				   STRATA_DOUBLE(vals[k])));
	for (int k = 0; k < 6; k++) {
		char *out = NULL;
		double d = 0;
		strata_stmt *st;
		ST_OK(strata_query_textv(db, &out, "SELECT CAST(x AS text) FROM n WHERE id = ?", STRATA_INT(k)));
		if (text[k])
			cr_assert_str_eq(out, text[k], "value %d: the numeric column holds %s", k, out);
		free(out);
		ST_OK(strata_prepare(&st, db, "SELECT d FROM n WHERE id = ?"));
		ST_OK(strata_bind_int64(st, 1, k));
		ST_EXPECT(strata_step(st), STRATA_ROW);
		ST_OK(strata_column_double(st, 0, &d));
		cr_assert_eq(d, vals[k], "value %d read back as %.17g", k, d);
		strata_finalize(st);
	}
}

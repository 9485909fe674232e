/*
 * False positives (and a miss) found by linting well-known public sample
 * schemas (issue 12), and the pre-flight lint of `migrate up` on a
 * database Strata did not create.  Each test failed before its fix.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "testdb.h"

static strata_lint_report *lint_live(strata_db *db)
{
	strata_lint_report *r;
	ST_OK(strata_lint_report_new(&r));
	ST_OK(strata_lint_db(r, db, NULL));
	strata_lint_report_sort(r);
	return r;
}

/* Findings of `rule` on `object`. */
static size_t count_on(const strata_lint_report *r, const char *rule, const char *object)
{
	size_t n = 0;
	for (size_t i = 0; i < strata_lint_report_count(r); i++) {
		const strata_lint_finding *f = strata_lint_report_get(r, i);
		n += !strcmp(f->rule, rule) && !strcmp(f->object, object);
	}
	return n;
}

/* ---- id-without-fkey: a table's own primary key ---- */

Test(real_schemas, own_primary_key_is_not_a_missing_reference)
{
	strata_lint_report *r = lint_schema_text("table album {\n  use timestamps\n  album_id bigint primary key\n"
						 "  title string(100) not null\n}\n"
						 "table track {\n  use timestamps\n  track_id bigint primary key\n"
						 "  album_id bigint\n  index (album_id)\n}\n",
						 0, NULL);
	cr_assert_eq(count_on(r, "id-without-fkey", "album.album_id"), 0, "%s", report_text(r));
	cr_assert_eq(count_on(r, "id-without-fkey", "track.track_id"), 0, "%s", report_text(r));
	/* A reference without a foreign key still is one. */
	cr_assert_eq(count_on(r, "id-without-fkey", "track.album_id"), 1, "%s", report_text(r));
	strata_lint_report_free(r);
}

DB_TEST(real_schemas, own_primary_key_live)
{
	(void)url;
	(void)backend;
	ST_OK(strata_exec(db, "CREATE TABLE users (user_id bigint PRIMARY KEY, name varchar(50))"));
	ST_OK(strata_exec(db, "CREATE TABLE posts (post_id bigint PRIMARY KEY, user_id bigint)"));
	strata_lint_report *r = lint_live(db);
	cr_assert_eq(count_on(r, "id-without-fkey", "users.user_id"), 0, "%s", report_text(r));
	cr_assert_eq(count_on(r, "id-without-fkey", "posts.user_id"), 1, "%s", report_text(r));
	strata_lint_report_free(r);
}

/* ---- prefer-enum: a postal address's state ---- */

Test(real_schemas, address_state_is_not_a_status)
{
	strata_lint_report *r = lint_schema_text(
		"table address {\n  use timestamps\n  id bigint primary key\n  street string(100)\n  city string(50)\n"
		"  state string(50)\n  postal_code string(10)\n}\n"
		"table customer {\n  use timestamps\n  id bigint primary key\n  billing_state string(2)\n"
		"  shipping_state string(2)\n}\n"
		"table shipment {\n  use timestamps\n  id bigint primary key\n  city string(50)\n  state "
		"string(20)\n}\n"
		"table job {\n  use timestamps\n  id bigint primary key\n  state string(20)\n  run_state "
		"string(20)\n}\n",
		0, NULL);
	cr_assert_eq(count_on(r, "prefer-enum", "address.state"), 0, "%s", report_text(r));
	cr_assert_eq(count_on(r, "prefer-enum", "customer.billing_state"), 0, "%s", report_text(r));
	cr_assert_eq(count_on(r, "prefer-enum", "customer.shipping_state"), 0, "%s", report_text(r));
	cr_assert_eq(count_on(r, "prefer-enum", "shipment.state"), 0, "%s", report_text(r));
	/* A job's state is a status. */
	cr_assert_eq(count_on(r, "prefer-enum", "job.state"), 1, "%s", report_text(r));
	cr_assert_eq(count_on(r, "prefer-enum", "job.run_state"), 1, "%s", report_text(r));
	strata_lint_report_free(r);
}

DB_TEST(real_schemas, address_state_live)
{
	(void)url;
	(void)backend;
	ST_OK(strata_exec(db, "CREATE TABLE addresses (id bigint PRIMARY KEY, city varchar(50), state varchar(50), "
			      "country varchar(50))"));
	strata_lint_report *r = lint_live(db);
	cr_assert_eq(count_on(r, "prefer-enum", "addresses.state"), 0, "%s", report_text(r));
	strata_lint_report_free(r);
}

/* ---- money-as-float: NUMERIC that SQLite stores as REAL ---- */

Test(real_schemas, sqlite_numeric_money_stored_as_real)
{
	char *dir = test_tmpdir();
	char url[600];
	snprintf(url, sizeof url, "sqlite:%s/shop.db", dir);
	strata_db *db;
	ST_OK(strata_open(&db, url, NULL));
	ST_OK(strata_exec(db, "CREATE TABLE payment (payment_id integer PRIMARY KEY, amount NUMERIC(5,2) NOT NULL, "
			      "fee NUMERIC, total_cents integer)"));
	ST_OK(strata_exec(db, "INSERT INTO payment (amount, fee, total_cents) VALUES (2.99, 1, 299), (0.99, 2, 99)"));
	strata_lint_report *r = lint_live(db);
	/* 2.99 in a NUMERIC column is a REAL: binary floating point. */
	cr_assert_eq(count_on(r, "money-as-float", "payment.amount"), 1, "%s", report_text(r));
	/* Whole numbers are stored as integers: nothing to report. */
	cr_assert_eq(count_on(r, "money-as-float", "payment.fee"), 0, "%s", report_text(r));
	cr_assert_eq(count_on(r, "money-as-float", "payment.total_cents"), 0, "%s", report_text(r));
	strata_lint_report_free(r);
	strata_close(db);
	test_rmrf(dir);
	free(dir);
}

/* ---- require-timestamps: a change time kept by a trigger under another name ---- */

DB_TEST(real_schemas, trigger_kept_last_update)
{
	(void)url;
	ST_OK(strata_exec(db, "CREATE TABLE film (film_id bigint PRIMARY KEY, title varchar(100), "
			      "created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP, "
			      "last_update timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP)"));
	ST_OK(strata_exec(db, "CREATE TABLE actor (actor_id bigint PRIMARY KEY, name varchar(100), "
			      "created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP, "
			      "last_update timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP)"));
	ST_OK(strata_exec(db, "CREATE TABLE note (note_id bigint PRIMARY KEY, body varchar(100), "
			      "created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP, "
			      "updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP)"));
	if (backend == STRATA_BACKEND_POSTGRES) {
		ST_OK(strata_exec(db, "CREATE FUNCTION touch_last_update() RETURNS trigger LANGUAGE plpgsql AS "
				      "$$ BEGIN NEW.last_update := now(); RETURN NEW; END $$"));
		ST_OK(strata_exec(db, "CREATE TRIGGER film_touch BEFORE UPDATE ON film FOR EACH ROW "
				      "EXECUTE FUNCTION touch_last_update()"));
		ST_OK(strata_exec(db, "CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS "
				      "$$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$"));
		ST_OK(strata_exec(db, "CREATE TRIGGER note_touch BEFORE UPDATE ON note FOR EACH ROW "
				      "EXECUTE FUNCTION touch_updated_at()"));
	} else {
		ST_OK(strata_exec(db,
				  "CREATE TRIGGER film_touch AFTER UPDATE ON film BEGIN "
				  "UPDATE film SET last_update = CURRENT_TIMESTAMP WHERE film_id = NEW.film_id; END"));
		ST_OK(strata_exec(db,
				  "CREATE TRIGGER note_touch AFTER UPDATE ON note BEGIN "
				  "UPDATE note SET updated_at = CURRENT_TIMESTAMP WHERE note_id = NEW.note_id; END"));
	}
	strata_lint_report *r = lint_live(db);
	cr_assert_eq(count_on(r, "require-timestamps", "film"), 0, "%s", report_text(r));
	/* updated_at kept by the user's own trigger is kept current. */
	cr_assert_eq(count_on(r, "updated-at-not-maintained", "note.updated_at"), 0, "%s", report_text(r));
	/* Without a trigger, last_update is not a change time. */
	cr_assert_eq(count_on(r, "require-timestamps", "actor"), 1, "%s", report_text(r));
	strata_lint_report_free(r);
}

Test(real_schemas, auto_update_under_another_name)
{
	strata_lint_report *r =
		lint_schema_text("table film {\n  id bigint primary key\n  created_at timestamp not null default now\n"
				 "  last_update timestamp not null default now auto_update\n}\n",
				 0, NULL);
	QUIET(r, "require-timestamps");
	strata_lint_report_free(r);
}

/* ---- string-without-length: arrays ---- */

Test(real_schemas, text_array_is_not_an_unbounded_string)
{
	strata_lint_report *r = lint_schema_text("table post {\n  use timestamps\n  id bigint primary key\n"
						 "  tags text[]\n  body text\n}\n",
						 0, NULL);
	cr_assert_eq(count_on(r, "string-without-length", "post.tags"), 0, "%s", report_text(r));
	cr_assert_eq(count_on(r, "string-without-length", "post.body"), 1, "%s", report_text(r));
	strata_lint_report_free(r);
}

DB_TEST(real_schemas, text_array_live)
{
	(void)url;
	if (backend != STRATA_BACKEND_POSTGRES)
		return; /* SQLite has no array columns */
	ST_OK(strata_exec(db, "CREATE TABLE post (id bigint PRIMARY KEY, tags text[], body text)"));
	strata_lint_report *r = lint_live(db);
	cr_assert_eq(count_on(r, "string-without-length", "post.tags"), 0, "%s", report_text(r));
	cr_assert_eq(count_on(r, "string-without-length", "post.body"), 1, "%s", report_text(r));
	strata_lint_report_free(r);
}

/* ---- migrate up's pre-flight on a database Strata did not create ---- */

Test(real_schemas, preflight_rebuild_of_adopted_sqlite_table)
{
	char *dir = test_tmpdir();
	char *out = NULL;
	/* The tables come from `schema apply`; the first migration rebuilds one of them. */
	int st = test_run_cmd(&out,
			      "cd %s && printf 'table users {\\n  use timestamps\\n  id uuid primary key\\n"
			      "  email string(255) not null unique\\n  nick string(30)\\n}\\n' > old.strata && "
			      "printf 'table users {\\n  use timestamps\\n  id uuid primary key\\n"
			      "  email string(255) not null unique\\n}\\n' > schema.strata && "
			      "%s schema apply --schema old.strata --url sqlite:db.sqlite && mkdir migrations && "
			      "%s migrate diff -m drop_nick --schema schema.strata --url sqlite:db.sqlite && "
			      "%s migrate up --url sqlite:db.sqlite 2>&1",
			      dir, STRATA_CLI, STRATA_CLI, STRATA_CLI);
	cr_assert_eq(st, 0, "%s", out);
	cr_assert(strstr(out, "Applied 1 migration"), "%s", out);
	cr_assert(!strstr(out, "invalid-sql"), "the rebuild applied cleanly; the pre-flight said:\n%s", out);
	/* What the rebuild really does is still reported. */
	cr_assert(strstr(out, "[drop-column] column users.nick is dropped with its data"), "%s", out);
	free(out);
	test_rmrf(dir);
	free(dir);
}

DB_TEST(real_schemas, preflight_starts_from_the_live_schema)
{
	(void)url;
	/* A table made outside migrations; a pending migration narrows and then rebuilds around it. */
	ST_OK(strata_exec(db, "CREATE TABLE legacy (id bigint PRIMARY KEY, code varchar(100) NOT NULL)"));
	char *dir = test_tmpdir();
	char path[600];
	snprintf(path, sizeof path, "%s/20260101000000_narrow.sql", dir);
	FILE *f = fopen(path, "w");
	cr_assert(f);
	if (backend == STRATA_BACKEND_POSTGRES)
		fputs("-- migrate:up\nSET lock_timeout = '1s';\nALTER TABLE legacy ALTER COLUMN code TYPE "
		      "varchar(10);\n"
		      "-- migrate:down\n",
		      f);
	else
		fputs("-- migrate:up\nCREATE TABLE IF NOT EXISTS legacy__new (id integer PRIMARY KEY, code VARCHAR(10) "
		      "NOT NULL);\n"
		      "INSERT INTO legacy__new (id, code) SELECT id, code FROM legacy;\nDROP TABLE IF EXISTS legacy;\n"
		      "ALTER TABLE legacy__new RENAME TO legacy;\n-- migrate:down\n",
		      f);
	fclose(f);
	strata_lint_report *r = NULL;
	size_t errors = 0;
	ST_OK(strata_lint_pending_db(&r, db, dir, NULL, NULL, &errors));
	QUIET(r, "invalid-sql");
	/* The live column's type is known: varchar(100) to varchar(10) loses data. */
	FIRES(r, "narrowing-type");
	/* Over the files a migrator read (what `migrate up` does): the same report, word for word. */
	char *want = NULL, *got = NULL;
	ST_OK(strata_lint_report_format(r, STRATA_LINT_FORMAT_TEXT, &want));
	strata_lint_report_free(r);
	strata_migrate_options mo = STRATA_MIGRATE_OPTIONS_INIT;
	mo.dir = dir;
	strata_migrator *m = NULL;
	ST_OK(strata_migrator_open(&m, db, &mo));
	size_t errors2 = 99;
	ST_OK(strata_lint_pending_migrator(&r, m, NULL, NULL, &errors2));
	ST_OK(strata_lint_report_format(r, STRATA_LINT_FORMAT_TEXT, &got));
	cr_assert(strstr(want, "narrowing-type"), "%s", want);
	cr_assert_str_eq(got, want);
	cr_assert_eq(errors2, errors);
	free(want);
	free(got);
	strata_lint_report_free(r);
	strata_migrator_free(m);
	ST_EXPECT(strata_lint_pending_migrator(&r, NULL, NULL, NULL, &errors2), STRATA_EINVAL);
	/* Replaying only the files, the table is unknown: SQLite cannot apply them, PostgreSQL cannot tell. */
	ST_OK(strata_lint_pending(&r, dir, backend, NULL, NULL, &errors));
	if (backend == STRATA_BACKEND_SQLITE)
		FIRES(r, "invalid-sql");
	else
		QUIET(r, "narrowing-type");
	strata_lint_report_free(r);
	test_rmrf(dir);
	free(dir);
}

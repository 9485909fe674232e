/* URLs and the placeholder rewriter (pure, no database); .env files are in tests/core/test_env.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/url.h"
#include "db/internal.h"
#include "testdb.h"

Test(url, sqlite_forms)
{
	strata__url u;
	ST_OK(strata__url_parse(&u, "sqlite:data/app.db"));
	cr_assert_eq(u.backend, STRATA_BACKEND_SQLITE);
	cr_assert_str_eq(u.path, "data/app.db");
	strata__url_free(&u);
	ST_OK(strata__url_parse(&u, "sqlite:///var/lib/app.db?journal_mode=DELETE"));
	cr_assert_str_eq(u.path, "/var/lib/app.db");
	cr_assert_str_eq(strata__url_param(&u, "journal_mode"), "DELETE");
	strata__url_free(&u);
	ST_OK(strata__url_parse(&u, "sqlite::memory:"));
	cr_assert(u.memory);
	strata__url_free(&u);
	ST_OK(strata__url_parse(&u, "sqlite3:my%20db.sqlite"));
	cr_assert_str_eq(u.path, "my db.sqlite");
	strata__url_free(&u);
}

Test(url, postgres_own_params_are_taken_out)
{
	strata__url u;
	ST_OK(strata__url_parse(&u, "postgresql://u:p@h:5433/db?sslmode=require&pgbouncer=true&application_name=x"));
	cr_assert_eq(u.backend, STRATA_BACKEND_POSTGRES);
	cr_assert_str_eq(u.conninfo, "postgresql://u:p@h:5433/db?sslmode=require&application_name=x");
	cr_assert_str_eq(strata__url_param(&u, "pgbouncer"), "true");
	strata__url_free(&u);
	ST_OK(strata__url_parse(&u, "postgres://%2Fvar%2Frun%2Fpostgresql/db?statement_timeout=100"));
	cr_assert_str_eq(u.conninfo, "postgres://%2Fvar%2Frun%2Fpostgresql/db");
	strata__url_free(&u);
}

Test(url, pooler_host_names)
{
	struct {
		const char *url;
		bool pooler;
	} cases[] = {
		{ "postgres://u:p@ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require",
		  true },
		{ "postgres://u:p@ep-cool-darkness-123456.us-east-2.aws.neon.tech/neondb?sslmode=require", false },
		{ "postgresql://u:p@EP-X-POOLER.US-EAST-2.AWS.NEON.TECH:5432/db", true },
		{ "postgres://u@h1:5432,ep-a-pooler.neon.tech:5432/db", true },
		{ "postgres://u@ep-a-pooler/db", true },
		{ "postgres:///db?sslmode=require&host=ep-a-pooler.neon.tech", true },
		{ "postgres://u@db.example.com/db?host=h2", false },
		{ "postgres://u:p@db.example.com/db-pooler", false },
		{ "postgres://app-pooler:x-pooler@db.example.com/db", false },
		{ "postgres://u@db.example.com/db?application_name=ep-a-pooler", false },
		{ "postgres://u@x.ep-pooler.neon.tech/db", false },
		{ "postgres://u@-pooler.neon.tech/db", false },
		{ "postgres://u@[::1]:5432/db", false },
		{ "postgres://u@poolerhost/db", false },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		strata__url u;
		ST_OK(strata__url_parse(&u, cases[i].url));
		cr_assert_eq(u.pooler_host, cases[i].pooler, "%s: want %s", cases[i].url,
			     cases[i].pooler ? "a pooler's host" : "no pooler's host");
		strata__url_free(&u);
	}
	cr_assert(strata__pooler_host("ep-x-pooler", 11));
	cr_assert(!strata__pooler_host("ep-x-pooler", 10));
	cr_assert(!strata__pooler_host("", 0));
}

Test(url, redaction)
{
	struct {
		const char *in, *out;
	} cases[] = {
		{ "postgres://app:s3cret@db:5432/x", "postgres://app:***@db:5432/x" },
		{ "postgres://app:p@ss@db/x", "postgres://app:***@db/x" },
		{ "postgres://app@db/x?password=s3cret&sslmode=require",
		  "postgres://app@db/x?password=***&sslmode=require" },
		{ "postgres://db/x", "postgres://db/x" },
		{ "sqlite:app.db", "sqlite:app.db" },
		{ "host=db password=s3cret user=u", "host=db password=*** user=u" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *r = strata_url_redact(cases[i].in);
		cr_assert_str_eq(r, cases[i].out);
		free(r);
	}
}

static void rewrites(const char *in, const char *want, int want_n)
{
	strata_buf b = STRATA_BUF_INIT;
	int n = -1;
	ST_OK(strata__rewrite_placeholders(in, strlen(in), &b, &n));
	cr_assert_str_eq(strata__buf_cstr(&b), want);
	cr_assert_eq(n, want_n, "%s: %d parameters, want %d", in, n, want_n);
	strata__buf_free(&b);
}

Test(placeholders, rewriting)
{
	rewrites("SELECT ?", "SELECT $1", 1);
	rewrites("INSERT INTO t VALUES (?, ?, ?)", "INSERT INTO t VALUES ($1, $2, $3)", 3);
	rewrites("SELECT '?' || ?", "SELECT '?' || $1", 1);
	rewrites("SELECT 'it''s ?', ?", "SELECT 'it''s ?', $1", 1);
	rewrites("SELECT E'\\'?', ?", "SELECT E'\\'?', $1", 1);
	rewrites("SELECT \"odd?name\" FROM t WHERE a = ?", "SELECT \"odd?name\" FROM t WHERE a = $1", 1);
	rewrites("SELECT 1 -- why?\n, ?", "SELECT 1 -- why?\n, $1", 1);
	rewrites("SELECT /* a /* nested? */ still? */ ?", "SELECT /* a /* nested? */ still? */ $1", 1);
	rewrites("DO $$ BEGIN PERFORM '?'; END $$; SELECT ?", "DO $$ BEGIN PERFORM '?'; END $$; SELECT $1", 1);
	rewrites("SELECT $fn$ ? $x$ ? $fn$, ?", "SELECT $fn$ ? $x$ ? $fn$, $1", 1);
	rewrites("SELECT data ?? 'key' FROM t WHERE id = ?", "SELECT data ? 'key' FROM t WHERE id = $1", 1);
	/* a $n never touches a word or a number next to it: the text tokenises as before */
	rewrites("SELECT * FROM t WHERE a=?AND b=?", "SELECT * FROM t WHERE a=$1 AND b=$2", 2);
	rewrites("SELECT x?, ?", "SELECT x $1, $2", 2);
	rewrites("SELECT a$1, ?", "SELECT a$1, $1", 1); /* a$1 is an identifier */
	rewrites("SELECT 'unterminated ?", "SELECT 'unterminated ?", 0);
	rewrites("SELECT '$1', $$ $1 $$, \"$1\" -- $1\n", "SELECT '$1', $$ $1 $$, \"$1\" -- $1\n", 0);
	rewrites("SELECT a$$1, x$y$ ?", "SELECT a$$1, x$y$ $1", 1); /* identifiers may hold $ */
	rewrites("SELECT 1 -- x\r?", "SELECT 1 -- x\r$1", 1);	    /* a comment ends at \r too */
	rewrites("SELECT 1$$ ? $$", "SELECT 1$$ ? $$", 0);	    /* after a number, $$ opens a body */
	/* the identifier E$E, then a plain string: its backslash escapes nothing (found by fuzz_placeholders_pg) */
	rewrites("SELECT E$E'\\'?, ?", "SELECT E$E'\\'$1, $2", 2);
	rewrites("SELECT $$x$$E'\\'?', ?", "SELECT $$x$$E'\\'?', $1", 1);
}

/* A $n that PostgreSQL reads as a parameter is refused, wherever it follows (found by fuzz_placeholders_pg) */
Test(placeholders, dollar_parameters_found_as_postgresql_reads_them)
{
	const char *refused[] = { "SELECT $1",	"SELECT $$x$$$1",   "SELECT $$$$$0",
				  "SELECT 1$1", "SELECT x IN ($1)", "SELECT 1 -- x\r$1" };
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		strata_buf b = STRATA_BUF_INIT;
		int n = 0;
		ST_EXPECT(strata__rewrite_placeholders(refused[i], strlen(refused[i]), &b, &n), STRATA_EINVAL);
		strata__buf_free(&b);
	}
}

DB_TEST(placeholders, dollar_parameters_refused_and_words_kept_apart)
{
	/* $1 is PostgreSQL's own spelling: refused on both, so SQL tested on SQLite runs on PostgreSQL */
	strata_stmt *st = NULL;
	ST_EXPECT(strata_prepare(&st, db, "SELECT $1"), STRATA_EINVAL);
	cr_assert_null(st);
	cr_assert(strstr(strata_error_last()->message, "write parameters as ?") != NULL, "%s",
		  strata_error_last()->message);
	ST_EXPECT(strata_prepare(&st, db, "SELECT 1 WHERE 1 = $12"), STRATA_EINVAL);
	ST_EXPECT(strata_prepare(&st, db, "SELECT ?1"), STRATA_EINVAL); /* SQLite's numbered form */
	/* `?` directly against a keyword: the same query on both */
	ST_OK(strata_exec(db, "CREATE TABLE ph (a int, b int)"));
	ST_OK(strata_execv(db, "INSERT INTO ph (a, b) VALUES (?,?)", STRATA_INT(1), STRATA_INT(2)));
	int64_t n = 0;
	ST_OK(strata_query_int64v(db, &n, "SELECT count(*) FROM ph WHERE a=?AND b=?", STRATA_INT(1), STRATA_INT(2)));
	cr_assert_eq(n, 1);
	(void)url;
	(void)backend;
}

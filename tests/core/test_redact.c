/*
 * Secrets: a password never leaves Strata, in whatever spelling libpq
 * accepts, in URLs shown, error messages (libpq's included) and log lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testdb.h"

static void redacts(const char *in, const char *want)
{
	char *got = strata_url_redact(in);
	cr_assert_not_null(got);
	cr_assert_str_eq(got, want, "redacting %s", in);
	free(got);
}

Test(redact, every_spelling_of_a_password)
{
	redacts("postgres://app:S3cretPW@db.example.com/app", "postgres://app:***@db.example.com/app");
	redacts("postgres://app:S3cretPW@[::1/db", "postgres://app:***@[::1/db");
	redacts("postgres://app:S3cretPW@[::1]:5432/db", "postgres://app:***@[::1]:5432/db");
	redacts("postgres://app@h/db?pass%77ord=S3cretPW&sslmode=require",
		"postgres://app@h/db?pass%77ord=***&sslmode=require");
	redacts("postgres://app@h/db?%70%61%73%73%77%6f%72%64=S3cretPW",
		"postgres://app@h/db?%70%61%73%73%77%6f%72%64=***");
	redacts("postgres://h/db?PASSWORD=S3cretPW", "postgres://h/db?PASSWORD=***");
	redacts("postgres://h/db?sslmode=verify-full&sslpassword=keyPW",
		"postgres://h/db?sslmode=verify-full&sslpassword=***");
	redacts("postgres://u:p/w#x@h/db", "postgres://u:***@h/db");
	redacts("postgres://u:p%40ss@h:5432,h2:5433/db", "postgres://u:***@h:5432,h2:5433/db");
	/* key=value connection strings: spaces around '=', quoted values with escapes */
	redacts("host=h password=S3cretPW dbname=x", "host=h password=*** dbname=x");
	redacts("host=h password = 'a b\\'c' user=u", "host=h password = *** user=u");
	redacts("PGPASSWORD=S3cretPW pg_dump", "PGPASSWORD=*** pg_dump");
	/* quoted inside a message */
	redacts("invalid URI: \"postgres://app:S3cretPW@[::1/db\"", "invalid URI: \"postgres://app:***@[::1/db\"");
	/* left alone */
	redacts("postgres://host:5432/db?user=a@srv&password=x", "postgres://host:5432/db?user=a@srv&password=***");
	redacts("postgres://app@h/db?sslmode=require", "postgres://app@h/db?sslmode=require");
	redacts("sqlite:/tmp/a.db?mode=ro", "sqlite:/tmp/a.db?mode=ro");
	redacts("UPDATE users SET password = ? WHERE id = $1", "UPDATE users SET password = ? WHERE id = $1");
	redacts("old_password=x mypassword=y", "old_password=x mypassword=y");
	redacts("", "");
}

Test(redact, error_messages_whatever_set_them)
{
	strata_error_set(STRATA_ERROR, "libpq said: invalid URI \"%s\"", "postgres://app:S3cretPW@[::1/db");
	cr_assert(strstr(strata_error_last()->message, "S3cretPW") == NULL, "%s", strata_error_last()->message);
	cr_assert(strstr(strata_error_last()->message, "postgres://app:***@[::1/db") != NULL, "%s",
		  strata_error_last()->message);
	/* a URL libpq cannot parse: its message quotes the URL, or a piece of it without its key */
	const char *bad[] = { "postgres://app:S3cretPW@[::1/db", "postgres://app:pa%ZZS3cretPW@127.0.0.1:1/x",
			      "postgres://app:S3cr/etPW@127.0.0.1:1/x?connect_timeout=2" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		strata_db *db = NULL;
		cr_assert_neq(strata_open(&db, bad[i], NULL), STRATA_OK);
		const char *m = strata_error_last()->message;
		cr_assert(strstr(m, "S3cr") == NULL && strstr(m, "etPW") == NULL, "%s: %s", bad[i], m);
		cr_assert(strstr(m, "cannot connect to PostgreSQL") != NULL, "%s", m);
	}
}

static void capture(strata_log_level level, const char *msg, void *ud)
{
	(void)level;
	char *log = ud;
	strncat(log, msg, 4095 - strlen(log));
	strncat(log, "\n", 4095 - strlen(log));
}

Test(redact, log_lines)
{
	static char log[4096];
	strata_open_options o = STRATA_OPEN_OPTIONS_INIT;
	o.echo = STRATA_ON;
	o.log = capture;
	o.log_ud = log;
	strata_db *db;
	ST_OK(strata_open(&db, "sqlite::memory:", &o));
	ST_OK(strata_exec(db, "SELECT 'postgres://app:S3cretPW@h/db', 'host=h password=Hunter22'"));
	strata_close(db);
	cr_assert(strstr(log, "SELECT 'postgres://app:***@h/db', 'host=h password=***'") != NULL, "%s", log);
	cr_assert(strstr(log, "S3cretPW") == NULL && strstr(log, "Hunter22") == NULL, "%s", log);
}

/*
 * Bad bytes: every file Strata reads is checked the same way (read errors,
 * NUL, invalid UTF-8 at file:line:col, a byte order mark accepted), and so
 * is text handed to the parsers directly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testdb.h"

static char *write_tmp(const char *dir, const char *name, const char *bytes, size_t n)
{
	char *path = malloc(strlen(dir) + strlen(name) + 2);
	sprintf(path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(bytes, 1, n, f), n);
	fclose(f);
	return path;
}

static void rejected(const char *bytes, size_t n, const char *where, const char *what)
{
	char *dir = test_tmpdir();
	char *path = write_tmp(dir, "f.txt", bytes, n);
	char *text = (char *)"unchanged";
	ST_EXPECT(strata_file_read_text(path, &text, NULL), STRATA_EPARSE);
	cr_assert_null(text);
	const strata_error *e = strata_error_last();
	char want[512];
	snprintf(want, sizeof want, "%s:%s: %s", path, where, what);
	cr_assert(strncmp(e->message, want, strlen(want)) == 0, "want '%s...', got '%s'", want, e->message);
	free(path);
	test_rmrf(dir);
	free(dir);
}

#define REJECTED(lit, where, what) rejected(lit, sizeof lit - 1, where, what)

Test(text, nul_and_invalid_utf8_rejected_where_they_are)
{
	REJECTED("DATABASE_URL=sqlite:/tmp/a\0b.db\n", "1:27", "a NUL byte");
	REJECTED("ok\nstill ok\n  \0", "3:3", "a NUL byte");
	REJECTED("caf\xc3\xa9 \xff", "1:6", "invalid UTF-8 (byte 0xFF)"); /* columns count characters */
	REJECTED("\xc0\x80", "1:1", "invalid UTF-8 (byte 0xC0)");	  /* overlong NUL */
	REJECTED("x\xed\xa0\x80", "1:2", "invalid UTF-8 (byte 0xED)");	  /* a UTF-16 surrogate */
	REJECTED("\xf5\x80\x80\x80", "1:1", "invalid UTF-8 (byte 0xF5)"); /* above U+10FFFF */
	REJECTED("ab\xe2\x82", "1:3", "invalid UTF-8 (byte 0xE2)");	  /* cut short */
	REJECTED("\x80", "1:1", "invalid UTF-8 (byte 0x80)");		  /* a lone continuation byte */
	REJECTED("\xef\xbb\xbf\xef\xbb\xbf\x80", "1:2", "invalid UTF-8"); /* after a BOM, a second one is a character */
}

Test(text, utf8_and_a_byte_order_mark_accepted)
{
	char *dir = test_tmpdir();
	const char bytes[] = "\xef\xbb\xbf"
			     "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\n";
	char *path = write_tmp(dir, "bom.txt", bytes, sizeof bytes - 1);
	char *text;
	size_t len;
	ST_OK(strata_file_read_text(path, &text, &len));
	cr_assert_str_eq(text, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\n");
	cr_assert_eq(len, sizeof bytes - 1 - 3);
	free(text);
	free(path);
	test_rmrf(dir);
	free(dir);
}

Test(text, read_errors_are_errors)
{
	char *dir = test_tmpdir();
	char *text = (char *)"unchanged";
	ST_EXPECT(strata_file_read_text(dir, &text, NULL), STRATA_EIO);
	cr_assert(strstr(strata_error_last()->message, "is a directory") != NULL, "%s", strata_error_last()->message);
	cr_assert_null(text);
	/* read(2) fails at offset 0 of /proc/self/mem */
	ST_EXPECT(strata_file_read_text("/proc/self/mem", &text, NULL), STRATA_EIO);
	cr_assert(strstr(strata_error_last()->message, "read failed") != NULL, "%s", strata_error_last()->message);
	ST_EXPECT(strata_file_read_text("/nonexistent/x", &text, NULL), STRATA_ENOTFOUND);
	test_rmrf(dir);
	free(dir);
}

Test(text, parsers_check_the_text_they_are_given)
{
	strata_schema *s = NULL;
	const char schema[] = "table t {\n  id serial primary key\n}\n\0table u {\n}\n";
	ST_EXPECT(strata_schema_parse(&s, schema, sizeof schema - 1, "s.strata"), STRATA_EPARSE);
	cr_assert(strstr(strata_error_last()->message, "s.strata:4:1: a NUL byte") != NULL, "%s",
		  strata_error_last()->message);
	const char bom[] = "\xef\xbb\xbftable t {\n  id serial primary key\n}\n";
	ST_OK(strata_schema_parse(&s, bom, sizeof bom - 1, "s.strata"));
	cr_assert_not_null(strata_schema_table(s, "t"));
	strata_schema_free(s);
}

/* The command: .env, migrations, schema files, `gen c --schema DIR`. */
Test(text, commands_refuse_bad_bytes_and_accept_a_bom)
{
	char *dir = test_tmpdir();
	char *out;
	int rc = test_run_cmd(
		&out, "cd %s && printf 'DATABASE_URL=sqlite:%s/a\\000b.db\\n' > .env && env -u DATABASE_URL %s ping",
		dir, dir, STRATA_CLI);
	cr_assert_eq(rc, 1, "%s", out);
	cr_assert(strstr(out, ".env:1:") != NULL && strstr(out, "a NUL byte") != NULL, "%s", out);
	free(out);
	rc = test_run_cmd(
		&out,
		"cd %s && printf '\\357\\273\\277DATABASE_URL=sqlite:bom.db\\n' > .env && env -u DATABASE_URL %s ping",
		dir, STRATA_CLI);
	cr_assert_eq(rc, 0, "%s", out);
	free(out);
	/* a NUL in a migration: nothing is applied */
	rc = test_run_cmd(&out,
			  "cd %s && mkdir migrations && printf -- '-- migrate:up\\nCREATE TABLE a (id int);\\000DROP "
			  "TABLE a;\\n' "
			  "> migrations/20260101000000_a.sql && %s migrate up --url sqlite:m.db",
			  dir, STRATA_CLI);
	cr_assert_eq(rc, 1, "%s", out);
	cr_assert(strstr(out, "migrations/20260101000000_a.sql:2:25: a NUL byte") != NULL, "%s", out);
	free(out);
	rc = test_run_cmd(&out, "cd %s && %s schema inspect --url sqlite:m.db 2>&1 | grep -c 'table a' || true", dir,
			  STRATA_CLI);
	cr_assert(out[0] == '0', "the migration was applied: %s", out);
	free(out);
	/* a BOM in a migration is fine */
	rc = test_run_cmd(&out,
			  "cd %s && printf '\\357\\273\\277-- migrate:up\\nCREATE TABLE a (id int);\\n-- "
			  "migrate:down\\nDROP TABLE a;\\n' "
			  "> migrations/20260101000000_a.sql && %s migrate up --url sqlite:m.db",
			  dir, STRATA_CLI);
	cr_assert_eq(rc, 0, "%s", out);
	free(out);
	/* schema files */
	rc = test_run_cmd(
		&out,
		"cd %s && mkdir gen && printf 'table t {\\n  id serial primary key\\n}\\n\\000' > s.strata && "
		"%s gen c --schema s.strata -o gen",
		dir, STRATA_CLI);
	cr_assert_eq(rc, 1, "%s", out);
	cr_assert(strstr(out, "s.strata:4:1: a NUL byte") != NULL, "%s", out);
	free(out);
	rc = test_run_cmd(&out, "cd %s && %s gen c --schema gen -o gen", dir, STRATA_CLI);
	cr_assert_eq(rc, 1, "%s", out);
	cr_assert(strstr(out, "is a directory") != NULL, "%s", out);
	free(out);
	rc = test_run_cmd(&out,
			  "cd %s && printf 'table t {\\n  id serial primary key\\n  n text default \"\\377\"\\n}\\n' > "
			  "s.strata && "
			  "%s gen c --schema s.strata -o gen",
			  dir, STRATA_CLI);
	cr_assert_eq(rc, 1, "%s", out);
	cr_assert(strstr(out, "s.strata:3:") != NULL, "%s", out);
	cr_assert(strstr(out, "invalid UTF-8 (byte 0xFF)") != NULL, "%s", out);
	free(out);
	test_rmrf(dir);
	free(dir);
}

/*
 * .env files as dbmate and the dotenv libraries read them: the forms, the
 * last definition winning, ${VAR} expansion, quoting, errors at
 * file:line:col, loading several files, and where the library looks for
 * DATABASE_URL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/env.h"
#include "testdb.h"

static int collect(const char *key, const char *value, void *ud)
{
	char *out = ud;
	strcat(out, key);
	strcat(out, "=[");
	strcat(out, value);
	strcat(out, "]\n");
	return STRATA_OK;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

/* The values a file gives, each name once, after expansion: "K=[v]\n" lines in file order. */
static char *read_set(const char *path)
{
	strata__env_set set = STRATA__ENV_SET_INIT;
	ST_OK(strata__env_set_read(&set, path));
	char *out = calloc(1, 4096);
	for (size_t i = 0; i < set.n; i++)
		collect(set.keys[i], set.values[i], out);
	strata__env_set_free(&set);
	return out;
}

Test(env, parse_forms)
{
	const char *text = "# comment\n"
			   "\n"
			   "A=plain value  # trailing comment\n"
			   "export B='single # not a comment'\n"
			   "C=\"double\\nline \\\"q\\\"\"\n"
			   "  D = spaced\n"
			   "E=\n"
			   "F=a#b\n"
			   "G=\"crlf\"\r\n"
			   "H=trailing blanks \t\r\n";
	char out[1024] = "";
	ST_OK(strata__env_parse(text, strlen(text), ".env", NULL, collect, out));
	cr_assert_str_eq(out, "A=[plain value]\nB=[single # not a comment]\nC=[double\nline \"q\"]\nD=[spaced]\nE=[]\n"
			      "F=[a#b]\nG=[crlf]\nH=[trailing blanks]\n");
}

Test(env, the_last_definition_wins)
{
	char *dir = test_tmpdir(), path[512];
	snprintf(path, sizeof path, "%s/.env", dir);
	write_file(path, "DB_ECHO=false\nOTHER=x\nDB_ECHO=true\n");
	char *got = read_set(path);
	cr_assert_str_eq(got, "DB_ECHO=[true]\nOTHER=[x]\n");
	free(got);
	unsetenv("DB_ECHO");
	ST_OK(strata_env_load(path, NULL));
	cr_assert_str_eq(getenv("DB_ECHO"), "true");
	unsetenv("DB_ECHO");
	test_rmrf(dir);
	free(dir);
}

Test(env, variables_expand_in_unquoted_and_double_quoted_values)
{
	char *dir = test_tmpdir(), path[512];
	snprintf(path, sizeof path, "%s/.env", dir);
	setenv("STRATA_T_HOST", "from-env", 1);
	unsetenv("STRATA_T_UNDEF");
	write_file(path, "STRATA_T_HOST=from-file\n"
			 "U=alice\n"
			 "A=postgres://${U}@$STRATA_T_HOST/app\n"
			 "B=\"${U}:$U \\$U \\${U} [$STRATA_T_UNDEF] ${STRATA_T_UNDEF}\"\n"
			 "C='${U} $U \\$U'\n"
			 "D=${STRATA_T_UNDEF:-fallback} ${U:-unused}\n"
			 "E=pa\\$\\$word $ $1 a$-b\n"
			 "F=${A}?x=1\n"
			 "U=bob\n"
			 "G=$U\n");
	char *got = read_set(path);
	cr_assert_str_eq(got, "STRATA_T_HOST=[from-file]\n"
			      "U=[bob]\n"
			      "A=[postgres://alice@from-env/app]\n" /* the environment wins, in expansion too */
			      "B=[alice:alice $U ${U} [] ]\n"	    /* undefined: nothing, as dotenv has it */
			      "C=[${U} $U \\$U]\n"		    /* single quotes: literal */
			      "D=[fallback alice]\n"
			      "E=[pa$$word $ $1 a$-b]\n" /* \$ escapes; a $ before no name is itself */
			      "F=[postgres://alice@from-env/app?x=1]\n"
			      "G=[bob]\n");
	free(got);
	unsetenv("STRATA_T_HOST");
	test_rmrf(dir);
	free(dir);
}

Test(env, errors_name_line_and_column)
{
	char out[256] = "";
	const char *bad = "A=1\nB \"x\"\n";
	ST_EXPECT(strata__env_parse(bad, strlen(bad), "conf/.env", NULL, collect, out), STRATA_EPARSE);
	cr_assert_str_eq(strata_error_last()->message, "conf/.env:2:3: expected '=' after the variable name");
	cr_assert_eq(strata_error_last()->line, 2);
	/* a value ends at the end of its line: a quote left open is an error at the quote */
	const char *cases[][2] = {
		{ "A=1\nB=\"never closed\n",
		  ".env:2:3: unterminated double-quoted value (a value ends at the end of its line; write a newline "
		  "as \\n)" },
		{ "A=1\nB=\"first line\nsecond line\"\n",
		  ".env:2:3: unterminated double-quoted value (a value ends at the end of its line; write a newline "
		  "as \\n)" },
		{ "A=1\n  B='first\nsecond'\n",
		  ".env:2:5: unterminated single-quoted value (a value ends at the end of its line)" },
		{ "A=x${B\n", ".env:1:4: '${' is not closed by '}' on its line" },
		{ "A=\"${B\"\n", ".env:1:4: expected '}' or ':-default' after the variable name" },
		{ "A=${1}\n", ".env:1:3: expected a variable name after '${'" },
		{ "1A=x\n", ".env:1:1: expected a variable name (letters, digits, '_')" },
		{ "A=\"x\" y\n", ".env:1:7: unexpected text after the value" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		out[0] = '\0';
		ST_EXPECT(strata__env_parse(cases[i][0], strlen(cases[i][0]), ".env", NULL, collect, out),
			  STRATA_EPARSE);
		cr_assert_str_eq(strata_error_last()->message, cases[i][1], "%s", cases[i][0]);
	}
}

Test(env, load_does_not_override)
{
	char *dir = test_tmpdir();
	char path[512];
	snprintf(path, sizeof path, "%s/.env", dir);
	write_file(path, "STRATA_T_NEW=from-file\nSTRATA_T_OLD=from-file\n");
	setenv("STRATA_T_OLD", "from-env", 1);
	unsetenv("STRATA_T_NEW");
	int loaded = 0;
	ST_OK(strata_env_load(path, &loaded));
	cr_assert_eq(loaded, 1);
	cr_assert_str_eq(getenv("STRATA_T_NEW"), "from-file");
	cr_assert_str_eq(getenv("STRATA_T_OLD"), "from-env");
	ST_EXPECT(strata_env_load("/tmp/strata-no-such/.env", NULL), STRATA_ENOTFOUND);
	cr_assert(strstr(strata_error_last()->message, "/tmp/strata-no-such/.env") != NULL, "%s",
		  strata_error_last()->message);
	test_rmrf(dir);
	free(dir);
}

Test(env, several_files_later_wins_environment_wins_all_or_nothing)
{
	char *dir = test_tmpdir(), a[512], b[512], bad[512];
	snprintf(a, sizeof a, "%s/a.env", dir);
	snprintf(b, sizeof b, "%s/b.env", dir);
	snprintf(bad, sizeof bad, "%s/bad.env", dir);
	write_file(a, "STRATA_T_X=a\nSTRATA_T_Y=a\nSTRATA_T_Z=a\n");
	write_file(b, "STRATA_T_Y=b-after-${STRATA_T_X}\nSTRATA_T_Z=b\n");
	write_file(bad, "STRATA_T_W=never\nOOPS\n");
	unsetenv("STRATA_T_X");
	unsetenv("STRATA_T_Y");
	unsetenv("STRATA_T_W");
	setenv("STRATA_T_Z", "env", 1);
	const char *bad_set[] = { a, bad };
	ST_EXPECT(strata_env_load_files(bad_set, 2, NULL), STRATA_EPARSE);
	cr_assert(strstr(strata_error_last()->message, "bad.env:2:5:") != NULL, "%s", strata_error_last()->message);
	cr_assert_null(getenv("STRATA_T_X"), "nothing is set when a file fails");
	const char *files[] = { a, b };
	int loaded = 0;
	ST_OK(strata_env_load_files(files, 2, &loaded));
	cr_assert_eq(loaded, 2);
	cr_assert_str_eq(getenv("STRATA_T_X"), "a");
	cr_assert_str_eq(getenv("STRATA_T_Y"), "b-after-a");
	cr_assert_str_eq(getenv("STRATA_T_Z"), "env");
	test_rmrf(dir);
	free(dir);
}

Test(env, url_resolution_order)
{
	char *dir = test_tmpdir();
	char cwd[1024];
	cr_assert(getcwd(cwd, sizeof cwd));
	cr_assert_eq(chdir(dir), 0);
	unsetenv("DATABASE_URL");
	char *u = strata_url_resolve(NULL);
	cr_assert_null(u);
	cr_assert_eq(strata_error_last()->status, STRATA_ENOTFOUND);
	write_file(".env", "DATABASE_URL=sqlite:from-dotenv.db\n");
	u = strata_url_resolve(NULL);
	cr_assert_str_eq(u, "sqlite:from-dotenv.db");
	free(u);
	setenv("DATABASE_URL", "sqlite:from-env.db", 1);
	u = strata_url_resolve(NULL);
	cr_assert_str_eq(u, "sqlite:from-env.db");
	free(u);
	u = strata_url_resolve("sqlite:from-flag.db");
	cr_assert_str_eq(u, "sqlite:from-flag.db");
	free(u);
	/* once the application loads its own files, ./.env is theirs to name: the library stops reading it */
	unsetenv("DATABASE_URL");
	write_file("other.env", "STRATA_T_OTHER=1\n");
	ST_OK(strata_env_load("other.env", NULL));
	cr_assert_null(strata_url_resolve(NULL));
	cr_assert_eq(strata_error_last()->status, STRATA_ENOTFOUND);
	cr_assert_eq(chdir(cwd), 0);
	test_rmrf(dir);
	free(dir);
}

/* The library's message names DATABASE_URL and never a command-line flag (the command adds its own). */
Test(env, open_without_a_url_says_database_url)
{
	char *dir = test_tmpdir();
	char cwd[1024];
	cr_assert(getcwd(cwd, sizeof cwd));
	cr_assert_eq(chdir(dir), 0);
	unsetenv("DATABASE_URL");
	strata_db *db = NULL;
	ST_EXPECT(strata_open(&db, NULL, NULL), STRATA_ENOTFOUND);
	cr_assert_null(db);
	const char *msg = strata_error_last()->message;
	cr_assert(strstr(msg, "DATABASE_URL") != NULL, "%s", msg);
	cr_assert(strstr(msg, "--") == NULL, "a library message names a flag: %s", msg);
	strata_pool *pool = NULL;
	ST_EXPECT(strata_pool_open(&pool, NULL, NULL), STRATA_ENOTFOUND);
	cr_assert(strstr(strata_error_last()->message, "--") == NULL, "%s", strata_error_last()->message);
	/* and from ./.env when the environment has none */
	write_file(".env", "DATABASE_URL=sqlite:from-dotenv.db\n");
	ST_OK(strata_open(&db, NULL, NULL));
	cr_assert(strstr(strata_db_url(db), "from-dotenv.db") != NULL, "%s", strata_db_url(db));
	strata_close(db);
	cr_assert_eq(chdir(cwd), 0);
	test_rmrf(dir);
	free(dir);
}

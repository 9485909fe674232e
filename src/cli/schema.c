/*
 * strata schema <sql|apply|inspect|check|print>: the schema file and the
 * database it describes.
 *
 *   sql      print the DDL for --dialect (default: the backend of --url,
 *            DATABASE_URL or .env; SQLite when there is none)
 *   apply    create the schema in the database (a fresh one: statements are
 *            idempotent, so existing tables are left as they are)
 *   inspect  print the live database in the schema language (columns that
 *            are exactly a built-in mixin's print as `use`; --flat: as columns)
 *   check    parse and validate the file
 *   print    print the file back in canonical form (--flat: mixins written out)
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include <strata/inspect.h>
#include <strata/sql.h>

static void schema_usage(FILE *f)
{
	fprintf(f, "usage: strata schema <command> [--schema FILE] [--url URL] [--dialect sqlite|postgres] [--flat]\n"
		   "\ncommands:\n"
		   "  sql      print the DDL that creates the schema\n"
		   "  apply    create the schema in the database\n"
		   "  inspect  print the live database in the schema language\n"
		   "  check    validate the schema file (with --dialect: also for that database)\n"
		   "  print    print the schema file in canonical form\n"
		   "\nThe schema file is --schema, else $STRATA_SCHEMA, else schema.strata.\n");
}

static const char *schema_path(const char *flag)
{
	const char *env = getenv("STRATA_SCHEMA");
	if (flag)
		return flag;
	return env && *env ? env : "schema.strata";
}

static int load(strata_schema **s, const char *path)
{
	if (strata_schema_load(s, path) != STRATA_OK) {
		const strata_error *e = strata_error_last();
		if (e->status == STRATA_EPARSE)
			fprintf(stderr, "%s\n", cli_text(e->message));
		else
			cli_error(path);
		return 1;
	}
	return 0;
}

int cmd_schema(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "schema", required_argument, NULL, 's' },  { "url", required_argument, NULL, 'u' },
		{ "dialect", required_argument, NULL, 'd' }, { "flat", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },	     { NULL, 0, NULL, 0 },
	};
	const char *flag_schema = NULL, *flag_url = NULL, *dialect = NULL;
	bool flat = false;
	int c;
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		schema_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *sub = argv[1];
	opterr = 0;
	optind = 2;
	while ((c = getopt_long(argc, argv, "s:u:d:fh", longopts, NULL)) != -1) {
		switch (c) {
		case 's': flag_schema = optarg; break;
		case 'u': flag_url = optarg; break;
		case 'd': dialect = optarg; break;
		case 'f': flat = true; break;
		case 'h': schema_usage(stdout); return 0;
		default:
			cli_errorf("schema: unknown option '%s' (see strata schema --help)", argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		cli_errorf("schema: unexpected argument '%s'", argv[optind]);
		return 2;
	}
	strata_schema *s = NULL;
	strata_db *db = NULL;
	char *url = NULL, *text = NULL;
	int status = 1;

	strata_backend b = STRATA_BACKEND_SQLITE;
	if (dialect) {
		if (strcmp(dialect, "sqlite") == 0)
			b = STRATA_BACKEND_SQLITE;
		else if (strcmp(dialect, "postgres") == 0 || strcmp(dialect, "postgresql") == 0)
			b = STRATA_BACKEND_POSTGRES;
		else {
			cli_errorf("schema %s: unknown dialect '%s' for --dialect (sqlite or postgres)", sub, dialect);
			return 2;
		}
	}
	if (strcmp(sub, "sql") == 0) {
		if (!dialect) {
			/* The dialect of the database in use: --url, DATABASE_URL or .env (none: SQLite). */
			char *u = strata_url_resolve(flag_url);
			if (u && strncmp(u, "postgres", 8) == 0)
				b = STRATA_BACKEND_POSTGRES;
			free(u);
			strata_error_clear();
		}
		if (load(&s, schema_path(flag_schema)))
			goto out;
		if (strata_sql_create(s, b, &text) != STRATA_OK) {
			cli_error("schema sql");
			goto out;
		}
		fputs(text, stdout);
		status = 0;
	} else if (strcmp(sub, "check") == 0 || strcmp(sub, "print") == 0) {
		const char *path = schema_path(flag_schema);
		if (load(&s, path))
			goto out;
		if (strcmp(sub, "check") == 0) {
			/* With --dialect: also what that database can make of it. */
			if (dialect && strata_sql_check(s, b) != STRATA_OK) {
				fprintf(stderr, "%s\n", cli_text(strata_error_last()->message));
				goto out;
			}
			printf("%s: ok, %d table%s, %d enum%s", path, s->ntables, s->ntables == 1 ? "" : "s", s->nenums,
			       s->nenums == 1 ? "" : "s");
			if (s->nviews)
				printf(", %d view%s", s->nviews, s->nviews == 1 ? "" : "s");
			putchar('\n');
		} else {
			if (strata_schema_print(s, flat ? STRATA_PRINT_FLAT : 0, &text) != STRATA_OK) {
				cli_error("schema print");
				goto out;
			}
			fputs(text, stdout);
		}
		status = 0;
	} else if (strcmp(sub, "apply") == 0 || strcmp(sub, "inspect") == 0) {
		bool apply = strcmp(sub, "apply") == 0;
		if (apply && load(&s, schema_path(flag_schema)))
			goto out;
		if (!(url = apply ? cli_resolve_url(flag_url) : cli_resolve_url_read_only(flag_url)) ||
		    cli_open(&db, url))
			goto out;
		if (apply) {
			if (strata_schema_apply(db, s) != STRATA_OK) {
				cli_error("schema apply");
				goto out;
			}
			printf("%s: created %d table%s", strata_db_url(db), s->ntables, s->ntables == 1 ? "" : "s");
			if (s->nviews)
				printf(", %d view%s", s->nviews, s->nviews == 1 ? "" : "s");
			putchar('\n');
		} else {
			if (strata_inspect(db, NULL, &s) != STRATA_OK) {
				cli_error("schema inspect");
				goto out;
			}
			if (strata_schema_print(s, flat ? STRATA_PRINT_FLAT : 0, &text) != STRATA_OK) {
				cli_error("schema inspect");
				goto out;
			}
			fputs(text, stdout);
		}
		status = 0;
	} else {
		cli_errorf("schema: unknown command '%s' (see strata schema --help)", sub);
		status = 2;
	}
out:
	free(text);
	free(url);
	strata_close(db);
	strata_schema_free(s);
	return status;
}

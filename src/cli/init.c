/*
 * strata init: the migrations directory, a starter schema file and
 * .env.example; files that exist are kept.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "migrate.h"

static const char starter_schema[] =
	"// The schema of this application, in Strata's schema language.\n"
	"// `strata migrate diff -m \"...\"` writes a migration from changes to this file.\n"
	"\n"
	"mixin timestamps {\n"
	"    created_at timestamp not null default now\n"
	"    updated_at timestamp not null default now auto_update\n"
	"}\n"
	"\n"
	"table users {\n"
	"    use timestamps\n"
	"    id    uuid        primary key\n"
	"    email string(255) not null unique\n"
	"}\n";

static const char env_example[] =
	"# Copy to .env and adjust.  Variables already set in the environment win.\n"
	"DATABASE_URL=sqlite:db/app.db\n"
	"# DATABASE_URL=postgres://app:secret@localhost:5432/app?sslmode=disable\n"
	"STRATA_MIGRATIONS_DIR=migrations\n"
	"# Back up before destructive migrations (same as strata migrate up --safe).\n"
	"DB_BACKUP_ON_MIGRATE=false\n"
	"# Programs calling strata_migrate_auto() migrate at start-up when this is true.\n"
	"DB_AUTO_MIGRATE=false\n"
	"# DB_ECHO=false\n"
	"# DB_SLOW_QUERY_MS=200\n";

static int write_new_file(const char *path, const char *text, bool *created)
{
	*created = false;
	FILE *f = fopen(path, "wx");
	if (!f) {
		if (errno == EEXIST)
			return 0;
		cli_errorf("init: cannot create %s: %s", path, strerror(errno));
		return 1;
	}
	size_t n = strlen(text);
	bool ok = fwrite(text, 1, n, f) == n;
	if (fclose(f) != 0 || !ok) {
		cli_errorf("init: cannot write %s: %s", path, strerror(errno));
		return 1;
	}
	*created = true;
	return 0;
}

int cmd_init(int argc, char **argv)
{
	mig_opts o;
	memset(&o, 0, sizeof o);
	int rc = mig_parse_opts(argc, argv, &o);
	if (rc == -1) {
		printf("usage: strata init [--dir DIR]\n"
		       "Create the migrations directory (default migrations/), a starter schema file\n"
		       "(schema.strata) and .env.example in the working directory.  Files that exist are kept.\n");
		return 0;
	}
	if (rc)
		return rc;
	if (optind < argc) {
		cli_errorf("init: unexpected argument '%s'", argv[optind]);
		return 2;
	}
	const char *dir = o.dir ? o.dir : "migrations";
	if (mkdir(dir, 0755) == 0) {
		printf("created  %s/\n", dir);
	} else if (errno == EEXIST) {
		printf("exists   %s/ (kept)\n", dir);
	} else {
		cli_errorf("init: cannot create %s: %s", dir, strerror(errno));
		return 1;
	}
	const char *files[][2] = { { "schema.strata", starter_schema }, { ".env.example", env_example } };
	for (size_t i = 0; i < 2; i++) {
		bool created;
		if (write_new_file(files[i][0], files[i][1], &created))
			return 1;
		printf("%s  %s%s\n", created ? "created" : "exists ", files[i][0], created ? "" : " (kept)");
	}
	printf("Next: cp .env.example .env, then strata migrate new \"create users\"\n");
	return 0;
}

/*
 * strata gen c [--schema FILE] -o DIR [--prefix P] [--name BASENAME]:
 * write BASENAME.h and BASENAME.c (default db.h, db.c) with the typed data
 * access for the schema.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

/* mkdir -p: DIR and its missing parents (only once the code is generated). */
static int make_dirs(const char *dir)
{
	char path[4096];
	if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
		cli_errorf("gen c: -o %s: the path is too long", dir);
		return 1;
	}
	for (char *p = path + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST) {
			cli_errorf("gen c: -o %s: cannot create %s: %s", dir, path, strerror(errno));
			return 1;
		}
		*p = saved;
		if (!saved)
			break;
	}
	struct stat sb;
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		cli_errorf("gen c: -o %s: not a directory", dir);
		return 1;
	}
	return 0;
}

static int write_file(const char *dir, const char *name, const char *ext, const char *text)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s.%s", dir, name, ext);
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f) {
		cli_errorf("gen c: cannot write %s: %s", tmp, strerror(errno));
		return 1;
	}
	size_t n = strlen(text);
	bool ok = fwrite(text, 1, n, f) == n;
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		cli_errorf("gen c: cannot write %s: %s", path, strerror(errno));
		remove(tmp);
		return 1;
	}
	printf("wrote %s\n", path);
	return 0;
}

static void usage(void)
{
	printf("usage: strata gen c [--schema FILE] -o DIR [--prefix P] [--name BASENAME] [--async]\n"
	       "Write DIR/BASENAME.h and DIR/BASENAME.c (default db.h, db.c): structs and typed,\n"
	       "owner-scoped functions for every table of the schema (default schema.strata,\n"
	       "or $STRATA_SCHEMA).  DIR and its parents are created when missing.\n"
	       "  -o, --out DIR      where the files go\n"
	       "  --schema FILE      the schema file\n"
	       "  --prefix P         a prefix for every generated name (default none)\n"
	       "  --name BASENAME    the files' base name (default db)\n"
	       "  --async            also non-blocking T_get_start/_finish and T_list_start/_finish,\n"
	       "                     for connections from strata_open_async() (docs/async.md)\n");
}

int cmd_gen(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "schema", required_argument, NULL, 's' },
		{ "out", required_argument, NULL, 'o' },
		{ "prefix", required_argument, NULL, 'p' },
		{ "name", required_argument, NULL, 'n' },
		{ "async", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *schema_path = getenv("STRATA_SCHEMA");
	const char *out = NULL, *prefix = "", *name = "db";
	bool nonblocking = false;
	if (!schema_path || !*schema_path)
		schema_path = "schema.strata";
	if (argc < 2 || strcmp(argv[1], "c") != 0) {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
			usage();
			return 0;
		}
		cli_errorf("gen: expected a target language: strata gen c ... (see strata gen --help)");
		return 2;
	}
	argc--;
	argv++;
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:o:p:n:ah", longopts, NULL)) != -1) {
		switch (c) {
		case 's': schema_path = optarg; break;
		case 'o': out = optarg; break;
		case 'p': prefix = optarg; break;
		case 'n': name = optarg; break;
		case 'a': nonblocking = true; break;
		case 'h': usage(); return 0;
		default:
			if (optopt)
				cli_errorf("gen c: option -%c needs a value", optopt);
			else
				cli_errorf("gen c: unknown option '%s' (see strata gen c --help)", argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		cli_errorf("gen c: unexpected argument '%s'", argv[optind]);
		return 2;
	}
	if (!out) {
		cli_errorf("gen c: -o DIR is required");
		return 2;
	}
	struct stat sb;
	if (stat(out, &sb) == 0 && !S_ISDIR(sb.st_mode)) {
		cli_errorf("gen c: -o %s: exists and is not a directory", out);
		return 2;
	}
	char *text = NULL;
	size_t text_len = 0;
	if (strata_file_read_text(schema_path, &text, &text_len) != STRATA_OK) {
		cli_errorf("gen c: --schema %s", cli_text(strata_error_last()->message));
		return 1;
	}
	strata_schema *schema = NULL;
	int rc = strata_schema_parse(&schema, text, text_len, schema_path);
	if (rc != STRATA_OK) {
		cli_error(NULL);
		free(text);
		return 1;
	}
	strata_gen_options o = STRATA_GEN_OPTIONS_INIT;
	o.prefix = prefix;
	o.basename = name;
	o.nonblocking = nonblocking;
	/* the file's name only, so the output does not depend on where it was run */
	const char *slash = strrchr(schema_path, '/');
	o.schema_file = slash ? slash + 1 : schema_path;
	char *h = NULL, *src = NULL;
	rc = strata_gen_c(schema, text, &o, &h, &src);
	int status = 0;
	if (rc != STRATA_OK) {
		cli_error("gen c");
		status = 1;
	} else {
		status = make_dirs(out) || write_file(out, name, "h", h) || write_file(out, name, "c", src);
	}
	free(h);
	free(src);
	strata_schema_free(schema);
	free(text);
	return status;
}

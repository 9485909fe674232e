/*
 * `strata migrate verify|baseline|adopt|new`: the commands around the runs.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "migrate.h"

int mig_verify(mig_ctx *x)
{
	size_t checked = 0, failed = 0;
	int rc = strata_migrate_verify(x->m, &checked, &failed);
	if (x->o.json) {
		printf("{\"ok\":%s,\"checked\":%zu,\"failed\":%zu", rc == STRATA_OK ? "true" : "false", checked,
		       failed);
		if (rc != STRATA_OK) {
			printf(",\"error\":");
			mig_json_str(stdout, cli_text(strata_error_last()->message));
		}
		printf("}\n");
		return rc == STRATA_OK ? 0 : 1;
	}
	if (rc != STRATA_OK) {
		cli_error(NULL);
		if (failed > 1)
			cli_errorf("%zu of %zu verify statements failed", failed, checked);
		return 1;
	}
	printf("Verified: %zu statement%s passed.\n", checked, checked == 1 ? "" : "s");
	return 0;
}

int mig_baseline(mig_ctx *x, const char *version)
{
	size_t n = 0;
	if (strata_migrate_baseline(x->m, version, &n) != STRATA_OK)
		return mig_fail(x);
	if (x->o.json)
		printf("{\"ok\":true,\"recorded\":%zu}\n", n);
	else
		printf("Baseline %s: recorded %zu migration%s as applied (nothing was run).\n", version, n,
		       n == 1 ? "" : "s");
	return 0;
}

int mig_adopt(mig_ctx *x)
{
	size_t n = 0;
	if (strata_migrate_adopt(x->m, &n) != STRATA_OK)
		return mig_fail(x);
	if (x->o.json)
		printf("{\"ok\":true,\"imported\":%zu}\n", n);
	else
		printf("Adopted dbmate's schema_migrations: imported %zu version%s.\n", n, n == 1 ? "" : "s");
	return 0;
}

int mig_new(const mig_opts *o, int argc, char **argv)
{
	if (argc < 1) {
		cli_errorf("migrate new: needs a description, e.g. strata migrate new \"add user preferences\"");
		return 2;
	}
	/* the words of the description may come unquoted */
	size_t len = 1;
	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	char *desc = calloc(1, len);
	if (!desc) {
		cli_errorf("out of memory");
		return 1;
	}
	for (int i = 0; i < argc; i++) {
		if (i)
			strcat(desc, " ");
		strcat(desc, argv[i]);
	}
	const char *dir = o->dir ? o->dir : strata_migrate_default_dir();
	char *path = NULL;
	int rc = strata_migrate_new(dir, desc, &path);
	free(desc);
	if (rc != STRATA_OK) {
		if (o->json)
			mig_json_error();
		else
			cli_error("migrate new");
		return 1;
	}
	if (o->json) {
		printf("{\"ok\":true,\"file\":");
		mig_json_str(stdout, path);
		printf("}\n");
	} else {
		printf("Created %s\n", path);
	}
	free(path);
	return 0;
}

/* A plan as dbmate-format migration files. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <strata/diff.h>

#include "core/buf.h"
#include "core/error.h"

/* "Add tags!" -> "add_tags" */
static void slugify(const char *msg, char *out, size_t cap)
{
	size_t j = 0;
	bool sep = false;
	for (const char *p = msg; *p && j + 1 < cap; p++) {
		char ch = *p;
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
			if (sep && j)
				out[j++] = '_';
			if (j + 1 < cap)
				out[j++] = ch;
			sep = false;
		} else {
			sep = true;
		}
	}
	out[j] = '\0';
}

/* The highest YYYYMMDDHHMMSS version among the files of `dir` (0: none). */
static unsigned long long max_version(const char *dir)
{
	unsigned long long best = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (strspn(e->d_name, "0123456789") < 14)
			continue;
		char digits[15];
		memcpy(digits, e->d_name, 14);
		digits[14] = '\0';
		unsigned long long v = strtoull(digits, NULL, 10);
		if (v > best)
			best = v;
	}
	closedir(d);
	return best;
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wx");
	if (!f)
		return strata__error_set(STRATA_EIO, "cannot create %s: %s", path, strerror(errno));
	size_t n = strlen(text);
	bool ok = fwrite(text, 1, n, f) == n;
	if (fclose(f) != 0)
		ok = false;
	if (!ok) {
		remove(path);
		return strata__error_set(STRATA_EIO, "cannot write %s", path);
	}
	return STRATA_OK;
}

static int add_path(char ***paths, int *n, const char *path)
{
	char **grown = realloc(*paths, (size_t)(*n + 2) * sizeof **paths);
	if (!grown)
		return strata__error_nomem();
	*paths = grown;
	if (!(grown[*n] = strata__strdup(path)))
		return STRATA_ENOMEM;
	grown[++*n] = NULL;
	return STRATA_OK;
}

int strata_plan_write(const strata_plan *p, const char *dir, const char *message, const char *version, char ***paths)
{
	char slug[64], ver[32], path[4096];
	strata_buf b = STRATA_BUF_INIT;
	char **out = NULL;
	int n = 0, rc = STRATA_OK;
	if (!paths)
		return strata__error_set(STRATA_EINVAL, "strata_plan_write: paths is NULL");
	*paths = NULL;
	if (!p || !dir || !message)
		return strata__error_set(STRATA_EINVAL, "strata_plan_write: NULL argument");
	if (p->nchanges == 0)
		return strata__error_set(STRATA_EINVAL, "the plan is empty: nothing to write");
	slugify(message, slug, sizeof slug);
	if (!slug[0])
		return strata__error_set(STRATA_EINVAL, "the message needs a letter or a digit for the file name");
	if (version) {
		if (strlen(version) != 14 || strspn(version, "0123456789") != 14)
			return strata__error_set(STRATA_EINVAL, "version '%s' is not YYYYMMDDHHMMSS", version);
		snprintf(ver, sizeof ver, "%s", version);
	} else {
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(ver, sizeof ver, "%Y%m%d%H%M%S", &tm);
		/* Two diffs within a second, or a clock behind the files: stay after the last one. */
		unsigned long long last = max_version(dir);
		if (last >= strtoull(ver, NULL, 10))
			snprintf(ver, sizeof ver, "%llu", last + 1);
	}
	unsigned long long v = strtoull(ver, NULL, 10);
	if (p->up_pre) {
		if ((rc = strata__buf_printf(&b,
					     "-- migrate:up transaction:false\n-- %s: enum values, committed before "
					     "the next migration uses them\n%s\n"
					     "-- migrate:down transaction:false\n-- the next migration's down restores "
					     "the enum types\n",
					     message, p->up_pre)))
			goto fail;
		snprintf(path, sizeof path, "%s/%llu_%s_enum_values.sql", dir, v++, slug);
		if ((rc = write_file(path, strata__buf_cstr(&b))) || (rc = add_path(&out, &n, path)))
			goto fail;
		strata__buf_clear(&b);
	}
	bool main_part = p->up && p->up[0];
	if (main_part) {
		if ((rc = strata__buf_printf(&b, "-- migrate:up%s\n-- %s (written by strata migrate diff)\n",
					     p->up_own_tx ? " foreign_keys:off" : "", message)))
			goto fail;
		for (int i = 0; i < p->nchanges && !rc; i++)
			if (!(p->up_nontx && p->changes[i].kind == STRATA_CHANGE_CREATE_INDEX))
				rc = strata__buf_printf(&b, "--   %s%s\n", p->changes[i].summary,
							p->changes[i].destructive ? " (destructive)" : "");
		if (rc || (rc = strata__buf_printf(&b, "%s\n-- migrate:down%s\n%s", p->up,
						   p->down_own_tx ? " foreign_keys:off" : "", p->down ? p->down : "")))
			goto fail;
		snprintf(path, sizeof path, "%s/%llu_%s.sql", dir, v++, slug);
		if ((rc = write_file(path, strata__buf_cstr(&b))) || (rc = add_path(&out, &n, path)))
			goto fail;
		strata__buf_clear(&b);
	}
	if (p->up_nontx) {
		/* One second later, so it sorts (and runs) after the main migration. */
		if ((rc = strata__buf_printf(&b,
					     "-- migrate:up transaction:false\n-- %s: indexes built and keys validated "
					     "without blocking writes\n%s\n"
					     "-- migrate:down transaction:false\n%s",
					     message, p->up_nontx, p->down_nontx ? p->down_nontx : "")))
			goto fail;
		snprintf(path, sizeof path, "%s/%llu_%s_concurrently.sql", dir, v, slug);
		if ((rc = write_file(path, strata__buf_cstr(&b))) || (rc = add_path(&out, &n, path)))
			goto fail;
	}
	strata__buf_free(&b);
	*paths = out;
	return STRATA_OK;
fail:
	strata__buf_free(&b);
	for (int i = 0; i < n; i++) {
		remove(out[i]);
		free(out[i]);
	}
	free(out);
	return rc;
}

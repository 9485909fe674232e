/*
 * Migration files: names, sections, checksums, and the directory that
 * holds them.
 *
 * A section starts at a marker line, `-- migrate:<section> [options]`
 * (dbmate's format: spaces after `--` are optional), and runs to the next
 * marker.  Before the first marker only blank lines and `--` comments are
 * allowed.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/env.h"
#include "core/error.h"
#include "core/sha256.h"
#include "migrate/internal.h"
#include "sql/split.h"

int strata__version_cmp(const char *a, const char *b)
{
	while (*a == '0' && a[1])
		a++;
	while (*b == '0' && b[1])
		b++;
	size_t la = strlen(a), lb = strlen(b);
	if (la != lb)
		return la < lb ? -1 : 1;
	int c = strcmp(a, b);
	return c < 0 ? -1 : c > 0;
}

int strata__migration_name(const char *dir, const char *base, char **version, char **name)
{
	size_t n = strlen(base);
	const char *us = strchr(base, '_');
	const char *why = NULL;
	*version = *name = NULL;
	if (n < 4 || strcmp(base + n - 4, ".sql") != 0)
		why = "does not end in .sql";
	else if (!us || us == base)
		why = "does not start with VERSION_ (digits, then an underscore)";
	else if ((size_t)(us - base) + 1 >= n - 4)
		why = "has no slug after VERSION_";
	for (const char *p = base; !why && p < us; p++)
		if (!isdigit((unsigned char)*p))
			why = "has a version that is not all digits";
	if (why) {
		char full[4096];
		snprintf(full, sizeof full, "%s%s%s", dir ? dir : "", dir ? "/" : "", base);
		return strata__error_set_at(
			STRATA_EPARSE, full, 1, 1,
			"bad file name: it %s; expected VERSION_slug.sql, e.g. 20261122103000_add_tags.sql", why);
	}
	*version = strata__strndup(base, (size_t)(us - base));
	*name = strata__strndup(us + 1, n - 4 - (size_t)(us - base) - 1);
	if (!*version || !*name) {
		free(*version);
		free(*name);
		*version = *name = NULL;
		return STRATA_ENOMEM;
	}
	return STRATA_OK;
}

/* Is line [p, e) a marker?  *sect_start receives where the section name starts. */
static bool is_marker(const char *p, const char *e, const char **sect_start)
{
	if (e - p < 2 || p[0] != '-' || p[1] != '-')
		return false;
	p += 2;
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	if (e - p < 8 || memcmp(p, "migrate:", 8) != 0)
		return false;
	*sect_start = p + 8;
	return true;
}

static int parse_options(const char *p, const char *e, const char *file, int line, const char *text_line,
			 strata__mig_section *s)
{
	while (p < e) {
		while (p < e && (*p == ' ' || *p == '\t' || *p == '\r'))
			p++;
		if (p >= e)
			break;
		const char *w = p;
		while (p < e && !(*p == ' ' || *p == '\t' || *p == '\r'))
			p++;
		int col = (int)(w - text_line) + 1;
		size_t wl = (size_t)(p - w);
		if (wl == 17 && memcmp(w, "transaction:false", 17) == 0)
			s->transaction = false;
		else if (wl == 16 && memcmp(w, "transaction:true", 16) == 0)
			s->transaction = true;
		else if (wl == 16 && memcmp(w, "foreign_keys:off", 16) == 0)
			s->fk_off = true, s->fk_col = col;
		else if (wl == 15 && memcmp(w, "foreign_keys:on", 15) == 0)
			s->fk_off = false;
		else if (wl > 13 && memcmp(w, "foreign_keys:", 13) == 0)
			return strata__error_set_at(STRATA_EPARSE, file, line, col,
						    "foreign_keys takes on or off, not '%.*s'", (int)(wl - 13), w + 13);
		else if (wl > 12 && memcmp(w, "transaction:", 12) == 0)
			return strata__error_set_at(STRATA_EPARSE, file, line, col,
						    "transaction takes true or false, not '%.*s'", (int)(wl - 12),
						    w + 12);
		else
			return strata__error_set_at(STRATA_EPARSE, file, line, col,
						    "unknown option '%.*s' (the options are transaction:false and "
						    "foreign_keys:off)",
						    (int)wl, w);
	}
	return STRATA_OK;
}

int strata__migration_parse(const char *text, size_t len, const char *file, strata__migration *out)
{
	strata__mig_section *cur = NULL;
	const char *p = text, *end = text + len;
	int line = 1;

	memset(&out->up, 0, sizeof out->up);
	memset(&out->down, 0, sizeof out->down);
	memset(&out->verify, 0, sizeof out->verify);
	if (!file)
		file = "<migration>";
	/* a NUL would hide statements from the splitter (or show them to it) */
	if (strata__text_check(text, len, file) != STRATA_OK)
		return STRATA_EPARSE;
	p += strata__text_bom(text, len);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		const char *next = nl ? nl + 1 : end;
		const char *sect;
		if (is_marker(p, e, &sect)) {
			const char *w = sect;
			while (w < e && (isalnum((unsigned char)*w) || *w == '_' || *w == '-'))
				w++;
			size_t wl = (size_t)(w - sect);
			strata__mig_section *s = NULL;
			if (wl == 2 && memcmp(sect, "up", 2) == 0)
				s = &out->up;
			else if (wl == 4 && memcmp(sect, "down", 4) == 0)
				s = &out->down;
			else if (wl == 6 && memcmp(sect, "verify", 6) == 0)
				s = &out->verify;
			if (!s)
				return strata__error_set_at(
					STRATA_EPARSE, file, line, (int)(sect - p) + 1,
					"unknown section 'migrate:%.*s' (expected up, down or verify)", (int)wl, sect);
			if (s->present)
				return strata__error_set_at(STRATA_EPARSE, file, line, 1,
							    "a second 'migrate:%.*s' section (the first is at line %d)",
							    (int)wl, sect, s->line);
			if (w < e && !(*w == ' ' || *w == '\t' || *w == '\r'))
				return strata__error_set_at(STRATA_EPARSE, file, line, (int)(w - p) + 1,
							    "unexpected '%c' after 'migrate:%.*s'", *w, (int)wl, sect);
			if (cur)
				cur->len = (size_t)(p - text) - cur->offset;
			s->present = true;
			s->line = line;
			s->transaction = true;
			int rc = parse_options(w, e, file, line, p, s);
			if (rc != STRATA_OK)
				return rc;
			s->offset = (size_t)(next - text);
			cur = s;
		} else if (!cur) {
			/* before the first marker: blank lines and -- comments only */
			const char *q = p;
			while (q < e && isspace((unsigned char)*q))
				q++;
			if (q < e && !(e - q >= 2 && q[0] == '-' && q[1] == '-'))
				return strata__error_set_at(STRATA_EPARSE, file, line, (int)(q - p) + 1,
							    "text before the first '-- migrate:up' marker");
		}
		p = next;
		line++;
	}
	if (cur)
		cur->len = len - cur->offset;
	if (!out->up.present)
		return strata__error_set_at(STRATA_EPARSE, file, 1, 1, "no '-- migrate:up' section");
	strata__mig_section *fs[] = { &out->up, &out->down, &out->verify };
	for (int i = 0; i < 3; i++)
		if (fs[i]->fk_off && (!fs[i]->transaction || fs[i] == &out->verify))
			return strata__error_set_at(
				STRATA_EPARSE, file, fs[i]->line, fs[i]->fk_col,
				fs[i] == &out->verify
					? "foreign_keys:off is for up and down sections (verify runs with the "
					  "connection's setting)"
					: "foreign_keys:off runs the section in one transaction with foreign keys "
					  "off around it and checks them before COMMIT; it cannot be combined "
					  "with transaction:false");
	if (out->verify.present && !out->verify.transaction)
		return strata__error_set_at(STRATA_EPARSE, file, out->verify.line, 1,
					    "verify sections always run in a transaction that is rolled back; "
					    "transaction:false is not allowed there");
	return STRATA_OK;
}

void strata__migrations_free(strata__migration *arr, size_t n)
{
	if (!arr)
		return;
	for (size_t i = 0; i < n; i++) {
		free(arr[i].version);
		free(arr[i].name);
		free(arr[i].path);
		free(arr[i].text);
		free(arr[i].destructive_why);
	}
	free(arr);
}

static int by_version(const void *a, const void *b)
{
	const strata__migration *x = a, *y = b;
	int c = strata__version_cmp(x->version, y->version);
	return c ? c : strcmp(x->path, y->path);
}

/* Find the first destructive statement of the up section. */
static int scan_destructive(strata__migration *f, strata_backend dialect)
{
	strata__sql_piece *pcs = NULL;
	size_t np = 0;
	const char *body = f->text + f->up.offset;
	int rc = strata__sql_split(body, f->up.len, dialect, &pcs, &np);
	if (rc != STRATA_OK)
		return rc;
	f->up_statements = np;
	for (size_t i = 0; i < np; i++) {
		char why[64];
		if (strata__sql_is_destructive(body + pcs[i].offset, pcs[i].len, dialect, why, sizeof why)) {
			strata_buf b = STRATA_BUF_INIT;
			rc = strata__buf_printf(&b, "%s at %s:%d", why, f->path, f->up.line + pcs[i].line);
			f->destructive_why = strata__buf_detach(&b);
			if (rc != STRATA_OK || !f->destructive_why) {
				free(f->destructive_why);
				f->destructive_why = NULL;
				free(pcs);
				return strata__error_nomem();
			}
			f->destructive = true;
			break;
		}
	}
	free(pcs);
	return STRATA_OK;
}

static int load_one(const char *dir, int dfd, const char *base, bool regular, strata_backend dialect,
		    strata__migration *f)
{
	strata_buf path = STRATA_BUF_INIT;
	int rc = strata__migration_name(dir, base, &f->version, &f->name);
	if (rc != STRATA_OK)
		return rc;
	rc = strata__buf_printf(&path, "%s/%s", dir, base);
	if (rc != STRATA_OK)
		return rc;
	f->path = strata__buf_detach(&path);
	if (!f->path)
		return STRATA_ENOMEM;
	rc = strata__read_file_at(dfd, base, f->path, regular, &f->text, &f->text_len);
	if (rc != STRATA_OK)
		return rc;
	rc = strata__migration_parse(f->text, f->text_len, f->path, f);
	if (rc != STRATA_OK)
		return rc;
	if (dialect == STRATA_BACKEND_POSTGRES && (f->up.fk_off || f->down.fk_off)) {
		const strata__mig_section *s = f->up.fk_off ? &f->up : &f->down;
		return strata__error_set_at(
			STRATA_EPARSE, f->path, s->line, s->fk_col,
			"foreign_keys:off is for SQLite table rebuilds; PostgreSQL checks foreign keys "
			"per statement and cannot switch them off for a session (use DEFERRABLE "
			"constraints, or drop and re-add the key)");
	}
	rc = strata__sha256_hex(f->text + f->up.offset, f->up.len, f->checksum);
	if (rc != STRATA_OK)
		return rc;
	return scan_destructive(f, dialect);
}

/* One thread's share of a directory's files: every `step`-th from `first`. */
typedef struct load_job {
	const char *dir;
	int dfd;
	strata_backend dialect;
	strata__migration *arr;
	char **names;
	const bool *regular;
	size_t count, first, step;
	size_t failed_at; /* the first file of this share that failed; SIZE_MAX: none */
	int rc;
	strata__error_saved err; /* its error, carried to the calling thread */
} load_job;

/* Load this share; of the files that fail, keep the error of the first by name. */
static void *load_share(void *arg)
{
	load_job *j = arg;
	j->failed_at = SIZE_MAX;
	j->rc = STRATA_OK;
	for (size_t i = j->first; i < j->count; i += j->step) {
		int rc = load_one(j->dir, j->dfd, j->names[i], j->regular[i], j->dialect, &j->arr[i]);
		if (rc != STRATA_OK && (j->failed_at == SIZE_MAX || strcmp(j->names[i], j->names[j->failed_at]) < 0)) {
			if (j->failed_at != SIZE_MAX)
				strata__error_discard(&j->err);
			j->rc = rc;
			j->failed_at = i;
			strata__error_save(&j->err);
		}
	}
	return NULL;
}

#define LOAD_THREADS_MAX 4

/*
 * Load `count` files into arr (zeroed).  A large directory is read by up
 * to LOAD_THREADS_MAX threads (reading a file is mostly system calls:
 * `migrate status` over 1,000 files went from about 30 to 26 ms on two
 * cores); of the files that fail, the error is that of the first by name,
 * whatever the directory order or the threads.
 */
static int load_all(const char *dir, int dfd, strata_backend dialect, strata__migration *arr, char **names,
		    const bool *regular, size_t count)
{
	load_job jobs[LOAD_THREADS_MAX];
	pthread_t tids[LOAD_THREADS_MAX];
	bool started[LOAD_THREADS_MAX] = { false };
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nt = count < STRATA__LOAD_PARALLEL_MIN || cpus < 2
			    ? 1
			    : (size_t)(cpus < LOAD_THREADS_MAX ? cpus : LOAD_THREADS_MAX);
	for (size_t t = 0; t < nt; t++)
		jobs[t] =
			(load_job){ dir, dfd, dialect, arr, names, regular, count, t, nt, SIZE_MAX, STRATA_OK, { 0 } };
	for (size_t t = 1; t < nt; t++)
		started[t] = pthread_create(&tids[t], NULL, load_share, &jobs[t]) == 0;
	/* this thread takes its share, and that of any thread that could not start */
	load_share(&jobs[0]);
	for (size_t t = 1; t < nt; t++) {
		if (started[t])
			pthread_join(tids[t], NULL);
		else
			load_share(&jobs[t]);
	}
	size_t at = SIZE_MAX;
	for (size_t t = 0; t < nt; t++)
		if (jobs[t].failed_at != SIZE_MAX &&
		    (at == SIZE_MAX || strcmp(names[jobs[t].failed_at], names[jobs[at].failed_at]) < 0))
			at = t;
	for (size_t t = 0; t < nt; t++)
		if (jobs[t].failed_at != SIZE_MAX && t != at)
			strata__error_discard(&jobs[t].err);
	if (at == SIZE_MAX)
		return STRATA_OK;
	strata__error_restore(&jobs[at].err);
	return jobs[at].rc;
}

void strata__migrations_unlist(strata__mig_listing *l)
{
	if (l->d)
		closedir(l->d);
	for (size_t i = 0; i < l->count; i++)
		free(l->names[i]);
	free(l->names);
	free(l->regular);
	memset(l, 0, sizeof *l);
}

int strata__migrations_list(const char *dir, strata__mig_listing *l)
{
	size_t cap = 0;
	struct dirent *de;

	memset(l, 0, sizeof *l);
	l->d = opendir(dir);
	if (!l->d)
		return strata__error_set(errno == ENOENT ? STRATA_ENOTFOUND : STRATA_EIO,
					 "migrations directory %s: %s%s", dir, strerror(errno),
					 errno == ENOENT ? " (create it, or name another with option `dir`)" : "");
	while ((de = readdir(l->d)) != NULL) {
		const char *base = de->d_name;
		size_t bl = strlen(base);
		if (base[0] == '.' || bl < 4 || strcmp(base + bl - 4, ".sql") != 0)
			continue;
		if (l->count == cap) {
			size_t nc = cap ? cap * 2 : 32;
			char **nn = realloc(l->names, nc * sizeof *nn);
			if (nn)
				l->names = nn;
			bool *nr = nn ? realloc(l->regular, nc * sizeof *nr) : NULL;
			if (nr)
				l->regular = nr;
			if (!nn || !nr) {
				strata__migrations_unlist(l);
				return strata__error_nomem();
			}
			cap = nc;
		}
		l->regular[l->count] = de->d_type == DT_REG;
		if (!(l->names[l->count] = strata__strdup(base))) {
			strata__migrations_unlist(l);
			return strata__error_nomem();
		}
		l->count++;
	}
	return STRATA_OK;
}

int strata__migrations_load_listed(strata__mig_listing *l, const char *dir, strata_backend dialect,
				   strata__migration **out, size_t *n)
{
	strata__migration *arr = NULL;
	size_t count = l->count;
	int rc;

	*out = NULL;
	*n = 0;
	if (count && !(arr = calloc(count, sizeof *arr))) {
		rc = strata__error_nomem();
		goto fail;
	}
	rc = load_all(dir, dirfd(l->d), dialect, arr, l->names, l->regular, count);
	if (rc != STRATA_OK)
		goto fail;
	if (count > 1)
		qsort(arr, count, sizeof *arr, by_version);
	for (size_t i = 1; i < count; i++)
		if (strata__version_cmp(arr[i - 1].version, arr[i].version) == 0) {
			rc = strata__error_set_at(STRATA_EPARSE, arr[i].path, 1, 1, "version %s is also used by %s",
						  arr[i].version, arr[i - 1].path);
			goto fail;
		}
	strata__migrations_unlist(l);
	*out = arr;
	*n = count;
	return STRATA_OK;
fail:
	strata__migrations_unlist(l);
	if (arr)
		strata__migrations_free(arr, count);
	return rc;
}

int strata__migrations_load(const char *dir, strata_backend dialect, strata__migration **out, size_t *n)
{
	strata__mig_listing l;
	*out = NULL;
	*n = 0;
	int rc = strata__migrations_list(dir, &l);
	return rc != STRATA_OK ? rc : strata__migrations_load_listed(&l, dir, dialect, out, n);
}

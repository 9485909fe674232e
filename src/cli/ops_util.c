/* Output helpers of the operations commands; see ops.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"
#include "ops.h"

void ops_bytes(int64_t bytes, char *buf, size_t cap)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
	double v = (double)bytes;
	size_t u = 0;
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, cap, "%lld B", (long long)bytes);
	else
		snprintf(buf, cap, "%.1f %s", v, units[u]);
}

void ops_count(int64_t n, char *buf, size_t cap)
{
	char raw[32];
	snprintf(raw, sizeof raw, "%lld", (long long)(n < 0 ? -n : n));
	size_t len = strlen(raw), o = 0;
	if (n < 0 && o + 1 < cap)
		buf[o++] = '-';
	for (size_t i = 0; i < len && o + 1 < cap; i++) {
		if (i > 0 && (len - i) % 3 == 0 && o + 1 < cap)
			buf[o++] = ',';
		buf[o++] = raw[i];
	}
	buf[o] = '\0';
}

void ops_table_init(ops_table *t, size_t ncols, const char *align, const char *const *headers)
{
	memset(t, 0, sizeof *t);
	t->ncols = ncols;
	t->align = align;
	t->nrows = (size_t)-1; /* the header row makes it 0 */
	ops_table_row(t, headers);
}

void ops_table_row(ops_table *t, const char *const *cells)
{
	size_t rows = t->nrows + 1;
	if ((rows + 1) * t->ncols > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : t->ncols * 16;
		while (cap < (rows + 1) * t->ncols)
			cap *= 2;
		char **g = realloc(t->cells, cap * sizeof *g);
		if (!g) {
			t->oom = true;
			return;
		}
		t->cells = g;
		t->cap = cap;
	}
	for (size_t i = 0; i < t->ncols; i++) {
		t->cells[rows * t->ncols + i] = strdup(cells[i] ? cells[i] : "");
		if (!t->cells[rows * t->ncols + i])
			t->oom = true;
	}
	t->nrows++;
}

/* Display width: count UTF-8 lead bytes only. */
static size_t width(const char *s)
{
	size_t w = 0;
	for (; s && *s; s++)
		w += ((unsigned char)*s & 0xC0) != 0x80;
	return w;
}

void ops_table_print(ops_table *t, FILE *f, bool color, const char *indent)
{
	if (t->oom || !t->cells)
		return;
	size_t *w = calloc(t->ncols, sizeof *w);
	if (!w)
		return;
	for (size_t r = 0; r <= t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			size_t cw = width(t->cells[r * t->ncols + c]);
			if (cw > w[c])
				w[c] = cw;
		}
	for (size_t r = 0; r <= t->nrows; r++) {
		fputs(indent ? indent : "", f);
		if (r == 0)
			fputs(ops_c(color, OPS_BOLD), f);
		for (size_t c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];
			size_t pad = w[c] - width(s);
			bool last = c + 1 == t->ncols;
			if (t->align[c] == 'r')
				fprintf(f, "%*s%s", (int)pad, "", s);
			else
				fprintf(f, "%s%*s", s, last ? 0 : (int)pad, "");
			if (!last)
				fputs("  ", f);
		}
		if (r == 0)
			fputs(ops_c(color, OPS_RESET), f);
		fputc('\n', f);
	}
	free(w);
}

void ops_table_free(ops_table *t)
{
	if (t->cells)
		for (size_t i = 0; i < (t->nrows + 1) * t->ncols; i++)
			free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof *t);
}

const char *ops_c(bool color, const char *code)
{
	static const struct {
		const char *code, *esc;
	} map[] = { { OPS_RESET, "\033[0m" }, { OPS_BOLD, "\033[1m" },	 { OPS_DIM, "\033[2m" },
		    { OPS_RED, "\033[31m" },  { OPS_GREEN, "\033[32m" }, { OPS_YELLOW, "\033[33m" } };
	if (!color)
		return "";
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(map[i].code, code))
			return map[i].esc;
	return "";
}

bool ops_progress_on(void)
{
	return isatty(STDERR_FILENO);
}

void ops_progress(const char *label, double frac)
{
	if (!ops_progress_on())
		return;
	if (frac >= 0)
		fprintf(stderr, "\r\033[K%s  %3.0f%%", label, frac * 100);
	else
		fprintf(stderr, "\r\033[K%s", label);
	fflush(stderr);
}

void ops_progress_done(void)
{
	if (!ops_progress_on())
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
}

/*
 * `url` for commands that only read: an SQLite file gets mode=rw (not
 * created when missing, journal mode left alone) unless the URL names a
 * mode.  A new string (free()), or NULL when out of memory.
 */
static char *url_no_create(const char *url)
{
	bool sqlite = strncmp(url, "sqlite:", 7) == 0 || strncmp(url, "sqlite3:", 8) == 0;
	const char *q = strchr(url, '?');
	bool add = sqlite && !strstr(url, ":memory:") && !(q && (strstr(q, "?mode=") || strstr(q, "&mode=")));
	size_t n = strlen(url) + (add ? 9 : 0) + 1;
	char *out = malloc(n);
	if (out)
		snprintf(out, n, "%s%s", url, add ? (q ? "&mode=rw" : "?mode=rw") : "");
	return out;
}

void ops_fail(const char *context, bool json)
{
	if (!json) {
		cli_error(context);
		return;
	}
	const strata_error *e = strata_error_last();
	char msg[1200];
	snprintf(msg, sizeof msg, "%s%s%s", context ? context : "", context ? ": " : "", cli_text(e->message));
	fputs("{\n  \"error\": ", stdout);
	ops_json_str(stdout, msg);
	printf(",\n  \"status\": \"%s\"\n}\n", strata_status_name(e->status));
}

void ops_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

int ops_db_open(ops_db *c, const char *flag_url, unsigned flags, bool json)
{
	memset(c, 0, sizeof *c);
	c->url = cli_url_resolve(flag_url);
	if (!c->url) {
		ops_fail(NULL, json);
		return 1;
	}
	c->shown = strata_url_redact(c->url);
	char *open_url = flags & OPS_EXISTING ? url_no_create(c->url) : strdup(c->url);
	if (!c->shown || !open_url) {
		free(open_url);
		strata_error_set(STRATA_ENOMEM, "out of memory");
		ops_fail(NULL, json);
		return 1;
	}
	strata_open_options opts = STRATA_OPEN_OPTIONS_INIT;
	int rc = strata_open_options_from_env(&opts);
	if (rc == STRATA_OK)
		rc = strata_open(&c->db, open_url, &opts);
	free(open_url);
	if (rc != STRATA_OK) {
		ops_fail(NULL, json);
		return 1;
	}
	return 0;
}

void ops_db_close(ops_db *c)
{
	strata_close(c->db);
	free(c->url);
	free(c->shown);
	memset(c, 0, sizeof *c);
}

int ops_term_width(void)
{
	struct winsize ws;
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 40)
		return ws.ws_col;
	const char *c = getenv("COLUMNS");
	int n = c ? atoi(c) : 0;
	return n > 40 ? n : 160;
}

void ops_table_fit_last(ops_table *t, int width)
{
	size_t used = 0;
	for (size_t c = 0; c + 1 < t->ncols; c++) {
		size_t w = 0;
		for (size_t r = 0; r <= t->nrows; r++) {
			size_t l = strlen(t->cells[r * t->ncols + c]);
			if (l > w)
				w = l;
		}
		used += w + 2;
	}
	size_t room = width > 0 && (size_t)width > used + 20 ? (size_t)width - used : 20;
	for (size_t r = 1; r <= t->nrows; r++) {
		char *cell = t->cells[r * t->ncols + t->ncols - 1];
		if (strlen(cell) > room)
			strcpy(cell + room - 3, "...");
	}
}

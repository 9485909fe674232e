/*
 * Output of `strata migrate`: JSON strings, colours, warnings, the error
 * as JSON, state names, times, and the progress bar.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "migrate.h"

void mig_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

bool mig_color;

const char *mig_paint(const char *code)
{
	return mig_color ? code : "";
}

static bool mig_stderr_color(void)
{
	const char *nc = getenv("NO_COLOR");
	return isatty(STDERR_FILENO) && !(nc && *nc);
}

void mig_warnf(const char *fmt, ...)
{
	va_list ap;
	bool c = mig_stderr_color();
	fprintf(stderr, "%sstrata: warning:%s ", c ? C_YELLOW : "", c ? C_RESET : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void mig_json_error(void)
{
	const strata_error *e = strata_error_last();
	printf("{\"ok\":false,\"status\":");
	mig_json_str(stdout, strata_status_name(e->status));
	printf(",\"error\":");
	mig_json_str(stdout, cli_text(e->message));
	if (e->file[0]) {
		printf(",\"file\":");
		mig_json_str(stdout, e->file);
		printf(",\"line\":%d", e->line);
	}
	printf("}\n");
}

const char *mig_state_name(strata_migration_state s)
{
	switch (s) {
	case STRATA_MIGRATION_PENDING: return "pending";
	case STRATA_MIGRATION_APPLIED: return "applied";
	case STRATA_MIGRATION_CHANGED: return "changed";
	case STRATA_MIGRATION_MISSING: return "missing";
	case STRATA_MIGRATION_FAILED: return "failed";
	case STRATA_MIGRATION_RUNNING: return "interrupted";
	}
	return "?";
}

const char *mig_state_color(strata_migration_state s)
{
	switch (s) {
	case STRATA_MIGRATION_APPLIED: return C_GREEN;
	case STRATA_MIGRATION_PENDING: return C_YELLOW;
	default: return C_RED;
	}
}

void mig_fmt_time(strata_timestamp ts, char *buf, size_t cap)
{
	if (!ts) {
		snprintf(buf, cap, "-");
		return;
	}
	char iso[STRATA_TIMESTAMP_BUFSZ];
	strata_timestamp_format(ts, iso);
	/* 2026-11-22T10:30:00.123456Z -> 2026-11-22 10:30:00 */
	if (cap >= 20 && iso[10] == 'T') {
		memcpy(buf, iso, 19);
		buf[10] = ' ';
		buf[19] = '\0';
	} else {
		snprintf(buf, cap, "%.10s %.8s", iso, iso + 11);
	}
}

/* ---- mig_progress ---- */

void mig_progress(size_t done, size_t total, const char *version, const char *name, void *ud)
{
	(void)ud;
	if (total <= 3 || !isatty(STDERR_FILENO))
		return;
	if (done >= total) {
		fprintf(stderr, "\r\033[K");
		fflush(stderr);
		return;
	}
	int width = 30;
	int filled = (int)((double)done / (double)total * width);
	fprintf(stderr, "\r\033[K[");
	for (int i = 0; i < width; i++)
		fputc(i < filled ? '#' : '.', stderr);
	fprintf(stderr, "] %zu/%zu %s_%.40s", done + 1, total, version, name);
	fflush(stderr);
}

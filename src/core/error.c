/*
 * The per-thread last error.  Each thread owns one strata_error and the
 * buffers its strings point into; strata_error_last() never returns NULL.
 */
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/redact.h"

#define MSG_MAX 1024

typedef struct error_state {
	strata_error pub;
	char message[MSG_MAX];
	char sqlstate[6];
	char constraint[128];
	char file[512];
} error_state;

static _Thread_local error_state tls = {
	.pub = { STRATA_OK, "", 0, "", "", "", 0, 0 },
};

static error_state *state(void)
{
	/* The strings point into this thread's buffers. */
	tls.pub.message = tls.message;
	tls.pub.sqlstate = tls.sqlstate;
	tls.pub.constraint = tls.constraint;
	tls.pub.file = tls.file;
	return &tls;
}

static void copy_field(char *dst, size_t cap, const char *src)
{
	if (!src)
		src = "";
	size_t n = strlen(src);
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* One line: inner newlines (libpq's hints) become spaces; trailing ones go. */
static void trim_message(char *m)
{
	for (char *p = m; *p; p++)
		if ((*p == '\n' || *p == '\t' || *p == '\r') && p[1])
			*p = ' ';
	size_t n = strlen(m);
	while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' ' || m[n - 1] == '\r'))
		m[--n] = '\0';
}

static int set_va(int status, int sqlite_code, const char *sqlstate, const char *constraint, const char *file, int line,
		  int column, const char *fmt, va_list ap)
{
	error_state *s = state();
	s->pub.status = status;
	s->pub.sqlite_code = sqlite_code;
	s->pub.line = line;
	s->pub.column = column;
	copy_field(s->sqlstate, sizeof s->sqlstate, sqlstate);
	copy_field(s->constraint, sizeof s->constraint, constraint);
	copy_field(s->file, sizeof s->file, file);
	size_t off = 0;
	if (file && *file) {
		int n = snprintf(s->message, MSG_MAX, "%s:%d:%d: ", file, line, column);
		off = n > 0 && n < MSG_MAX ? (size_t)n : 0;
	}
	vsnprintf(s->message + off, MSG_MAX - off, fmt, ap);
	trim_message(s->message);
	/* whatever produced the text (libpq echoes URIs), no password leaves */
	strata__redact_inplace(s->message, MSG_MAX);
	return status;
}

int strata__error_set(int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_va(status, 0, NULL, NULL, NULL, 0, 0, fmt, ap);
	va_end(ap);
	return status;
}

int strata_error_set(int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_va(status, 0, NULL, NULL, NULL, 0, 0, fmt, ap);
	va_end(ap);
	return status;
}

int strata__error_set_db(int status, int sqlite_code, const char *sqlstate, const char *constraint, const char *fmt,
			 ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_va(status, sqlite_code, sqlstate, constraint, NULL, 0, 0, fmt, ap);
	va_end(ap);
	return status;
}

int strata__error_set_at(int status, const char *file, int line, int column, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_va(status, 0, NULL, NULL, file ? file : "<input>", line, column, fmt, ap);
	va_end(ap);
	return status;
}

int strata__error_nomem(void)
{
	return strata__error_set(STRATA_ENOMEM, "out of memory");
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

void strata__error_save(strata__error_saved *sv)
{
	error_state *s = state();
	sv->status = s->pub.status;
	sv->sqlite_code = s->pub.sqlite_code;
	sv->line = s->pub.line;
	sv->column = s->pub.column;
	sv->message = dup_or_null(s->message);
	sv->sqlstate = dup_or_null(s->sqlstate);
	sv->constraint = dup_or_null(s->constraint);
	sv->file = dup_or_null(s->file);
}

void strata__error_restore(strata__error_saved *sv)
{
	error_state *s = state();
	s->pub.status = sv->status;
	s->pub.sqlite_code = sv->sqlite_code;
	s->pub.line = sv->line;
	s->pub.column = sv->column;
	/* An allocation that failed at save time leaves the field as it is now. */
	if (sv->message)
		copy_field(s->message, sizeof s->message, sv->message);
	if (sv->sqlstate)
		copy_field(s->sqlstate, sizeof s->sqlstate, sv->sqlstate);
	if (sv->constraint)
		copy_field(s->constraint, sizeof s->constraint, sv->constraint);
	if (sv->file)
		copy_field(s->file, sizeof s->file, sv->file);
	strata__error_discard(sv);
}

void strata__error_discard(strata__error_saved *sv)
{
	free(sv->message);
	free(sv->sqlstate);
	free(sv->constraint);
	free(sv->file);
	memset(sv, 0, sizeof *sv);
}

const strata_error *strata_error_last(void)
{
	return &state()->pub;
}

void strata_error_clear(void)
{
	error_state *s = state();
	s->pub.status = STRATA_OK;
	s->pub.sqlite_code = 0;
	s->pub.line = s->pub.column = 0;
	s->message[0] = s->sqlstate[0] = s->constraint[0] = s->file[0] = '\0';
}

const char *strata_status_name(int status)
{
	switch (status) {
	case STRATA_OK: return "STRATA_OK";
	case STRATA_ERROR: return "STRATA_ERROR";
	case STRATA_ENOMEM: return "STRATA_ENOMEM";
	case STRATA_EINVAL: return "STRATA_EINVAL";
	case STRATA_ECONNECT: return "STRATA_ECONNECT";
	case STRATA_ECONSTRAINT: return "STRATA_ECONSTRAINT";
	case STRATA_ENOTFOUND: return "STRATA_ENOTFOUND";
	case STRATA_EBUSY: return "STRATA_EBUSY";
	case STRATA_ETIMEOUT: return "STRATA_ETIMEOUT";
	case STRATA_ESQL: return "STRATA_ESQL";
	case STRATA_ETYPE: return "STRATA_ETYPE";
	case STRATA_ERANGE: return "STRATA_ERANGE";
	case STRATA_EMISUSE: return "STRATA_EMISUSE";
	case STRATA_EIO: return "STRATA_EIO";
	case STRATA_EPARSE: return "STRATA_EPARSE";
	case STRATA_ECONFLICT: return "STRATA_ECONFLICT";
	case STRATA_EMIGRATE: return "STRATA_EMIGRATE";
	case STRATA_EAUTH: return "STRATA_EAUTH";
	case STRATA_EUNSUPPORTED: return "STRATA_EUNSUPPORTED";
	case STRATA_ECANCELED: return "STRATA_ECANCELED";
	case STRATA_ROW: return "STRATA_ROW";
	case STRATA_DONE: return "STRATA_DONE";
	default: return "STRATA_UNKNOWN";
	}
}

bool strata_status_is_retryable(int status)
{
	return status == STRATA_EBUSY || status == STRATA_ECONFLICT;
}

const char *strata_version(void)
{
	return STRATA_VERSION_STRING;
}

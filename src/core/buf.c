/*
 * A growable byte buffer: doubling growth, always NUL-terminated.
 */
#include "core/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

int strata__buf_grow(strata_buf *b, size_t extra)
{
	if (extra > SIZE_MAX / 2 - b->len)
		return strata__error_nomem();
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return STRATA_OK;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	char *p = realloc(b->ptr, cap);
	if (!p)
		return strata__error_nomem();
	b->ptr = p;
	b->cap = cap;
	return STRATA_OK;
}

int strata__buf_append(strata_buf *b, const void *p, size_t n)
{
	if (strata__buf_grow(b, n) != STRATA_OK)
		return STRATA_ENOMEM;
	if (n)
		memcpy(b->ptr + b->len, p, n);
	b->len += n;
	b->ptr[b->len] = '\0';
	return STRATA_OK;
}

int strata__buf_puts(strata_buf *b, const char *s)
{
	return strata__buf_append(b, s, strlen(s));
}

int strata__buf_putc(strata_buf *b, char c)
{
	return strata__buf_append(b, &c, 1);
}

int strata__buf_printf(strata_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return strata__error_set(STRATA_EINVAL, "bad format");
	if (strata__buf_grow(b, (size_t)n) != STRATA_OK)
		return STRATA_ENOMEM;
	va_start(ap, fmt);
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return STRATA_OK;
}

const char *strata__buf_cstr(const strata_buf *b)
{
	return b->ptr ? b->ptr : "";
}

char *strata__buf_detach(strata_buf *b)
{
	char *p = b->ptr;
	if (!p) {
		p = calloc(1, 1);
		if (!p)
			strata__error_nomem();
	}
	b->ptr = NULL;
	b->len = b->cap = 0;
	return p;
}

void strata__buf_clear(strata_buf *b)
{
	b->len = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

void strata__buf_free(strata_buf *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
}

char *strata__strndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (!p) {
		strata__error_nomem();
		return NULL;
	}
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *strata__strdup(const char *s)
{
	return strata__strndup(s, strlen(s));
}

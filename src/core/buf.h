/*
 * strata_buf: a growable, always NUL-terminated byte buffer.  Appends
 * return STRATA_OK or STRATA_ENOMEM (and set the error); after a failed
 * append the buffer still holds what it held before.
 */
#ifndef STRATA_CORE_BUF_H
#define STRATA_CORE_BUF_H

#include <stddef.h>
#include <strata/common.h>

typedef struct strata_buf {
	char *ptr;  /* NUL-terminated once anything was appended; NULL before */
	size_t len; /* bytes, not counting the NUL */
	size_t cap;
} strata_buf;

#define STRATA_BUF_INIT    \
	{                  \
		NULL, 0, 0 \
	}

int strata__buf_grow(strata_buf *b, size_t extra);
int strata__buf_append(strata_buf *b, const void *p, size_t n);
int strata__buf_puts(strata_buf *b, const char *s);
int strata__buf_putc(strata_buf *b, char c);
int strata__buf_printf(strata_buf *b, const char *fmt, ...) STRATA_PRINTF(2, 3);
/* The contents ("" when empty); valid until the next append or free. */
const char *strata__buf_cstr(const strata_buf *b);
/* Hand the string over to the caller (free()); the buffer is empty after. NULL on ENOMEM. */
char *strata__buf_detach(strata_buf *b);
void strata__buf_clear(strata_buf *b);
void strata__buf_free(strata_buf *b);

/* strndup that sets the error on failure. */
char *strata__strndup(const char *s, size_t n);
char *strata__strdup(const char *s);

#endif

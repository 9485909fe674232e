/*
 * The process-wide log handler and the default one, which writes to stderr.
 */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>

#include "core/redact.h"

static void default_handler(strata_log_level level, const char *msg, void *ud)
{
	static const char *const names[] = { "debug", "info", "warning", "error" };
	(void)ud;
	if (level < STRATA_LOG_INFO)
		return;
	fprintf(stderr, "strata: %s: %s\n", names[level & 3], msg);
}

static strata_log_fn handler = default_handler;
static void *handler_ud;

void strata_log_set_handler(strata_log_fn fn, void *ud)
{
	handler = fn ? fn : default_handler;
	handler_ud = fn ? ud : NULL;
}

void strata__log(strata_log_fn fn, void *ud, strata_log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	strata__redact_inplace(msg, sizeof msg);
	if (fn)
		fn(level, msg, ud);
	else
		handler(level, msg, handler_ud);
}

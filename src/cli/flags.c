/*
 * The library's messages name an option by its field name, "option
 * `allow_changed`", and never a command-line flag (docs/architecture.md);
 * the command shows its user the flag that sets it, "--allow-changed".
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* What the library writes, and what the command shows instead. */
static const struct {
	const char *lib, *cli;
} flags[] = {
	{ "option `allow_changed`", "--allow-changed" },
	{ "option `allow_missing`", "--allow-missing" },
	{ "option `allow_out_of_order`", "--allow-out-of-order" },
	{ "option `retry_failed`", "--retry-failed" },
	{ "option `lock_timeout_ms`", "--lock-timeout" },
	{ "option `dir`", "--dir" },
	{ "option `steps`", "--steps" },
	{ "option `target`", "--to" },
	{ "option `force`", "--force" },
	{ "option `overwrite`", "--force" },
	{ "option `timeout_ms`", "--timeout" },
	{ "option `prefix`", "--prefix" },
	{ "strata_lint_rules()", "`strata lint --list-rules`" },
	{ "strata_query_stats_load()", "`strata stats --queries --file FILE`" },
};

const char *cli_text(const char *msg)
{
	static _Thread_local char out[4096];
	if (!msg || (!strstr(msg, "option `") && !strstr(msg, "()")))
		return msg;
	size_t n = 0;
	for (const char *p = msg; *p;) {
		size_t i = 0;
		while (i < sizeof flags / sizeof *flags && strncmp(p, flags[i].lib, strlen(flags[i].lib)) != 0)
			i++;
		const char *put = i < sizeof flags / sizeof *flags ? flags[i].cli : NULL;
		size_t len = put ? strlen(put) : 1;
		if (n + len >= sizeof out)
			return msg; /* too long to rewrite: shown as the library wrote it */
		memcpy(out + n, put ? put : p, len);
		n += len;
		p += put ? strlen(flags[i].lib) : 1;
	}
	out[n] = '\0';
	return out;
}

/*
 * Fuzz the .env reader end to end: the bytes are written to a file, with
 * and without a UTF-8 byte order mark in front, read with the shared text
 * reader and parsed.  A NUL anywhere is refused at a line and column; a
 * byte order mark never reaches a key; a value never holds a NUL (so what
 * a key names is never cut short).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <strata/common.h>

#include "core/env.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static char path[64];

static void remove_file(void)
{
	unlink(path);
}

static int check_entry(const char *key, const char *value, void *ud)
{
	(void)ud;
	(void)value;
	if (!key[0] || (unsigned char)key[0] == 0xEF)
		__builtin_trap(); /* an empty key, or the byte order mark taken as part of one */
	return STRATA_OK;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	if (!path[0]) {
		snprintf(path, sizeof path, "/tmp/strata-fuzz-env-%ld", (long)getpid());
		atexit(remove_file);
	}
	bool has_nul = memchr(data, '\0', size) != NULL;
	for (int bom = 0; bom < 2; bom++) {
		FILE *f = fopen(path, "wb");
		if (!f)
			return 0;
		if (bom)
			fwrite("\xef\xbb\xbf", 1, 3, f);
		fwrite(data, 1, size, f);
		fclose(f);
		char *text = NULL;
		size_t len = 0;
		int rc = strata__read_file(path, &text, &len);
		if (has_nul && rc != STRATA_EPARSE)
			__builtin_trap(); /* a NUL got through */
		if (rc == STRATA_EPARSE && (strata_error_last()->line < 1 || strata_error_last()->column < 1))
			__builtin_trap(); /* refused without saying where */
		if (rc != STRATA_OK)
			continue;
		/* what was read is the file without its byte order mark */
		if (bom && (len != size || memcmp(text, data, size) != 0))
			__builtin_trap();
		strata__env_parse(text, len, path, NULL, check_entry, NULL);
		free(text);
	}
	return 0;
}

/*
 * libFuzzer target: the schema parser never crashes on any bytes, and what
 * it accepts prints to text that parses again and prints the same (the
 * printer and the parser agree).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <strata.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	strata_schema *s = NULL, *again = NULL;
	char *text = NULL, *text2 = NULL;
	if (strata_schema_parse(&s, (const char *)data, size, "fuzz.strata") != STRATA_OK)
		return 0;
	if (strata_schema_print(s, 0, &text) != STRATA_OK)
		goto out;
	if (strata_schema_parse(&again, text, strlen(text), "printed.strata") != STRATA_OK)
		__builtin_trap(); /* the printer wrote something the parser refuses */
	if (strata_schema_print(again, 0, &text2) == STRATA_OK && strcmp(text, text2) != 0)
		__builtin_trap(); /* printing is not stable */
out:
	free(text);
	free(text2);
	strata_schema_free(again);
	strata_schema_free(s);
	return 0;
}

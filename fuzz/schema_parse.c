/* libFuzzer target: the schema parser never crashes, and what it accepts prints and re-parses. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <strata.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	strata_schema *s = NULL;
	if (strata_schema_parse(&s, (const char *)data, size, "fuzz.strata") != STRATA_OK)
		return 0;
	char *text = NULL;
	if (strata_schema_print(s, 0, &text) == STRATA_OK) {
		strata_schema *again = NULL;
		if (strata_schema_parse(&again, text, strlen(text), "printed.strata") == STRATA_OK)
			strata_schema_free(again);
		free(text);
	}
	strata_schema_free(s);
	return 0;
}

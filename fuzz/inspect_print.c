/*
 * Fuzz the way back from a database: a schema that parses is created in an
 * in-memory SQLite database, inspected into a model, and that model printed;
 * the printed text must parse and print again to the same text (inspect,
 * printer and parser agree on everything a database holds).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <strata.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quiet(strata_log_level level, const char *msg, void *ud)
{
	(void)level;
	(void)msg;
	(void)ud;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	strata_schema *s = NULL, *got = NULL, *again = NULL;
	strata_db *db = NULL;
	char *text = NULL, *text2 = NULL;
	if (size > 8192)
		return 0;
	strata_log_set_handler(quiet, NULL);
	if (strata_schema_parse(&s, (const char *)data, size, "fuzz.strata") != STRATA_OK)
		return 0;
	strata_open_options o = STRATA_OPEN_OPTIONS_INIT;
	o.log = quiet;
	if (strata_open(&db, "sqlite::memory:", &o) != STRATA_OK)
		abort();
	/* a schema SQLite refuses (a default it cannot evaluate, say) has nothing to inspect */
	if (strata_schema_apply(db, s) != STRATA_OK)
		goto out;
	if (strata_inspect(db, NULL, &got) != STRATA_OK)
		__builtin_trap(); /* a database Strata created that it cannot read back */
	if (strata_schema_print(got, 0, &text) != STRATA_OK)
		goto out;
	if (strata_schema_parse(&again, text, strlen(text), "inspected.strata") != STRATA_OK)
		__builtin_trap(); /* the printer wrote an inspected model the parser refuses */
	if (strata_schema_print(again, 0, &text2) == STRATA_OK && strcmp(text, text2) != 0)
		__builtin_trap(); /* printing is not stable */
out:
	free(text);
	free(text2);
	strata_schema_free(again);
	strata_schema_free(got);
	strata_schema_free(s);
	strata_close(db);
	return 0;
}

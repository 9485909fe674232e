/*
 * Fuzz the migration-file parser: sections, options, markers; then split
 * each section it found, as the runner would.
 */
#include <stdlib.h>
#include <string.h>

#include "migrate/internal.h"
#include "sql/split.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void split_section(const char *text, size_t size, const strata__mig_section *s)
{
	if (!s->present)
		return;
	if (s->offset > size || s->len > size - s->offset)
		abort(); /* a section must lie inside the file */
	strata__sql_piece *p = NULL;
	size_t n = 0;
	if (strata__sql_split(text + s->offset, s->len, STRATA_BACKEND_POSTGRES, &p, &n) == STRATA_OK)
		free(p);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	strata__migration m;
	memset(&m, 0, sizeof m);
	const char *text = (const char *)data;
	if (strata__migration_parse(text, size, "fuzz.sql", &m) == STRATA_OK) {
		split_section(text, size, &m.up);
		split_section(text, size, &m.down);
		split_section(text, size, &m.verify);
	}
	char *v = NULL, *n = NULL;
	char name[64];
	size_t k = size < sizeof name - 1 ? size : sizeof name - 1;
	memcpy(name, data, k);
	name[k] = '\0';
	if (strata__migration_name("dir", name, &v, &n) == STRATA_OK) {
		free(v);
		free(n);
	}
	return 0;
}

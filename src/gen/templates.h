/*
 * The template files of src/gen/templates/, embedded at build time by
 * cmake/embed-templates.cmake (the build writes gen_templates.c).
 */
#ifndef STRATA_GEN_TEMPLATES_H
#define STRATA_GEN_TEMPLATES_H

#include <stddef.h>

typedef struct strata__gen_tmpl_file {
	const char *name; /* "crud.tmpl" */
	const char *text; /* the file's bytes */
	size_t len;
} strata__gen_tmpl_file;

/* Every template file, ending with { NULL, NULL, 0 }. */
extern const strata__gen_tmpl_file strata__gen_tmpl_files[];

#endif

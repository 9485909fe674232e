/*
 * Migration files (file.c): sections, options, names, loading a directory.
 * Pure text and files, no connection, so lint reads migrations through
 * this header without the connection layer; migrate/internal.h includes it.
 */
#ifndef STRATA_MIGRATE_FILE_H
#define STRATA_MIGRATE_FILE_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>

#include <strata/dialect.h>

/* One section of a migration file: the text after its marker line. */
typedef struct strata__mig_section {
	bool present;
	size_t offset, len; /* the body, within the file's text */
	int line;	    /* the marker's line; the body starts on the next */
	bool transaction;   /* false with transaction:false */
	bool fk_off;	    /* foreign_keys:off (SQLite rebuilds): off around the transaction, checked before COMMIT */
	int fk_col;	    /* where the option is written, for errors */
} strata__mig_section;

typedef struct strata__migration {
	char *version; /* digits */
	char *name;    /* the slug */
	char *path;    /* as found: dir/VERSION_slug.sql */
	char *text;    /* the whole file */
	size_t text_len;
	strata__mig_section up, down, verify;
	char checksum[65];    /* SHA-256 of the up section, hex */
	size_t up_statements; /* statements in the up section */
	bool destructive;
	char *destructive_why; /* what and where, when destructive; else NULL */
} strata__migration;

/*
 * Parse the text of one migration file (`file` names it in errors).  Fills
 * the sections of `out` (not version, name, path or text).  Returns
 * STRATA_OK or STRATA_EPARSE with file:line:col: text before the first
 * marker, an unknown section or option, a section given twice, no up
 * section.
 */
int strata__migration_parse(const char *text, size_t len, const char *file, strata__migration *out);

/*
 * Split a file name "VERSION_slug.sql" into new strings (free()).
 * Returns STRATA_OK, STRATA_EPARSE (the message names the file) or
 * STRATA_ENOMEM.
 */
int strata__migration_name(const char *dir, const char *base, char **version, char **name);

/* Compare two version strings of digits numerically. */
int strata__version_cmp(const char *a, const char *b);

/* Load every *.sql file of `dir`, sorted by version.  Two files with one version is an error. */
int strata__migrations_load(const char *dir, strata_backend dialect, strata__migration **out, size_t *n);

/*
 * The same in two steps, for a caller that decides how to read the files
 * from how many there are: list the directory's *.sql names (the directory
 * stays open), then load them.  load_listed always frees the listing;
 * unlist frees one that is not loaded.
 */
typedef struct strata__mig_listing {
	DIR *d;
	char **names;
	bool *regular;
	size_t count;
} strata__mig_listing;
int strata__migrations_list(const char *dir, strata__mig_listing *l);
int strata__migrations_load_listed(strata__mig_listing *l, const char *dir, strata_backend dialect,
				   strata__migration **out, size_t *n);
void strata__migrations_unlist(strata__mig_listing *l);

/* Files before this many are read by the calling thread alone. */
#define STRATA__LOAD_PARALLEL_MIN 64
void strata__migrations_free(strata__migration *arr, size_t n);

#endif

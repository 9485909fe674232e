/*
 * Output helpers of the operations commands (health, stats, optimize,
 * backup, restore, branch): aligned tables, sizes, colours, progress.
 */
#ifndef STRATA_CLI_OPS_H
#define STRATA_CLI_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* "1.5 MB", "812 B": binary units, one decimal. */
void ops_bytes(int64_t bytes, char *buf, size_t cap);

/* "1,234,567". */
void ops_count(int64_t n, char *buf, size_t cap);

/* An aligned table: add a header, then rows; print pads every column. */
typedef struct ops_table {
	size_t ncols, nrows, cap;
	char **cells;	  /* (nrows + 1) * ncols, row 0 is the header */
	const char *align; /* per column: 'l' or 'r' */
	bool oom;
} ops_table;

void ops_table_init(ops_table *t, size_t ncols, const char *align, const char *const *headers);
/* Add a row of ncols strings (copied). */
void ops_table_row(ops_table *t, const char *const *cells);
/* Print with two spaces between columns; the header bold when `color`. */
void ops_table_print(ops_table *t, FILE *f, bool color, const char *indent);
void ops_table_free(ops_table *t);

/* ANSI colour escapes, or "" when colour is off. */
const char *ops_c(bool color, const char *code);
#define OPS_RESET "0"
#define OPS_BOLD "1"
#define OPS_DIM "2"
#define OPS_RED "31"
#define OPS_GREEN "32"
#define OPS_YELLOW "33"

/*
 * `url` for commands that only read: an SQLite file gets mode=rw (not
 * created when missing, journal mode left alone) unless the URL names a
 * mode.  A new string (free()), or NULL when out of memory.
 */
char *ops_url_no_create(const char *url);

/* True when stderr is a terminal (progress is shown only then). */
bool ops_progress_on(void);
/* Redraw a progress line on stderr: "label  42%" (frac < 0: no percentage). */
void ops_progress(const char *label, double frac);
/* Clear the progress line. */
void ops_progress_done(void);

#endif

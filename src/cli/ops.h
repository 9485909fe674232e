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

#include <strata.h>

/* "1.5 MB", "812 B": binary units, one decimal. */
void ops_bytes(int64_t bytes, char *buf, size_t cap);

/* "1,234,567". */
void ops_count(int64_t n, char *buf, size_t cap);

/* An aligned table: add a header, then rows; print pads every column. */
typedef struct ops_table {
	size_t ncols, nrows, cap;
	char **cells;	   /* (nrows + 1) * ncols, row 0 is the header */
	const char *align; /* per column: 'l' or 'r' */
	bool oom;
} ops_table;

void ops_table_init(ops_table *t, size_t ncols, const char *align, const char *const *headers);
/* Add a row of ncols strings (copied). */
void ops_table_row(ops_table *t, const char *const *cells);
/* Print with two spaces between columns; the header bold when `color`. */
void ops_table_print(ops_table *t, FILE *f, bool color, const char *indent);
void ops_table_free(ops_table *t);
/* Cut the last column's cells (with "...") so rows fit in `width` columns; it keeps at least 20. */
void ops_table_fit_last(ops_table *t, int width);
/* The terminal's width, else $COLUMNS, else 160. */
int ops_term_width(void);

/* ANSI colour escapes, or "" when colour is off. */
const char *ops_c(bool color, const char *code);
#define OPS_RESET  "0"
#define OPS_BOLD   "1"
#define OPS_DIM	   "2"
#define OPS_RED	   "31"
#define OPS_GREEN  "32"
#define OPS_YELLOW "33"

/* A command's connection, and the URL it shows for it. */
typedef struct ops_db {
	strata_db *db;
	char *url;   /* as the user gave it (--url, DATABASE_URL or .env) */
	char *shown; /* `url` with the password redacted: what output names */
} ops_db;

/* ops_db_open flags */
#define OPS_EXISTING 1u /* SQLite: a missing file is an error, its journal mode is left as it is */

/*
 * Resolve the URL (--url, DATABASE_URL, .env) and connect, with the
 * environment's options (DB_ECHO, ...).  Returns 0, or 1 after printing
 * why it failed (as JSON on stdout when `json`).  The URL shown is always
 * the user's, never one with parameters Strata added.  Close with
 * ops_db_close (also after a failure).
 */
int ops_db_open(ops_db *c, const char *flag_url, unsigned flags, bool json);
void ops_db_close(ops_db *c);

/* Write `s` as a JSON string, quoted and escaped. */
void ops_json_str(FILE *f, const char *s);

/* Print the last error as the command's failure: "strata: context: msg" on stderr, or {"error": ...} on stdout. */
void ops_fail(const char *context, bool json);

/* True when stderr is a terminal (progress is shown only then). */
bool ops_progress_on(void);
/* Redraw a progress line on stderr: "label  42%" (frac < 0: no percentage). */
void ops_progress(const char *label, double frac);
/* Clear the progress line. */
void ops_progress_done(void);

#endif

/*
 * strata/copy.h: bulk loading.  Rows are streamed into one table:
 * PostgreSQL receives them through `COPY ... FROM STDIN` in its binary
 * format (sent in chunks of about 64 KiB, never held whole), SQLite
 * through one prepared INSERT stepped once per row.  Generated insert_many
 * functions use it.
 *
 *   static const strata_copy_column cols[] = { { "id", STRATA_COPY_INT64 }, { "title", STRATA_COPY_TEXT } };
 *   strata_copy *cp;
 *   rc = strata_copy_begin(&cp, db, "tasks", cols, 2);
 *   for (...) {                       // the values of each row, in column order
 *       if (rc == STRATA_OK) rc = strata_copy_int64(cp, id);
 *       if (rc == STRATA_OK) rc = strata_copy_text(cp, title, -1);
 *   }
 *   if (rc == STRATA_OK) rc = strata_copy_end(cp, &n); else strata_copy_abort(cp);
 *
 * Copy inside a transaction and roll it back when a copy fails: on SQLite
 * the rows before a failure are already in the table.  On PostgreSQL a
 * failed COPY keeps none of its rows, and aborts the transaction around it.
 * Errors of the data (constraints, a value too long for its column) may
 * only be known at strata_copy_end().  While a copy is open, the
 * connection runs nothing else.  A copy belongs to its connection's thread.
 */
#ifndef STRATA_COPY_H
#define STRATA_COPY_H

#include "db.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A column's type as PostgreSQL stores it (the binary format depends on
 * it; SQLite ignores it).  Which value functions fit which type:
 * INT32/INT64/DOUBLE take int64 (and DOUBLE double); NUMERIC takes text
 * ("-12.50"), int64 or double; TEXT takes text (also an enum's label);
 * DATE takes "YYYY-MM-DD" text or a timestamp; TIMESTAMP a timestamp or
 * ISO-8601 text; UUID a uuid or its text; JSON (jsonb) JSON text; BYTES a
 * blob; the arrays their array function.  NULL fits every type.
 */
typedef enum strata_copy_type {
	STRATA_COPY_INT32 = 1,		/* integer */
	STRATA_COPY_INT64 = 2,		/* bigint */
	STRATA_COPY_DOUBLE = 3,		/* double precision */
	STRATA_COPY_NUMERIC = 4,	/* numeric(p,s) */
	STRATA_COPY_BOOL = 5,		/* boolean */
	STRATA_COPY_TEXT = 6,		/* text, varchar(n), an enum type */
	STRATA_COPY_BYTES = 7,		/* bytea */
	STRATA_COPY_TIMESTAMP = 8,	/* timestamptz */
	STRATA_COPY_DATE = 9,		/* date */
	STRATA_COPY_UUID = 10,		/* uuid */
	STRATA_COPY_JSON = 11,		/* jsonb */
	STRATA_COPY_TEXT_ARRAY = 12,	/* text[] */
	STRATA_COPY_VARCHAR_ARRAY = 13, /* varchar(n)[] */
	STRATA_COPY_INT32_ARRAY = 14,	/* integer[] */
	STRATA_COPY_INT64_ARRAY = 15,	/* bigint[] */
	STRATA_COPY_DOUBLE_ARRAY = 16	/* double precision[] */
} strata_copy_type;

typedef struct strata_copy_column {
	const char *name; /* the column, unquoted */
	strata_copy_type type;
} strata_copy_column;

typedef struct strata_copy strata_copy;

/*
 * Start copying rows into `table` (unquoted; quoted by Strata), giving the
 * values of `cols` in order for each row.  `cols` must outlive the copy.
 * Returns STRATA_OK, STRATA_EINVAL (no columns, a bad type), STRATA_ENOMEM,
 * or what the database says (an unknown table or column).
 */
STRATA_API int strata_copy_begin(strata_copy **out, strata_db *db, const char *table, const strata_copy_column *cols,
				 int ncols);

/*
 * The next value of the current row.  After the row's last column the row
 * is sent (SQLite: inserted).  Returns STRATA_OK, STRATA_ETYPE (the value
 * does not fit the column's type; the message names the column),
 * STRATA_EINVAL (text that is not a number, date or UUID; a NUL byte in
 * text for PostgreSQL; an integer out of range), STRATA_ENOMEM, or a
 * database failure.  After a failure, only strata_copy_abort() is left.
 */
STRATA_API int strata_copy_null(strata_copy *c);
STRATA_API int strata_copy_int64(strata_copy *c, int64_t v);
STRATA_API int strata_copy_double(strata_copy *c, double v);
STRATA_API int strata_copy_bool(strata_copy *c, bool v);
/* Text of `len` bytes (-1: up to the NUL); NULL is SQL NULL. */
STRATA_API int strata_copy_text(strata_copy *c, const char *s, ptrdiff_t len);
STRATA_API int strata_copy_blob(strata_copy *c, const void *p, size_t len);
STRATA_API int strata_copy_timestamp(strata_copy *c, strata_timestamp ts);
/* NULL is SQL NULL. */
STRATA_API int strata_copy_uuid(strata_copy *c, const strata_uuid *u);
/* JSON text; NULL is SQL NULL. */
STRATA_API int strata_copy_json(strata_copy *c, const char *json);
/* Arrays (SQLite stores them as JSON text, as generated code does). */
STRATA_API int strata_copy_text_array(strata_copy *c, const char *const *items, size_t n);
STRATA_API int strata_copy_int_array(strata_copy *c, const int64_t *items, size_t n);
STRATA_API int strata_copy_float_array(strata_copy *c, const double *items, size_t n);

/*
 * Finish: send what is left and wait for the database's answer.  *rows
 * (may be NULL) receives the number of rows copied.  The copy is freed
 * whatever the outcome.  Returns STRATA_OK, STRATA_EINVAL (a row left
 * incomplete), STRATA_ECONSTRAINT, STRATA_ETIMEOUT, or another failure.
 */
STRATA_API int strata_copy_end(strata_copy *c, int64_t *rows);
/* Give up: PostgreSQL's COPY fails (keeping none of its rows), SQLite stops.  Frees; accepts NULL. */
STRATA_API void strata_copy_abort(strata_copy *c);

/*
 * Take `n` new keys from the sequence behind `table`.`column` (a serial
 * or identity column) for rows about to be inserted with explicit keys:
 * ids[k * stride bytes] receives the k-th key, in ascending order (stride
 * sizeof(int64_t) for an array; sizeof(row) to write into rows).
 * PostgreSQL: nextval() n times, in one round trip per 10,000 keys.
 * SQLite: the keys after the largest used so far, which needs the write
 * transaction to be open already (strata_begin) so no one else takes them.
 * Returns STRATA_OK, STRATA_EINVAL (SQLite outside a transaction; a column
 * without a sequence), or a database failure.
 */
STRATA_API int strata_copy_reserve_ids(strata_db *db, const char *table, const char *column, size_t n, int64_t *ids,
				       size_t stride);

#ifdef __cplusplus
}
#endif
#endif

/*
 * Bulk loading (strata/copy.h).
 *
 * PostgreSQL: `COPY t (cols) FROM STDIN (FORMAT binary)` through the
 * driver's copy entry points.  Rows are encoded here in PostgreSQL's binary
 * COPY format (documented with the COPY command: a header, then per row a
 * 16-bit field count and per field a 32-bit length, -1 for NULL, and the
 * value in the type's binary send format, all big-endian; a -1 field count
 * ends the data) into a buffer handed to the driver every 64 KiB.
 * SQLite: one prepared `INSERT ... SELECT * FROM (VALUES (...), ...) LIMIT ?`
 * of up to 256 rows, bound row by row and stepped when full (the LIMIT takes
 * a last, shorter chunk through the same statement): a row at a time costs
 * SQLite a statement's start (cursors on the table and its indexes) per
 * row, about a third more time.
 *
 * Either way the copy is one statement for the query hook, echo and the
 * slow-query log, observed when it ends.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strata/copy.h>

#include "core/error.h"
#include "core/number.h"
#include "db/internal.h"

#define FLUSH_AT (64 * 1024)

/* OIDs of the array element types (pg_type.h; stable across versions). */
enum {
	OID_INT8 = 20,
	OID_INT4 = 23,
	OID_TEXT = 25,
	OID_FLOAT8 = 701,
	OID_VARCHAR = 1043
};

/* Microseconds and days between 1970-01-01 and PostgreSQL's epoch, 2000-01-01. */
#define PG_EPOCH_US   INT64_C(946684800000000)
#define PG_EPOCH_DAYS 10957

struct strata_copy {
	strata_db *db;
	const strata_copy_column *cols;
	int ncols;
	int col; /* the next column of the current row */
	int64_t rows;
	bool pg;
	bool failed;
	int64_t started_ns, deadline;
	char *table;
	char *sql;
	strata_buf buf; /* PostgreSQL: encoded rows not yet sent */
	void *stmt;	/* SQLite: the driver's INSERT of `chunk` rows */
	int chunk;	/* SQLite: rows a step inserts, at most */
	int pending;	/* SQLite: rows bound and not yet inserted */
};

/* SQLite: rows per statement, within its 32,766 parameters */
#define SQLITE_CHUNK 256

/* ---- small helpers ---- */

static int fail(strata_copy *c, int rc)
{
	c->failed = true;
	return rc;
}

static const char *col_name(const strata_copy *c)
{
	return c->cols[c->col].name;
}

static int mismatch(strata_copy *c, const char *given)
{
	return fail(c, strata__error_set(STRATA_ETYPE, "copy into %s.%s: %s does not fit the column's type", c->table,
					 col_name(c), given));
}

static void put_be(unsigned char *p, uint64_t v, int n)
{
	for (int k = n - 1; k >= 0; k--, v >>= 8)
		p[k] = (unsigned char)(v & 0xff);
}

static int put_int(strata_buf *b, uint64_t v, int n)
{
	unsigned char tmp[8];
	put_be(tmp, v, n);
	return strata__buf_append(b, tmp, (size_t)n);
}

/* A field: its 32-bit length, then its bytes. */
static int put_field(strata_buf *b, const void *p, size_t len)
{
	if (len > 0x7fffffff)
		return strata__error_set(STRATA_EINVAL, "value too large for PostgreSQL (%zu bytes)", len);
	int rc = put_int(b, len, 4);
	return rc == STRATA_OK ? strata__buf_append(b, p, len) : rc;
}

static void quote_ident(strata_buf *b, int *rc, const char *name)
{
	if (*rc != STRATA_OK)
		return;
	*rc = strata__buf_putc(b, '"');
	for (const char *p = name; *p && *rc == STRATA_OK; p++)
		*rc = *p == '"' ? strata__buf_puts(b, "\"\"") : strata__buf_putc(b, *p);
	if (*rc == STRATA_OK)
		*rc = strata__buf_putc(b, '"');
}

/* ---- values in PostgreSQL's binary form ---- */

/*
 * numeric: int16 ndigits, int16 weight (of the first base-10000 digit),
 * int16 sign, int16 display scale, then the base-10000 digits.  The server
 * rounds to the column's scale and checks its precision.
 */
static int numeric_field(strata_buf *b, const char *s, size_t len, bool *syntax)
{
	*syntax = true;
	while (len && (*s == ' ' || *s == '\t' || *s == '\n'))
		s++, len--;
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n'))
		len--;
	uint16_t sign = 0;
	if (len == 3 && strncasecmp(s, "nan", 3) == 0)
		sign = 0xC000;
	else if ((len == 8 && strncasecmp(s, "infinity", 8) == 0) || (len == 9 && strncasecmp(s, "+infinity", 9) == 0))
		sign = 0xD000;
	else if (len == 9 && strncasecmp(s, "-infinity", 9) == 0)
		sign = 0xF000;
	if (sign) {
		unsigned char h[8];
		put_be(h, 0, 2);
		put_be(h + 2, 0, 2);
		put_be(h + 4, sign, 2);
		put_be(h + 6, 0, 2);
		return put_field(b, h, 8);
	}
	size_t i = 0;
	if (i < len && (s[i] == '+' || s[i] == '-'))
		sign = s[i++] == '-' ? 0x4000 : 0;
	/* the digits without the point, and where the point is */
	char digits[1100];
	size_t nd = 0;
	long point = -1;
	bool any = false;
	for (; i < len; i++) {
		if (s[i] >= '0' && s[i] <= '9') {
			if (nd + 1 >= sizeof digits)
				return strata__error_set(STRATA_EINVAL, "numeric value too long");
			digits[nd++] = s[i];
			any = true;
		} else if (s[i] == '.' && point < 0) {
			point = (long)nd;
		} else {
			break;
		}
	}
	if (point < 0)
		point = (long)nd;
	if (!any)
		return STRATA_EINVAL;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		bool neg = false;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			neg = s[i++] == '-';
		long e = 0;
		bool edig = false;
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			edig = true;
			if (e < 100000)
				e = e * 10 + (s[i] - '0');
		}
		if (!edig || e > 1000)
			return STRATA_EINVAL;
		point += neg ? -e : e;
	}
	if (i != len)
		return STRATA_EINVAL;
	*syntax = false;
	long dscale = (long)nd - point;
	if (dscale < 0)
		dscale = 0;
	/* digit k of the value has position point-1-k (10^x); group by 4 from the point */
	long first = point > 0 ? point : 0; /* digits before the point, at least */
	long lead = (4 - first % 4) % 4;    /* zeros to add in front */
	long intdigits = first + lead;	    /* a multiple of 4 */
	long total_frac = (long)nd - point > 0 ? (long)nd - point : 0;
	long fracdigits = (total_frac + 3) / 4 * 4;
	long ngroups = (intdigits + fracdigits) / 4;
	if (ngroups > 4000)
		return strata__error_set(STRATA_EINVAL, "numeric value too long");
	uint16_t groups[4000];
	for (long g = 0; g < ngroups; g++) {
		int v = 0;
		for (int k = 0; k < 4; k++) {
			/* position from the left of the padded string; map back to digits[] */
			long pos = g * 4 + k - lead; /* index among digits before/after point, point-aligned */
			/* pos counts from the first integer digit (or the point when there are none) */
			long idx = pos - (first - point); /* into digits[] */
			int d = idx >= 0 && idx < (long)nd ? digits[idx] - '0' : 0;
			v = v * 10 + d;
		}
		groups[g] = (uint16_t)v;
	}
	long weight = intdigits / 4 - 1;
	long start = 0, end = ngroups;
	while (start < end && groups[start] == 0) {
		start++;
		weight--;
	}
	while (end > start && groups[end - 1] == 0)
		end--;
	if (start == end) {
		weight = 0;
		sign = 0;
	}
	long n = end - start;
	int rc = put_int(b, (uint64_t)(8 + 2 * n), 4);
	if (rc == STRATA_OK)
		rc = put_int(b, (uint64_t)n, 2);
	if (rc == STRATA_OK)
		rc = put_int(b, (uint64_t)(uint16_t)(int16_t)weight, 2);
	if (rc == STRATA_OK)
		rc = put_int(b, sign, 2);
	if (rc == STRATA_OK)
		rc = put_int(b, (uint64_t)dscale, 2);
	for (long g = start; rc == STRATA_OK && g < end; g++)
		rc = put_int(b, groups[g], 2);
	return rc;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* "YYYY-MM-DD" (or infinity, -infinity) as PostgreSQL's date: days since 2000-01-01. */
static bool parse_date(const char *s, size_t len, int32_t *out)
{
	if (len == 8 && strncasecmp(s, "infinity", 8) == 0) {
		*out = INT32_MAX;
		return true;
	}
	if (len == 9 && strncasecmp(s, "-infinity", 9) == 0) {
		*out = INT32_MIN;
		return true;
	}
	int y = 0, m = 0, d = 0, used = 0;
	if (len < 10 || len > 12 || sscanf(s, "%d-%2d-%2d%n", &y, &m, &d, &used) != 3 || (size_t)used != len || y < 1 ||
	    m < 1 || m > 12 || d < 1)
		return false;
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > mdays[m - 1] + (m == 2 && leap))
		return false;
	*out = (int32_t)(days_from_civil(y, (unsigned)m, (unsigned)d) - PG_EPOCH_DAYS);
	return true;
}

static int array_header(strata_buf *b, size_t n, unsigned oid, size_t payload, bool has_nulls)
{
	/* ndim, has-nulls flag, element type, then per dimension its size and lower bound */
	size_t head = n ? 20 : 12;
	if (head + payload > 0x7fffffff)
		return strata__error_set(STRATA_EINVAL, "array too large for PostgreSQL");
	int rc = put_int(b, head + payload, 4);
	if (rc == STRATA_OK)
		rc = put_int(b, n ? 1 : 0, 4);
	if (rc == STRATA_OK)
		rc = put_int(b, has_nulls ? 1 : 0, 4);
	if (rc == STRATA_OK)
		rc = put_int(b, oid, 4);
	if (rc == STRATA_OK && n) {
		rc = put_int(b, n, 4);
		if (rc == STRATA_OK)
			rc = put_int(b, 1, 4);
	}
	return rc;
}

/* ---- the row machinery ---- */

static int flush(strata_copy *c)
{
	if (c->buf.len == 0)
		return STRATA_OK;
	int rc = c->db->drv->copy_data(c->db->conn, c->buf.ptr, c->buf.len);
	strata__buf_clear(&c->buf);
	return rc;
}

/* After a value: the next column, and the end of the row. */
/* SQLite: insert the rows bound so far. */
static int sqlite_flush(strata_copy *c)
{
	if (c->pending == 0)
		return STRATA_OK;
	int rc = c->db->drv->bind(c->stmt, c->chunk * c->ncols + 1, &STRATA_INT(c->pending));
	if (rc == STRATA_OK)
		rc = c->db->drv->step(c->stmt, c->deadline);
	c->db->drv->reset(c->stmt);
	c->pending = 0;
	return rc == STRATA_DONE || rc == STRATA_ROW ? STRATA_OK : rc;
}

static int advance(strata_copy *c)
{
	if (++c->col < c->ncols)
		return STRATA_OK;
	c->col = 0;
	c->rows++;
	if (c->pg)
		return c->buf.len >= FLUSH_AT ? flush(c) : STRATA_OK;
	return ++c->pending == c->chunk ? sqlite_flush(c) : STRATA_OK;
}

/* The start of a value: the row's field count first (PostgreSQL). */
static int value_start(strata_copy *c)
{
	if (!c)
		return strata__error_set(STRATA_EINVAL, "strata_copy: NULL copy");
	if (c->failed)
		return strata__error_set(STRATA_EINVAL, "strata_copy: the copy failed before; abort it");
	if (c->pg && c->col == 0)
		return put_int(&c->buf, (uint64_t)c->ncols, 2);
	return STRATA_OK;
}

/* Bind one value on SQLite, or append a prepared binary field on PostgreSQL, and move on. */
static int finish_value(strata_copy *c, int rc)
{
	if (rc == STRATA_OK)
		rc = advance(c);
	return rc == STRATA_OK ? STRATA_OK : fail(c, rc);
}

static int sqlite_bind(strata_copy *c, const strata_value *v)
{
	return finish_value(c, c->db->drv->bind(c->stmt, c->pending * c->ncols + c->col + 1, v));
}

/* ---- values ---- */

int strata_copy_null(strata_copy *c)
{
	int rc = value_start(c);
	if (rc != STRATA_OK)
		return c ? fail(c, rc) : rc;
	if (!c->pg)
		return sqlite_bind(c, &STRATA_NULL);
	return finish_value(c, put_int(&c->buf, 0xffffffffu, 4));
}

int strata_copy_int64(strata_copy *c, int64_t v)
{
	int rc = value_start(c);
	if (rc != STRATA_OK)
		return c ? fail(c, rc) : rc;
	strata_copy_type t = c->cols[c->col].type;
	if (!c->pg)
		return sqlite_bind(c, t == STRATA_COPY_DOUBLE ? &STRATA_DOUBLE((double)v) : &STRATA_INT(v));
	switch (t) {
	case STRATA_COPY_INT32:
		if (v < INT32_MIN || v > INT32_MAX)
			return fail(c, strata__error_set_db(STRATA_EINVAL, 0, "22003", NULL,
							    "copy into %s.%s: %lld is out of range for type integer",
							    c->table, col_name(c), (long long)v));
		rc = put_int(&c->buf, 4, 4);
		return finish_value(c, rc == STRATA_OK ? put_int(&c->buf, (uint64_t)(uint32_t)(int32_t)v, 4) : rc);
	case STRATA_COPY_INT64:
		rc = put_int(&c->buf, 8, 4);
		return finish_value(c, rc == STRATA_OK ? put_int(&c->buf, (uint64_t)v, 8) : rc);
	case STRATA_COPY_DOUBLE: return strata_copy_double(c, (double)v);
	case STRATA_COPY_NUMERIC: {
		char text[32];
		snprintf(text, sizeof text, "%lld", (long long)v);
		return strata_copy_text(c, text, -1);
	}
	default: return mismatch(c, "an integer");
	}
}

int strata_copy_double(strata_copy *c, double v)
{
	int rc = value_start(c);
	if (rc != STRATA_OK)
		return c ? fail(c, rc) : rc;
	strata_copy_type t = c->cols[c->col].type;
	if (!c->pg)
		return sqlite_bind(c, &STRATA_DOUBLE(v));
	if (t == STRATA_COPY_NUMERIC) {
		char text[40];
		if (isnan(v))
			snprintf(text, sizeof text, "NaN");
		else if (isinf(v))
			snprintf(text, sizeof text, "%sInfinity", v < 0 ? "-" : "");
		else
			strata__double_text(v, text);
		return strata_copy_text(c, text, -1);
	}
	if (t != STRATA_COPY_DOUBLE)
		return mismatch(c, "a double");
	uint64_t bits;
	memcpy(&bits, &v, sizeof bits);
	rc = put_int(&c->buf, 8, 4);
	return finish_value(c, rc == STRATA_OK ? put_int(&c->buf, bits, 8) : rc);
}

int strata_copy_bool(strata_copy *c, bool v)
{
	int rc = value_start(c);
	if (rc != STRATA_OK)
		return c ? fail(c, rc) : rc;
	if (!c->pg)
		return sqlite_bind(c, &STRATA_BOOL(v));
	if (c->cols[c->col].type != STRATA_COPY_BOOL)
		return mismatch(c, "a boolean");
	unsigned char byte = v ? 1 : 0;
	return finish_value(c, put_field(&c->buf, &byte, 1));
}

static int text_value(strata_copy *c, const char *s, size_t len, bool json)
{
	strata_copy_type t = c->cols[c->col].type;
	if (!c->pg) {
		strata_value v = { .type = json ? STRATA_TYPE_JSON : STRATA_TYPE_TEXT };
		v.v.blob.p = s;
		v.v.blob.len = len;
		if (t == STRATA_COPY_BYTES)
			return mismatch(c, "text");
		return sqlite_bind(c, &v);
	}
	if (memchr(s, '\0', len))
		return fail(c, strata__error_set(STRATA_EINVAL,
						 "copy into %s.%s: PostgreSQL text cannot contain NUL bytes", c->table,
						 col_name(c)));
	switch (t) {
	case STRATA_COPY_TEXT: return finish_value(c, put_field(&c->buf, s, len));
	case STRATA_COPY_JSON: {
		/* jsonb's binary form: a version byte (1), then the text */
		int rc = put_int(&c->buf, len + 1, 4);
		if (rc == STRATA_OK)
			rc = strata__buf_putc(&c->buf, 1);
		return finish_value(c, rc == STRATA_OK ? strata__buf_append(&c->buf, s, len) : rc);
	}
	case STRATA_COPY_NUMERIC: {
		bool syntax;
		int rc = numeric_field(&c->buf, s, len, &syntax);
		if (rc != STRATA_OK && syntax)
			return fail(c, strata__error_set_db(
					       STRATA_EINVAL, 0, "22P02", NULL,
					       "copy into %s.%s: invalid input syntax for type numeric: \"%.*s\"",
					       c->table, col_name(c), (int)(len > 100 ? 100 : len), s));
		return finish_value(c, rc);
	}
	case STRATA_COPY_DATE: {
		int32_t days;
		if (!parse_date(s, len, &days))
			return fail(c, strata__error_set_db(STRATA_EINVAL, 0, "22007", NULL,
							    "copy into %s.%s: date \"%.*s\" is not YYYY-MM-DD",
							    c->table, col_name(c), (int)(len > 100 ? 100 : len), s));
		int rc = put_int(&c->buf, 4, 4);
		return finish_value(c, rc == STRATA_OK ? put_int(&c->buf, (uint64_t)(uint32_t)days, 4) : rc);
	}
	case STRATA_COPY_TIMESTAMP: {
		strata_timestamp ts;
		if (strata_timestamp_parse(s, len, &ts) != STRATA_OK)
			return fail(c, strata__error_set_db(STRATA_EINVAL, 0, "22007", NULL,
							    "copy into %s.%s: \"%.*s\" is not an ISO-8601 timestamp",
							    c->table, col_name(c), (int)(len > 100 ? 100 : len), s));
		int rc = put_int(&c->buf, 8, 4);
		return finish_value(c, rc == STRATA_OK ? put_int(&c->buf, (uint64_t)(ts - PG_EPOCH_US), 8) : rc);
	}
	case STRATA_COPY_UUID: {
		strata_uuid u;
		if (strata_uuid_parse(s, len, &u) != STRATA_OK)
			return fail(
				c, strata__error_set_db(STRATA_EINVAL, 0, "22P02", NULL,
							"copy into %s.%s: invalid input syntax for type uuid: \"%.*s\"",
							c->table, col_name(c), (int)(len > 100 ? 100 : len), s));
		return finish_value(c, put_field(&c->buf, u.bytes, 16));
	}
	default: return mismatch(c, "text");
	}
}

int strata_copy_text(strata_copy *c, const char *s, ptrdiff_t len)
{
	if (!s)
		return strata_copy_null(c);
	int rc = value_start(c);
	if (rc != STRATA_OK)
		return c ? fail(c, rc) : rc;
	return text_value(c, s, len < 0 ? strlen(s) : (size_t)len, false);
}

int strata_copy_json(strata_copy *c, const char *json)
{
	if (!json)
		return strata_copy_null(c);
	int rc = value_start(c);
	if (rc != STRATA_OK)
		return c ? fail(c, rc) : rc;
	return text_value(c, json, strlen(json), true);
}

int strata_copy_blob(strata_copy *c, const void *p, size_t len)
{
	if (!p && len)
		return strata__error_set(STRATA_EINVAL, "strata_copy_blob: NULL pointer with length %zu", len);
	int rc = value_start(c);
	if (rc != STRATA_OK)
		return c ? fail(c, rc) : rc;
	if (!c->pg)
		return sqlite_bind(c, &STRATA_BLOB(p, len));
	if (c->cols[c->col].type != STRATA_COPY_BYTES)
		return mismatch(c, "a blob");
	return finish_value(c, put_field(&c->buf, p ? p : "", len));
}

int strata_copy_timestamp(strata_copy *c, strata_timestamp ts)
{
	int rc = value_start(c);
	if (rc != STRATA_OK)
		return c ? fail(c, rc) : rc;
	strata_copy_type t = c->cols[c->col].type;
	if (t == STRATA_COPY_DATE) {
		int64_t days = ts / 86400000000 - (ts % 86400000000 < 0);
		if (!c->pg) {
			char text[STRATA_TIMESTAMP_BUFSZ];
			strata_timestamp_format(days * 86400000000, text);
			text[10] = '\0';
			strata_value v = { .type = STRATA_TYPE_TEXT };
			v.v.blob.p = text;
			v.v.blob.len = 10;
			return sqlite_bind(c, &v);
		}
		rc = put_int(&c->buf, 4, 4);
		return finish_value(c, rc == STRATA_OK ? put_int(&c->buf, (uint64_t)(uint32_t)(days - PG_EPOCH_DAYS), 4)
						       : rc);
	}
	if (!c->pg)
		return sqlite_bind(c, &STRATA_TIMESTAMP(ts));
	if (t != STRATA_COPY_TIMESTAMP)
		return mismatch(c, "a timestamp");
	rc = put_int(&c->buf, 8, 4);
	return finish_value(c, rc == STRATA_OK ? put_int(&c->buf, (uint64_t)(ts - PG_EPOCH_US), 8) : rc);
}

int strata_copy_uuid(strata_copy *c, const strata_uuid *u)
{
	if (!u)
		return strata_copy_null(c);
	int rc = value_start(c);
	if (rc != STRATA_OK)
		return c ? fail(c, rc) : rc;
	if (!c->pg)
		return sqlite_bind(c, &STRATA_UUID(u));
	if (c->cols[c->col].type != STRATA_COPY_UUID)
		return mismatch(c, "a uuid");
	return finish_value(c, put_field(&c->buf, u->bytes, 16));
}

/* SQLite keeps arrays as JSON text, written as the generated code's binds write them (jansson, compact). */
static int sqlite_json_array(strata_copy *c, json_t *arr)
{
	char *s = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
	json_decref(arr);
	if (!s)
		return fail(c, strata__error_nomem());
	strata_value v = { .type = STRATA_TYPE_TEXT };
	v.v.blob.p = s;
	v.v.blob.len = strlen(s);
	int rc = sqlite_bind(c, &v);
	free(s);
	return rc;
}

int strata_copy_text_array(strata_copy *c, const char *const *items, size_t n)
{
	int rc = value_start(c);
	if (rc != STRATA_OK)
		return c ? fail(c, rc) : rc;
	strata_copy_type t = c->cols[c->col].type;
	if (!c->pg) {
		json_t *arr = json_array();
		for (size_t k = 0; arr && k < n; k++)
			if (json_array_append_new(arr, items[k] ? json_string(items[k]) : json_null()) != 0) {
				json_decref(arr);
				arr = NULL;
			}
		return sqlite_json_array(c, arr);
	}
	if (t != STRATA_COPY_TEXT_ARRAY && t != STRATA_COPY_VARCHAR_ARRAY)
		return mismatch(c, "a text array");
	size_t payload = 0;
	bool nulls = false;
	for (size_t k = 0; k < n; k++) {
		size_t len = items[k] ? strlen(items[k]) : 0;
		payload += 4 + len;
		nulls |= !items[k];
	}
	rc = array_header(&c->buf, n, t == STRATA_COPY_TEXT_ARRAY ? OID_TEXT : OID_VARCHAR, payload, nulls);
	for (size_t k = 0; rc == STRATA_OK && k < n; k++)
		rc = items[k] ? put_field(&c->buf, items[k], strlen(items[k])) : put_int(&c->buf, 0xffffffffu, 4);
	return finish_value(c, rc);
}

int strata_copy_int_array(strata_copy *c, const int64_t *items, size_t n)
{
	int rc = value_start(c);
	if (rc != STRATA_OK)
		return c ? fail(c, rc) : rc;
	strata_copy_type t = c->cols[c->col].type;
	if (!c->pg) {
		json_t *arr = json_array();
		for (size_t k = 0; arr && k < n; k++)
			if (json_array_append_new(arr, json_integer(items[k])) != 0) {
				json_decref(arr);
				arr = NULL;
			}
		return sqlite_json_array(c, arr);
	}
	if (t != STRATA_COPY_INT32_ARRAY && t != STRATA_COPY_INT64_ARRAY)
		return mismatch(c, "an integer array");
	int w = t == STRATA_COPY_INT32_ARRAY ? 4 : 8;
	for (size_t k = 0; w == 4 && k < n; k++)
		if (items[k] < INT32_MIN || items[k] > INT32_MAX)
			return fail(c, strata__error_set_db(STRATA_EINVAL, 0, "22003", NULL,
							    "copy into %s.%s: %lld is out of range for type integer",
							    c->table, col_name(c), (long long)items[k]));
	rc = array_header(&c->buf, n, w == 4 ? OID_INT4 : OID_INT8, n * (size_t)(4 + w), false);
	for (size_t k = 0; rc == STRATA_OK && k < n; k++) {
		rc = put_int(&c->buf, (uint64_t)w, 4);
		if (rc == STRATA_OK)
			rc = put_int(&c->buf, w == 4 ? (uint64_t)(uint32_t)(int32_t)items[k] : (uint64_t)items[k], w);
	}
	return finish_value(c, rc);
}

int strata_copy_float_array(strata_copy *c, const double *items, size_t n)
{
	int rc = value_start(c);
	if (rc != STRATA_OK)
		return c ? fail(c, rc) : rc;
	if (!c->pg) {
		json_t *arr = json_array();
		for (size_t k = 0; arr && k < n; k++)
			if (json_array_append_new(arr, json_real(items[k])) != 0) {
				json_decref(arr);
				arr = NULL;
			}
		return sqlite_json_array(c, arr);
	}
	if (c->cols[c->col].type != STRATA_COPY_DOUBLE_ARRAY)
		return mismatch(c, "a float array");
	rc = array_header(&c->buf, n, OID_FLOAT8, n * 12, false);
	for (size_t k = 0; rc == STRATA_OK && k < n; k++) {
		uint64_t bits;
		memcpy(&bits, &items[k], sizeof bits);
		rc = put_int(&c->buf, 8, 4);
		if (rc == STRATA_OK)
			rc = put_int(&c->buf, bits, 8);
	}
	return finish_value(c, rc);
}

/* ---- begin and end ---- */

static void copy_free(strata_copy *c)
{
	if (c->stmt)
		c->db->drv->finalize(c->stmt);
	strata__buf_free(&c->buf);
	free(c->table);
	free(c->sql);
	free(c);
}

int strata_copy_begin(strata_copy **out, strata_db *db, const char *table, const strata_copy_column *cols, int ncols)
{
	if (!out)
		return strata__error_set(STRATA_EINVAL, "strata_copy_begin: out is NULL");
	*out = NULL;
	if (!db || !table || !cols || ncols <= 0 || ncols > 1600)
		return strata__error_set(STRATA_EINVAL, "strata_copy_begin: %s",
					 !db	  ? "db is NULL"
					 : !table ? "table is NULL"
						  : "needs 1 to 1600 columns");
	for (int k = 0; k < ncols; k++)
		if (!cols[k].name || cols[k].type < STRATA_COPY_INT32 || cols[k].type > STRATA_COPY_DOUBLE_ARRAY)
			return strata__error_set(STRATA_EINVAL,
						 "strata_copy_begin: column %d of %s has no name or a bad type", k,
						 table);
	bool pg = db->drv->backend == STRATA_BACKEND_POSTGRES;
	if (pg && !db->drv->copy_begin)
		return strata__error_set(STRATA_EUNSUPPORTED, "strata_copy_begin: the %s driver cannot copy",
					 db->drv->name);
	strata_copy *c = calloc(1, sizeof *c);
	if (!c)
		return strata__error_nomem();
	c->db = db;
	c->cols = cols;
	c->ncols = ncols;
	c->pg = pg;
	c->started_ns = strata__db_timing(db) ? strata__monotonic_ns() : 0;
	c->deadline = db->timeout_ms ? strata__monotonic_us() + (int64_t)db->timeout_ms * 1000 : 0;
	c->table = strata__strdup(table);
	strata_buf sql = STRATA_BUF_INIT;
	int rc = c->table ? STRATA_OK : STRATA_ENOMEM;
	if (rc == STRATA_OK)
		rc = strata__buf_puts(&sql, pg ? "COPY " : "INSERT INTO ");
	quote_ident(&sql, &rc, table);
	for (int k = 0; k < ncols && rc == STRATA_OK; k++) {
		rc = strata__buf_puts(&sql, k ? ", " : " (");
		quote_ident(&sql, &rc, cols[k].name);
	}
	if (rc == STRATA_OK)
		rc = strata__buf_puts(&sql, pg ? ") FROM STDIN (FORMAT binary)" : ") SELECT * FROM (VALUES ");
	c->chunk = 32000 / ncols < SQLITE_CHUNK ? 32000 / ncols : SQLITE_CHUNK;
	for (int r = 0; !pg && r < c->chunk && rc == STRATA_OK; r++)
		for (int k = 0; k < ncols && rc == STRATA_OK; k++)
			rc = strata__buf_puts(&sql, k ? ", ?" : r ? "), (?" : "(?");
	if (rc == STRATA_OK && !pg)
		rc = strata__buf_puts(&sql, ")) LIMIT ?");
	if (rc != STRATA_OK) {
		strata__buf_free(&sql);
		copy_free(c);
		return rc;
	}
	c->sql = strata__buf_detach(&sql);
	if (!c->sql) {
		copy_free(c);
		return STRATA_ENOMEM;
	}
	if (pg) {
		/* the header: signature, flags, header extension length */
		static const unsigned char sig[] = { 'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xff, '\r', '\n',
						     0,	  0,   0,   0,	 0,   0,   0,	 0,    0 };
		rc = db->drv->copy_begin(db->conn, c->sql, c->deadline);
		if (rc == STRATA_OK)
			rc = strata__buf_append(&c->buf, sig, sizeof sig);
	} else {
		rc = db->drv->prepare(db->conn, c->sql, c->chunk * ncols + 1, false, &c->stmt);
	}
	if (rc != STRATA_OK) {
		if (c->started_ns)
			strata__db_observe(db, c->sql, NULL, c->started_ns, 0, rc);
		copy_free(c);
		return rc;
	}
	*out = c;
	return STRATA_OK;
}

int strata_copy_end(strata_copy *c, int64_t *rows)
{
	if (rows)
		*rows = 0;
	if (!c)
		return strata__error_set(STRATA_EINVAL, "strata_copy_end: NULL copy");
	int rc = STRATA_OK;
	if (c->failed)
		rc = strata__error_set(STRATA_EINVAL, "strata_copy_end: the copy failed before; abort it");
	else if (c->col != 0)
		rc = strata__error_set(STRATA_EINVAL, "copy into %s: the last row has %d of its %d values", c->table,
				       c->col, c->ncols);
	int64_t n = c->rows;
	if (!c->pg && rc == STRATA_OK)
		rc = sqlite_flush(c);
	if (c->pg) {
		if (rc == STRATA_OK)
			rc = put_int(&c->buf, 0xffff, 2);
		if (rc == STRATA_OK)
			rc = flush(c);
		if (rc == STRATA_OK) {
			rc = c->db->drv->copy_end(c->db->conn, NULL, c->deadline, &n);
		} else {
			strata__error_saved saved;
			strata__error_save(&saved);
			int64_t ignored;
			c->db->drv->copy_end(c->db->conn, "strata_copy: the client gave up", c->deadline, &ignored);
			strata__error_restore(&saved);
		}
	}
	if (c->started_ns)
		strata__db_observe(c->db, c->sql, NULL, c->started_ns, rc == STRATA_OK ? n : 0, rc);
	copy_free(c);
	if (rc == STRATA_OK && rows)
		*rows = n;
	return rc;
}

void strata_copy_abort(strata_copy *c)
{
	if (!c)
		return;
	strata__error_saved saved;
	strata__error_save(&saved);
	if (c->pg) {
		int64_t ignored;
		c->db->drv->copy_end(c->db->conn, "strata_copy: aborted", c->deadline, &ignored);
	}
	if (c->started_ns)
		strata__db_observe(c->db, c->sql, NULL, c->started_ns, 0, STRATA_ERROR);
	strata__error_restore(&saved);
	copy_free(c);
}

/* ---- keys ---- */

static void put_id(int64_t *ids, size_t stride, size_t k, int64_t v)
{
	memcpy((char *)ids + k * stride, &v, sizeof v);
}

int strata_copy_reserve_ids(strata_db *db, const char *table, const char *column, size_t n, int64_t *ids, size_t stride)
{
	if (!db || !table || !column || (!ids && n))
		return strata__error_set(STRATA_EINVAL, "strata_copy_reserve_ids: a NULL argument");
	if (stride < sizeof(int64_t))
		return strata__error_set(STRATA_EINVAL, "strata_copy_reserve_ids: stride %zu is less than 8", stride);
	if (n == 0)
		return STRATA_OK;
	strata_buf q = STRATA_BUF_INIT;
	int rc = STRATA_OK;
	quote_ident(&q, &rc, table);
	if (rc != STRATA_OK)
		return rc;
	if (db->drv->backend == STRATA_BACKEND_SQLITE) {
		if (!strata_in_transaction(db)) {
			strata__buf_free(&q);
			return strata__error_set(
				STRATA_EINVAL,
				"strata_copy_reserve_ids: on SQLite the keys are only reserved inside a write "
				"transaction (strata_begin first)");
		}
		/* AUTOINCREMENT's rule: after the largest key ever used (sqlite_sequence) or present */
		int64_t has_seq = 0, last = 0;
		rc = strata_query_int64(
			db, &has_seq,
			"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'", NULL,
			0);
		strata_buf sql = STRATA_BUF_INIT;
		if (rc == STRATA_OK)
			rc = strata__buf_printf(
				&sql, "SELECT max(%s, coalesce((SELECT max(",
				has_seq ? "coalesce((SELECT seq FROM sqlite_sequence WHERE name = ?), 0)" : "0");
		quote_ident(&sql, &rc, column);
		if (rc == STRATA_OK)
			rc = strata__buf_printf(&sql, ") FROM %s), 0))", strata__buf_cstr(&q));
		if (rc == STRATA_OK) {
			strata_value v = STRATA_TEXT(table);
			rc = strata_query_int64(db, &last, sql.ptr, &v, has_seq ? 1 : 0);
		}
		strata__buf_free(&sql);
		for (size_t k = 0; rc == STRATA_OK && k < n; k++)
			put_id(ids, stride, k, last + 1 + (int64_t)k);
		strata__buf_free(&q);
		return rc;
	}
	/* PostgreSQL: nextval in batches, sorted so keys ascend with the rows */
	const char *sql = "SELECT nextval(s) FROM (SELECT pg_get_serial_sequence(?, ?)::regclass AS s) q, "
			  "generate_series(1, ?) ORDER BY 1";
	int64_t *chunk = malloc(10000 * sizeof *chunk);
	if (!chunk) {
		strata__buf_free(&q);
		return strata__error_nomem();
	}
	for (size_t done = 0; rc == STRATA_OK && done < n;) {
		size_t k = n - done < 10000 ? n - done : 10000;
		strata_stmt *st = NULL;
		rc = strata_prepare(&st, db, sql);
		if (rc == STRATA_OK)
			rc = strata_bind_text(st, 1, strata__buf_cstr(&q), -1);
		if (rc == STRATA_OK)
			rc = strata_bind_text(st, 2, column, -1);
		if (rc == STRATA_OK)
			rc = strata_bind_int64(st, 3, (int64_t)k);
		size_t got = 0;
		while (rc == STRATA_OK && (rc = strata_step(st)) == STRATA_ROW) {
			if (strata_column_is_null(st, 0)) {
				rc = strata__error_set(STRATA_EINVAL, "strata_copy_reserve_ids: %s.%s has no sequence",
						       table, column);
				break;
			}
			if (got < k && (rc = strata_column_int64(st, 0, &chunk[got])) == STRATA_OK)
				got++;
		}
		if (rc == STRATA_DONE)
			rc = got == k ? STRATA_OK
				      : strata__error_set(STRATA_EINVAL,
							  "strata_copy_reserve_ids: %s.%s has no sequence", table,
							  column);
		strata_finalize(st);
		if (rc == STRATA_OK) {
			for (size_t i = 0; i < k; i++)
				put_id(ids, stride, done + i, chunk[i]);
			done += k;
		}
	}
	free(chunk);
	strata__buf_free(&q);
	return rc;
}

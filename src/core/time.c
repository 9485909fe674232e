/*
 * Timestamps: microseconds since the Unix epoch, formatted and parsed as
 * ISO-8601 UTC.  Calendar arithmetic uses the proleptic Gregorian calendar
 * (days-from-civil in closed form), so no time zone database is touched.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <strata/value.h>

#include "core/error.h"

strata_timestamp strata_timestamp_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Days since 1970-01-01 of a civil date. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

void strata_timestamp_format(strata_timestamp ts, char buf[STRATA_TIMESTAMP_BUFSZ])
{
	int64_t secs = floor_div(ts, 1000000);
	int64_t usec = ts - secs * 1000000;
	int64_t days = floor_div(secs, 86400);
	int64_t sod = secs - days * 86400;
	int64_t y;
	int m, d;
	civil_from_days(days, &y, &m, &d);
	if (y >= 0 && y <= 9999) { /* the usual case, without snprintf (status prints thousands of them) */
		unsigned f[] = { (unsigned)y,
				 (unsigned)m,
				 (unsigned)d,
				 (unsigned)(sod / 3600),
				 (unsigned)(sod / 60 % 60),
				 (unsigned)(sod % 60),
				 (unsigned)usec };
		static const int width[] = { 4, 2, 2, 2, 2, 2, 6 };
		static const char after[] = { '-', '-', 'T', ':', ':', '.', 'Z' };
		char *p = buf;
		for (int i = 0; i < 7; i++) {
			for (int k = width[i] - 1; k >= 0; k--, f[i] /= 10)
				p[k] = (char)('0' + f[i] % 10);
			p += width[i];
			*p++ = after[i];
		}
		*p = '\0';
		return;
	}
	snprintf(buf, STRATA_TIMESTAMP_BUFSZ, "%04lld-%02u-%02uT%02u:%02u:%02u.%06uZ", (long long)y, (unsigned)m & 15,
		 (unsigned)d & 31, (unsigned)(sod / 3600) % 24, (unsigned)(sod / 60 % 60), (unsigned)(sod % 60),
		 (unsigned)usec % 1000000);
}

static int digits(const char *s, size_t len, size_t *pos, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (*pos >= len || s[*pos] < '0' || s[*pos] > '9')
			return -1;
		v = v * 10 + (s[(*pos)++] - '0');
	}
	*out = v;
	return 0;
}

static int days_in_month(int64_t y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dm[m - 1];
}

static inline int d2(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/* s[0..27) has the shape "dddd-dd-ddTdd:dd:dd.ddddddZ". */
static inline bool canonical_shape(const char *s)
{
	static const uint32_t digits = 0x3f6db6f; /* bit i set: s[i] is a digit (i < 27) */
	if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != '.' || s[26] != 'Z')
		return false;
	for (int i = 0; i < 26; i++)
		if ((digits >> i & 1) && (unsigned)(s[i] - '0') > 9)
			return false;
	return true;
}

int strata_timestamp_parse(const char *s, size_t len, strata_timestamp *out)
{
	/* the form Strata itself writes: "YYYY-MM-DDTHH:MM:SS.ffffffZ" */
	if (len == 27 && canonical_shape(s)) {
		int y = d2(s) * 100 + d2(s + 2), mo = d2(s + 5), d = d2(s + 8), h = d2(s + 11), mi = d2(s + 14),
		    sec = d2(s + 17);
		int usec = d2(s + 20) * 10000 + d2(s + 22) * 100 + d2(s + 24);
		if (mo >= 1 && mo <= 12 && d >= 1 && d <= days_in_month(y, mo) && h <= 23 && mi <= 59 && sec <= 60) {
			*out = (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) * 1000000 + usec;
			return STRATA_OK;
		}
	}
	size_t p = 0;
	int y, mo, d, h = 0, mi = 0, sec = 0, usec = 0;
	if (digits(s, len, &p, 4, &y) || p >= len || s[p++] != '-' || digits(s, len, &p, 2, &mo) || p >= len ||
	    s[p++] != '-' || digits(s, len, &p, 2, &d))
		goto bad;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		goto bad;
	if (p < len && (s[p] == 'T' || s[p] == 't' || s[p] == ' ')) {
		p++;
		if (digits(s, len, &p, 2, &h) || p >= len || s[p++] != ':' || digits(s, len, &p, 2, &mi))
			goto bad;
		if (p < len && s[p] == ':') {
			p++;
			if (digits(s, len, &p, 2, &sec))
				goto bad;
			if (p < len && (s[p] == '.' || s[p] == ',')) {
				p++;
				int n = 0;
				while (p < len && s[p] >= '0' && s[p] <= '9') {
					if (n < 6) {
						usec = usec * 10 + (s[p] - '0');
						n++;
					}
					p++;
				}
				if (n == 0)
					goto bad;
				while (n++ < 6)
					usec *= 10;
			}
		}
		if (h > 23 || mi > 59 || sec > 60)
			goto bad;
	}
	int offset_min = 0;
	if (p < len) {
		if (s[p] == 'Z' || s[p] == 'z') {
			p++;
		} else if (s[p] == '+' || s[p] == '-') {
			int sign = s[p++] == '-' ? -1 : 1, oh, om = 0;
			if (digits(s, len, &p, 2, &oh))
				goto bad;
			if (p < len && s[p] == ':')
				p++;
			if (p < len && digits(s, len, &p, 2, &om))
				goto bad;
			if (oh > 23 || om > 59)
				goto bad;
			offset_min = sign * (oh * 60 + om);
		}
	}
	if (p != len)
		goto bad;
	int64_t days = days_from_civil(y, mo, d);
	int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - (int64_t)offset_min * 60;
	*out = secs * 1000000 + usec;
	return STRATA_OK;
bad:
	return strata__error_set(STRATA_EINVAL, "not an ISO-8601 timestamp: '%.*s'", (int)(len > 64 ? 64 : len), s);
}

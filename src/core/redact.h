/*
 * Secrets out of text: every message that leaves Strata (errors, log
 * lines, URLs shown) goes through here, whatever produced it (libpq echoes
 * whole URIs in some of its errors).  Pure; a fuzz target.
 *
 * Redacted, each replaced by "***":
 *   - the password of a URI's userinfo (scheme://user:PASSWORD@host), also in
 *     a malformed URI (postgres://app:pw@[::1/db) and when the password holds
 *     '/', '?' or '#' unencoded;
 *   - the value of a password parameter in every spelling libpq accepts: a
 *     URI query key that percent-decodes to it (?pass%77ord=...), a
 *     key=value connection string with spaces around '=' or a quoted value
 *     (password = 'a b\'c'); keys password, sslpassword and PGPASSWORD, any
 *     case.  A placeholder value (? or $1) is left alone, so echoed SQL such
 *     as `password = ?` reads as written.
 */
#ifndef STRATA_CORE_REDACT_H
#define STRATA_CORE_REDACT_H

#include <stddef.h>

/*
 * Write `in` redacted into out[0..cap) (always NUL-terminated when cap > 0,
 * truncated if need be).  Returns the length the whole result needs, as
 * snprintf does.
 */
size_t strata__redact(const char *in, char *out, size_t cap);

/* Redact the NUL-terminated string in buf[0..cap) in place (truncating if a redaction makes it longer). */
void strata__redact_inplace(char *buf, size_t cap);

/*
 * Replace every occurrence in buf[0..cap) of the password values that the
 * database URL `url` carries (as written and percent-decoded; values of 4
 * bytes or more) by "***".  For text that may quote a fragment of the URL
 * without its key, such as libpq's "invalid percent-encoded token".
 */
void strata__redact_values(char *buf, size_t cap, const char *url);

#endif

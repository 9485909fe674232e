/*
 * SHA-256 for migration checksums, through libmd (Debian's libmd0: the
 * message digests of the BSDs, a 60 KB library).  libmd rather than
 * OpenSSL's libcrypto because libcrypto costs more to load than SQLite and
 * jansson together (docs/performance.md, start-up).
 */
#ifndef STRATA_CORE_SHA256_H
#define STRATA_CORE_SHA256_H

#include <stddef.h>
#include <sha2.h>

typedef SHA2_CTX strata__sha256;

void strata__sha256_init(strata__sha256 *c);
void strata__sha256_update(strata__sha256 *c, const void *p, size_t len);
void strata__sha256_final(strata__sha256 *c, unsigned char out[32]);

/* SHA-256 of `len` bytes as 64 lower-case hex digits and a NUL.  Returns STRATA_OK. */
int strata__sha256_hex(const void *p, size_t len, char out[65]);

#endif

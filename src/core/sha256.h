/*
 * SHA-256 (FIPS 180-4), for migration checksums.  Strata's own so the
 * command does not map libcrypto at start-up: OpenSSL's libcrypto costs
 * more to load than SQLite and jansson together (docs/performance.md).
 */
#ifndef STRATA_CORE_SHA256_H
#define STRATA_CORE_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct strata__sha256 {
	uint32_t h[8];
	uint64_t len; /* bytes hashed so far */
	unsigned char block[64];
	size_t fill; /* bytes waiting in block */
} strata__sha256;

void strata__sha256_init(strata__sha256 *c);
void strata__sha256_update(strata__sha256 *c, const void *p, size_t len);
void strata__sha256_final(strata__sha256 *c, unsigned char out[32]);

/* SHA-256 of `len` bytes as 64 lower-case hex digits and a NUL.  Returns STRATA_OK. */
int strata__sha256_hex(const void *p, size_t len, char out[65]);

#endif

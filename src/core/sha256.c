/* SHA-256 over libmd: thin wrappers so the rest of Strata names one API. */
#include "core/sha256.h"

#include "strata/common.h"

void strata__sha256_init(strata__sha256 *c)
{
	SHA256Init(c);
}

void strata__sha256_update(strata__sha256 *c, const void *p, size_t len)
{
	SHA256Update(c, p, len);
}

void strata__sha256_final(strata__sha256 *c, unsigned char out[32])
{
	SHA256Final(out, c);
}

int strata__sha256_hex(const void *p, size_t len, char out[65])
{
	/* SHA256Data writes lower-case hex and a NUL: 65 bytes */
	SHA256Data(p, len, out);
	return STRATA_OK;
}

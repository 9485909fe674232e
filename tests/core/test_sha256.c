/* SHA-256 through libmd (no libcrypto at start-up): the wrappers give the standard digests, in one call or fed in
 * pieces. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "core/sha256.h"
#include "testdb.h"

/* Digests of n bytes (i * 7 + 3) % 256, from a reference implementation: every padding boundary. */
static const struct {
	size_t n;
	const char *hex;
} vectors[] = {
	{ 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ 1, "084fed08b978af4d7d196a7446a86b58009e636b611db16211b65a9aadff29c5" },
	{ 55, "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b" },
	{ 56, "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27" },
	{ 63, "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055" },
	{ 64, "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241" },
	{ 65, "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e" },
	{ 119, "9ce7368e4daf32341631b492e80359dc9f594b48453cd0dd5bf0b19279cc177e" },
	{ 120, "7836b787757e95e58b3ca5aec90b1b004e8deba1e50e9675af9cabf1a13a04b5" },
	{ 127, "a8d23e75d936f303d248888d9b165ee543f4cbafcad3c9dd2a79bd84faa11d07" },
	{ 128, "d2742f1f4ac6bb7ca2b239ee18402ba8b3f9f8e652d2a72973c2b9ba11c08cf6" },
	{ 1000, "1e9bc38cbf860b9ec31918b065f9b52476c549a782e0e7990bed8ce3868d2371" },
};

Test(sha256, standard_digests_at_every_padding_boundary)
{
	unsigned char data[1000];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (unsigned char)((i * 7 + 3) % 256);
	char hex[65];
	for (size_t v = 0; v < sizeof vectors / sizeof vectors[0]; v++) {
		cr_assert_eq(strata__sha256_hex(data, vectors[v].n, hex), STRATA_OK);
		cr_assert_str_eq(hex, vectors[v].hex, "%zu bytes", vectors[v].n);
		/* fed in uneven pieces, the same digest */
		strata__sha256 c;
		unsigned char md[32];
		strata__sha256_init(&c);
		for (size_t off = 0, step = 1; off < vectors[v].n; off += step, step = step * 3 % 71 + 1)
			strata__sha256_update(&c, data + off, off + step > vectors[v].n ? vectors[v].n - off : step);
		strata__sha256_final(&c, md);
		for (int i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", md[i]);
		cr_assert_str_eq(hex, vectors[v].hex, "%zu bytes in pieces", vectors[v].n);
	}
	cr_assert_eq(strata__sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex),
		     STRATA_OK);
	cr_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	char *million = malloc(1000000);
	memset(million, 'a', 1000000);
	cr_assert_eq(strata__sha256_hex(million, 1000000, hex), STRATA_OK);
	cr_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(million);
}

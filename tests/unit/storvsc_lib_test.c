/*
 * Unit tests of lib/crc32.c and lib/sha256.c against published vectors:
 * CRC-32 check value (crc32("123456789") = 0xCBF43926), SHA-256 examples of
 * FIPS 180-2 Appendix B ("abc", the 448-bit message, one million 'a') and
 * the empty message; streaming in odd pieces must give the one-shot result.
 * The code under test is compiled into this file (not in the hosted lib).
 */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"

#include "lib/crc32.c"
#include "lib/sha256.c"

static int hex_is(const uint8_t d[32], const char *want)
{
	char hex[SHA256_HEX_LEN];

	sha256_hex(d, hex);
	if (strcmp(hex, want)) {
		fprintf(stderr, "  got  %s\n  want %s\n", hex, want);
		return 0;
	}
	return 1;
}

static int t_crc32_vectors(void)
{
	CHECK_EQ(crc32("123456789", 9), 0xCBF43926u);
	CHECK_EQ(crc32("", 0), 0);
	CHECK_EQ(crc32("a", 1), 0xE8B7BE43u);
	CHECK_EQ(crc32("The quick brown fox jumps over the lazy dog", 43), 0x414FA339u);
	/* Continuation: crc(a||b) from crc(a). */
	CHECK_EQ(crc32_update(crc32("12345", 5), "6789", 4), 0xCBF43926u);
	return 0;
}

static int t_sha256_vectors(void)
{
	uint8_t d[32];

	sha256("abc", 3, d);
	CHECK(hex_is(d, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
	sha256("", 0, d);
	CHECK(hex_is(d, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
	sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, d);
	CHECK(hex_is(d, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
	return 0;
}

static int t_sha256_million_a_streamed(void)
{
	static uint8_t a[1000];
	struct sha256_ctx c;
	uint8_t d[32];
	size_t done = 0, step = 1;

	memset(a, 'a', sizeof(a));
	sha256_init(&c);
	/* Pieces of 1..999 bytes cross the 64-byte block edges every way. */
	while (done < 1000000) {
		size_t n = step % 999 + 1;

		if (n > 1000000 - done)
			n = 1000000 - done;
		sha256_update(&c, a, n);
		done += n;
		step = step * 7 + 3;
	}
	sha256_final(&c, d);
	CHECK(hex_is(d, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
	return 0;
}

/* Lengths around the padding edge (55, 56, 63, 64, 65): one-shot equals
 * byte-by-byte streaming. */
static int t_sha256_padding_edges(void)
{
	static const size_t lens[] = { 0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128 };
	uint8_t buf[128], d1[32], d2[32];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 13 + 1);
	for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		struct sha256_ctx c;

		sha256(buf, lens[k], d1);
		sha256_init(&c);
		for (size_t i = 0; i < lens[k]; i++)
			sha256_update(&c, buf + i, 1);
		sha256_final(&c, d2);
		CHECK(!memcmp(d1, d2, 32));
	}
	return 0;
}

const struct unit_test storvsc_lib_tests[] = {
	{ "crc32_vectors", t_crc32_vectors, QUICK },
	{ "sha256_vectors", t_sha256_vectors, QUICK },
	{ "sha256_million_a_streamed", t_sha256_million_a_streamed, QUICK },
	{ "sha256_padding_edges", t_sha256_padding_edges, QUICK },
	{ NULL, NULL, QUICK },
};

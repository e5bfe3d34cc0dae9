/*
 * SHA-256 (FIPS 180-4 §6.2), streaming: init, update any number of times,
 * final. Used by the disk report to hash a whole disk.
 */
#ifndef KEEL_LIB_SHA256_H
#define KEEL_LIB_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32
#define SHA256_HEX_LEN    65  /* 64 hex digits and the NUL */

struct sha256_ctx {
	uint32_t h[8];
	uint64_t bytes;          /* total message length so far */
	uint8_t buf[64];         /* partial block */
	uint32_t buf_len;
};

void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const void *data, size_t len);
void sha256_final(struct sha256_ctx *c, uint8_t out[SHA256_DIGEST_LEN]);
/* One-shot helpers. */
void sha256(const void *data, size_t len, uint8_t out[SHA256_DIGEST_LEN]);
char *sha256_hex(const uint8_t d[SHA256_DIGEST_LEN], char out[SHA256_HEX_LEN]);

#endif

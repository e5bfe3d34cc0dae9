/*
 * Unit tests of the zboot loader's LZ4 frame decoder (boot/zboot/lz4.c) and
 * XXH32 (boot/zboot/xxh32.c): frames the real `lz4` tool writes (levels,
 * block sizes, linked blocks, block checksums, stored blocks, no content
 * checksum) decode to the original bytes; every truncation of such a frame
 * is an error, and every bit flip either is one or still gives the original
 * bytes (a flipped offset may point at an equal earlier copy); hand-built hostile frames (behind a
 * correct header checksum) give the right LZ4_E_* code. Output buffers are
 * heap blocks of exactly the announced size, so AddressSanitizer turns any
 * write past them into a failure.
 */
#define _DEFAULT_SOURCE     /* mkstemp */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/harness.h"

#include "boot/zboot/lz4.c"
#include "boot/zboot/xxh32.c"

/* ---- frames from the lz4 tool ---- */

/* The tool needs a file to write the content size: data -> temp file -> lz4. */
static uint8_t *tool_frame(const void *data, size_t n, const char *opts, size_t *len)
{
	char src[] = "/tmp/keel-lz4-XXXXXX", cmd[256], dst[64];
	uint8_t *frame = NULL;
	FILE *f = NULL;
	long sz;
	int fd = mkstemp(src);

	if (fd < 0)
		return NULL;
	if (write(fd, data, n) != (ssize_t)n)
		goto out;
	snprintf(dst, sizeof(dst), "%s.lz4", src);
	snprintf(cmd, sizeof(cmd), "lz4 -q -f --content-size %s %s %s", opts, src, dst);
	if (system(cmd) != 0) {
		fprintf(stderr, "  `%s` failed (is the lz4 tool installed?)\n", cmd);
		goto out;
	}
	f = fopen(dst, "rb");
	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) <= 0)
		goto out;
	rewind(f);
	frame = malloc((size_t)sz);
	if (frame != NULL && fread(frame, 1, (size_t)sz, f) != (size_t)sz) {
		free(frame);
		frame = NULL;
	}
	*len = (size_t)sz;
out:
	if (f != NULL)
		fclose(f);
	close(fd);
	unlink(src);
	snprintf(dst, sizeof(dst), "%s.lz4", src);
	unlink(dst);
	return frame;
}

/* Decode into an exact-size heap buffer; the output (or NULL) in *out. */
static int decode(const uint8_t *frame, size_t len, uint8_t **out, uint64_t *size)
{
	int rc = lz4_frame_content_size(frame, len, size);

	*out = NULL;
	if (rc < 0)
		return rc;
	if (*size > (64u << 20))
		return LZ4_E_OVERFLOW;
	*out = malloc(*size ? *size : 1);
	if (*out == NULL)
		return LZ4_E_OVERFLOW;
	return lz4_frame_decode(frame, len, *out, (size_t)*size);
}

/* Text with repeats, zeros, and bytes that do not compress. */
static void fill(uint8_t *p, size_t n, int kind)
{
	uint32_t x = 2463534242u;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		if (kind == 0)
			p[i] = (uint8_t)("keel boots on Hyper-V "[i % 22] + (i / 997) % 3);
		else if (kind == 1)
			p[i] = 0;
		else
			p[i] = (uint8_t)x;
	}
}

static int test_xxh32_vectors(void)
{
	/* the xxHash specification's value for empty input, seed 0 */
	CHECK_EQ(xxh32("", 0, 0), 0x02CC5D05u);
	/* the same bytes give the same hash wherever they start */
	{
		static const char s[] = "xabcdefghijklmnopqrstuvwxyz0123456789";

		CHECK_EQ(xxh32(s + 1, 36, 7), xxh32("abcdefghijklmnopqrstuvwxyz0123456789", 36, 7));
		CHECK(xxh32(s + 1, 36, 0) != xxh32(s + 1, 35, 0));
	}
	return 0;
}

static int test_tool_roundtrip(void)
{
	static const size_t sizes[] = { 1, 3, 15, 16, 17, 100, 5000, 70000, 300000 };
	static const char *const opts[] = {
		"-1", "-12", "-9 -BD -B4", "-1 -BX -B4", "-12 --no-frame-crc -B5",
	};
	int cases = 0;

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
		for (int kind = 0; kind < 3; kind++)
			for (size_t o = 0; o < sizeof(opts) / sizeof(opts[0]); o++) {
				size_t n = sizes[s], flen = 0;
				uint8_t *data = malloc(n ? n : 1), *frame, *out;
				uint64_t size;
				int rc;

				CHECK(data != NULL);
				fill(data, n, kind);
				frame = tool_frame(data, n, opts[o], &flen);
				CHECK(frame != NULL);
				rc = decode(frame, flen, &out, &size);
				if (rc != 0 || size != n || memcmp(out, data, n) != 0)
					fprintf(stderr, "  %zu bytes kind %d `lz4 %s`: %s\n",
						n, kind, opts[o], lz4_strerror(rc));
				CHECK_EQ(rc, 0);
				CHECK_EQ(size, n);
				CHECK(memcmp(out, data, n) == 0);
				free(out);
				free(frame);
				free(data);
				cases++;
			}
	CHECK_EQ(cases, 135);
	return 0;
}

static int test_truncated(void)
{
	uint8_t data[3000], *frame, *out;
	size_t flen = 0;
	uint64_t size;

	fill(data, sizeof(data), 0);
	frame = tool_frame(data, sizeof(data), "-12", &flen);
	CHECK(frame != NULL);
	for (size_t cut = 0; cut < flen; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		int rc;

		CHECK(copy != NULL);
		memcpy(copy, frame, cut);
		rc = decode(copy, cut, &out, &size);
		if (rc >= 0)
			fprintf(stderr, "  frame cut to %zu of %zu bytes decoded\n", cut, flen);
		CHECK(rc < 0);
		free(out);
		free(copy);
	}
	free(frame);
	return 0;
}

static int test_bit_flips(void)
{
	uint8_t data[3000], *frame, *out;
	size_t flen = 0;
	uint64_t size;

	fill(data, sizeof(data), 0);
	frame = tool_frame(data, sizeof(data), "-12", &flen);
	CHECK(frame != NULL);
	for (size_t i = 0; i < flen; i++)
		for (int bit = 0; bit < 8; bit++) {
			int rc;

			frame[i] ^= (uint8_t)(1u << bit);
			rc = decode(frame, flen, &out, &size);
			frame[i] ^= (uint8_t)(1u << bit);
			if (rc >= 0 && (size != sizeof(data) || memcmp(out, data, sizeof(data)) != 0))
				fprintf(stderr, "  bit %d of byte %zu flipped: wrong bytes accepted\n",
					bit, i);
			CHECK(rc < 0 || (size == sizeof(data) && memcmp(out, data, sizeof(data)) == 0));
			free(out);
		}
	free(frame);
	return 0;
}

/* ---- hand-built frames: FLG 0x68 (v01, independent, content size), BD 64 KiB ---- */

struct hb {
	uint8_t b[256];
	size_t n;
};

static void hb_put(struct hb *h, const void *p, size_t n)
{
	memcpy(h->b + h->n, p, n);
	h->n += n;
}

static void hb_u32(struct hb *h, uint32_t v)
{
	uint8_t le[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	hb_put(h, le, 4);
}

/* Header with FLG/BD and content size, one block, the end mark. */
static void hb_frame(struct hb *h, uint8_t flg, uint8_t bd, uint64_t content,
		     const void *block, uint32_t block_word)
{
	size_t hdr_end;

	h->n = 0;
	hb_u32(h, 0x184D2204u);
	h->b[h->n++] = flg;
	h->b[h->n++] = bd;
	hb_u32(h, (uint32_t)content);
	hb_u32(h, (uint32_t)(content >> 32));
	hdr_end = h->n;
	h->b[h->n++] = (uint8_t)(xxh32(h->b + 4, hdr_end - 4, 0) >> 8);
	if (block != NULL) {
		hb_u32(h, block_word);
		hb_put(h, block, block_word & 0x7FFFFFFFu);
	}
	hb_u32(h, 0);
}

static int hb_decode(const uint8_t *blk, uint32_t blen, uint64_t content)
{
	struct hb h;
	uint8_t *out;
	uint64_t size;
	int rc;

	hb_frame(&h, 0x68, 0x40, content, blk, blen);
	rc = decode(h.b, h.n, &out, &size);
	free(out);
	return rc;
}

static int test_hand_built_valid(void)
{
	/* "abcd", then 8 bytes from offset 4 (overlapping), then "xyz" */
	static const uint8_t blk[] = { 0x44, 'a', 'b', 'c', 'd', 4, 0, 0x30, 'x', 'y', 'z' };
	struct hb h;
	uint8_t *out;
	uint64_t size;

	hb_frame(&h, 0x68, 0x40, 15, blk, sizeof(blk));
	CHECK_EQ(decode(h.b, h.n, &out, &size), 0);
	CHECK(memcmp(out, "abcdabcdabcdxyz", 15) == 0);
	free(out);
	/* a stored block */
	hb_frame(&h, 0x68, 0x40, 3, "xyz", 0x80000003u);
	CHECK_EQ(decode(h.b, h.n, &out, &size), 0);
	CHECK(memcmp(out, "xyz", 3) == 0);
	free(out);
	return 0;
}

static int test_hand_built_hostile(void)
{
	static const uint8_t off0[] = { 0x10, 'a', 0, 0, 0x10, 'b' };
	static const uint8_t off_far[] = { 0x10, 'a', 2, 0, 0x10, 'b' };
	static const uint8_t lit_long[] = { 0x50, 'a', 'b' };
	static const uint8_t lit_255s[] = { 0xF0, 255, 255 };
	static const uint8_t match_big[] = { 0x1F, 'a', 1, 0, 255, 255, 0x10, 'b' };
	static const uint8_t ends_match[] = { 0x10, 'a', 1, 0 };
	static const uint8_t lits[] = { 0x30, 'a', 'b', 'c' };
	struct hb h;
	uint8_t out[8];

	CHECK_EQ(hb_decode(off0, sizeof(off0), 6), LZ4_E_OFFSET);
	CHECK_EQ(hb_decode(off_far, sizeof(off_far), 6), LZ4_E_OFFSET);
	CHECK_EQ(hb_decode(lit_long, sizeof(lit_long), 5), LZ4_E_TRUNCATED);
	CHECK_EQ(hb_decode(lit_255s, sizeof(lit_255s), 600), LZ4_E_TRUNCATED);
	CHECK_EQ(hb_decode(match_big, sizeof(match_big), 100), LZ4_E_OVERFLOW);
	CHECK_EQ(hb_decode(ends_match, sizeof(ends_match), 5), LZ4_E_TRUNCATED);
	CHECK_EQ(hb_decode(lits, sizeof(lits), 4), LZ4_E_SIZE);
	CHECK_EQ(hb_decode(lits, sizeof(lits), 2), LZ4_E_OVERFLOW);
	/* a stored block larger than the content size */
	hb_frame(&h, 0x68, 0x40, 2, "xyz", 0x80000003u);
	CHECK_EQ(lz4_frame_decode(h.b, h.n, out, sizeof(out)), LZ4_E_OVERFLOW);
	/* block size above BD's maximum (64 KiB) */
	hb_frame(&h, 0x68, 0x40, 3, NULL, 0);
	h.n -= 4;
	hb_u32(&h, 0x10001);
	CHECK_EQ(lz4_frame_decode(h.b, h.n, out, sizeof(out)), LZ4_E_BLOCK);
	/* the caller's buffer is smaller than the content size */
	hb_frame(&h, 0x68, 0x40, 3, lits, sizeof(lits));
	CHECK_EQ(lz4_frame_decode(h.b, h.n, out, 2), LZ4_E_OVERFLOW);
	/* bytes after the frame */
	h.b[h.n++] = 0;
	CHECK_EQ(lz4_frame_decode(h.b, h.n, out, sizeof(out)), LZ4_E_TRAILING);
	/* header: no content size, dictionary, version, reserved bits, magic */
	hb_frame(&h, 0x60, 0x40, 0, NULL, 0);
	CHECK_EQ(lz4_frame_decode(h.b, h.n, out, sizeof(out)), LZ4_E_NO_SIZE);
	hb_frame(&h, 0x69, 0x40, 3, NULL, 0);
	CHECK_EQ(lz4_frame_decode(h.b, h.n, out, sizeof(out)), LZ4_E_HEADER);
	hb_frame(&h, 0xA8, 0x40, 3, NULL, 0);
	CHECK_EQ(lz4_frame_decode(h.b, h.n, out, sizeof(out)), LZ4_E_HEADER);
	hb_frame(&h, 0x68, 0x30, 3, NULL, 0);
	CHECK_EQ(lz4_frame_decode(h.b, h.n, out, sizeof(out)), LZ4_E_HEADER);
	hb_frame(&h, 0x68, 0x40, 3, NULL, 0);
	h.b[14] ^= 1;
	CHECK_EQ(lz4_frame_decode(h.b, h.n, out, sizeof(out)), LZ4_E_HEADER_SUM);
	h.b[0] ^= 1;
	CHECK_EQ(lz4_frame_decode(h.b, h.n, out, sizeof(out)), LZ4_E_MAGIC);
	CHECK(strcmp(lz4_strerror(LZ4_E_OFFSET), "match offset out of range") == 0);
	CHECK(strcmp(lz4_strerror(-99), "unknown error") == 0);
	return 0;
}

const struct unit_test zboot_lz4_tests[] = {
	{ "zboot_xxh32_vectors", test_xxh32_vectors, QUICK },
	{ "zboot_lz4_tool_roundtrip", test_tool_roundtrip, SLOW },
	{ "zboot_lz4_truncated", test_truncated, QUICK },
	{ "zboot_lz4_bit_flips", test_bit_flips, QUICK },
	{ "zboot_lz4_hand_built", test_hand_built_valid, QUICK },
	{ "zboot_lz4_hostile", test_hand_built_hostile, QUICK },
	{ NULL, NULL, QUICK },
};

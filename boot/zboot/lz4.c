/*
 * LZ4 frame decoding (boot/zboot/lz4.h), after the public "LZ4 Frame Format
 * Description" and "LZ4 Block Format Description":
 *
 *   frame    magic 0x184D2204 | FLG | BD | content size (8) | HC
 *            | blocks... | end mark 0 (4) | content checksum (4)?
 *   block    size (4, bit 31 = stored uncompressed) | data | checksum (4)?
 *   sequence token (literal length << 4 | match length - 4)
 *            | more literal length bytes while 255 | literals
 *            | offset (2, little-endian) | more match length bytes while 255
 *
 * The last sequence of a block has literals only. Matches may reach back
 * into earlier blocks (linked blocks): the whole content is one buffer.
 * Every length is checked against what is left of the input and of the
 * output before any byte moves; copies go byte by byte, so an overlapping
 * match (offset < length) repeats its bytes as the format intends.
 */
#include "boot/zboot/lz4.h"
#include "boot/zboot/xxh32.h"

#define LZ4_MAGIC          0x184D2204u
#define FLG_VERSION_MASK   0xC0u
#define FLG_VERSION_01     0x40u
#define FLG_BLOCK_SUM      0x10u
#define FLG_CONTENT_SIZE   0x08u
#define FLG_CONTENT_SUM    0x04u
#define FLG_RESERVED       0x02u
#define FLG_DICT_ID        0x01u
#define BD_RESERVED        0x8Fu
#define BLOCK_STORED       0x80000000u
#define MIN_MATCH          4

struct lz4_frame {
	uint8_t flg;
	size_t block_max;       /* from BD: 64 KiB .. 4 MiB */
	uint64_t content_size;
	size_t header_len;      /* magic to HC inclusive */
};

/* The output: bytes [0, pos) are written; nothing at or past cap ever is. */
struct lz4_out {
	uint8_t *base;
	size_t pos, cap;
};

static uint32_t lz4_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static int frame_header(const uint8_t *in, size_t len, struct lz4_frame *f)
{
	size_t n = 4 + 2 + 1;   /* magic, FLG, BD, HC */
	uint8_t bd;

	if (len < 4 || lz4_rd32(in) != LZ4_MAGIC)
		return LZ4_E_MAGIC;
	if (len < n)
		return LZ4_E_TRUNCATED;
	f->flg = in[4];
	bd = in[5];
	if ((f->flg & FLG_VERSION_MASK) != FLG_VERSION_01 || (f->flg & FLG_RESERVED) ||
	    (f->flg & FLG_DICT_ID) || (bd & BD_RESERVED) || (bd >> 4) < 4)
		return LZ4_E_HEADER;    /* a dictionary is never part of our payload */
	if (!(f->flg & FLG_CONTENT_SIZE))
		return LZ4_E_NO_SIZE;
	n += 8;
	if (len < n)
		return LZ4_E_TRUNCATED;
	/* HC: the second byte of XXH32 over FLG .. the end of the descriptor */
	if (((xxh32(in + 4, n - 5, 0) >> 8) & 0xFF) != in[n - 1])
		return LZ4_E_HEADER_SUM;
	f->block_max = (size_t)1 << (8 + 2 * (bd >> 4));
	f->content_size = (uint64_t)lz4_rd32(in + 6) | (uint64_t)lz4_rd32(in + 10) << 32;
	f->header_len = n;
	return 0;
}

int lz4_frame_content_size(const uint8_t *in, size_t in_len, uint64_t *size)
{
	struct lz4_frame f;
	int rc = frame_header(in, in_len, &f);

	if (rc == 0)
		*size = f.content_size;
	return rc;
}

/* A length continued by bytes while they are 255; never beyond `limit`. */
static int seq_len(const uint8_t **ip, const uint8_t *end, size_t limit, size_t *len)
{
	uint8_t b;

	do {
		if (*ip >= end)
			return LZ4_E_TRUNCATED;
		b = *(*ip)++;
		*len += b;
		if (*len > limit)
			return LZ4_E_OVERFLOW;
	} while (b == 255);
	return 0;
}

static int block_decode(const uint8_t *ip, size_t n, struct lz4_out *o)
{
	const uint8_t *end = ip + n;

	while (ip < end) {
		uint8_t token = *ip++;
		size_t lit = token >> 4, mlen = token & 15, off;
		int rc;

		if (lit == 15 && (rc = seq_len(&ip, end, o->cap - o->pos, &lit)) < 0)
			return rc;
		if (lit > (size_t)(end - ip))
			return LZ4_E_TRUNCATED;
		if (lit > o->cap - o->pos)
			return LZ4_E_OVERFLOW;
		for (size_t i = 0; i < lit; i++)
			o->base[o->pos++] = *ip++;
		if (ip == end)
			return 0;       /* the last sequence: literals only */
		if (end - ip < 2)
			return LZ4_E_TRUNCATED;
		off = (size_t)ip[0] | (size_t)ip[1] << 8;
		ip += 2;
		if (off == 0 || off > o->pos)
			return LZ4_E_OFFSET;
		if (mlen == 15 && (rc = seq_len(&ip, end, o->cap - o->pos, &mlen)) < 0)
			return rc;
		mlen += MIN_MATCH;
		if (mlen > o->cap - o->pos)
			return LZ4_E_OVERFLOW;
		for (size_t i = 0; i < mlen; i++, o->pos++)
			o->base[o->pos] = o->base[o->pos - off];
	}
	return LZ4_E_TRUNCATED;         /* a block must end with literals */
}

/* One data block of `size` bytes at p (its checksum, if any, follows). */
static int frame_block(const struct lz4_frame *f, const uint8_t *p, uint32_t word,
		       struct lz4_out *o)
{
	size_t size = word & ~BLOCK_STORED;

	if ((f->flg & FLG_BLOCK_SUM) && xxh32(p, size, 0) != lz4_rd32(p + size))
		return LZ4_E_BLOCK_SUM;
	if (!(word & BLOCK_STORED))
		return block_decode(p, size, o);
	if (size > o->cap - o->pos)
		return LZ4_E_OVERFLOW;
	for (size_t i = 0; i < size; i++)
		o->base[o->pos++] = p[i];
	return 0;
}

int lz4_frame_decode(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap)
{
	struct lz4_frame f;
	struct lz4_out o = { .base = out, .pos = 0 };
	size_t left, sum_len;
	const uint8_t *p;
	int rc = frame_header(in, in_len, &f);

	if (rc < 0)
		return rc;
	if (f.content_size > out_cap)
		return LZ4_E_OVERFLOW;
	o.cap = (size_t)f.content_size;
	p = in + f.header_len;
	left = in_len - f.header_len;
	sum_len = (f.flg & FLG_BLOCK_SUM) ? 4 : 0;
	for (;;) {
		uint32_t word, size;

		if (left < 4)
			return LZ4_E_TRUNCATED;
		word = lz4_rd32(p);
		p += 4;
		left -= 4;
		if (word == 0)
			break;          /* the end mark */
		size = word & ~BLOCK_STORED;
		if (size > f.block_max)
			return LZ4_E_BLOCK;
		if (size > left || left - size < sum_len)
			return LZ4_E_TRUNCATED;
		rc = frame_block(&f, p, word, &o);
		if (rc < 0)
			return rc;
		p += size + sum_len;
		left -= size + sum_len;
	}
	if (o.pos != o.cap)
		return LZ4_E_SIZE;
	if (f.flg & FLG_CONTENT_SUM) {
		if (left < 4)
			return LZ4_E_TRUNCATED;
		if (xxh32(out, o.pos, 0) != lz4_rd32(p))
			return LZ4_E_CONTENT_SUM;
		left -= 4;
	}
	return left == 0 ? 0 : LZ4_E_TRAILING;
}

const char *lz4_strerror(int err)
{
	static const char *const text[LZ4_E_COUNT] = {
		[0] = "ok",
		[-LZ4_E_MAGIC] = "not an LZ4 frame",
		[-LZ4_E_HEADER] = "unsupported frame header",
		[-LZ4_E_NO_SIZE] = "frame without content size",
		[-LZ4_E_HEADER_SUM] = "header checksum mismatch",
		[-LZ4_E_TRUNCATED] = "truncated",
		[-LZ4_E_BLOCK] = "block too large",
		[-LZ4_E_BLOCK_SUM] = "block checksum mismatch",
		[-LZ4_E_OFFSET] = "match offset out of range",
		[-LZ4_E_OVERFLOW] = "output larger than announced",
		[-LZ4_E_SIZE] = "output shorter than announced",
		[-LZ4_E_CONTENT_SUM] = "content checksum mismatch",
		[-LZ4_E_TRAILING] = "bytes after the frame",
	};

	if (err > 0 || -err >= LZ4_E_COUNT)
		return "unknown error";
	return text[-err];
}

/*
 * The LZ4 frame decoder of the zboot loader (boot/zboot/zboot.c): one frame as
 * `lz4 --content-size` writes it (public specifications: "LZ4 Frame Format
 * Description" and "LZ4 Block Format Description" in the LZ4 project).
 *
 * The input is treated as hostile: every read is bounded by the input's
 * length and every write by the output's capacity; anything malformed,
 * truncated or failing a checksum is a negative LZ4_E_* code, never a write
 * outside `out`. Plain C without libc, for the zboot loader and the hosted tests.
 */
#ifndef KEEL_ZBOOT_LZ4_H
#define KEEL_ZBOOT_LZ4_H

#include <stddef.h>
#include <stdint.h>

enum lz4_err {
	LZ4_E_MAGIC = -1,       /* not an LZ4 frame */
	LZ4_E_HEADER = -2,      /* reserved bits, version, block size code */
	LZ4_E_NO_SIZE = -3,     /* frame without its content size */
	LZ4_E_HEADER_SUM = -4,  /* frame descriptor checksum */
	LZ4_E_TRUNCATED = -5,   /* input ends inside the frame */
	LZ4_E_BLOCK = -6,       /* block larger than the frame allows */
	LZ4_E_BLOCK_SUM = -7,   /* block checksum */
	LZ4_E_OFFSET = -8,      /* match before the start of the output, or 0 */
	LZ4_E_OVERFLOW = -9,    /* output would exceed the content size */
	LZ4_E_SIZE = -10,       /* output shorter than the content size */
	LZ4_E_CONTENT_SUM = -11, /* content checksum */
	LZ4_E_TRAILING = -12,   /* bytes after the frame */
	LZ4_E_COUNT = 13,       /* number of codes, 0 included */
};

/*
 * The content size the frame header announces (the buffer to allocate for
 * lz4_frame_decode), after checking the header and its checksum.
 * Returns 0 or a negative LZ4_E_* code.
 */
int lz4_frame_content_size(const uint8_t *in, size_t in_len, uint64_t *size);

/*
 * Decompresses the frame in `in` into `out`, whose capacity must be the
 * content size the header announces (at most out_cap bytes are written in
 * any case). Returns 0 when exactly that many bytes were produced and every
 * checksum the frame carries matched, else a negative LZ4_E_* code.
 */
int lz4_frame_decode(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap);

/* A short English text for an LZ4_E_* code (0 is "ok"). */
const char *lz4_strerror(int err);

#endif

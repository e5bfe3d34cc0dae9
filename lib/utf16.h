/*
 * UTF-8 <-> UTF-16LE for the strings Hyper-V exchanges (KVP keys and
 * values). Invalid input never fails the caller: bad UTF-16 (a lone
 * surrogate) becomes U+FFFD, bad UTF-8 bytes become U+FFFD.
 */
#ifndef KEEL_LIB_UTF16_H
#define KEEL_LIB_UTF16_H

#include <stddef.h>
#include <stdint.h>

/* Encode the NUL-terminated s into out[0..max) as UTF-16 code units with a
 * terminating 0. Returns the units written without the terminator, or -1
 * when they do not fit (out then holds nothing useful). */
int utf8_to_utf16(const char *s, uint16_t *out, size_t max);

/* Decode n units of in (stopping at a 0 unit) into out[0..cap) as UTF-8,
 * always NUL-terminated (truncated at a character boundary when short).
 * Returns the bytes written without the NUL. */
size_t utf16_to_utf8(const uint16_t *in, size_t n, char *out, size_t cap);

#endif

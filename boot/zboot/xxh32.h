/*
 * XXH32, the 32-bit xxHash (public specification: "xxHash fast digest
 * algorithm" in the xxHash project). The LZ4 frame format
 * checks its header, blocks and content with it (lz4.c).
 */
#ifndef KEEL_ZBOOT_XXH32_H
#define KEEL_ZBOOT_XXH32_H

#include <stddef.h>
#include <stdint.h>

uint32_t xxh32(const void *data, size_t len, uint32_t seed);

#endif

/*
 * XXH32 as the xxHash specification describes it: four lanes over 16-byte
 * stripes, then the length, the remaining 4-byte words and bytes, then the
 * final avalanche. Plain C without libc: the zboot loader (boot/zboot/) and
 * the hosted tests share it.
 */
#include "boot/zboot/xxh32.h"

#define P1 0x9E3779B1u
#define P2 0x85EBCA77u
#define P3 0xC2B2AE3Du
#define P4 0x27D4EB2Fu
#define P5 0x165667B1u

static uint32_t rotl(uint32_t v, int n)
{
	return (v << n) | (v >> (32 - n));
}

static uint32_t xxh_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint32_t lane_round(uint32_t acc, uint32_t lane)
{
	return rotl(acc + lane * P2, 13) * P1;
}

uint32_t xxh32(const void *data, size_t len, uint32_t seed)
{
	const uint8_t *p = data, *end = p + len;
	uint32_t acc;

	if (len >= 16) {
		uint32_t v[4] = { seed + P1 + P2, seed + P2, seed, seed - P1 };

		for (; end - p >= 16; p += 16)
			for (int i = 0; i < 4; i++)
				v[i] = lane_round(v[i], xxh_rd32(p + 4 * i));
		acc = rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18);
	} else {
		acc = seed + P5;
	}
	acc += (uint32_t)len;
	for (; end - p >= 4; p += 4)
		acc = rotl(acc + xxh_rd32(p) * P3, 17) * P4;
	for (; p < end; p++)
		acc = rotl(acc + *p * P5, 11) * P1;
	acc ^= acc >> 15;
	acc *= P2;
	acc ^= acc >> 13;
	acc *= P3;
	acc ^= acc >> 16;
	return acc;
}

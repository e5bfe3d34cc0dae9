/*
 * CRC-32, byte-wise with a 256-entry table built on first use (lib/crc32.h).
 * Written from the algorithm's definition: reflected input and output,
 * polynomial x^32 + x^26 + ... + 1 (0x04C11DB7, reflected 0xEDB88320).
 */
#include "lib/crc32.h"

static uint32_t crc32_table[256];
static int crc32_ready;

static void crc32_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
		crc32_table[i] = c;
	}
	crc32_ready = 1;
}

uint32_t crc32_update(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;

	if (!crc32_ready)
		crc32_init();
	crc = ~crc;
	while (len--)
		crc = crc32_table[(crc ^ *p++) & 0xFF] ^ (crc >> 8);
	return ~crc;
}

uint32_t crc32(const void *data, size_t len)
{
	return crc32_update(0, data, len);
}

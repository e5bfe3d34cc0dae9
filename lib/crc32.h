/*
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, init and final XOR
 * 0xFFFFFFFF): the checksum the UEFI GPT header and partition array use
 * (UEFI spec §5.3.2). Check value: crc32("123456789") = 0xCBF43926.
 */
#ifndef KEEL_LIB_CRC32_H
#define KEEL_LIB_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* CRC of len bytes. */
uint32_t crc32(const void *data, size_t len);
/* Continue a CRC: crc32_update(crc32(a), b) == crc32(a || b); start with 0. */
uint32_t crc32_update(uint32_t crc, const void *data, size_t len);

#endif

/*
 * What the zboot loader (boot/zboot/zboot.c) tells the kernel's own UEFI
 * loader (boot/zboot_times.c) about the time it took: a UEFI configuration
 * table under ZBOOT_INFO_GUID, installed just before StartImage and removed
 * if the kernel image ever returns. Plain data, stdint only.
 */
#ifndef KEEL_ZBOOT_INFO_H
#define KEEL_ZBOOT_INFO_H

#include <stdint.h>

/* {79582849-364a-4c83-81b7-b46c7498c695} */
#define ZBOOT_INFO_GUID \
	{ 0x79582849, 0x364a, 0x4c83, { 0x81, 0xb7, 0xb4, 0x6c, 0x74, 0x98, 0xc6, 0x95 } }
#define ZBOOT_INFO_MAGIC 0x4f464e49544f425aull     /* "ZBOTINFO" */

struct zboot_info {
	uint64_t magic;                 /* ZBOOT_INFO_MAGIC */
	uint64_t tsc_entry;             /* rdtsc at the zboot loader's efi_main */
	uint64_t tsc_unpack_start;      /* rdtsc around the LZ4 decompression */
	uint64_t tsc_unpack_end;
	uint64_t packed_bytes;          /* the LZ4 frame in keel.efi */
	uint64_t image_bytes;           /* the kernel image it unpacks to */
};

#endif

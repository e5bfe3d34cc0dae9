/*
 * The zboot loader's measurements (boot/zboot/zboot_info.h): keel.efi as
 * shipped decompresses this kernel image first and leaves its TSC stamps in
 * a UEFI configuration table, which the kernel reports with its own boot
 * times (kernel/main.c). Copied, then checked: a table without the magic
 * or with stamps out of order is ignored.
 */
#include "boot/loader.h"
#include "boot/zboot/zboot_info.h"

void boot_zboot_times(struct bootinfo *bi)
{
	EFI_GUID guid = ZBOOT_INFO_GUID;
	struct bootzboot *z = &bi->zboot;

	for (UINTN i = 0; i < boot_st->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &boot_st->ConfigurationTable[i];
		const struct zboot_info *zi = t->VendorTable;

		if (!boot_guid_eq(&t->VendorGuid, &guid) || zi == NULL ||
		    zi->magic != ZBOOT_INFO_MAGIC)
			continue;
		z->tsc_entry = zi->tsc_entry;
		z->tsc_unpack_start = zi->tsc_unpack_start;
		z->tsc_unpack_end = zi->tsc_unpack_end;
		z->packed_bytes = zi->packed_bytes;
		z->image_bytes = zi->image_bytes;
		break;
	}
	if (z->tsc_entry > z->tsc_unpack_start || z->tsc_unpack_start > z->tsc_unpack_end ||
	    z->tsc_unpack_end > bi->tsc_at_entry)
		boot_memset(z, 0, sizeof(*z));
}

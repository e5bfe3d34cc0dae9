/*
 * The ACPI RSDP from the UEFI configuration table, by the ACPI 2.0 table
 * GUID (docs/protocols/gen2-platform.md §3.1, §4). The kernel parses the tables itself.
 */
#include "boot/loader.h"

uint64_t boot_rsdp(void)
{
	EFI_GUID acpi20 = ACPI_20_TABLE_GUID;

	for (UINTN i = 0; i < boot_st->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &boot_st->ConfigurationTable[i];

		if (boot_guid_eq(&t->VendorGuid, &acpi20))
			return (uint64_t)(UINTN)t->VendorTable;
	}
	return 0;
}

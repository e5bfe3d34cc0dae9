/*
 * Leaving boot services: the last GetMemoryMap, ExitBootServices with its
 * map key, and the map translated into struct bootinfo (UEFI spec 2.x
 * "ExitBootServices"; docs/protocols/gen2-platform.md §3.1).
 *
 * Rules followed here: nothing is allocated or printed between the last
 * GetMemoryMap and ExitBootServices (either would change the map and stale
 * the key); on EFI_INVALID_PARAMETER (stale key) the map is fetched again
 * into the same buffer and ExitBootServices retried; after a failed
 * ExitBootServices only GetMemoryMap and ExitBootServices may be called,
 * so the buffer is allocated with room to spare before the first attempt.
 */
#include "boot/loader.h"

#define MEMMAP_SLACK_DESCS 32   /* room for the map to grow between calls */
#define MEMMAP_TRIES       8

/* EFI_MEMORY_TYPE -> enum bootmem_type; anything unlisted is reserved. */
static const UINT8 memmap_types[] = {
	[EfiReservedMemoryType]      = BOOTMEM_RESERVED,
	[EfiLoaderCode]              = BOOTMEM_LOADER,
	[EfiLoaderData]              = BOOTMEM_LOADER,
	[EfiBootServicesCode]        = BOOTMEM_BOOT_SERVICES,
	[EfiBootServicesData]        = BOOTMEM_BOOT_SERVICES,
	[EfiRuntimeServicesCode]     = BOOTMEM_RUNTIME,
	[EfiRuntimeServicesData]     = BOOTMEM_RUNTIME,
	[EfiConventionalMemory]      = BOOTMEM_USABLE,
	[EfiUnusableMemory]          = BOOTMEM_RESERVED,
	[EfiACPIReclaimMemory]       = BOOTMEM_ACPI_RECLAIM,
	[EfiACPIMemoryNVS]           = BOOTMEM_ACPI_NVS,
	[EfiMemoryMappedIO]          = BOOTMEM_MMIO,
	[EfiMemoryMappedIOPortSpace] = BOOTMEM_MMIO,
	[EfiPalCode]                 = BOOTMEM_RESERVED,
};

static uint32_t memmap_type(UINT32 efi)
{
	if (efi < sizeof(memmap_types) && memmap_types[efi] != 0)
		return memmap_types[efi];
	return BOOTMEM_RESERVED;
}

/* Pure computation on our own memory: safe after ExitBootServices. Adjacent
 * ranges of the same type merge; a map beyond BOOTINFO_MAX_MEM ranges is cut
 * (firmware maps have about a hundred). */
static void memmap_translate(struct bootinfo *bi, const UINT8 *map, UINTN size, UINTN dsize)
{
	bi->nmem = 0;
	if (dsize < sizeof(EFI_MEMORY_DESCRIPTOR))
		return;
	for (UINTN off = 0; off + dsize <= size; off += dsize) {
		const EFI_MEMORY_DESCRIPTOR *d = (const EFI_MEMORY_DESCRIPTOR *)(map + off);
		struct bootmem *last = bi->nmem ? &bi->mem[bi->nmem - 1] : NULL;

		if (d->NumberOfPages == 0)
			continue;
		if (last != NULL && last->efi_type == d->Type &&
		    last->base + last->npages * 4096 == d->PhysicalStart) {
			last->npages += d->NumberOfPages;
			continue;
		}
		if (bi->nmem == BOOTINFO_MAX_MEM)
			break;
		bi->mem[bi->nmem].base = d->PhysicalStart;
		bi->mem[bi->nmem].npages = d->NumberOfPages;
		bi->mem[bi->nmem].type = memmap_type(d->Type);
		bi->mem[bi->nmem].efi_type = d->Type;
		bi->nmem++;
	}
}

EFI_STATUS boot_exit_services(EFI_HANDLE image, struct bootinfo *bi, int *attempted)
{
	UINT8 *map = NULL;
	UINTN cap = 0, size, key, dsize = 0;
	UINT32 dver;
	EFI_STATUS st = EFI_LOAD_ERROR;

	*attempted = 0;
	for (int i = 0; i < MEMMAP_TRIES; i++) {
		size = cap;
		st = boot_bs->GetMemoryMap(&size, (EFI_MEMORY_DESCRIPTOR *)map, &key,
					   &dsize, &dver);
		if (st == EFI_BUFFER_TOO_SMALL && !*attempted) {
			/* Allocating changes the map: loop for a fresh one. */
			if (map != NULL)
				boot_bs->FreePool(map);
			cap = size + MEMMAP_SLACK_DESCS * (dsize ? dsize : 48);
			map = NULL;
			st = boot_bs->AllocatePool(EfiLoaderData, cap, (void **)&map);
			if (st != EFI_SUCCESS)
				return st;
			continue;
		}
		if (st != EFI_SUCCESS)
			return st;
		*attempted = 1;
		st = boot_bs->ExitBootServices(image, key);
		if (st == EFI_SUCCESS) {
			memmap_translate(bi, map, size, dsize);
			return EFI_SUCCESS;
		}
		if (st != EFI_INVALID_PARAMETER)
			return st;
		/* stale key: the map changed under us; fetch it again */
	}
	return st;
}

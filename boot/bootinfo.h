/*
 * The one structure the UEFI loader (boot/) hands to the kernel (kmain) after
 * ExitBootServices. Plain data only: after the hand-off nothing calls into
 * UEFI or gnu-efi again.
 */
#ifndef KEEL_BOOTINFO_H
#define KEEL_BOOTINFO_H

#include <stdint.h>

#define BOOTINFO_MAGIC   0x544f4f424c45454bull   /* "KEELBOOT" */
#define BOOTINFO_MAX_MEM 512
#define BOOTINFO_CMDLINE 512

/* What a memory-map range is to the kernel (translated from EFI types). */
enum bootmem_type {
	BOOTMEM_USABLE = 1,     /* EfiConventionalMemory */
	BOOTMEM_BOOT_SERVICES,  /* boot-services code/data: free after EBS */
	BOOTMEM_LOADER,         /* loader code/data: the image, bootinfo */
	BOOTMEM_ACPI_RECLAIM,
	BOOTMEM_ACPI_NVS,
	BOOTMEM_RUNTIME,        /* runtime services code/data: keep */
	BOOTMEM_MMIO,
	BOOTMEM_RESERVED,       /* everything else */
};

struct bootmem {
	uint64_t base;          /* physical, page aligned */
	uint64_t npages;        /* 4 KiB pages */
	uint32_t type;          /* enum bootmem_type */
	uint32_t efi_type;      /* the original EFI_MEMORY_TYPE */
};

enum bootfb_format { BOOTFB_NONE, BOOTFB_RGBX, BOOTFB_BGRX };

struct bootfb {
	uint64_t base;          /* 0 when there is no GOP */
	uint64_t size;
	uint32_t width, height;
	uint32_t stride;        /* pixels per scan line */
	uint32_t format;        /* enum bootfb_format */
	uint32_t mode;          /* GOP mode number */
	uint32_t pad;
};

/*
 * What the zboot loader (keel.efi as shipped, boot/zboot/) measured before it
 * started this kernel image; all 0 when the kernel image was started directly.
 */
struct bootzboot {
	uint64_t tsc_entry;                 /* rdtsc at the zboot loader's entry */
	uint64_t tsc_unpack_start, tsc_unpack_end;  /* around the LZ4 decoding */
	uint64_t packed_bytes, image_bytes; /* LZ4 frame -> kernel image */
};

struct bootinfo {
	uint64_t magic;                   /* BOOTINFO_MAGIC */
	uint64_t tsc_at_entry;            /* rdtsc at the start of efi_main */
	uint64_t image_base, image_size;  /* where UEFI loaded keel.efi */
	uint64_t rsdp;                    /* ACPI 2.0 RSDP, 0 if none */
	struct bootfb fb;
	char cmdline[BOOTINFO_CMDLINE];   /* keel.cfg, then load options */
	struct bootzboot zboot;
	uint32_t nmem, pad;
	struct bootmem mem[BOOTINFO_MAX_MEM];
};

/* Kernel entry after ExitBootServices; never returns. */
_Noreturn void kmain(struct bootinfo *bi);

#endif

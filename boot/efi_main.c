/*
 * efi_main: the UEFI entry point of keel.efi (gnu-efi's crt0 relocates the
 * image and calls it). It prints the banner, collects everything the kernel
 * needs into one struct bootinfo (docs/protocols/gen2-platform.md §3.1), leaves boot
 * services and jumps to kmain. It never touches Hyper-V MSRs: the Gen2
 * firmware owns them until ExitBootServices (docs/protocols/gen2-platform.md §3.1).
 */
#include "boot/loader.h"
#include "version.h"

EFI_SYSTEM_TABLE *boot_st;
EFI_BOOT_SERVICES *boot_bs;

static inline UINT64 boot_rdtsc(void)
{
	UINT32 lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((UINT64)hi << 32) | lo;
}

static const char *const fb_format_name[] = {
	[BOOTFB_NONE] = "none", [BOOTFB_RGBX] = "RGBX", [BOOTFB_BGRX] = "BGRX",
};

/*
 * Each line on the UEFI console costs about 2 ms under QEMU TCG (serial and
 * framebuffer text): the details are printed only with loglevel=7; the
 * kernel logs the same facts itself.
 */
static int boot_verbose(const char *cmdline)
{
	static const char key[] = "loglevel=7";

	for (const char *p = cmdline; *p != 0; p++) {
		UINTN i = 0;

		while (key[i] != 0 && p[i] == key[i])
			i++;
		if (key[i] == 0 && (p == cmdline || p[-1] == ' '))
			return 1;
	}
	return 0;
}

static void boot_report(const struct bootinfo *bi)
{
	boot_printf("keel: image at 0x%lx, %lu bytes\n", bi->image_base, bi->image_size);
	boot_printf("keel: command line \"%s\"\n", bi->cmdline);
	boot_printf("keel: ACPI 2.0 RSDP at 0x%lx\n", bi->rsdp);
	if (bi->fb.base != 0)
		boot_printf("keel: GOP mode %u %ux%u stride %u %s at 0x%lx (%lu bytes)\n",
			    bi->fb.mode, bi->fb.width, bi->fb.height, bi->fb.stride,
			    fb_format_name[bi->fb.format], bi->fb.base, bi->fb.size);
	else
		boot_printf("keel: no GOP framebuffer\n");
	boot_printf("keel: exiting boot services\n");
}

/* bootinfo lives in its own pages (EfiLoaderData), not in the image. */
static struct bootinfo *boot_alloc_info(void)
{
	EFI_PHYSICAL_ADDRESS pa = 0;
	UINTN pages = (sizeof(struct bootinfo) + 4095) / 4096;

	if (boot_bs->AllocatePages(AllocateAnyPages, EfiLoaderData, pages, &pa) != EFI_SUCCESS)
		return NULL;
	boot_memset((void *)(UINTN)pa, 0, pages * 4096);
	return (struct bootinfo *)(UINTN)pa;
}

static void boot_halt(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
	UINT64 tsc = boot_rdtsc();      /* first: "ready in N us" counts from here */
	EFI_GUID lip_guid = LOADED_IMAGE_PROTOCOL;
	EFI_LOADED_IMAGE *li = NULL;
	struct bootinfo *bi;
	EFI_STATUS status;
	int attempted = 0;

	boot_st = st;
	boot_bs = st->BootServices;
	boot_printf("Keel %s (UEFI loader)\n", KEEL_VERSION);

	bi = boot_alloc_info();
	if (bi == NULL) {
		boot_printf("keel: cannot allocate boot info\n");
		return EFI_OUT_OF_RESOURCES;
	}
	bi->magic = BOOTINFO_MAGIC;
	bi->tsc_at_entry = tsc;

	status = boot_bs->HandleProtocol(image, &lip_guid, (void **)&li);
	if (status != EFI_SUCCESS || li == NULL) {
		boot_printf("keel: no LoadedImage protocol (%lx)\n", (UINT64)status);
		return status;
	}
	bi->image_base = (UINT64)(UINTN)li->ImageBase;
	bi->image_size = li->ImageSize;
	boot_cmdline(li, bi);
	bi->rsdp = boot_rsdp();
	boot_zboot_times(bi);
	boot_gop(bi);
	if (boot_verbose(bi->cmdline))
		boot_report(bi);

	status = boot_exit_services(image, bi, &attempted);
	if (status != EFI_SUCCESS) {
		if (!attempted) {
			boot_printf("keel: ExitBootServices failed (%lx)\n", (UINT64)status);
			return status;
		}
		boot_halt();    /* boot services may be half gone: no way back */
	}

	/* Boot services are gone: no firmware calls, no gnu-efi from here on. */
	__asm__ volatile("cli");
	kmain(bi);
}

/*
 * The UEFI loader's private interface (boot/ only; gnu-efi headers). Each
 * file of boot/ collects one thing for struct bootinfo before ExitBootServices
 * (docs/protocols/gen2-platform.md §3.1: the services a loader needs).
 */
#ifndef KEEL_BOOT_LOADER_H
#define KEEL_BOOT_LOADER_H

#include <efi.h>

#include "boot/bootinfo.h"

/* The firmware tables, set once at entry (efi_main.c). */
extern EFI_SYSTEM_TABLE *boot_st;
extern EFI_BOOT_SERVICES *boot_bs;

/* console.c: ASCII text to ConOut; %s %c %d %u %x with l/ll, width, 0 flag. */
void boot_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* cmdline.c: keel.cfg's first line, then the load options, into bi->cmdline. */
void boot_cmdline(EFI_LOADED_IMAGE *li, struct bootinfo *bi);

/* zboot_times.c: the zboot loader's times into bi->zboot (0 without it). */
void boot_zboot_times(struct bootinfo *bi);

/* gop.c: the GOP framebuffer (mode, base, size, stride, format) or none. */
void boot_gop(struct bootinfo *bi);

/* rsdp.c: the ACPI 2.0 RSDP from the configuration table, 0 if absent. */
uint64_t boot_rsdp(void);

/*
 * memmap.c: the last GetMemoryMap + ExitBootServices (retried on a stale map
 * key), then the map translated into bi->mem. Nothing may print or allocate
 * after this is called. Returns EFI_SUCCESS or the failing status (printing
 * is only safe if ExitBootServices was never attempted: *attempted).
 */
EFI_STATUS boot_exit_services(EFI_HANDLE image, struct bootinfo *bi, int *attempted);

/* Small helpers without libc (boot/ has no newlib). */
void boot_memset(void *p, int c, UINTN n);
UINTN boot_strlen(const char *s);
int boot_guid_eq(const EFI_GUID *a, const EFI_GUID *b);

#endif

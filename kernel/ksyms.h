/*
 * Symbols of the running image, for backtraces and fault reports, and the
 * image layout symbols linker.ld defines.
 *
 * The table is built at build time (mk/efi.mk, scripts/ksyms-gen.sh): the
 * text symbols of the first link pass, stored as offsets from the image base
 * plus the names, byte-pair encoded, linked last into the second pass (.ksyms).
 */
#ifndef KEEL_KSYMS_H
#define KEEL_KSYMS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Image layout from linker.ld, each boundary page aligned (runtime
 * addresses: take them with &, e.g. (uintptr_t)__text_start):
 *   __image_base            the image's first byte (gnu-efi calls it ImageBase)
 *   __text_start/_end       code: read + execute
 *   __rodata_start/_end     read only
 *   __data_start/_end       data and .bss: read + write, no execute
 *   __image_end             the end of everything the loader mapped
 */
#define KSYMS_HIDDEN __attribute__((visibility("hidden")))
extern char __image_base[] KSYMS_HIDDEN;
extern char __text_start[] KSYMS_HIDDEN, __text_end[] KSYMS_HIDDEN;
extern char __rodata_start[] KSYMS_HIDDEN, __rodata_end[] KSYMS_HIDDEN;
extern char __data_start[] KSYMS_HIDDEN, __data_end[] KSYMS_HIDDEN;
extern char __image_end[] KSYMS_HIDDEN;

/*
 * The name of the function containing the runtime address addr, written
 * into name (len bytes, NUL-terminated, truncated if longer), and addr's
 * offset into it in *off (may be NULL). 0, or -ENOENT when addr is outside
 * the image's text or before its first symbol. Safe in fault handlers: no
 * allocation, no locks, no static buffer.
 */
int ksym_lookup(uint64_t addr, uint64_t *off, char *name, size_t len);

/* Number of symbols in the table (0 in the first link pass). */
uint32_t ksym_count(void);

#endif

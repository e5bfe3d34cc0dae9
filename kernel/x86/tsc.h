/* The TSC clock: nanoseconds since efi_main (docs/protocols/gen2-platform.md §7.2). */
#ifndef KEEL_X86_TSC_H
#define KEEL_X86_TSC_H

#include <stdint.h>

/* Find the TSC frequency; time zero is `tsc_zero` (bootinfo.tsc_at_entry). */
void tsc_init(uint64_t tsc_zero);
uint64_t tsc_now_ns(void);
uint64_t tsc_hz(void);
/* Nanoseconds from time zero to a raw TSC value. */
uint64_t tsc_to_ns(uint64_t tsc);
/* Read the ACPI PM timer (3.579545 MHz); 0 when there is none. */
uint32_t tsc_pm_timer_read(void);

#endif

/* Power off (ACPI S5) and reset through the FADT registers (gen2-platform.md §11). */
#ifndef KEEL_X86_POWER_H
#define KEEL_X86_POWER_H

/* Enter S5; returns only when that failed (no FADT/\_S5, or ignored). */
void power_off(void);
/* Reset through the FADT reset register; returns only when that failed. */
void power_reset(void);

#endif

/* Power off (ACPI S5) and reset through the FADT registers (docs/protocols/gen2-platform.md §11). */
#ifndef KEEL_X86_POWER_H
#define KEEL_X86_POWER_H

/* Enter S5; returns only when that failed (no FADT/\_S5, or ignored). */
void power_off(void);
/*
 * End a QEMU run with exit status (code << 1) | 1 through its isa-debug-exit
 * device (port 0xf4, scripts/run-qemu.sh). Written only under a hypervisor
 * that is not Hyper-V by the CPU's own CPUID (keel-host answers the platform's
 * CPUID as Hyper-V, but runs Keel under QEMU); returns when nothing exited.
 */
void power_exit_status(unsigned code);
/* Reset through the FADT reset register; returns only when that failed. */
void power_reset(void);

#endif

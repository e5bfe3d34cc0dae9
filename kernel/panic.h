/* How the bare-metal kernel stops (panic() itself is declared in log.h). */
#ifndef KEEL_PANIC_H
#define KEEL_PANIC_H

/*
 * Stop for good after a fatal report: with test= on the command line the
 * machine powers off (ACPI S5) so that the QEMU test run ends; otherwise
 * the CPU halts with interrupts off and the report stays on the console.
 */
_Noreturn void kernel_stop(void);

#endif

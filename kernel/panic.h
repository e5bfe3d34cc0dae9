/* How the bare-metal kernel stops (panic() itself is declared in log.h). */
#ifndef KEEL_PANIC_H
#define KEEL_PANIC_H

/*
 * Stop for good after a fatal report: with test= on the command line the
 * machine powers off (ACPI S5) so that the QEMU test run ends -- under QEMU
 * with exit status 3 (unknown test), 5 (failed) or 7 (no verdict: a panic
 * or fault outside the test) unless the test passed; otherwise
 * the CPU halts with interrupts off and the report stays on the console.
 */
_Noreturn void kernel_stop(void);

#endif

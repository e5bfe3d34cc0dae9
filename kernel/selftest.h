/*
 * In-kernel self-tests, run by name with `test=NAME` (issue 2 §4). Each
 * prints exactly one verdict line: `keel: test NAME passed` or
 * `keel: test NAME failed`. A fault test passes when the expected fault
 * arrives (the fault report is printed first).
 */
#ifndef KEEL_SELFTEST_H
#define KEEL_SELFTEST_H

#include <stdint.h>

/* Run the test `name`; returns after a test that does not fault. */
void selftest_run(const char *name);
/* From the exception handler: give the verdict if a test is running. */
void selftest_fault(uint64_t vector, uint64_t cr2);
/* From panic(): a running test passes only if it expected the panic. */
void selftest_panic(void);

/*
 * How a test= run ends, for the machine's exit status (kernel_stop hands it
 * to power_exit_status, so scripts see a failure without reading the log):
 * passed, the name is unknown, the test failed, or the kernel stopped with
 * no verdict (a panic or fault during boot, before or outside the test).
 */
enum selftest_outcome {
	SELFTEST_PASSED = 0,
	SELFTEST_UNKNOWN = 1,
	SELFTEST_FAILED = 2,
	SELFTEST_NO_VERDICT = 3,
};
enum selftest_outcome selftest_outcome(void);

#endif

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

#endif

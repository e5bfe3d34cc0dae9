/* The floating-point part of the heap self-test (selftest_fp.c). */
#ifndef KEEL_SELFTEST_FP_H
#define KEEL_SELFTEST_FP_H

#include <stddef.h>

/* snprintf "%.3f %lld" of sqrt(2.0) and -1234567890123 into buf. */
void selftest_format_float(char *buf, size_t len);

#endif

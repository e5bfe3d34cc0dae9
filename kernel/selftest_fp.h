/* The floating-point part of the heap self-test (selftest_fp.c). */
#ifndef KEEL_SELFTEST_FP_H
#define KEEL_SELFTEST_FP_H

#include <stddef.h>

/* "1414 2520 -1234567890123": sqrt(2) and cbrt(16) scaled by 1000 via
 * libm, and a long long, formatted into buf. */
void selftest_format_float(char *buf, size_t len);

#endif

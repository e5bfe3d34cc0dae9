/*
 * newlib printf %f and libm from the kernel (issue 2 §1). Kernel code is
 * built with -mgeneral-regs-only except files named *_fp.c (mk/config.mk),
 * so the double arithmetic lives here. SSE is on (cpu_setup.c) and
 * interrupt entry saves it (trap.S).
 */
#include "kernel/selftest_fp.h"

#include <math.h>
#include <stdio.h>

void selftest_format_float(char *buf, size_t len)
{
	volatile double two = 2.0;     /* computed at run time, not folded */

	snprintf(buf, len, "%.3f %lld", sqrt(two), -1234567890123ll);
}

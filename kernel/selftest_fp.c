/*
 * libm from the kernel. Kernel code is built with
 * -mgeneral-regs-only except files named *_fp.c (mk/config.mk), so the
 * double arithmetic lives here. SSE is on (cpu_setup.c) and interrupt entry
 * saves it (trap.S).
 *
 * The kernel's newlib is built without floating-point I/O (mk/newlib.mk,
 * --disable-newlib-io-float) to keep keel.efi under its size budget:
 * printf has no %f/%e/%g. Nothing can pass a double to printf by mistake:
 * outside *_fp.c files the compiler rejects floating point outright. So
 * results are formatted as scaled integers, as here. cbrt rather than a
 * trigonometric function: sin's range reduction alone is 4 KiB of code and
 * tables, and this only shows that libm runs with SSE in the kernel.
 */
#include "kernel/selftest_fp.h"

#include <math.h>
#include <stdio.h>

void selftest_format_float(char *buf, size_t len)
{
	volatile double two = 2.0, sixteen = 16.0;

	/* Computed at run time (volatile), not folded by the compiler. */
	snprintf(buf, len, "%ld %ld %lld", lround(sqrt(two) * 1000.0),
		 lround(cbrt(sixteen) * 1000.0), -1234567890123ll);
}

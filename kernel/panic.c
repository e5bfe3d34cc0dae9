/*
 * panic(): print the message and a backtrace from the caller, let a running
 * self-test record its verdict, then kernel_stop(). Interrupts go off first so
 * nothing runs behind the report; a panic inside panic stops at once.
 * kernel_stop() under test= powers off; a run without a pass first asks QEMU
 * for a non-zero exit status (kernel/selftest.h "selftest_outcome").
 */
#include "kernel/panic.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/log.h"
#include "kernel/selftest.h"
#include "kernel/x86/backtrace.h"
#include "kernel/x86/cpu.h"
#include "kernel/x86/power.h"

void kernel_stop(void)
{
	enum selftest_outcome o;

	cli();
	if (boot_opts.test != NULL) {
		/* a failed, unknown or unfinished test= run ends the machine with
		 * a non-zero status where it can (QEMU), else as a pass does */
		o = selftest_outcome();
		if (o != SELFTEST_PASSED) {
			console_printf("keel: test= run ends without a pass (%s)\n",
				       o == SELFTEST_UNKNOWN ? "test-unknown" :
				       o == SELFTEST_FAILED ? "test-failed" : "no verdict");
			power_exit_status((unsigned)o);
		}
		power_off();            /* returns only if S5 did not work */
	}
	console_printf("keel: stopped\n");
	cpu_halt_forever();
}

void panic(const char *fmt, ...)
{
	static int depth;
	char msg[256];
	va_list ap;

	cli();
	if (++depth > 1) {
		console_printf("keel: panic while panicking\n");
		cpu_halt_forever();
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	klog(LOG_EMERG, "keel: panic: %s", msg);
	backtrace_print((uint64_t)__builtin_return_address(0),
			*(uint64_t *)__builtin_frame_address(0), 1);
	selftest_panic();
	kernel_stop();
}

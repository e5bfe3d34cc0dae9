/*
 * Stack protector support for -fstack-protector-strong: the
 * guard value and the failure handler. The guard is set once at entry, from
 * RDRAND when present, else from the TSC, before any protected function
 * that returns has a frame on the stack (ssp_init itself is unprotected,
 * and kmain never returns).
 */
#include <stdint.h>

#include "kernel/log.h"
#include "kernel/ssp.h"
#include "kernel/x86/backtrace.h"
#include "kernel/x86/cpu.h"

/* Any non-zero value until ssp_init; the low byte 0 stops string overruns. */
uintptr_t __stack_chk_guard = 0x2f8a6d19c4b3e700ull;

__attribute__((no_stack_protector)) void ssp_init(void)
{
	uint64_t v;

	if (!rdrand64(&v))
		v = rdtsc() * 0x9E3779B97F4A7C15ull;
	__stack_chk_guard = (uintptr_t)(v & ~0xFFull);
}

_Noreturn void __stack_chk_fail(void);

void __stack_chk_fail(void)
{
	char where[128];

	backtrace_symbolize(where, sizeof(where),
			    (uint64_t)__builtin_return_address(0), 1);
	panic("stack protector: stack smashed in %s", where);
}

/*
 * SSE on (SDM vol. 3 §13.1.3): CR0.EM = 0, CR0.MP = 1, CR0.TS = 0,
 * CR4.OSFXSR and CR4.OSXMMEXCPT = 1. UEFI already runs with SSE enabled
 * (the x64 UEFI calling convention uses XMM registers), so this makes our
 * assumption explicit rather than changing anything. Interrupt entry saves
 * the SSE state with fxsave (trap.S).
 */
#include "kernel/x86/cpu_setup.h"

#include "kernel/x86/cpu.h"

void cpu_setup(void)
{
	write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP);
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
}

/*
 * The fault report: vector, name, error code, RIP with its
 * symbol, CR2, all general registers, control registers and a frame-pointer
 * backtrace; then the kernel stops (kernel_stop: power off under test=,
 * otherwise halt). A page fault or double fault whose address lies in a
 * stack's guard page is called a stack overflow and names the stack
 * (kernel/stack.h). A self-test that expects this fault claims it first
 * and prints its verdict (kernel/selftest.c).
 */
#include "kernel/x86/exception.h"

#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/selftest.h"
#include "kernel/stack.h"
#include "kernel/x86/backtrace.h"
#include "kernel/x86/cpu.h"

static const char *const exception_names[32] = {
	[0] = "divide error (#DE)",         [1] = "debug (#DB)",
	[2] = "non-maskable interrupt",     [3] = "breakpoint (#BP)",
	[4] = "overflow (#OF)",             [5] = "bound range exceeded (#BR)",
	[6] = "invalid opcode (#UD)",       [7] = "device not available (#NM)",
	[8] = "double fault (#DF)",         [9] = "coprocessor segment overrun",
	[10] = "invalid TSS (#TS)",         [11] = "segment not present (#NP)",
	[12] = "stack-segment fault (#SS)", [13] = "general protection (#GP)",
	[14] = "page fault (#PF)",          [16] = "x87 floating point (#MF)",
	[17] = "alignment check (#AC)",     [18] = "machine check (#MC)",
	[19] = "SIMD floating point (#XM)", [20] = "virtualization (#VE)",
	[21] = "control protection (#CP)",  [28] = "hypervisor injection (#HV)",
	[29] = "VMM communication (#VC)",   [30] = "security (#SX)",
};

/* Page-fault error code bits (SDM vol. 3 §4.7). */
static void report_pf_error(uint64_t e)
{
	klog(LOG_EMERG, "  page fault: %s, %s%s%s",
	     (e & 1) ? "protection violation" : "page not present",
	     (e & 2) ? "write" : ((e & 16) ? "instruction fetch" : "read"),
	     (e & 8) ? ", reserved bit set" : "",
	     (e & 4) ? ", user mode" : "");
}

static void report_stack_overflow(uint64_t cr2, uint64_t rsp)
{
	const char *name = stack_guard_owner(cr2);

	if (name == NULL)
		name = stack_guard_owner(rsp);
	if (name != NULL)
		klog(LOG_EMERG, "  stack overflow: guard page of stack '%s' hit", name);
}

static void report_registers(const struct trap_frame *f)
{
	klog(LOG_EMERG, "  RAX %016llx RBX %016llx RCX %016llx",
	     (unsigned long long)f->rax, (unsigned long long)f->rbx,
	     (unsigned long long)f->rcx);
	klog(LOG_EMERG, "  RDX %016llx RSI %016llx RDI %016llx",
	     (unsigned long long)f->rdx, (unsigned long long)f->rsi,
	     (unsigned long long)f->rdi);
	klog(LOG_EMERG, "  RBP %016llx RSP %016llx R8  %016llx",
	     (unsigned long long)f->rbp, (unsigned long long)f->rsp,
	     (unsigned long long)f->r8);
	klog(LOG_EMERG, "  R9  %016llx R10 %016llx R11 %016llx",
	     (unsigned long long)f->r9, (unsigned long long)f->r10,
	     (unsigned long long)f->r11);
	klog(LOG_EMERG, "  R12 %016llx R13 %016llx R14 %016llx",
	     (unsigned long long)f->r12, (unsigned long long)f->r13,
	     (unsigned long long)f->r14);
	klog(LOG_EMERG, "  R15 %016llx RFLAGS %016llx CS %04llx SS %04llx",
	     (unsigned long long)f->r15, (unsigned long long)f->rflags,
	     (unsigned long long)f->cs, (unsigned long long)f->ss);
	klog(LOG_EMERG, "  CR0 %016llx CR3 %016llx CR4 %016llx",
	     (unsigned long long)read_cr0(), (unsigned long long)read_cr3(),
	     (unsigned long long)read_cr4());
}

static void exception_report(const struct trap_frame *f, uint64_t cr2)
{
	const char *name = exception_names[f->vector & 31];
	char rip[128];

	backtrace_symbolize(rip, sizeof(rip), f->rip, 0);
	klog(LOG_EMERG, "keel: FATAL: exception %llu: %s, error code 0x%llx",
	     (unsigned long long)f->vector, name ? name : "reserved",
	     (unsigned long long)f->error);
	klog(LOG_EMERG, "  RIP %s", rip);
	klog(LOG_EMERG, "  CR2 0x%016llx", (unsigned long long)cr2);
	if (f->vector == 14)
		report_pf_error(f->error);
	if (f->vector == 14 || f->vector == 8)
		report_stack_overflow(cr2, f->rsp);
	report_registers(f);
	backtrace_print(f->rip, f->rbp, 0);
}

void exception_handle(struct trap_frame *f)
{
	static int depth;
	uint64_t cr2 = read_cr2();

	if (++depth > 1) {
		/* a fault inside the report: say so and stop without more output */
		klog(LOG_EMERG, "keel: fault %llu while reporting a fault, rip 0x%llx",
		     (unsigned long long)f->vector, (unsigned long long)f->rip);
		cpu_halt_forever();
	}
	exception_report(f, cr2);
	selftest_fault(f->vector, cr2);
	kernel_stop();
}

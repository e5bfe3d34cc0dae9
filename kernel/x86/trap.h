/*
 * The interrupt/exception frame built by trap.S: the general registers the
 * stub pushed, the vector and error code, then what the CPU pushed (SDM vol. 3
 * §6.14.2, 64-bit mode stack frame). The stub also saves the SSE state with
 * fxsave below this frame, so C handlers may use SSE freely.
 */
#ifndef KEEL_X86_TRAP_H
#define KEEL_X86_TRAP_H

#include <stdint.h>

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;      /* pushed by the CPU */
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "trap.S layout");

/* trap.S: 256 entry stubs, TRAP_STUB_SIZE bytes apart. */
#define TRAP_STUB_SIZE 16
extern const char trap_stubs[];

/* Called by trap.S for every vector (kernel/x86/irq.c). */
void trap_dispatch(struct trap_frame *f);

/* Run fn(arg) on a new stack (stack_switch.S); fn must not return. */
_Noreturn void call_on_stack(void (*fn)(void *), void *arg, void *stack_top);

#endif

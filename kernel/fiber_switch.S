/*
 * Fiber context switch, x86-64 System V (kernel/fiber.h). The same file
 * assembles for bare metal (x86_64-unknown-none-elf, -fpic) and for the
 * hosted Linux build.
 *
 * Only the callee-saved registers need saving: a switch is a function call,
 * so the caller already assumes rax, rcx, rdx, rsi, rdi, r8-r11 and the
 * vector registers are clobbered. MXCSR and the x87 control word are also
 * callee-saved by the ABI, but no Keel code changes them, so they are not
 * saved (saving them would need SSE enabled in every context).
 *
 * Frame left on a switched-out stack (lowest address first):
 *   r15 r14 r13 r12 rbx rbp <return address>
 */
	.text

/* void fiber_switch(void **save_sp, void *new_sp) */
	.globl	fiber_switch
	.type	fiber_switch, @function
fiber_switch:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
	.size	fiber_switch, .-fiber_switch

/*
 * First code on a fresh fiber stack: fiber_prepare() put this address where
 * fiber_switch's ret finds it. Clear the frame pointer so backtraces stop
 * here, align the stack for a call, and enter the fiber loop, which never
 * returns.
 */
	.globl	fiber_trampoline
	.type	fiber_trampoline, @function
fiber_trampoline:
	xorl	%ebp, %ebp
	andq	$-16, %rsp
	call	fiber_main@PLT
	ud2
	.size	fiber_trampoline, .-fiber_trampoline

	.section .note.GNU-stack,"",@progbits

/*
 * Interrupt and exception entry (SDM vol. 3 §6.12-6.14). One 16-byte stub per
 * vector pushes a zero error code where the CPU pushes none, then the vector,
 * and jumps to trap_common, which saves the general registers (struct
 * trap_frame in trap.h) and the x87/SSE state (fxsave), calls
 * trap_dispatch(frame) and undoes it all. Position independent: the IDT
 * is filled from trap_stubs + 16 * vector, no absolute addresses.
 */
	.text
	.globl trap_stubs
	.balign 16
trap_stubs:
	vec = 0
	.rept 256
	.balign 16
	/* vectors with a CPU error code: #DF #TS #NP #SS #GP #PF #AC #CP #VC #SX */
	.if (vec == 8) || (vec == 10) || (vec == 11) || (vec == 12) || (vec == 13) || (vec == 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushq $0
	.endif
	pushq $vec
	jmp trap_common
	vec = vec + 1
	.endr

trap_common:
	cld
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %rdi          /* struct trap_frame * */
	movq %rsp, %rbx          /* callee-saved: find the frame again */
	andq $-16, %rsp          /* fxsave needs 16-byte alignment */
	subq $512, %rsp
	fxsave64 (%rsp)
	call trap_dispatch
	fxrstor64 (%rsp)
	movq %rbx, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp           /* vector and error code */
	iretq

	.section .note.GNU-stack,"",@progbits

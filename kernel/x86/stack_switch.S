/*
 * call_on_stack(fn, arg, stack_top): leave the firmware's stack for one of
 * ours (kmain does this before boot-services memory is reused). RBP is
 * zeroed so frame-pointer backtraces end here; the zero return address
 * pushed below fn's frame marks the end as well.
 */
	.text
	.globl call_on_stack
call_on_stack:
	movq %rdx, %rsp
	andq $-16, %rsp
	xorl %ebp, %ebp
	pushq $0                 /* fake return address: end of backtrace */
	movq %rdi, %rax
	movq %rsi, %rdi
	jmp *%rax

	.section .note.GNU-stack,"",@progbits

/* Our own GDT and TSS (SDM vol. 3 §3.4, §7.7): 64-bit code/data and the IST. */
#ifndef KEEL_X86_GDT_H
#define KEEL_X86_GDT_H

#include <stdint.h>

#define GDT_KERNEL_CS 0x08
#define GDT_KERNEL_DS 0x10
#define GDT_TSS       0x18

/* Interrupt stack table slots (1-based, as in the IDT gate). */
enum { IST_DOUBLE_FAULT = 1, IST_NMI = 2, IST_MACHINE_CHECK = 3, IST_COUNT = 3 };

/* Load the GDT, reload the segment registers and the task register. */
void gdt_init(void);
/* Point IST slot `ist` at a stack top (the stack is allocated by the caller). */
void gdt_set_ist(int ist, void *stack_top);

#endif

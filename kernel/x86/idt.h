/* The IDT (SDM vol. 3 §6.14.1): 256 interrupt gates onto trap.S's stubs. */
#ifndef KEEL_X86_IDT_H
#define KEEL_X86_IDT_H

/* Fill and load the IDT; exceptions are reported from here on. */
void idt_init(void);
/* Switch #DF, NMI and #MC to their IST stacks (after gdt_set_ist). */
void idt_use_ist(void);

#endif

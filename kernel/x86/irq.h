/*
 * Interrupt vectors 32..255: a table of handlers, filled through
 * platform->irq_register (kernel/platform.h) and by the local APIC code.
 */
#ifndef KEEL_X86_IRQ_H
#define KEEL_X86_IRQ_H

#define IRQ_VECTOR_MIN 32
#define IRQ_VECTOR_MAX 255

/* 0, -EINVAL (vector out of range, fn NULL) or -EBUSY (taken). */
int irq_register(int vector, void (*fn)(void *arg), void *arg);

#endif

/*
 * Read-only views of kernel state for applications (the serial shell,
 * apps/shell/): each function prints what it shows through a printf-like
 * sink, so a caller never sees the structures behind it. Each is
 * implemented by the module whose state it shows.
 *
 * Contexts: work items or the scheduler. The printers mask interrupts only
 * while they copy what an interrupt handler may change.
 */
#ifndef KEEL_INTROSPECT_H
#define KEEL_INTROSPECT_H

typedef void (*kprintf_fn)(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Every work queue, its items and the wait graph (kernel/deadlock.c). */
void wq_print(kprintf_fn out);
/* Every armed deadline: timers, delayed items, wait timeouts (kernel/timer.c). */
void timer_print(kprintf_fn out);
/* Interrupts taken, per vector (kernel/x86/irq.c). */
void irq_print(kprintf_fn out);
/* The last lines of the kernel log (kernel/log.c). */
void log_print(kprintf_fn out);
/* Physical pages and heap (kernel/introspect.c). */
void mem_print(kprintf_fn out);

#endif

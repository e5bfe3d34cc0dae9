/*
 * Stacks for fibers (work-queue execution contexts). Each stack has an
 * unmapped guard page below it so that an overflow faults instead of
 * corrupting memory; the fault handler names the stack.
 * Bare metal: kernel/stack.c (page tables). Hosted: hosted/stack.c (mmap).
 */
#ifndef KEEL_STACK_H
#define KEEL_STACK_H

#include <stddef.h>

/* Allocate a stack of `bytes` (rounded up to pages) plus a guard page below.
 * Returns the lowest usable address (the stack grows down from lo + bytes),
 * or NULL. `name` is kept for the overflow report. */
void *stack_alloc(size_t bytes, const char *name);
void stack_free(void *lo, size_t bytes);

/* For fault handlers: the name of the stack whose guard page holds addr, or NULL. */
const char *stack_guard_owner(unsigned long addr);

#endif

/*
 * The kernel heap: one contiguous region of physical pages taken from the
 * pmm at boot, handed out through sbrk() to newlib's malloc (newlib_sys.c).
 */
#ifndef KEEL_X86_HEAP_H
#define KEEL_X86_HEAP_H

#include <stddef.h>
#include <stdint.h>

void heap_init(void);
/* Move the break by incr bytes; returns the old break or NULL when full. */
void *heap_sbrk(intptr_t incr);
size_t heap_size(void);
size_t heap_used(void);

#endif

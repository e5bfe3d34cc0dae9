/*
 * Fiber stacks for the hosted build (kernel/stack.h): mmap'd, with a
 * PROT_NONE guard page below the usable range so an overflow faults at once
 * (AddressSanitizer then reports a SEGV at an address stack_guard_owner
 * names). Stacks are few (fibers are pooled), so a list is enough.
 */
#define _DEFAULT_SOURCE 1   /* MAP_ANONYMOUS, madvise: Linux-only file */

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "kernel/log.h"
#include "kernel/platform.h"
#include "kernel/stack.h"

struct hstack {
	uintptr_t guard;            /* the PROT_NONE page */
	size_t bytes;               /* usable, above the guard */
	const char *name;
	struct hstack *next;
};

static struct hstack *stacks;

static size_t round_pages(size_t n)
{
	return (n + PLAT_PAGE_SIZE - 1) & ~(size_t)(PLAT_PAGE_SIZE - 1);
}

void *stack_alloc(size_t bytes, const char *name)
{
	size_t usable = round_pages(bytes);
	struct hstack *s = malloc(sizeof(*s));
	uint8_t *p;

	if (!s)
		return NULL;
	p = mmap(NULL, usable + PLAT_PAGE_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		goto fail;
	if (mprotect(p, PLAT_PAGE_SIZE, PROT_NONE) != 0) {
		munmap(p, usable + PLAT_PAGE_SIZE);
		goto fail;
	}
	s->guard = (uintptr_t)p;
	s->bytes = usable;
	s->name = name;
	s->next = stacks;
	stacks = s;
	return p + PLAT_PAGE_SIZE;
fail:
	free(s);
	return NULL;
}

void stack_free(void *lo, size_t bytes)
{
	struct hstack **pp = &stacks, *s;

	if (!lo)
		return;
	for (; (s = *pp) != NULL; pp = &s->next) {
		if (s->guard + PLAT_PAGE_SIZE == (uintptr_t)lo) {
			kassert(s->bytes == round_pages(bytes));
			*pp = s->next;
			munmap((void *)s->guard, s->bytes + PLAT_PAGE_SIZE);
			free(s);
			return;
		}
	}
	panic("stack_free(%p): not a stack", lo);
}

const char *stack_guard_owner(unsigned long addr)
{
	const struct hstack *s;

	for (s = stacks; s; s = s->next)
		if (addr >= s->guard && addr < s->guard + PLAT_PAGE_SIZE)
			return s->name;
	return NULL;
}

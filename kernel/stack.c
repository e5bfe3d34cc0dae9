/*
 * kernel/stack.h on bare metal: stacks are runs of pmm pages with the lowest
 * page unmapped (paging.c) as a guard, so running off the bottom faults
 * (usually as a double fault, because the CPU cannot push the page-fault
 * frame either; the #DF handler runs on its IST stack and asks
 * stack_guard_owner about CR2). The records live in a fixed table so that
 * stacks can be made before the heap exists (the boot stack) and looked up
 * from a fault handler without taking locks or allocating.
 */
#include "kernel/stack.h"

#include <stdint.h>

#include "kernel/log.h"
#include "kernel/x86/paging.h"
#include "kernel/x86/pmm.h"

#define STACK_MAX 128

struct stack_rec {
	uint64_t guard;          /* address of the guard page; 0 = free slot */
	const char *name;
};

static struct stack_rec stacks[STACK_MAX];

static struct stack_rec *stack_find(uint64_t guard)
{
	for (int i = 0; i < STACK_MAX; i++)
		if (stacks[i].guard == guard)
			return &stacks[i];
	return NULL;
}

void *stack_alloc(size_t bytes, const char *name)
{
	size_t npages = (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
	struct stack_rec *r = stack_find(0);
	uint64_t pa;

	if (r == NULL || npages == 0) {
		pr_err("stack: cannot make stack '%s' (%s)", name,
		       r == NULL ? "table full" : "size 0");
		return NULL;
	}
	pa = pmm_alloc(npages + 1);
	if (pa == 0)
		return NULL;
	paging_unmap(pa, PAGE_SIZE);
	*r = (struct stack_rec){ .guard = pa, .name = name };
	return (void *)(pa + PAGE_SIZE);
}

void stack_free(void *lo, size_t bytes)
{
	uint64_t guard = (uint64_t)lo - PAGE_SIZE;
	struct stack_rec *r = stack_find(guard);

	kassert(lo != NULL && r != NULL);
	paging_map(guard, PAGE_SIZE, PG_WRITE);
	pmm_free(guard, (bytes + PAGE_SIZE - 1) / PAGE_SIZE + 1);
	r->guard = 0;
}

const char *stack_guard_owner(unsigned long addr)
{
	for (int i = 0; i < STACK_MAX; i++)
		if (stacks[i].guard != 0 && addr >= stacks[i].guard &&
		    addr < stacks[i].guard + PAGE_SIZE)
			return stacks[i].name;
	return NULL;
}

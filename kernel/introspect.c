/*
 * kernel/introspect.h: the memory view, which needs the bare-metal page
 * allocator and heap (kernel/x86/pmm.c, kernel/x86/heap.c).
 */
#include "kernel/introspect.h"

#include "kernel/x86/heap.h"
#include "kernel/x86/pmm.h"

void mem_print(kprintf_fn out)
{
	out("pages: %llu free (%llu KiB), RAM up to 0x%llx\n",
	    (unsigned long long)pmm_free_pages(),
	    (unsigned long long)(pmm_free_pages() * PAGE_SIZE >> 10),
	    (unsigned long long)pmm_top());
	out("heap: %zu KiB used of %zu KiB\n", heap_used() >> 10, heap_size() >> 10);
}

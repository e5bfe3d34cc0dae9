/*
 * Frame-pointer backtrace. With -fno-omit-frame-pointer every function
 * starts with push %rbp; mov %rsp,%rbp, so [rbp] is the caller's rbp and
 * [rbp+8] the return address (System V x86-64 ABI §3.2.2). The walk checks
 * each frame pointer before reading it (mapped, aligned, moving up the
 * stack), so a corrupt chain ends the trace instead of faulting again.
 * The chain ends at rbp == 0 or a zero return address (call_on_stack).
 */
#include "kernel/x86/backtrace.h"

#include <stdio.h>

#include "kernel/ksyms.h"
#include "kernel/log.h"
#include "kernel/x86/paging.h"

#define BACKTRACE_MAX_LINES  24        /* printed frames */
#define BACKTRACE_MAX_WALK   100000    /* frames followed (recursion) */

/*
 * A return address points after its call, which may be the first byte of
 * the next function: look it up one byte back, show the offset of addr.
 */
void backtrace_symbolize(char *buf, unsigned len, uint64_t addr, int is_return)
{
	uint64_t off = 0, back = is_return ? 1 : 0;
	char name[64];

	if (ksym_lookup(addr - back, &off, name, sizeof(name)) == 0)
		snprintf(buf, len, "0x%016llx %s+0x%llx", (unsigned long long)addr,
			 name, (unsigned long long)(off + back));
	else
		snprintf(buf, len, "0x%016llx ?", (unsigned long long)addr);
}

static void backtrace_line(int i, uint64_t addr, int is_return)
{
	char sym[128];

	backtrace_symbolize(sym, sizeof(sym), addr, is_return);
	klog(LOG_EMERG, "  #%-2d %s", i, sym);
}

static void flush_repeats(int *repeats)
{
	if (*repeats > 0)
		klog(LOG_EMERG, "      ... the frame above %d more times", *repeats);
	*repeats = 0;
}

void backtrace_print(uint64_t rip, uint64_t rbp, int rip_is_return)
{
	int i = 0, shown = 1, repeats = 0;
	uint64_t last = 0;

	klog(LOG_EMERG, "backtrace:");
	backtrace_line(i++, rip, rip_is_return != 0);
	while (i < BACKTRACE_MAX_WALK && shown < BACKTRACE_MAX_LINES && rbp != 0 &&
	       (rbp & 7) == 0 && paging_is_mapped(rbp, 16)) {
		const uint64_t *fp = (const uint64_t *)rbp;
		uint64_t ret = fp[1];

		if (ret == 0)
			break;
		if (ret == last) {
			repeats++;      /* deep recursion: one line, then a count */
		} else {
			flush_repeats(&repeats);
			backtrace_line(i, ret, 1);
			last = ret;
			shown++;
		}
		i++;
		if (fp[0] <= rbp)
			break;          /* frames must move up the stack */
		rbp = fp[0];
	}
	flush_repeats(&repeats);
}

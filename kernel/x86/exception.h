/* CPU exceptions (vectors 0..31): the fault report, then stop. */
#ifndef KEEL_X86_EXCEPTION_H
#define KEEL_X86_EXCEPTION_H

#include "kernel/x86/trap.h"

/* Report the fault (vector, name, error code, RIP, CR2, registers,
 * backtrace) and stop the kernel; a self-test may claim it first. */
_Noreturn void exception_handle(struct trap_frame *f);

#endif

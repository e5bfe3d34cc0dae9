/* Frame-pointer backtraces with symbol names (kernel/ksyms.h). */
#ifndef KEEL_X86_BACKTRACE_H
#define KEEL_X86_BACKTRACE_H

#include <stdint.h>

/*
 * Print `rip` and then the return addresses along the RBP chain from `rbp`.
 * rip_is_return: rip is itself a return address (panic's caller), which is
 * looked up one byte back because a call to a noreturn function may be the
 * last instruction of its function.
 */
void backtrace_print(uint64_t rip, uint64_t rbp, int rip_is_return);
/* Print "0x... name+0xoff" for addr into buf (is_return: see above). */
void backtrace_symbolize(char *buf, unsigned len, uint64_t addr, int is_return);

#endif

/* Control-register set-up done first thing in kmain. */
#ifndef KEEL_X86_CPU_SETUP_H
#define KEEL_X86_CPU_SETUP_H

/* Enable SSE (newlib's printf %f and clang's code use it). */
void cpu_setup(void);

#endif

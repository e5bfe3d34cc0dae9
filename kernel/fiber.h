/*
 * Fibers: the execution contexts work queues run their items on. A fiber is
 * a stack (kernel/stack.h, guard page below) and a saved stack pointer; the
 * switch (kernel/fiber_switch.S) saves the SysV callee-saved registers on
 * the old stack and pops them from the new one. The same assembly runs on
 * bare metal and in the hosted Linux build, where switches are annotated for
 * AddressSanitizer.
 *
 * Fibers never exit: each loops "run the item it was given, go back to the
 * scheduler". struct fiber is in kernel/wq_internal.h. Free fibers are pooled and reused by any queue; a fiber
 * abandoned mid-item by wq_init() is re-prepared before reuse.
 */
#ifndef KEEL_FIBER_H
#define KEEL_FIBER_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/wq_internal.h"

#ifndef WQ_STACK_BYTES
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WQ_STACK_BYTES (128u * 1024u)   /* ASan redzones triple frame sizes */
#endif
#endif
#endif
#ifndef WQ_STACK_BYTES
#define WQ_STACK_BYTES (32u * 1024u)
#endif

/* A fiber from the pool (or a new one); NULL when out of memory. */
struct fiber *fiber_get(void);
/* Change f_state; panics on a move the diagram does not have. */
void fiber_transition(struct fiber *f, enum fiber_state to);
/* Back to the pool: parked at its loop top (after its item returned). */
void fiber_put(struct fiber *f);
/* Scheduler -> f (interrupts masked; wq_core.current = f by the caller). */
void fiber_resume(struct fiber *f);
/* Current fiber -> scheduler (interrupts masked). Returns when resumed. */
void fiber_yield(struct fiber *f);
/* wq_init: every fiber back to the pool, re-prepared (abandons their frames). */
void fiber_reset_all(void);
/* wq_fini: free every fiber and stack. */
void fiber_free_all(void);

/* fiber_switch.S */
void fiber_switch(void **save_sp, void *new_sp);
void fiber_trampoline(void);
void fiber_main(void);   /* called by fiber_trampoline on a fresh stack */

#endif

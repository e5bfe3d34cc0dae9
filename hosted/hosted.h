/*
 * The hosted build: the guest's portable code as a Linux program. This header
 * is the hosted platform's side door for whoever drives it (unit tests, the
 * deterministic simulator keelsim): it installs a host model, owns the guest
 * memory arena and the virtual clock, and delivers interrupts.
 *
 * Guest memory is an arena with its own guest-physical address space
 * (GPA HOSTED_GPA_BASE .. HOSTED_GPA_BASE + size), never host pointers, so a
 * host model can check every address the guest hands it. The base is not 0
 * so that a zero GPA (an unset field) is never guest RAM.
 *
 * Implemented by hosted/platform_hosted.c (platform, arena, clock, irqs),
 * hosted/log.c (klog, panic) and hosted/stack.c (fiber stacks).
 */
#ifndef KEEL_HOSTED_H
#define KEEL_HOSTED_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/platform.h"

/* What the hosted platform forwards to the simulated host. */
struct host_model {
	void *ctx;
	void (*cpuid)(void *ctx, uint32_t leaf, uint32_t sub, uint32_t out[4]);
	uint64_t (*rdmsr)(void *ctx, uint32_t msr);
	void (*wrmsr)(void *ctx, uint32_t msr, uint64_t val);
	uint64_t (*hypercall)(void *ctx, uint64_t control, uint64_t in, uint64_t out);
	/* Device MMIO (platform mmio_read/mmio_write); NULL: an empty bus. */
	uint64_t (*mmio_read)(void *ctx, uint64_t gpa, unsigned size);
	void (*mmio_write)(void *ctx, uint64_t gpa, unsigned size, uint64_t val);
};

/* First guest-physical address of the arena (1 MiB). */
#define HOSTED_GPA_BASE 0x100000ull

/* Set up the arena (guest RAM of `size` bytes, rounded up to pages, at GPA
 * HOSTED_GPA_BASE) and the platform; the clock restarts at 0, the irq table
 * and the host model are cleared. Calling it again without hosted_fini
 * re-initialises. Returns 0 or -ENOMEM. */
int hosted_init(size_t guest_ram_bytes);
void hosted_fini(void);
void hosted_set_host_model(const struct host_model *m);  /* NULL: no host */

/* The arena, for the host side: NULL unless [gpa, gpa+len) is guest RAM. */
void *hosted_gmem(gpa_t gpa, size_t len);
size_t hosted_gmem_size(void);
size_t hosted_gmem_pages_in_use(void);   /* page_alloc'd and not yet freed */

/* Virtual time: the driver moves it; nothing in the hosted build reads a real clock. */
uint64_t hosted_now_ns(void);
void hosted_set_now_ns(uint64_t ns);     /* never backwards */
uint64_t hosted_timer_deadline(void);    /* armed one-shot deadline, 0 = none */

/* Interrupts: the host raises a vector; the driver delivers pending ones between guest steps. */
void hosted_raise_irq(int vector);
int hosted_irq_pending(void);            /* count of raised, undelivered vectors */
void hosted_deliver_irqs(void);          /* run handlers of every pending vector, in order */
int hosted_fire_timer(void);             /* deadline <= now: disarm, call timer_expired(); 1 if fired */
/* Interrupt context (for asserts): true while hosted_deliver_irqs or
 * hosted_fire_timer runs a handler. */
int hosted_in_irq(void);

/* Counters for invariants and tests. */
unsigned long hosted_page_frees_bad(void); /* page_free of pages not in use */

/* ---- hosted/log.c: log capture and panic for tests -------------------- */

/* Echo klog lines to stderr (default on). */
void hosted_log_set_echo(int on);
/* Also append every klog line (and panic message) to a capture buffer. */
void hosted_log_capture(int on);
const char *hosted_log_captured(void);   /* "" when empty; NUL-terminated */
void hosted_log_clear(void);
/* Called by panic() with the message instead of abort(); must not return
 * (longjmp back to the test runner). NULL: abort(). Do not longjmp out of a
 * fiber: tests that expect a panic trigger it from the driver's context. */
void hosted_set_panic_hook(void (*hook)(const char *msg));

#endif

/*
 * The pieces of the real-x86 platform (kernel/platform.h) shared by the
 * Hyper-V instance (platform_hv.c) and the no-hypervisor instance
 * (platform_x86.c).
 */
#ifndef KEEL_X86_PLATFORM_X86_H
#define KEEL_X86_PLATFORM_X86_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/platform.h"

void x86_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4]);
int x86_irq_register(int vector, void (*fn)(void *arg), void *arg);
void *x86_page_alloc(size_t npages);
void x86_page_free(void *p, size_t npages);
void *x86_gpa_to_ptr(gpa_t gpa, size_t len);
gpa_t x86_ptr_to_gpa(const void *p);
/* kernel/x86/mmio.c: uncached device MMIO, pages mapped on first use. */
uint64_t x86_mmio_read(gpa_t gpa, unsigned size);
void x86_mmio_write(gpa_t gpa, unsigned size, uint64_t val);
uint64_t x86_now_ns(void);
void x86_timer_arm(uint64_t deadline_ns);
void x86_idle(void);
uint64_t x86_irq_save(void);
void x86_irq_restore(uint64_t state);

/* Pick and set `platform`: Hyper-V when detected and set up, else plain x86. */
void platform_init(void);

#endif

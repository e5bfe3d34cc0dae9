/*
 * The platform seam: everything that differs between real Hyper-V, the hosted
 * simulation (guest code as a Linux program against the host library) and
 * keel-host (the host library as its own process, reached over ivshmem).
 *
 * Nothing above this header knows which implementation runs. Keep it small:
 * CPUID, synthetic MSRs, hypercalls, interrupt vectors, guest-physical memory
 * shared with the host, device MMIO, a monotonic clock and a one-shot timer.
 *
 * Implementations: kernel/x86/platform_hv.c and kernel/x86/platform_x86.c
 * (real x86 with and without Hyper-V), hosted/platform_hosted.c
 * (hosted build), kernel/x86/platform_ivshmem.c (keel-host transport).
 */
#ifndef KEEL_PLATFORM_H
#define KEEL_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t gpa_t;          /* guest-physical address */

#define PLAT_PAGE_SIZE 4096u     /* the Hyper-V page, whatever the guest's own */

struct platform {
	const char *name;

	/* CPUID leaf/subleaf into out[0..3] = eax, ebx, ecx, edx. */
	void (*cpuid)(uint32_t leaf, uint32_t subleaf, uint32_t out[4]);
	/* Hyper-V synthetic MSRs (0x40000000-0x400000FF range and friends). */
	uint64_t (*rdmsr)(uint32_t msr);
	void (*wrmsr)(uint32_t msr, uint64_t val);
	/*
	 * A hypercall: control word, input and output as guest-physical
	 * addresses of 8-byte aligned blocks that do not cross a page (or the
	 * two 8-byte register values of a fast call). Returns the hypercall
	 * result value: status in bits 0-15, reps completed in bits 32-43
	 * (docs/protocols/vmbus.md §1.4). Returns HV_STATUS_INVALID_HYPERCALL_CODE (2)
	 * style failures when no hypercall page is set up.
	 */
	uint64_t (*hypercall)(uint64_t control, uint64_t input, uint64_t output);

	/*
	 * Register the handler of an interrupt vector (32..255). The handler
	 * runs in interrupt context: it may only acknowledge, record and
	 * queue work (wq_queue). Returns 0 or -EBUSY/-EINVAL.
	 */
	int (*irq_register)(int vector, void (*fn)(void *arg), void *arg);

	/*
	 * Guest-physical memory shared with the host. Pages come from here so
	 * that the hosted build can give them addresses in its own
	 * guest-physical space. gpa_to_ptr returns NULL when [gpa, gpa+len)
	 * is not guest RAM.
	 */
	void *(*page_alloc)(size_t npages);          /* zeroed; NULL when out */
	void (*page_free)(void *p, size_t npages);
	void *(*gpa_to_ptr)(gpa_t gpa, size_t len);
	gpa_t (*ptr_to_gpa)(const void *p);

	/*
	 * Device MMIO (a vPCI config window, a function's BARs): one access of
	 * size 1, 2, 4 or 8 bytes at a guest-physical address outside RAM. On
	 * hardware a volatile uncached access; in the hosted build the host
	 * library serves it. Reads of nothing return all ones, as on a bus.
	 */
	uint64_t (*mmio_read)(gpa_t gpa, unsigned size);
	void (*mmio_write)(gpa_t gpa, unsigned size, uint64_t val);

	/* Monotonic time in nanoseconds since boot. */
	uint64_t (*now_ns)(void);
	/*
	 * Arm the one-shot timer for an absolute deadline (now_ns() clock);
	 * 0 disarms. On expiry the platform calls timer_expired() (defined by
	 * kernel/timer.c) from interrupt context.
	 */
	void (*timer_arm)(uint64_t deadline_ns);
	/* Halt until an interrupt or the armed timer; returns after it ran. */
	void (*idle)(void);
	/* Mask interrupts, returning the previous state; and restore it. */
	uint64_t (*irq_save)(void);
	void (*irq_restore)(uint64_t state);
};

/* The one platform in use; set once at boot (or by the hosted harness). */
extern const struct platform *platform;

/* Upcall from the platform's timer interrupt into kernel/timer.c. */
void timer_expired(void);

static inline void plat_cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	platform->cpuid(leaf, sub, out);
}
static inline uint64_t plat_rdmsr(uint32_t msr) { return platform->rdmsr(msr); }
static inline void plat_wrmsr(uint32_t msr, uint64_t v) { platform->wrmsr(msr, v); }
static inline uint64_t plat_hypercall(uint64_t c, uint64_t in, uint64_t out)
{
	return platform->hypercall(c, in, out);
}
static inline int plat_irq_register(int v, void (*fn)(void *), void *arg)
{
	return platform->irq_register(v, fn, arg);
}
static inline void *plat_page_alloc(size_t n) { return platform->page_alloc(n); }
static inline void plat_page_free(void *p, size_t n) { platform->page_free(p, n); }
static inline void *plat_gpa_to_ptr(gpa_t g, size_t len) { return platform->gpa_to_ptr(g, len); }
static inline gpa_t plat_ptr_to_gpa(const void *p) { return platform->ptr_to_gpa(p); }
static inline uint64_t plat_mmio_read(gpa_t g, unsigned size)
{
	return platform->mmio_read(g, size);
}
static inline void plat_mmio_write(gpa_t g, unsigned size, uint64_t v)
{
	platform->mmio_write(g, size, v);
}
static inline uint64_t plat_now_ns(void) { return platform->now_ns(); }
static inline void plat_timer_arm(uint64_t deadline) { platform->timer_arm(deadline); }
static inline void plat_idle(void) { platform->idle(); }
static inline uint64_t plat_irq_save(void) { return platform->irq_save(); }
static inline void plat_irq_restore(uint64_t s) { platform->irq_restore(s); }

#endif

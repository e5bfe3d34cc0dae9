/*
 * The keel-host platform (kernel/platform.h, third implementation): Keel in
 * QEMU (TCG) served by the keel-host process through an ivshmem-doorbell
 * device. Wire format: include/keelhost/mailbox.h; facts:
 * docs/protocols/keelhost-transport.md.
 */
#ifndef KEEL_X86_PLATFORM_IVSHMEM_H
#define KEEL_X86_PLATFORM_IVSHMEM_H

#include <stdint.h>

struct platform;

/*
 * Find the ivshmem-doorbell device (PCI 1af4:1110) through ECAM, check that
 * keel-host's mailbox is in its shared-memory BAR, program MSI-X and send the
 * ready signal (test images also measure the transport). Returns the
 * platform, or NULL when there is no device or no keel-host behind it (the
 * reason is logged).
 */
const struct platform *ivshmem_platform_init(void);

/* How many guest switches keel-host offered (scenario `guest-switch`
 * lines): kept ones in a test image, the host's count in the product. */
unsigned ivshmem_guest_switch_count(void);
#ifdef KEEL_TEST_HOOKS
/* Test images only: switch i < count, NUL-terminated. */
const char *ivshmem_guest_switch(unsigned i);
#endif

/* Transport statistics (for the boot log and the bench). */
struct ivshmem_stats {
	uint64_t requests, timeouts;
	uint64_t rtt_min_ns, rtt_max_ns, rtt_sum_ns;
	uint64_t irqs;                  /* MSI-X handler runs */
	uint64_t irq_vectors;           /* vectors dispatched from them */
};
void ivshmem_get_stats(struct ivshmem_stats *out);

#endif

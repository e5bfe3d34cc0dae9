/*
 * Hyper-V detection and the real-hardware Hyper-V platform
 * (docs/protocols/vmbus.md §1.1-§1.4; docs/protocols/gen2-platform.md §2).
 */
#ifndef KEEL_X86_HV_H
#define KEEL_X86_HV_H

#include <stdbool.h>
#include <stdint.h>

struct hv_features {
	uint32_t max_leaf;
	uint32_t priv_eax, priv_ebx;     /* 0x40000003 privilege mask */
	uint32_t features_edx;           /* 0x40000003 EDX */
	uint32_t recommendations;        /* 0x40000004 EAX */
};

/* True when CPUID says "Microsoft Hv" with the Hv#1 interface; fills *f. */
bool hv_probe(struct hv_features *f);

struct platform;
/*
 * Set up the guest OS ID and the hypercall page (only after
 * ExitBootServices: the firmware owns them before, docs/protocols/gen2-platform.md §9.1).
 * Returns the Hyper-V platform, or NULL when that failed.
 */
const struct platform *hv_platform_init(const struct hv_features *f);

#endif

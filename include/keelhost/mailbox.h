/*
 * The keel-host mailbox: the one wire format shared by the guest transport
 * (kernel/x86/platform_ivshmem.c) and the host process (keelhost/).
 *
 * Where it is: offset 0 of the ivshmem-doorbell device's shared-memory BAR
 * (BAR2), which is the memfd keel-host hands QEMU (docs/protocols/keelhost-transport.md "The
 * server side"). Neither side guesses an address: the guest finds BAR2 by
 * PCI enumeration, the host maps its own memfd. Guest RAM itself is a
 * separate shared file that keel-host maps with file offset == GPA; the
 * mailbox only carries guest-physical addresses into it (hypercall input
 * and output pages), never pointers.
 *
 * Protocol (one request in flight; the guest masks interrupts around it):
 *   1. keel-host fills the header (magic, version, peer ids, switches)
 *      before QEMU connects, so the guest sees it when it maps BAR2.
 *   2. The guest programs MSI-X, then sends KH_OP_READY. Only after the
 *      answer does keel-host kick: kicks before MSI-X is on are lost
 *      (docs/protocols/keelhost-transport.md "Pitfalls").
 *   3. A request: the guest writes op and args, then req_seq + 1 (release),
 *      then rings the doorbell: BAR0 offset 12 <- (host_peer << 16) | 0.
 *      keel-host runs it against the host library, writes status and
 *      values, then resp_seq = req_seq (release). The guest polls resp_seq
 *      with a timeout (KH_REQ_TIMEOUT_MS).
 *   4. Host -> guest interrupts: keel-host sets bit v of irq_pending (an
 *      atomic OR) for each raised vector v, then writes the guest's eventfd
 *      (MSI-X vector 0 -> guest IDT vector KH_GUEST_VECTOR). Kicks merge,
 *      so the interrupt only says "look": the guest swaps irq_pending with
 *      zero and runs the handler registered for every set bit.
 *
 * Everything is little-endian, naturally aligned, and checked below.
 */
#ifndef KEEL_KEELHOST_MAILBOX_H
#define KEEL_KEELHOST_MAILBOX_H

#include <stddef.h>
#include <stdint.h>

#define KH_PCI_VENDOR      0x1af4u   /* ivshmem (Red Hat / virtio vendor) */
#define KH_PCI_DEVICE      0x1110u
#define KH_DOORBELL_REG    12u       /* BAR0: (peer << 16) | vector */

#define KH_MAGIC           0x54534f484c45454bull   /* "KEELHOST" */
#define KH_VERSION         1u
#define KH_READY_MAGIC     0x59444145524c454bull   /* "KELREADY" */
#define KH_HOST_PEER       0u        /* keel-host's ivshmem id */
#define KH_GUEST_PEER      1u        /* the id keel-host gives QEMU */
#define KH_GUEST_VECTOR    0xE8u     /* guest IDT vector of MSI-X entry 0 */
#define KH_REQ_TIMEOUT_MS  5000u     /* guest gives up on an answer after this */
#define KH_SHM_SIZE        0x40000u  /* the memfd: 256 KiB (a power of two): the
                                      * mailbox, then the boot trace (trace.h) */

#define KH_MAX_SWITCHES    8
#define KH_SWITCH_LEN      32

/* Requests (req_op). args/values per op: */
enum kh_op {
	KH_OP_NONE = 0,
	KH_OP_READY,      /* arg0 apic id, arg1 KH_READY_MAGIC, arg2 guest vector  */
	KH_OP_CPUID,      /* arg0 leaf, arg1 subleaf          -> val0..3 eax..edx */
	KH_OP_RDMSR,      /* arg0 msr                         -> val0             */
	KH_OP_WRMSR,      /* arg0 msr, arg1 value                                 */
	KH_OP_HYPERCALL,  /* arg0 control, arg1 input GPA/value, arg2 output GPA/value
	                   *                                  -> val0 result      */
	KH_OP_PING,       /* nothing: a round-trip measurement -> val0 = arg0     */
	KH_OP_MMIO_READ,  /* arg0 GPA, arg1 size (1, 2, 4, 8) -> val0 value       */
	KH_OP_MMIO_WRITE, /* arg0 GPA, arg1 size (1, 2, 4, 8), arg2 value         */
	KH_OP_COUNT
};

/* resp_status */
enum kh_status {
	KH_OK = 0,
	KH_EBADOP = 1,    /* unknown op or bad arguments (logged by keel-host) */
	KH_ENOHOST = 2,   /* keel-host has no host library instance (yet) */
};

struct keelhost_mailbox {
	/* ---- header: written by keel-host before QEMU starts ---- */
	uint64_t magic;                 /* KH_MAGIC */
	uint32_t version;               /* KH_VERSION */
	uint32_t size;                  /* bytes of the shared region */
	uint32_t host_peer;             /* doorbell target (KH_HOST_PEER) */
	uint32_t guest_peer;            /* the guest's ivshmem id */
	uint32_t nswitches;             /* guest switches below (<= KH_MAX_SWITCHES) */
	uint32_t reserved0;
	/* MMIO ranges for vPCI config windows and BARs (the simulated VM's
	 * VMBus gaps; QEMU's ACPI has no VMBus device): size 0 = none. Device
	 * MMIO in them is a mailbox request (KH_OP_MMIO_READ/WRITE). */
	struct { uint64_t base, size; } mmio[2];

	/* ---- request: written by the guest (offset 64) ---- */
	uint64_t req_seq;               /* written last */
	uint32_t req_op;                /* enum kh_op */
	uint32_t reserved1;
	uint64_t req_arg[4];
	uint8_t pad1[16];

	/* ---- response: written by keel-host (offset 128) ---- */
	uint64_t resp_seq;              /* written last: == req_seq when done */
	uint32_t resp_status;           /* enum kh_status */
	uint32_t reserved2;
	uint64_t resp_val[4];
	uint8_t pad2[16];

	/* ---- host -> guest interrupts (offset 192) ---- */
	uint64_t irq_pending[4];        /* bit v: vector v raised (host ORs, guest swaps) */
	uint64_t irq_kicks;             /* eventfd writes by keel-host (statistics) */
	uint64_t irq_taken;             /* MSI-X handler runs in the guest (statistics) */
	uint8_t pad3[16];

	/* ---- guest switches: scenario `guest-switch` lines (offset 256) ---- */
	char switches[KH_MAX_SWITCHES][KH_SWITCH_LEN];
};

_Static_assert(offsetof(struct keelhost_mailbox, mmio) == 32, "MMIO ranges at 32");
_Static_assert(offsetof(struct keelhost_mailbox, req_seq) == 64, "request at 64");
_Static_assert(offsetof(struct keelhost_mailbox, resp_seq) == 128, "response at 128");
_Static_assert(offsetof(struct keelhost_mailbox, irq_pending) == 192, "irqs at 192");
_Static_assert(offsetof(struct keelhost_mailbox, switches) == 256, "switches at 256");
_Static_assert(sizeof(struct keelhost_mailbox) == 512, "mailbox is 512 bytes");
_Static_assert(sizeof(struct keelhost_mailbox) <= KH_SHM_SIZE, "fits the region");

#endif

/*
 * The boot trace: what keel.efi itself did until ready, written by the
 * guest into the keel-host shared region (after the mailbox) for
 * `keel-host --timeline` (docs/timeline.md "A real boot").
 *
 * Why here and not on the serial log: the region is already mapped by both
 * sides, so a record is a few plain stores (no round trip, no text to
 * format at boot, nothing for the log to drop), and keel-host reads it after
 * the guest is gone. Only the guest writes it; the host only reads it,
 * copies it out and checks every index before use. Nothing in it changes
 * what Keel does: it is the same in the product and the test image, except
 * that only a test image (KEEL_TEST_HOOKS) has the work-queue hook that
 * fills in the work-item records.
 *
 * Layout at KH_TRACE_OFFSET: the header, a table of names (queues, items,
 * what a wait is for; index 0 is "no name"), then records until the end of
 * the region. Past the last record the guest counts (n) without keeping.
 * Times are the guest's clock: nanoseconds since efi_main started.
 * The totals in the header stop at ready and do not depend on the records,
 * so the time-to-ready split survives a full record table.
 */
#ifndef KEEL_KEELHOST_TRACE_H
#define KEEL_KEELHOST_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "include/keelhost/mailbox.h"

#define KH_TRACE_OFFSET     0x1000u                /* the mailbox is page 0 */
#define KH_TRACE_MAGIC      0x4543415254484b4bull   /* "KKHTRACE", written last */
#define KH_TRACE_NAMES      128u
#define KH_TRACE_NAME_LEN   24u

enum kh_trace_kind {
	KT_NONE = 0,
	KT_WQ_START,      /* queue, item                 (test images only) */
	KT_WQ_WAIT,       /* queue, item, what           (test images only) */
	KT_WQ_RESUME,     /* queue, item                 (test images only) */
	KT_WQ_END,        /* queue, item                 (test images only) */
	KT_WQ_DEADLOCK,   /* a deadlock report           (test images only) */
	KT_REQUEST,       /* op, seq, dur: one mailbox round trip          */
	KT_IDLE,          /* dur: halted until an interrupt (a wait on the host
	                   * once the transport is up: nothing else wakes Keel) */
	KT_COUNT
};

struct kh_trace_rec {
	uint64_t t_ns;          /* start */
	uint32_t dur_ns;        /* KT_REQUEST, KT_IDLE */
	uint32_t seq;           /* KT_REQUEST: the mailbox req_seq (low bits) */
	uint16_t queue, item, what;     /* name indices, 0 = none */
	uint8_t kind;           /* enum kh_trace_kind */
	uint8_t op;             /* KT_REQUEST: enum kh_op */
};

struct kh_trace_head {
	uint64_t magic;         /* KH_TRACE_MAGIC once the rest is set up */
	uint32_t cap;           /* records that fit */
	uint32_t nnames;        /* names in use, index 0 included */
	uint64_t n;             /* records written (only the first cap are kept) */
	/* up to ready (guest clock) */
	uint64_t kernel_ns;     /* the loader handed over to the kernel */
	uint64_t ready_ns;      /* "keel: ready"; 0 before */
	uint64_t req_ns, req_count;     /* mailbox round trips */
	uint64_t idle_ns, idle_count;   /* halts waiting for an interrupt */
	uint8_t pad[56];
	char names[KH_TRACE_NAMES][KH_TRACE_NAME_LEN];
	/* struct kh_trace_rec rec[cap] follows */
};

_Static_assert(sizeof(struct kh_trace_rec) == 24, "trace records are 24 bytes");
_Static_assert(offsetof(struct kh_trace_head, names) == 128, "names at 128");
_Static_assert(sizeof(struct kh_trace_head) % 8 == 0, "records stay aligned");
_Static_assert(KH_TRACE_OFFSET + sizeof(struct kh_trace_head) < KH_SHM_SIZE,
	       "the trace fits the region");

static inline struct kh_trace_rec *kh_trace_recs(struct kh_trace_head *h)
{
	return (struct kh_trace_rec *)(h + 1);
}

#endif

/*
 * Transaction ids the host cannot forge (docs/protocols/vmbus.md §5.8, §7.4): a fixed
 * table of outstanding requests per channel. An id is (generation << 32) |
 * (slot + 1): the low half is never 0 (0 marks unsolicited host packets) and
 * the generation changes each time a slot is freed, so a late or duplicated
 * completion for an earlier use of the slot cannot complete its new request.
 * A completion is accepted only for an id that is outstanding right now, and
 * frees it exactly once: unknown, zero, stale and repeated ids are rejected.
 */
#ifndef KEEL_VMBUS_REQUESTOR_H
#define KEEL_VMBUS_REQUESTOR_H

#include <stdint.h>

struct vmbus_requestor {
	uint32_t size;
	uint32_t free_head;     /* index of the first free slot, size = none */
	uint32_t *next_free;    /* free list links */
	uint64_t *ctx;          /* caller's context per slot */
	uint8_t *used;
	uint32_t *gen;          /* per slot, bumped when the slot is freed */
	uint32_t outstanding;
};

int vmbus_rqst_init(struct vmbus_requestor *r, uint32_t size);   /* 0 / -ENOMEM */
void vmbus_rqst_fini(struct vmbus_requestor *r);
/* New id for ctx; -EBUSY when the table is full, -ENODEV when size is 0. */
int vmbus_rqst_get(struct vmbus_requestor *r, uint64_t ctx, uint64_t *id);
/* Take the id back: 0 and *ctx, or -EINVAL (0, out of range, not in use,
 * or from an earlier use of the slot). */
int vmbus_rqst_put(struct vmbus_requestor *r, uint64_t id, uint64_t *ctx);

#endif

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

#include <errno.h>
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
/* get and put run once per packet on every channel: inline, so a send or
 * a completion pays no call for them. */
/* New id for ctx; -EBUSY when the table is full, -ENODEV when size is 0. */
static inline int vmbus_rqst_get(struct vmbus_requestor *r, uint64_t ctx, uint64_t *id)
{
	uint32_t slot;

	if (!r->size)
		return -ENODEV;
	if (r->free_head >= r->size)
		return -EBUSY;
	slot = r->free_head;
	r->free_head = r->next_free[slot];
	r->used[slot] = 1;
	r->ctx[slot] = ctx;
	r->outstanding++;
	*id = (uint64_t)r->gen[slot] << 32 | (slot + 1);
	return 0;
}

/* Take the id back: 0 and *ctx, or -EINVAL (0, out of range, not in use,
 * or from an earlier use of the slot). */
static inline int vmbus_rqst_put(struct vmbus_requestor *r, uint64_t id, uint64_t *ctx)
{
	uint32_t low = (uint32_t)id, slot;

	/* §7.4 item 2: reject 0, beyond the table, slots not in use, and ids
	 * of an earlier use of the slot (a late duplicate completion). */
	if (low == 0 || low > r->size)
		return -EINVAL;
	slot = low - 1;
	if (!r->used[slot] || (uint32_t)(id >> 32) != r->gen[slot])
		return -EINVAL;
	r->used[slot] = 0;
	r->gen[slot]++;
	*ctx = r->ctx[slot];
	r->ctx[slot] = 0;
	r->next_free[slot] = r->free_head;
	r->free_head = (uint32_t)slot;
	r->outstanding--;
	return 0;
}

#endif

/*
 * The requestor table (docs/protocols/vmbus.md §5.8, §7.4): the low half of an id is
 * slot + 1 so 0 (unsolicited host packets) is never ours; the high half is
 * the slot's generation, so an id stays unique after its slot is reused.
 * Free slots form a list so both directions are O(1).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmbus/requestor.h"

int vmbus_rqst_init(struct vmbus_requestor *r, uint32_t size)
{
	memset(r, 0, sizeof(*r));
	if (!size)
		return 0;
	r->next_free = calloc(size, sizeof(*r->next_free));
	r->ctx = calloc(size, sizeof(*r->ctx));
	r->used = calloc(size, 1);
	r->gen = calloc(size, sizeof(*r->gen));
	if (!r->next_free || !r->ctx || !r->used || !r->gen)
		goto fail;
	r->size = size;
	for (uint32_t i = 0; i < size; i++)
		r->next_free[i] = i + 1;
	r->free_head = 0;
	return 0;
fail:
	vmbus_rqst_fini(r);
	return -ENOMEM;
}

void vmbus_rqst_fini(struct vmbus_requestor *r)
{
	free(r->next_free);
	free(r->ctx);
	free(r->used);
	free(r->gen);
	memset(r, 0, sizeof(*r));
}

int vmbus_rqst_get(struct vmbus_requestor *r, uint64_t ctx, uint64_t *id)
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

int vmbus_rqst_put(struct vmbus_requestor *r, uint64_t id, uint64_t *ctx)
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

/*
 * The requestor table (vmbus-core.md §5.8, §7.4): ids are slot + 1 so 0
 * (unsolicited host packets) is never ours; free slots form a list so both
 * directions are O(1).
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
	if (!r->next_free || !r->ctx || !r->used)
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
	*id = (uint64_t)slot + 1;
	return 0;
}

int vmbus_rqst_put(struct vmbus_requestor *r, uint64_t id, uint64_t *ctx)
{
	uint64_t slot;

	/* §7.4 item 2: reject 0, beyond the table, and slots not in use. */
	if (id == 0 || id > r->size)
		return -EINVAL;
	slot = id - 1;
	if (!r->used[slot])
		return -EINVAL;
	r->used[slot] = 0;
	*ctx = r->ctx[slot];
	r->ctx[slot] = 0;
	r->next_free[slot] = r->free_head;
	r->free_head = (uint32_t)slot;
	r->outstanding--;
	return 0;
}

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

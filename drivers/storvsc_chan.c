/*
 * The storvsc channels (docs/protocols/storage.md §11): the driver's per-channel state
 * machine (diagram in storvsc.h), opening a channel, the rotation of open
 * channels the I/O path picks from (round robin, bounded by the queue
 * depth), and closing a channel: CLOSECHANNEL and the ring GPADL teardown
 * first, then failing what was in flight (docs/protocols/storage.md §13), so no buffer
 * goes back to its owner while the host may still write it.
 */
#include <errno.h>

#include "drivers/storvsc.h"
#include "kernel/log.h"

int storvsc_chan_depth = STORVSC_CHAN_DEPTH_MAX;

/* ---- channel states (diagram in storvsc.h) ---- */

void storvsc_chan_transition(struct storvsc_chan *ch, enum storvsc_chan_state to)
{
	struct storvsc_dev *sd = ch->sd;
	enum storvsc_chan_state from = ch->state;
	bool ok;

	switch (to) {
	case SCH_OPENING:
		ok = from == SCH_FREE;
		break;
	case SCH_OPEN:
		ok = from == SCH_OPENING;
		break;
	case SCH_DEAD:
		ok = from != SCH_FREE;
		break;
	case SCH_RESET:
		ok = from == SCH_OPEN;
		break;
	case SCH_FREE:          /* closed by a reset: may be opened again */
		ok = from == SCH_RESET;
		break;
	default:
		ok = false;
		break;
	}
	if (!ok) {
		pr_err("storvsc: bug: channel %u state %d -> %d\n", ch->subidx, from, to);
		return;
	}
	ch->state = to;
	/* Keep the list of open channels the I/O path walks. */
	if (to == SCH_OPEN && sd->nact < STORVSC_MAX_CHANNELS) {
		sd->act[sd->nact++] = ch;
	} else if (from == SCH_OPEN) {
		for (uint32_t i = 0; i < sd->nact; i++) {
			if (sd->act[i] == ch) {
				sd->act[i] = sd->act[--sd->nact];
				break;
			}
		}
	}
}

/* ---- the rotation ---- */

int storvsc_open_channels(const struct storvsc_dev *sd)
{
	int n = 0;

	for (int k = 0; k < STORVSC_MAX_CHANNELS; k++)
		n += sd->ch[k].state == SCH_OPEN;
	return n;
}

bool storvsc_chan_usable(const struct storvsc_chan *ch)
{
	return ch->state == SCH_OPEN && !vmbus_chan_rescinded(ch->c);
}

int storvsc_usable_channels(const struct storvsc_dev *sd)
{
	int n = 0;

	for (int k = 0; k < STORVSC_MAX_CHANNELS; k++)
		n += storvsc_chan_usable(&sd->ch[k]);
	return n;
}

/* Round robin over open channels with room (§7 step 4, simplified). */
struct storvsc_chan *storvsc_pick_chan(struct storvsc_dev *sd)
{
	uint32_t depth = (uint32_t)storvsc_chan_depth;

	if (depth == 0 || depth > STORVSC_CHAN_DEPTH_MAX)
		depth = STORVSC_CHAN_DEPTH_MAX;
	uint32_t k = sd->rr;

	for (uint32_t i = 0; i < sd->nact; i++, k++) {
		struct storvsc_chan *ch;

		if (k >= sd->nact)
			k = 0;
		ch = sd->act[k];
		if (ch->outstanding < depth && storvsc_chan_usable(ch)) {
			sd->rr = k + 1;
			return ch;
		}
	}
	return NULL;
}
/* ---- closing and failing ---- */

/* Fail everything in flight on ch: never success. Called only once the
 * host can no longer write the requests' buffers: after the channel was
 * closed (storvsc_chan_close) or rescinded. */
void storvsc_fail_chan(struct storvsc_chan *ch, int err)
{
	struct storvsc_dev *sd = ch->sd;

	for (uint32_t i = 0; i < STORVSC_MAX_REQS; i++) {
		struct storvsc_req *rq = &sd->reqs[i];

		if (rq->ch != ch)
			continue;
		if (rq->state == SRQ_INFLIGHT) {
			rq->ch->n_done++;
			storvsc_req_finish(sd, rq, err);
		}
	}
	ch->outstanding = 0;
}

/* May wait (vmbus_chan_close): device queue or the reset work. The closer
 * runs our callback a last time first; it only drains answers (a DEAD or
 * RESET channel fails nothing there), so the order on the wire is
 * CLOSECHANNEL, GPADL teardown, then done() of what was in flight.
 * If the host did not confirm the close (teardown unanswered, UNLOAD not
 * answered yet) it may still write those buffers: the requests stay in
 * flight, never handed back (rule 6), and -EBUSY tells the caller. */
int storvsc_chan_close(struct storvsc_chan *ch, int err)
{
	struct storvsc_dev *sd = ch->sd;

	if (ch->state != SCH_OPEN && ch->state != SCH_RESET && ch->state != SCH_DEAD)
		return 0;
	if (ch->state == SCH_OPEN)
		storvsc_chan_transition(ch, SCH_DEAD);
	if (ch->w_more.fn)
		wq_cancel(&ch->w_more);
	if (ch->c && vmbus_chan_close(ch->c)) {
		if (ch->outstanding)
			pr_err("storvsc: %s: channel %u: close not confirmed; %u requests kept "
			       "with their buffers\n", vmbus_device_name(sd->dev), ch->subidx,
			       ch->outstanding);
		return -EBUSY;
	}
	storvsc_fail_chan(ch, err);
	return 0;
}

void storvsc_fail_pending(struct storvsc_dev *sd)
{
	storvsc_kick(sd);       /* state is DEAD: fails the pending FIFO */
}

/* ---- opening a channel (probe for the primary; sub-channel callback) ---- */

int storvsc_open_chan(struct storvsc_dev *sd, struct storvsc_chan *ch, struct vmbus_channel *c)
{
	uint32_t pages = vmbus_chan_subidx(c) ? STORVSC_SUB_RING_PAGES : STORVSC_RING_PAGES;
	/* docs/protocols/storage.md §1: 24 zero bytes of channel properties as user data. */
	static const uint8_t zero_props[24];
	struct vmbus_chan_open_args a = {
		.out_pages = pages, .in_pages = pages,
		.max_requests = STORVSC_CHAN_DEPTH_MAX + 16,
		.cb = storvsc_on_channel, .cb_arg = ch,
		.userdata = zero_props, .userdata_len = sizeof(zero_props),
	};
	int err;

	if (ch->state != SCH_FREE)
		return -EBUSY;                  /* §11.1: never open twice */
	storvsc_chan_transition(ch, SCH_OPENING);
	ch->c = c;
	ch->sd = sd;
	ch->subidx = vmbus_chan_subidx(c);
	ch->outstanding = 0;
	err = vmbus_chan_open(c, &a);
	storvsc_chan_transition(ch, err ? SCH_DEAD : SCH_OPEN);
	return err;
}

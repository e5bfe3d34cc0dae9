/*
 * Resetting a storvsc channel the host stopped serving: a request past
 * storvsc_io_limit_ns (storvsc_watchdog.c) or a packet the inbound ring
 * could not deliver (storvsc_recv.c). docs/protocols/storage.md §13 gives the order: the
 * channel leaves the rotation at once (SCH_RESET), then on the device queue
 *
 *   1. CLOSECHANNEL and the ring GPADL teardown (vmbus_chan_close): from
 *      here on the host no longer writes the requests' buffers;
 *   2. only then every request still in flight on it fails (-EIO), so its
 *      owner may reuse the buffer;
 *   3. the channel is opened again. A sub-channel is usable at once (no
 *      handshake on sub-channels, §11); a reset of the primary resets every
 *      channel of the controller and runs the VSTOR init sequence (§6)
 *      again, as the host restarts its protocol state on a new open.
 *
 * While the reset runs (sd->resetting) nothing new is sent: block requests
 * wait in the pending FIFO. A controller still in its probe is not reopened:
 * the probe sees its commands fail and fails cleanly. If the reopen or the
 * init sequence fails, the controller is dead and its disks go.
 */
#include <errno.h>

#include "drivers/storvsc.h"
#include "kernel/log.h"

void storvsc_chan_reset(struct storvsc_chan *ch, const char *why)
{
	struct storvsc_dev *sd = ch->sd;

	if (ch->state != SCH_OPEN)
		return;                 /* already leaving, or closed */
	storvsc_chan_transition(ch, SCH_RESET);
	ch->n_resets++;
	sd->n_resets++;
	pr_err("storvsc: %s: channel %u: %s; resetting it\n", vmbus_device_name(sd->dev),
	       ch->subidx, why);
	if (sd->q)
		wq_queue(sd->q, &sd->w_reset);
}

/* The controller cannot be brought back: its disks go, pending I/O fails. */
static void reset_give_up(struct storvsc_dev *sd, int err)
{
	pr_err("storvsc: %s: reset failed (%d); controller removed\n", vmbus_device_name(sd->dev),
	       err);
	storvsc_mark_dead(sd);
	for (int i = 0; i < STORVSC_MAX_LUNS; i++)
		if (sd->luns[i].registered)
			storvsc_lun_gone(&sd->luns[i]);
	for (int k = STORVSC_MAX_CHANNELS - 1; k >= 0; k--)
		storvsc_chan_close(&sd->ch[k], -ENODEV);
	storvsc_fail_pending(sd);
}

/* Steps 1 and 2 for ch; it ends FREE, ready to be opened again. */
static void reset_close(struct storvsc_chan *ch)
{
	if (ch->state == SCH_OPEN)
		storvsc_chan_transition(ch, SCH_RESET);
	if (ch->state != SCH_RESET)
		return;
	/* Not confirmed: the host may still use the channel; never reopened. */
	if (storvsc_chan_close(ch, -EIO))
		storvsc_chan_transition(ch, SCH_DEAD);
	else
		storvsc_chan_transition(ch, SCH_FREE);
}

/* Step 3 for a closed channel: open it again on the same VMBus channel. */
static int reset_reopen(struct storvsc_dev *sd, struct storvsc_chan *ch)
{
	int err;

	if (ch->state != SCH_FREE || !ch->c)
		return 0;
	err = storvsc_open_chan(sd, ch, ch->c);
	if (err)
		pr_err("storvsc: %s: channel %u reopen failed (%d)\n", vmbus_device_name(sd->dev),
		       ch->subidx, err);
	return err;
}

/* sd->q: every channel in SCH_RESET (all of them when the primary is). */
void storvsc_reset_work(struct work *w)
{
	struct storvsc_dev *sd = wq_container_of(w, struct storvsc_dev, w_reset);
	bool all = sd->ch[0].state == SCH_RESET;
	int err = 0;

	sd->resetting = true;
	for (int k = STORVSC_MAX_CHANNELS - 1; k >= 0; k--)
		if (all || sd->ch[k].state == SCH_RESET)
			reset_close(&sd->ch[k]);
	if (sd->state != SD_RUNNING) {
		/* Probe in progress (or the controller is gone): no reopen. */
		storvsc_mark_dead(sd);
		goto out;
	}
	if (all) {
		/* A primary left DEAD (close not confirmed, or rescinded)
		 * cannot come back: the controller goes. */
		err = sd->ch[0].state == SCH_FREE ? reset_reopen(sd, &sd->ch[0]) : -ENODEV;
		if (!err)
			err = storvsc_init_protocol(sd);
		if (err)
			goto fail;
	}
	for (int k = 1; k < STORVSC_MAX_CHANNELS; k++)
		reset_reopen(sd, &sd->ch[k]);
	pr_info("storvsc: %s: reset done (%d channels)\n", vmbus_device_name(sd->dev),
		storvsc_open_channels(sd));
out:
	sd->resetting = false;
	storvsc_kick(sd);
	return;
fail:
	sd->resetting = false;
	reset_give_up(sd, err);
}

/*
 * The storvsc watchdog: a timer that looks at the requests in flight once
 * a second while any are (STYLE.md §9: it returns its next delay).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "drivers/storvsc.h"
#include "drivers/storvsc_scsi.h"
#include "kernel/log.h"
#include "kernel/platform.h"

/* ---- watchdog (STYLE.md §9: returns its next delay) ---- */


static uint64_t storvsc_watchdog(struct timer *t)
{
	struct storvsc_dev *sd = wq_container_of(t, struct storvsc_dev, watchdog);
	uint64_t now = plat_now_ns();
	bool busy = false;

	for (uint32_t i = 0; i < STORVSC_MAX_REQS; i++) {
		struct storvsc_req *rq = &sd->reqs[i];

		if (rq->state == SRQ_ORPHAN)
			busy = true;
		if (rq->state != SRQ_INFLIGHT)
			continue;
		busy = true;
		if (now - rq->started_ns < STORVSC_IO_TIMEOUT_NS)
			continue;
		/* The host never answered: finish the owner with an error, keep
		 * the slot (its id is still outstanding) until the id comes
		 * back or the channel goes. */
		sd->n_timeouts++;
		pr_err("storvsc: %s: request op %u on channel %u timed out\n",
		       vmbus_device_name(sd->dev), rq->op, rq->ch ? rq->ch->subidx : 0);
		storvsc_req_finish(sd, rq, -ETIMEDOUT, true);
	}
	if (!busy)
		sd->watchdog_on = false;
	return busy ? STORVSC_WATCHDOG_NS : 0;
}

void storvsc_watchdog_arm(struct storvsc_dev *sd)
{
	if (sd->watchdog_on)
		return;
	if (sd->watchdog.fn == NULL)
		timer_setup(&sd->watchdog, storvsc_watchdog, "storvsc_watchdog");
	sd->watchdog_on = timer_start(&sd->watchdog, STORVSC_WATCHDOG_NS);
}

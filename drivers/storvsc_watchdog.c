/*
 * The storvsc watchdog (docs/protocols/storage.md §12 "Per-command timeout", §13): a timer
 * that looks at the requests in flight once a second while any are
 * (docs/style.md §9: it returns its next delay).
 *
 * It never ends a request: the request's buffer belongs to the host until
 * the host answers or the channel is closed. A request not answered after
 * STORVSC_IO_SLOW_NS is logged once and waited on (the host guarantees an
 * answer; Linux's storvsc_eh_timed_out only re-arms its timer). One not
 * answered after storvsc_io_limit_ns means the host stopped serving that
 * channel: the channel is reset (storvsc_reset.c), which closes it first
 * and only then fails what was in flight.
 */
#include "drivers/storvsc.h"
#include "kernel/log.h"
#include "kernel/platform.h"

uint64_t storvsc_io_limit_ns = STORVSC_IO_LIMIT_NS;

/* One request in flight at time now: log it once when slow, reset its
 * channel when past the limit. */
static void watchdog_check(struct storvsc_dev *sd, struct storvsc_req *rq, uint64_t now)
{
	uint64_t age = now - rq->started_ns;
	struct storvsc_chan *ch = rq->ch;

	if (age >= storvsc_io_limit_ns && ch && ch->state == SCH_OPEN) {
		pr_err("storvsc: %s: op %u on channel %u unanswered for %llu s; resetting the "
		       "channel\n", vmbus_device_name(sd->dev), rq->op, ch->subidx,
		       (unsigned long long)(age / WQ_NS_PER_S));
		storvsc_chan_reset(ch, "request past the limit");
		return;
	}
	if (age >= STORVSC_IO_SLOW_NS && !rq->slow_logged) {
		rq->slow_logged = true;
		sd->n_slow++;
		pr_warn("storvsc: %s: op %u on channel %u unanswered for %llu s; waiting\n",
			vmbus_device_name(sd->dev), rq->op, ch ? ch->subidx : 0,
			(unsigned long long)(age / WQ_NS_PER_S));
	}
}

static uint64_t storvsc_watchdog(struct timer *t)
{
	struct storvsc_dev *sd = wq_container_of(t, struct storvsc_dev, watchdog);
	uint64_t now = plat_now_ns();
	bool busy = false;

	for (uint32_t i = 0; i < STORVSC_MAX_REQS; i++) {
		struct storvsc_req *rq = &sd->reqs[i];

		/* A DEAD channel's requests are its closer's: failed after the
		 * close, or kept for good when the host did not confirm it. */
		if (rq->state != SRQ_INFLIGHT || (rq->ch && rq->ch->state == SCH_DEAD))
			continue;
		busy = true;
		watchdog_check(sd, rq, now);
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

/*
 * Flushes and cancel-and-wait (kernel/wq.h).
 *
 * Each queueing takes the next sequence number of its queue; the FIFO is in
 * sequence order and each running fiber remembers the number of its
 * instance. "Everything queued on q before the call has returned" is then
 * "the lowest outstanding number on q is above the mark taken at the call",
 * which stays right when items finish out of order on a queue with
 * max_active > 1. Flushers wait on the queue's q_progress, woken whenever
 * one of its items returns.
 */
#include <errno.h>
#include <stdint.h>

#include "kernel/log.h"
#include "kernel/platform.h"
#include "kernel/wq.h"
#include "kernel/wq_internal.h"

static bool queue_flushed(const struct wq *q, uint64_t mark)
{
	return wq_min_outstanding(q) > mark;
}

/* wait_until's condition for wq_flush: arg is the wait_desc (queue, mark). */
static bool queue_flush_done(void *arg, struct waitq **wqh)
{
	const struct wait_desc *d = arg;
	struct wq *q = (struct wq *)d->obj.q;

	*wqh = &q->q_progress;
	return queue_flushed(q, d->mark);
}

int wq_flush(struct wq *q, uint64_t timeout_ns)
{
	uint64_t deadline = wait_deadline(timeout_ns);
	struct wait_desc d = { .kind = WAIT_FLUSH_QUEUE, .obj.q = q };
	uint64_t s = plat_irq_save();
	int r;

	wait_current("wq_flush");
	d.mark = q->q_seq;
	r = wait_until(&d, deadline, queue_flush_done, &d);
	plat_irq_restore(s);
	return r;
}

/*
 * A flushed item may free itself when it returns, so after the flush began
 * the item is only compared by address, never read: its running instance is
 * found through its fiber (f_work, f_seq), its pending one through its
 * queue's FIFO (numbers are unique per queue).
 */
const struct fiber *flush_work_target(const struct wait_desc *d,
				      const struct wq **pending_q)
{
	const struct fiber *f;
	const struct work *w;

	*pending_q = NULL;
	f = d->run_f;
	if (f && f->f_work == d->obj.w && f->f_seq == d->run_seq)
		return f;
	if (!d->pend_q)
		return NULL;
	for (f = d->pend_q->q_active; f; f = f->f_qnext)
		if (f->f_work == d->obj.w && f->f_seq == d->mark)
			return f;
	for (w = d->pend_q->q_head; w && w->w_seq <= d->mark; w = w->w_next) {
		if (w->w_seq == d->mark) {
			*pending_q = d->pend_q;
			return NULL;
		}
	}
	return NULL;
}

/* wait_until's condition for an item flush: arg is the wait_desc. */
static bool work_flush_done(void *arg, struct waitq **wqh)
{
	const struct wait_desc *d = arg;
	const struct wq *pq;
	const struct fiber *f = flush_work_target(d, &pq);

	if (!f && !pq)
		return true;
	/* Woken whenever an item of that queue returns. */
	*wqh = f ? &f->f_wq->q_progress : &((struct wq *)pq)->q_progress;
	return false;
}

/* Wait for the instances of w outstanding now. Interrupts masked. */
static int flush_work_locked(struct work *w, uint64_t deadline)
{
	struct wait_desc d = { .kind = WAIT_FLUSH_WORK, .obj.w = w, .wname = w->name };

	if (work_running(w)) {
		d.run_f = w->w_fiber;
		d.run_seq = w->w_fiber->f_seq;
	}
	if (work_pending(w)) {
		d.pend_q = w->w_wq;
		d.mark = w->w_seq;
	}
	return wait_until(&d, deadline, work_flush_done, &d);
}

int wq_flush_work(struct work *w, uint64_t timeout_ns)
{
	uint64_t deadline = wait_deadline(timeout_ns);
	uint64_t s = plat_irq_save();
	int r;

	wait_current("wq_flush_work");
	r = flush_work_locked(w, deadline);
	plat_irq_restore(s);
	return r;
}

int wq_cancel_sync(struct work *w, uint64_t timeout_ns)
{
	uint64_t deadline = wait_deadline(timeout_ns);
	uint64_t s = plat_irq_save();
	int cancelled, r;

	wait_current("wq_cancel_sync");
	cancelled = wq_cancel(w) ? 1 : 0;
	r = flush_work_locked(w, deadline);
	plat_irq_restore(s);
	return r < 0 ? r : cancelled;
}

int wq_cancel_delayed_sync(struct delayed_work *dw, uint64_t timeout_ns)
{
	uint64_t deadline = wait_deadline(timeout_ns);
	uint64_t s = plat_irq_save();
	int cancelled, r;

	wait_current("wq_cancel_delayed_sync");
	cancelled = wq_cancel_delayed(dw) ? 1 : 0;
	r = flush_work_locked(&dw->work, deadline);
	plat_irq_restore(s);
	return r < 0 ? r : cancelled;
}

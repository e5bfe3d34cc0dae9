/*
 * Timers (docs/architecture.md, "Work queues"; docs/style.md §9).
 *
 * All deadlines live in one deadline-ordered list of timer events on the
 * platform clock (plat_now_ns). The platform's one-shot timer is always
 * armed for the earliest one; its interrupt calls timer_expired()
 * (kernel/platform.h), which expires every due event.
 *
 * Two layers:
 *   struct timer        what drivers use: a callback that runs as a work item
 *                       on the "timer" queue (never in interrupt context) and
 *                       returns its next delay in ns, or 0 for "no more".
 *   struct timer_event  kernel-internal (work-queue core): a deadline whose
 *                       expire hook runs in interrupt context; used by
 *                       struct timer, delayed work and wait timeouts.
 */
#ifndef KEEL_TIMER_H
#define KEEL_TIMER_H

#include <stdbool.h>
#include <stdint.h>


#include "kernel/timer_event.h"
#include "kernel/wq.h"

struct timer;

/* Create the "timer" queue and clear the deadline list. Call after wq_init(). */
void timer_init(void);

/* ---- driver timers ---------------------------------------------------- */

/* Runs on the timer queue. Returns the delay until the next call, 0 = stop. */
typedef uint64_t (*timer_fn)(struct timer *t);

/*
 *            timer_start                  deadline (irq)
 *   IDLE -----------------> ARMED -----------------------> QUEUED
 *    ^  <-- timer_stop ----   ^                              | timer queue runs it
 *    |                        +--- fn returned d > 0 ---  RUNNING
 *    +------------------------ fn returned 0 / stopped ------+
 *  timer_stop on QUEUED: the work is cancelled -> IDLE;
 *  timer_stop on RUNNING: -> RUNNING_STOPPED, fn's return value is ignored
 *  (deletion is deferred until the callback has returned).
 */
enum timer_state {
	TIMER_IDLE,
	TIMER_ARMED,
	TIMER_QUEUED,
	TIMER_RUNNING,
	TIMER_RUNNING_STOPPED,
};

struct timer {
	timer_fn fn;
	const char *name;
	/* private to kernel/timer.c */
	enum timer_state t_state;
	struct timer_event t_event;
	struct work t_work;
};

void timer_setup(struct timer *t, timer_fn fn, const char *name);
/* Arm for now + delay_ns. Returns false (and does nothing) unless IDLE or
 * ARMED (an ARMED timer is moved to the new deadline). Any context. */
bool timer_start(struct timer *t, uint64_t delay_ns);
/* Stop. True if it was armed, queued or running. A running callback finishes;
 * its return value is ignored. Any context. */
bool timer_stop(struct timer *t);
bool timer_pending(const struct timer *t);   /* ARMED or QUEUED */

#endif

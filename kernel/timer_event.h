/*
 * Deadline events: the kernel-internal layer under struct timer (kernel/timer.h).
 * One deadline-ordered list on the platform clock; the platform one-shot
 * timer is armed for its head and timer_expired() runs the due expire hooks
 * in interrupt context. Used by struct timer, delayed work and wait timeouts.
 * Implemented in kernel/timer.c.
 */
#ifndef KEEL_TIMER_EVENT_H
#define KEEL_TIMER_EVENT_H

#include <stdbool.h>
#include <stdint.h>

struct timer_event;

/* Kinds matter to the stall check: a wait timeout does not count as
 * something that can make progress. */
enum timer_event_kind {
	TIMER_EV_WAKE,          /* a timer, a delayed item, a sleep: progress */
	TIMER_EV_TIMEOUT,       /* the timeout of a wait: only an error path */
};

struct timer_event {
	uint64_t te_deadline;                    /* absolute, plat_now_ns clock */
	void (*te_expire)(struct timer_event *); /* interrupt context */
	const char *te_name;
	enum timer_event_kind te_kind;
	/* private to kernel/timer.c */
	bool te_armed;
	struct timer_event *te_prev, *te_next;
};

/* ---- kernel-internal deadline events ---------------------------------- */

void timer_event_init(struct timer_event *ev, void (*expire)(struct timer_event *),
		      const char *name, enum timer_event_kind kind);
/* (Re)arm at an absolute deadline. Any context. */
void timer_event_arm(struct timer_event *ev, uint64_t deadline_ns);
/* Disarm; true if it was armed. Any context. */
bool timer_event_cancel(struct timer_event *ev);
/* Earliest armed deadline, 0 = none. */
uint64_t timer_next_deadline(void);
/* An armed event of kind TIMER_EV_WAKE exists (something will make progress). */
bool timer_wake_armed(void);

#endif

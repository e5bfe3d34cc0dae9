/*
 * Timers (kernel/timer.h) and the deadline events under them
 * (kernel/timer_event.h); docs/style.md §9: a timer callback returns its next
 * delay instead of re-arming itself, and deletion is deferred while it runs.
 *
 * The events form one list sorted by deadline (equal deadlines keep arming
 * order). Arming scans from the tail because new deadlines are mostly the
 * latest, or goes straight to the head when it is the earliest. The
 * platform one-shot timer is kept armed for the head; timer_expired()
 * (platform upcall, interrupt context) runs the due hooks.
 */
#include <stdint.h>

#include "kernel/introspect.h"
#include "kernel/log.h"
#include "kernel/platform.h"
#include "kernel/timer.h"
#include "kernel/wq_internal.h"

static struct {
	struct timer_event *head, *tail;
	unsigned nwake;             /* armed TIMER_EV_WAKE events */
	struct wq *queue;           /* the "timer" queue callbacks run on */
} timers;

/* ---- deadline events -------------------------------------------------- */

#define TIMER_PRINT_MAX 24

/* Copied with interrupts masked (an expiry may unlink any event), printed after. */
void timer_print(kprintf_fn out)
{
	struct { uint64_t deadline; const char *name; enum timer_event_kind kind; }
		ev[TIMER_PRINT_MAX];
	uint64_t flags = plat_irq_save(), now = plat_now_ns();
	int n = 0, more = 0;

	for (const struct timer_event *e = timers.head; e; e = e->te_next, n++) {
		if (n >= TIMER_PRINT_MAX) {
			more++;
			continue;
		}
		ev[n].deadline = e->te_deadline;
		ev[n].name = e->te_name ? e->te_name : "?";
		ev[n].kind = e->te_kind;
	}
	plat_irq_restore(flags);
	out("%d armed deadline(s), earliest first:\n", n);
	for (int i = 0; i < n && i < TIMER_PRINT_MAX; i++)
		out("  in %8llu us  %-7s %s\n",
		    (unsigned long long)(ev[i].deadline > now ? (ev[i].deadline - now) / 1000 : 0),
		    ev[i].kind == TIMER_EV_TIMEOUT ? "timeout" : "wake", ev[i].name);
	if (more)
		out("  ... and %d more\n", more);
}

void timer_event_init(struct timer_event *ev, void (*expire)(struct timer_event *),
		      const char *name, enum timer_event_kind kind)
{
	ev->te_deadline = 0;
	ev->te_expire = expire;
	ev->te_name = name;
	ev->te_kind = kind;
	ev->te_armed = false;
	ev->te_prev = ev->te_next = NULL;
}

static void event_unlink(struct timer_event *ev)
{
	if (ev->te_prev)
		ev->te_prev->te_next = ev->te_next;
	else
		timers.head = ev->te_next;
	if (ev->te_next)
		ev->te_next->te_prev = ev->te_prev;
	else
		timers.tail = ev->te_prev;
	ev->te_prev = ev->te_next = NULL;
	ev->te_armed = false;
	if (ev->te_kind == TIMER_EV_WAKE)
		timers.nwake--;
}

static void event_insert(struct timer_event *ev)
{
	struct timer_event *after = timers.tail;

	/* Earlier than everything (a short timeout among long timers): at the
	 * head at once; otherwise scan back from the latest. */
	if (timers.head && ev->te_deadline < timers.head->te_deadline)
		after = NULL;
	while (after && after->te_deadline > ev->te_deadline)
		after = after->te_prev;
	ev->te_prev = after;
	ev->te_next = after ? after->te_next : timers.head;
	if (ev->te_next)
		ev->te_next->te_prev = ev;
	else
		timers.tail = ev;
	if (after)
		after->te_next = ev;
	else
		timers.head = ev;
	ev->te_armed = true;
	if (ev->te_kind == TIMER_EV_WAKE)
		timers.nwake++;
}

static void program_platform(void)
{
	plat_timer_arm(timers.head ? timers.head->te_deadline : 0);
}

void timer_event_arm(struct timer_event *ev, uint64_t deadline_ns)
{
	uint64_t s = plat_irq_save();
	struct timer_event *old_head = timers.head;

	if (ev->te_armed)
		event_unlink(ev);
	ev->te_deadline = deadline_ns ? deadline_ns : 1;
	event_insert(ev);
	if (timers.head != old_head || old_head == ev)
		program_platform();
	plat_irq_restore(s);
}

bool timer_event_cancel(struct timer_event *ev)
{
	uint64_t s = plat_irq_save();
	bool was = ev->te_armed;

	if (was) {
		bool was_head = timers.head == ev;

		event_unlink(ev);
		if (was_head)
			program_platform();
	}
	plat_irq_restore(s);
	return was;
}

uint64_t timer_next_deadline(void)
{
	return timers.head ? timers.head->te_deadline : 0;
}

bool timer_wake_armed(void)
{
	return timers.nwake > 0;
}

void timer_events_reset(void)
{
	timers.head = timers.tail = NULL;
	timers.nwake = 0;
	timers.queue = NULL;
}

/* Platform upcall, interrupt context: expire everything due, re-arm. */
void timer_expired(void)
{
	uint64_t s = plat_irq_save();
	uint64_t now = plat_now_ns();

	while (timers.head && timers.head->te_deadline <= now) {
		struct timer_event *ev = timers.head;

		event_unlink(ev);
		ev->te_expire(ev);
	}
	program_platform();
	plat_irq_restore(s);
}

/* ---- driver timers ---------------------------------------------------- */

enum timer_ev {
	TEV_START,       /* timer_start */
	TEV_STOP,        /* timer_stop */
	TEV_EXPIRE,      /* deadline passed (irq) */
	TEV_RUN,         /* the timer queue starts the callback */
	TEV_RETURN,      /* the callback returned `delay` */
};

/*
 * The one transition function (diagram in kernel/timer.h). Interrupts are
 * masked by the caller. Returns whether the event had an effect (what
 * timer_start/timer_stop report).
 */
static bool timer_transition(struct timer *t, enum timer_ev ev, uint64_t delay)
{
	switch (t->t_state) {
	case TIMER_IDLE:
		if (ev == TEV_STOP)
			return false;
		if (ev != TEV_START)
			break;
		t->t_state = TIMER_ARMED;
		timer_event_arm(&t->t_event, plat_now_ns() + delay);
		return true;
	case TIMER_ARMED:
		if (ev == TEV_START) {
			timer_event_arm(&t->t_event, plat_now_ns() + delay);
			return true;
		}
		if (ev == TEV_STOP) {
			timer_event_cancel(&t->t_event);
			t->t_state = TIMER_IDLE;
			return true;
		}
		if (ev != TEV_EXPIRE)
			break;
		t->t_state = TIMER_QUEUED;
		wq_queue(timers.queue, &t->t_work);
		return true;
	case TIMER_QUEUED:
		if (ev == TEV_START)
			return false;
		if (ev == TEV_STOP) {
			wq_cancel(&t->t_work);
			t->t_state = TIMER_IDLE;
			return true;
		}
		if (ev != TEV_RUN)
			break;
		t->t_state = TIMER_RUNNING;
		return true;
	case TIMER_RUNNING:
	case TIMER_RUNNING_STOPPED:
		if (ev == TEV_START)
			return false;
		if (ev == TEV_STOP) {
			t->t_state = TIMER_RUNNING_STOPPED;
			return true;
		}
		if (ev != TEV_RETURN)
			break;
		if (t->t_state == TIMER_RUNNING && delay > 0) {
			t->t_state = TIMER_ARMED;
			timer_event_arm(&t->t_event, plat_now_ns() + delay);
		} else {
			t->t_state = TIMER_IDLE;
		}
		return true;
	}
	panic("timer '%s': event %d in state %d", t->name, (int)ev, (int)t->t_state);
}

static void timer_event_expired(struct timer_event *ev)
{
	struct timer *t = wq_container_of(ev, struct timer, t_event);

	timer_transition(t, TEV_EXPIRE, 0);
}

static void timer_work(struct work *w)
{
	struct timer *t = wq_container_of(w, struct timer, t_work);
	uint64_t s = plat_irq_save();
	bool run = t->t_state == TIMER_QUEUED;
	uint64_t delay;

	/* A stop + start between queueing and running leaves it ARMED: skip. */
	if (run)
		timer_transition(t, TEV_RUN, 0);
	plat_irq_restore(s);
	if (!run)
		return;
	delay = t->fn(t);
	s = plat_irq_save();
	timer_transition(t, TEV_RETURN, delay);
	plat_irq_restore(s);
}

void timer_setup(struct timer *t, timer_fn fn, const char *name)
{
	t->fn = fn;
	t->name = name;
	t->t_state = TIMER_IDLE;
	timer_event_init(&t->t_event, timer_event_expired, name, TIMER_EV_WAKE);
	work_init(&t->t_work, timer_work, name);
}

bool timer_start(struct timer *t, uint64_t delay_ns)
{
	uint64_t s = plat_irq_save();
	bool r;

	kassert(timers.queue);
	r = timer_transition(t, TEV_START, delay_ns);
	plat_irq_restore(s);
	return r;
}

bool timer_stop(struct timer *t)
{
	uint64_t s = plat_irq_save();
	bool r = timer_transition(t, TEV_STOP, 0);

	plat_irq_restore(s);
	return r;
}

bool timer_pending(const struct timer *t)
{
	return t->t_state == TIMER_ARMED || t->t_state == TIMER_QUEUED;
}

void timer_init(void)
{
	kassert(wq_core.initialised);
	if (timers.queue)
		return;         /* already set up since the last wq_init */
	timers.queue = wq_create("timer", 1);
	kassert(timers.queue);
}

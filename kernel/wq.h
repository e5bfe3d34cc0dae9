/*
 * Work queues: Keel's only form of concurrency (docs/architecture.md,
 * "Work queues").
 *
 * One CPU, cooperative. Interrupt handlers acknowledge, record and queue
 * work; everything else runs as work items. Each queue runs its items on its
 * own fibers (execution contexts with their own guard-paged stacks), so an
 * item that waits suspends only its own fiber, i.e. one slot of its queue:
 *
 *   - an ordered queue (max_active 1) runs one item at a time, FIFO;
 *   - a queue with max_active N runs up to N items at once, started FIFO.
 *
 * Waiting (completion_wait, kmutex_lock, wq_sleep, wq_wait_event, the
 * flushes and wq_cancel_sync) is legal only inside a work item; this is
 * asserted. Every wait takes a timeout in nanoseconds; WQ_FOREVER exists for
 * tests only.
 *
 * Every blocking call returns 0 on success, -ETIMEDOUT when its timeout
 * passed first, or -EDEADLK when the wait-graph check found that the wait
 * could never end (the deadlock report has then been printed/recorded; see
 * "Deadlock reports" below).
 *
 * Contexts: wq_queue, wq_queue_delayed, wq_cancel, wq_cancel_delayed,
 * complete_one, complete_all and waitq_wake_all may be called from interrupt
 * handlers, as may timer_start/timer_stop (kernel/timer.h) (they
 * mask interrupts around their updates). Everything else runs in a work
 * item or in the scheduler (boot code / test driver).
 */
#ifndef KEEL_WQ_H
#define KEEL_WQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/timer_event.h"

struct wq;
struct fiber;
struct work;

/* Use for tests only: production waits always have a finite timeout. */
#define WQ_FOREVER UINT64_MAX

#define WQ_NS_PER_US 1000ull
#define WQ_NS_PER_MS 1000000ull
#define WQ_NS_PER_S  1000000000ull

/* The owner of a struct work finds itself with container_of. */
#define wq_container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

typedef void (*work_fn)(struct work *w);

/*
 * Work item states, stored in the item (one transition function,
 * kernel/wq.c work_transition):
 *
 *            wq_queue                    a fiber starts fn
 *   IDLE ---------------> PENDING ---------------------------> IDLE
 *     ^ <----------------                                    (running)
 *            wq_cancel
 *
 * Whether an item is running is a fact about fibers (work_running), not a
 * stored state: once fn has returned the core never touches the item
 * again, so an item may free its owner (if it did not queue itself again
 * and nobody flushes or cancels it). A running item queued again is PENDING
 * and starts after the running instance returned: never twice at once.
 */
enum work_state {
	WORK_IDLE,
	WORK_PENDING,          /* on its queue's FIFO, not started */
};

/*
 * A work item, embedded in its owner. Initialise with work_init (or
 * WORK_INITIALIZER) before first use, and again after wq_fini. Fields after
 * `name` belong to kernel/wq.c and change only with interrupts masked.
 */
struct work {
	work_fn fn;
	const char *name;          /* shown in deadlock reports */
	/* private to kernel/wq.c */
	enum work_state state;
	struct wq *w_wq;           /* queue of the pending instance */
	struct work *w_next;       /* link in w_wq's FIFO */
	uint64_t w_seq;            /* queue sequence of the pending instance */
	struct fiber *w_fiber;     /* fiber that last started it; running while
				      w_fiber->f_work == this item */
};

#define WORK_INITIALIZER(f, n) { .fn = (f), .name = (n), .state = WORK_IDLE }
void work_init(struct work *w, work_fn fn, const char *name);
bool work_pending(const struct work *w);
bool work_running(const struct work *w);
/* Pending or running (not while only waiting in a delay timer). */
bool work_busy(const struct work *w);

/* A work item queued after a delay (one-shot). */
struct delayed_work {
	struct work work;
	/* private */
	struct timer_event dw_timer;
	struct wq *dw_wq;
	bool dw_armed;                  /* timer running, work not yet queued */
};
void delayed_work_init(struct delayed_work *dw, work_fn fn, const char *name);

/* ---- queues ----------------------------------------------------------- */

/*
 * Bring up (or bring back to a clean state) the work-queue core. Calling it
 * again discards every queue, pending item and suspended fiber of the
 * previous run without touching memory owned by its items (which may be
 * gone already) and keeps fiber stacks cached for reuse: keelsim calls
 * wq_init(); timer_init(); per seed. Call timer_init() right after it.
 */
void wq_init(void);
/* Discard everything and free the cached stacks (end of a hosted process). */
void wq_fini(void);

/* max_active 1: ordered FIFO; N > 1: up to N items at once. NULL when out of memory. */
struct wq *wq_create(const char *name, int max_active);
/* The queue must have no running item and no flusher (asserted); pending
 * items are dropped (IDLE). Cancel delayed items aimed at it first. */
void wq_destroy(struct wq *q);
const char *wq_name(const struct wq *q);

/* Queue w on q. Returns true if it queued, false if it was already pending
 * (queueing twice is harmless). A running item queued again runs once more
 * after it returns. Interrupt context: allowed. */
bool wq_queue(struct wq *q, struct work *w);
/* Queue dw on q after delay_ns. False if it is already delayed or pending.
 * Interrupt context: allowed. */
bool wq_queue_delayed(struct wq *q, struct delayed_work *dw, uint64_t delay_ns);

/* Remove a pending instance. True if one was removed. A running instance
 * keeps running. Interrupt context: allowed. */
bool wq_cancel(struct work *w);
/* The same for a delayed item: stops its timer too. Interrupt context: allowed. */
bool wq_cancel_delayed(struct delayed_work *dw);
/* wq_cancel, then wait for a running instance to return. Work items only.
 * Returns 1 if a pending instance was removed, 0 if none, or -ETIMEDOUT /
 * -EDEADLK (cancelling the item that is calling is -EDEADLK). */
int wq_cancel_sync(struct work *w, uint64_t timeout_ns);
int wq_cancel_delayed_sync(struct delayed_work *dw, uint64_t timeout_ns);

/* Wait until the instances of w pending or running at the call have
 * returned. A delayed item still in its timer is not waited for. */
int wq_flush_work(struct work *w, uint64_t timeout_ns);
/* Wait until every item queued on q before the call has returned (delayed
 * items still in their timer are not included). Waiting on the caller's own
 * queue is a deadlock, reported at once (-EDEADLK). */
int wq_flush(struct wq *q, uint64_t timeout_ns);

/* ---- waiting ---------------------------------------------------------- */

/*
 * A list of waiting fibers. `completer` (optional) names the queue whose
 * items are expected to wake it: the deadlock check follows that edge.
 */
struct waitq {
	const char *name;
	struct wq *completer;
	/* private */
	struct fiber *wq_head, *wq_tail;
};
void waitq_init(struct waitq *wqh, const char *name);
void waitq_set_completer(struct waitq *wqh, struct wq *completer);
/* Make every waiter runnable; each re-checks its condition. IRQ context ok. */
void waitq_wake_all(struct waitq *wqh);
/* Sleep until cond(arg) is true (checked before each wait) or timeout.
 * cond runs with interrupts masked: a quick look at state, never a wait. */
int wq_wait_event(struct waitq *wqh, bool (*cond)(void *arg), void *arg,
		  uint64_t timeout_ns);

/* Sleep for ns of platform time. Returns 0. */
int wq_sleep(uint64_t ns);

/* ---- completions ------------------------------------------------------ */

struct completion {
	struct waitq c_waiters;
	unsigned c_done;           /* complete_one count not yet consumed */
	bool c_all;                /* complete_all: every wait returns 0 */
};
/* completion_set_completer: the queue expected to complete it (default
 * NULL: unknown); the deadlock check follows that edge. */
void completion_init(struct completion *c, const char *name);
void completion_set_completer(struct completion *c, struct wq *completer);
void completion_reinit(struct completion *c);    /* back to not done */
int completion_wait(struct completion *c, uint64_t timeout_ns);
bool completion_done(const struct completion *c);
void complete_one(struct completion *c);         /* wakes one waiter; IRQ ok */
void complete_all(struct completion *c);         /* wakes all, stays done; IRQ ok */

/* ---- mutex with owner tracking --------------------------------------- */

struct kmutex {
	struct waitq m_waiters;
	struct fiber *m_owner;     /* fiber holding it, NULL when free */
};
void kmutex_init(struct kmutex *m, const char *name);
int kmutex_lock(struct kmutex *m, uint64_t timeout_ns);
bool kmutex_trylock(struct kmutex *m);
void kmutex_unlock(struct kmutex *m);     /* only by the holder (asserted) */
bool kmutex_held_by_me(const struct kmutex *m);

/* ---- the running item ------------------------------------------------- */

bool wq_in_work(void);                  /* inside a work item (may wait) */
struct work *wq_current_work(void);     /* NULL outside work items */
struct wq *wq_current(void);            /* queue of the running item, or NULL */

/* ---- scheduling ------------------------------------------------------- */

/* Production main loop (kmain): round-robin over runnable queues; when none
 * is runnable, arm the next deadline and plat_idle(). Never returns. */
_Noreturn void wq_run_loop(void);

/*
 * Scheduler API for a driver that picks the interleaving itself (keelsim,
 * unit tests):
 *   wq_runnable  fills out[] with up to max queues that can make progress now
 *                (a woken fiber, or a pending item and a free slot), in
 *                round-robin order; returns how many there are in total.
 *   wq_run_once  runs q until its chosen fiber waits or finishes one item.
 *   wq_idle      nothing is runnable.
 *   wq_next_deadline  earliest armed timer/timeout deadline, 0 = none; the
 *                driver moves the clock there and calls timer_expired()
 *                (hosted_fire_timer()).
 *   wq_check_stall  call when the driver finds nothing to do; reports a
 *                stall (see below) once and returns true if there is one.
 */
int wq_runnable(struct wq **out, int max);
void wq_run_once(struct wq *q);
bool wq_idle(void);
uint64_t wq_next_deadline(void);
bool wq_check_stall(void);
/* Run until idle (no runnable queue), then wq_check_stall(); returns how
 * many wq_run_once calls it made. */
unsigned long wq_run_until_idle(void);

/* ---- deadlock reports ------------------------------------------------- */

/*
 * Two findings produce a report that prints the whole wait graph (every
 * waiting item, what it waits on, who could complete it, what is queued
 * behind it):
 *   cycle  when a fiber starts waiting and the object's completer (the
 *          mutex holder, the flushed queue's items, a completion's
 *          completer queue) waits, through any chain, for that fiber;
 *          the wait returns -EDEADLK without sleeping.
 *   stall  waiters exist, none of them has a timeout (a wait its timeout
 *          will end is slow, not stuck), nothing is runnable, no timer is
 *          armed, and no interrupt source can fire (asked of the
 *          driver's may_wake hook; without a hook an interrupt is assumed
 *          possible, as on bare metal, so no stall is reported).
 */
enum wq_deadlock_action {
	WQ_DEADLOCK_LOG,       /* production (the default): print at LOG_ERR, carry on */
	WQ_DEADLOCK_PANIC,     /* tests: print, then panic */
	WQ_DEADLOCK_RECORD,    /* keelsim: keep the text and count, print nothing */
};
void wq_set_deadlock_action(enum wq_deadlock_action a);   /* survives wq_init */

#ifdef KEEL_TEST_HOOKS
/* Test builds only: a callback told when an item starts, waits, resumes
 * and ends, and when a deadlock is reported (keelsim --timeline draws them).
 * queue and item are NULL for WQ_TRACE_DEADLOCK; what names the wait. */
enum wq_trace_event {
	WQ_TRACE_START, WQ_TRACE_WAIT, WQ_TRACE_RESUME, WQ_TRACE_END, WQ_TRACE_DEADLOCK,
};
typedef void (*wq_trace_fn)(enum wq_trace_event ev, const char *queue, const char *item,
			    const char *what);
void wq_set_trace_hook(wq_trace_fn fn);   /* NULL: none; survives wq_init */
#endif
/* Driver hook: may an interrupt still arrive (pending or scheduled host
 * events)? NULL: assume yes. Survives wq_init. */
void wq_set_may_wake(bool (*may_wake)(void *arg), void *arg);
unsigned wq_deadlock_count(void);             /* reports since wq_init */
const char *wq_last_deadlock_report(void);    /* "" when none */

#endif

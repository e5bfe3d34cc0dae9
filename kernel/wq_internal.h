/*
 * Work-queue core internals shared by kernel/wq.c, fiber.c, wait.c,
 * completion.c, mutex.c, deadlock.c and timer.c. Nothing outside kernel/wq*
 * and those files includes this; drivers use kernel/wq.h.
 *
 * Locking: one CPU, cooperative. Every field below is changed only with
 * interrupts masked (plat_irq_save), because interrupt handlers may queue
 * work and complete completions.
 */
#ifndef KEEL_WQ_INTERNAL_H
#define KEEL_WQ_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/timer_event.h"
#include "kernel/wq.h"

/* What a waiting fiber waits for: one row of deadlock.c's wait_kinds[]. */
enum wait_kind {
	WAIT_EVENT,        /* wq_wait_event on a waitq */
	WAIT_COMPLETION,   /* completion_wait */
	WAIT_MUTEX,        /* kmutex_lock */
	WAIT_FLUSH_QUEUE,  /* wq_flush: items of obj.q with seq <= mark */
	WAIT_FLUSH_WORK,   /* wq_flush_work / wq_cancel_sync: see flush_work_target */
	WAIT_SLEEP,        /* wq_sleep: only the clock wakes it */
	WAIT_KIND_COUNT,
};

struct wait_desc {
	enum wait_kind kind;
	union {
		const struct waitq *wqh;         /* WAIT_EVENT */
		const struct completion *c;      /* WAIT_COMPLETION */
		const struct kmutex *m;          /* WAIT_MUTEX */
		const struct wq *q;              /* WAIT_FLUSH_QUEUE */
		const struct work *w;            /* WAIT_FLUSH_WORK: compared, never
						    dereferenced (it may be freed) */
	} obj;
	uint64_t mark;                           /* flush: sequence mark */
	/* WAIT_FLUSH_WORK: the instances outstanding when the flush began */
	const char *wname;                       /* obj.w's name, copied */
	const struct fiber *run_f;               /* running instance's fiber, */
	uint64_t run_seq;                        /* and its sequence number */
	const struct wq *pend_q;                 /* pending instance's queue; mark */
};

/*
 *            scheduler gives it an item          waits
 *   FREE -------------------------------> RUNNING ------> WAITING
 *    ^                                    |  ^  ^            |  |
 *    +------------ item returned ---------+  |  +-- cycle ---+  | woken or
 *                                            |     found        | timed out
 *                                            +---- READY <------+
 *                                          resumed
 * (fiber_transition in kernel/fiber.c holds the table of these moves)
 */
enum fiber_state {
	FIBER_FREE,        /* in the pool, parked at the top of its loop */
	FIBER_RUNNING,     /* the current fiber */
	FIBER_READY,       /* woken, on its queue's ready list */
	FIBER_WAITING,     /* suspended in wait_suspend */
};

struct fiber {
	void *f_sp;                       /* saved stack pointer while switched out */
	void *f_stack;                    /* lowest usable address */
	size_t f_stack_size;
	enum fiber_state f_state;
	unsigned f_id;
	char f_name[24];                  /* "wq fiber N": stack_alloc's name */
	/* the item: valid from RUNNING until it returns */
	struct wq *f_wq;
	struct work *f_work;
	uint64_t f_seq;                   /* queue sequence of that instance */
	struct fiber *f_qnext, *f_qprev;  /* f_wq->q_active */
	struct fiber *f_rnext;            /* f_wq ready list */
	struct fiber *f_pnext;            /* pool */
	struct fiber *f_all;              /* every fiber allocated (wq_fini) */
	/* the wait: valid in WAITING */
	struct wait_desc f_wait;
	struct waitq *f_waitq;            /* NULL for a sleep */
	struct fiber *f_wnext;            /* f_waitq list */
	uint64_t f_deadline;              /* UINT64_MAX: none */
	struct timer_event f_timeout;
	unsigned f_mark;                  /* deadlock search visit stamp */
	void *f_asan_fake;                /* ASan fake-stack handle */
};

struct wq {
	const char *name;
	int max_active;
	/* pending instances, FIFO (= queue-sequence order) */
	struct work *q_head, *q_tail;
	unsigned q_npending;
	uint64_t q_seq;                 /* last sequence number given out */
	/* fibers running an item of this queue (running, ready or waiting) */
	struct fiber *q_active;         /* list through f_qnext/f_qprev */
	int q_nactive;
	/* woken fibers, FIFO through f_rnext */
	struct fiber *q_ready_head, *q_ready_tail;
	/* flushers of this queue and of its items */
	struct waitq q_progress;
	/* registry of all queues, round-robin order */
	struct wq *q_prev, *q_next;
	unsigned q_mark;                /* deadlock search visit stamp */
};

/* The few true singletons of the core, in one place. */
struct wq_core {
	bool initialised;
	struct wq *queues;              /* registry (circular) */
	struct wq *rr_last;             /* queue served last (round-robin) */
	struct fiber *current;          /* fiber running now, NULL in the scheduler */
	uint64_t sched_irq;             /* scheduler's irq state while a fiber runs */
	unsigned nwaiting;              /* fibers in FIBER_WAITING */
	bool stall_reported;            /* this stall episode was reported */
	/* deadlock reporting */
	enum wq_deadlock_action dl_action;
	unsigned dl_count;
	bool (*may_wake)(void *arg);
	void *may_wake_arg;
	unsigned dl_stamp;
};

extern struct wq_core wq_core;

#ifdef KEEL_TEST_HOOKS
extern wq_trace_fn wq_trace_hook;
static inline void wq_trace(enum wq_trace_event ev, const struct wq *q, const char *item,
			    const char *what)
{
	if (wq_trace_hook)
		wq_trace_hook(ev, q ? q->name : NULL, item, what);
}
#define WQ_TRACE(ev, q, item, what) wq_trace(WQ_TRACE_##ev, q, item, what)
#else
/* Arguments evaluated for nothing: no side effects, no unused names. */
#define WQ_TRACE(ev, q, item, what) ((void)(q), (void)(item), (void)(what))
#endif

/* wq.c */
bool wq_queue_runnable(const struct wq *q);
struct work *wq_first_startable(const struct wq *q);
uint64_t wq_min_outstanding(const struct wq *q);   /* UINT64_MAX if none */
void wq_fiber_run_item(struct fiber *f);           /* fiber.c's loop body */

/* wait.c: suspend the current fiber; interrupts already masked. */
int wait_suspend(struct waitq *wqh, const struct wait_desc *d, uint64_t deadline);
/* The loop of every blocking call (interrupts masked): until done(arg, &wqh)
 * returns true, suspend on the *wqh it names; 0, -ETIMEDOUT or -EDEADLK. */
int wait_until(const struct wait_desc *d, uint64_t deadline,
	       bool (*done)(void *arg, struct waitq **wqh), void *arg);
void wait_wake_fiber(struct fiber *f);               /* irq masked */
void waitq_wake_one_locked(struct waitq *wqh);
void waitq_wake_all_locked(struct waitq *wqh);
uint64_t wait_deadline(uint64_t timeout_ns);
struct fiber *wait_current(const char *what);        /* asserts in a work item */
bool wait_any_timeout(void);                         /* a waiter has a deadline */

/* flush.c: what a WAIT_FLUSH_WORK still waits for: the fiber running a
 * marked instance, or (*pending_q set) a marked instance still queued;
 * NULL and *pending_q NULL when done. */
const struct fiber *flush_work_target(const struct wait_desc *d,
				      const struct wq **pending_q);

/* deadlock.c */
bool deadlock_check_cycle(struct fiber *f);          /* reports; true: cycle */
void deadlock_reset(void);

/* timer.c */
void timer_events_reset(void);

#endif

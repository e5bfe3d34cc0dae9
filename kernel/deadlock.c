/*
 * Deadlock detection and the wait-graph report (kernel/wq.h, "Deadlock
 * reports"; docs/architecture.md "Work queues").
 *
 * The wait graph: a waiting fiber points at the object it waits for; the
 * object points at whoever can end the wait:
 *
 *   completion / event  -> its declared completer queue (or nobody known)
 *   mutex               -> the holder fiber
 *   flush of queue Q    -> Q's running items queued before the flush (all
 *                          must finish) and, for its pending ones, Q itself
 *   flush of item W     -> the fiber running W, or W's queue while pending
 *   sleep               -> the clock (never part of a deadlock)
 *
 * A queue can start or continue nothing when it has no woken fiber and all
 * its max_active slots hold waiting fibers; it is stuck for good only if
 * every one of those fibers is.
 *
 * Cycle check (when fiber F starts waiting): F's wait is hopeless if what
 * can end it depends, through the edges above, on F itself. Only definite
 * edges are followed (an undeclared completer or a queue with a free slot
 * might still act), so a report is never a guess; the rest is left to the
 * stall check and to timeouts.
 *
 * Stall check: waiters exist, nothing is runnable, no timer is armed, no
 * waiter has a timeout (a wait its timeout will end is slow, not stuck) and
 * the driver says no interrupt can arrive.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kernel/introspect.h"
#include "kernel/log.h"
#include "kernel/platform.h"
#include "kernel/timer.h"
#include "kernel/wq.h"
#include "kernel/wq_internal.h"

#define DL_REPORT_BYTES 16384
#define DL_PATH_MAX 32
#define DL_QUEUED_SHOWN 8

static char dl_report[DL_REPORT_BYTES];
static size_t dl_len;
/* wq_print: the text goes to this sink instead of the report. */
static kprintf_fn rp_sink;

/* ---- report text ------------------------------------------------------ */

__attribute__((format(printf, 1, 2)))
static void rp(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (rp_sink) {
		char piece[160];

		va_start(ap, fmt);
		vsnprintf(piece, sizeof(piece), fmt, ap);
		va_end(ap);
		rp_sink("%s", piece);
		return;
	}
	if (dl_len >= sizeof(dl_report) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(dl_report + dl_len, sizeof(dl_report) - dl_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		dl_len += (size_t)n;
	if (dl_len >= sizeof(dl_report) - 1)
		dl_len = sizeof(dl_report) - 1;
}

static const char *fiber_item(const struct fiber *f)
{
	return f->f_work && f->f_work->name ? f->f_work->name : "?";
}

static void rp_time(uint64_t ns)
{
	rp("%llu.%03llu ms", (unsigned long long)(ns / 1000000),
	   (unsigned long long)(ns / 1000 % 1000));
}

/* "item 'x' (queue 'q')" */
static void rp_item(const struct fiber *f)
{
	rp("item '%s' (queue '%s')", fiber_item(f), wq_name(f->f_wq));
}

/* ---- per wait kind: what it is, who ends it, the cycle edge ----------- */

struct dl_search {
	const struct fiber *origin;
	unsigned stamp;
	int npath;
	struct dl_step {
		const struct fiber *f;   /* a waiting fiber, or */
		const struct wq *q;      /* a queue with every slot stuck */
	} path[DL_PATH_MAX];
};

static bool fiber_leads(struct dl_search *s, const struct fiber *g);
static bool queue_leads(struct dl_search *s, const struct wq *q);

static void describe_completer(const struct wq *q)
{
	if (q)
		rp("an item of queue '%s' (declared completer)", q->name);
	else
		rp("not declared (any item or interrupt handler)");
}

static void obj_event(const struct fiber *g)
{
	rp("event '%s'", g->f_wait.obj.wqh->name);
}
static void end_event(const struct fiber *g)
{
	describe_completer(g->f_wait.obj.wqh->completer);
}
static bool leads_event(struct dl_search *s, const struct fiber *g)
{
	const struct wq *q = g->f_wait.obj.wqh->completer;

	return q && queue_leads(s, q);
}

static void obj_completion(const struct fiber *g)
{
	rp("completion '%s'", g->f_wait.obj.c->c_waiters.name);
}
static void end_completion(const struct fiber *g)
{
	describe_completer(g->f_wait.obj.c->c_waiters.completer);
}
static bool leads_completion(struct dl_search *s, const struct fiber *g)
{
	const struct wq *q = g->f_wait.obj.c->c_waiters.completer;

	return q && queue_leads(s, q);
}

static void obj_mutex(const struct fiber *g)
{
	const struct kmutex *m = g->f_wait.obj.m;

	rp("mutex '%s'", m->m_waiters.name);
	if (m->m_owner) {
		rp(" held by ");
		rp_item(m->m_owner);
	}
}
static void end_mutex(const struct fiber *g)
{
	const struct kmutex *m = g->f_wait.obj.m;

	if (m->m_owner) {
		rp("the holder, ");
		rp_item(m->m_owner);
		rp(", unlocking it");
	} else {
		rp("nobody: it is free (this waiter is about to take it)");
	}
}
static bool leads_mutex(struct dl_search *s, const struct fiber *g)
{
	const struct fiber *owner = g->f_wait.obj.m->m_owner;

	return owner && fiber_leads(s, owner);
}

static void obj_flush_queue(const struct fiber *g)
{
	rp("flush of queue '%s'", g->f_wait.obj.q->name);
}
static void end_flush_queue(const struct fiber *g)
{
	const struct wq *q = g->f_wait.obj.q;
	const struct fiber *f;
	const struct work *w;
	const char *sep = "";

	rp("queue '%s' finishing", q->name);
	for (f = q->q_active; f; f = f->f_qnext) {
		if (f->f_seq > g->f_wait.mark)
			continue;
		rp("%s '%s' (running%s)", sep, fiber_item(f),
		   f == g ? ": the flusher itself" : "");
		sep = ",";
	}
	for (w = q->q_head; w && w->w_seq <= g->f_wait.mark; w = w->w_next) {
		rp("%s '%s' (queued)", sep, w->name);
		sep = ",";
	}
}
static bool leads_flush_queue(struct dl_search *s, const struct fiber *g)
{
	const struct wq *q = g->f_wait.obj.q;
	const struct fiber *f;

	for (f = q->q_active; f; f = f->f_qnext)
		if (f->f_seq <= g->f_wait.mark && fiber_leads(s, f))
			return true;
	return q->q_head && q->q_head->w_seq <= g->f_wait.mark && queue_leads(s, q);
}

static void obj_flush_work(const struct fiber *g)
{
	rp("flush of item '%s'", g->f_wait.wname ? g->f_wait.wname : "?");
}
static void end_flush_work(const struct fiber *g)
{
	const struct wq *pq;
	const struct fiber *f = flush_work_target(&g->f_wait, &pq);

	if (f)
		rp("item '%s' returning on queue '%s'%s", fiber_item(f), wq_name(f->f_wq),
		   f == g ? " (the flusher itself)" : "");
	else if (pq)
		rp("queue '%s' running '%s' (queued)", pq->name, g->f_wait.wname);
	else
		rp("nothing: it has returned (the flusher is about to wake)");
}
static bool leads_flush_work(struct dl_search *s, const struct fiber *g)
{
	const struct wq *pq;
	const struct fiber *f = flush_work_target(&g->f_wait, &pq);

	if (f)
		return fiber_leads(s, f);
	return pq && queue_leads(s, pq);
}

static void obj_sleep(const struct fiber *g)
{
	(void)g;
	rp("the clock (sleep)");
}
static void end_sleep(const struct fiber *g)
{
	rp("the clock at ");
	rp_time(g->f_deadline);
}
static bool leads_sleep(struct dl_search *s, const struct fiber *g)
{
	(void)s;
	(void)g;
	return false;
}

static const struct wait_kind_info {
	void (*object)(const struct fiber *g);   /* "mutex 'x' held by ..." */
	void (*ender)(const struct fiber *g);    /* who can end the wait */
	bool (*leads)(struct dl_search *s, const struct fiber *g);  /* cycle edge */
} wait_kinds[WAIT_KIND_COUNT] = {
	[WAIT_EVENT]       = { obj_event,       end_event,       leads_event },
	[WAIT_COMPLETION]  = { obj_completion,  end_completion,  leads_completion },
	[WAIT_MUTEX]       = { obj_mutex,       end_mutex,       leads_mutex },
	[WAIT_FLUSH_QUEUE] = { obj_flush_queue, end_flush_queue, leads_flush_queue },
	[WAIT_FLUSH_WORK]  = { obj_flush_work,  end_flush_work,  leads_flush_work },
	[WAIT_SLEEP]       = { obj_sleep,       end_sleep,       leads_sleep },
};

/* ---- the search ------------------------------------------------------- */

static bool path_push(struct dl_search *s, const struct fiber *f, const struct wq *q)
{
	if (s->npath >= DL_PATH_MAX)
		return false;
	s->path[s->npath].f = f;
	s->path[s->npath].q = q;
	s->npath++;
	return true;
}

static bool path_has(const struct dl_search *s, const struct fiber *g)
{
	for (int i = 0; i < s->npath; i++)
		if (s->path[i].f == g)
			return true;
	return false;
}

/* Does g stay blocked until the origin moves? A fiber already on the path
 * does (it waits, through the path, on the origin): a queue whose slots
 * hold the origin and such a fiber is stuck. One visited and found free is
 * not. */
static bool fiber_leads(struct dl_search *s, const struct fiber *g)
{
	int saved = s->npath;
	struct fiber *mg = (struct fiber *)g;   /* only the visit stamp changes */

	if (g == s->origin)
		return true;
	if (g->f_state != FIBER_WAITING)
		return false;
	if (g->f_mark == s->stamp)
		return path_has(s, g);   /* on the path: blocked while the cycle holds */
	mg->f_mark = s->stamp;
	if (!path_push(s, g, NULL))
		return false;
	if (wait_kinds[g->f_wait.kind].leads(s, g))
		return true;
	s->npath = saved;
	return false;
}

/* Can q start or continue nothing until the origin moves? */
static bool queue_leads(struct dl_search *s, const struct wq *q)
{
	int saved = s->npath;
	struct wq *mq = (struct wq *)q;
	const struct fiber *f;

	if (q->q_ready_head || q->q_nactive < q->max_active || q->q_mark == s->stamp)
		return false;
	mq->q_mark = s->stamp;
	if (!path_push(s, NULL, q))
		return false;
	for (f = q->q_active; f; f = f->f_qnext) {
		if (!fiber_leads(s, f)) {
			s->npath = saved;
			return false;
		}
	}
	return true;
}

/* ---- the report ------------------------------------------------------- */

static void rp_wait(const struct fiber *g)
{
	wait_kinds[g->f_wait.kind].object(g);
}

static void rp_graph(void)
{
	const struct wq *q = wq_core.queues;

	rp("wait graph at t=");
	rp_time(plat_now_ns());
	rp(" (every queue with items):\n");
	if (!q)
		return;
	do {
		const struct fiber *f;
		const struct work *w;
		unsigned shown = 0;

		if (!q->q_nactive && !q->q_head)
			goto next;
		rp("  queue '%s' (%s, %d of %d slots busy, %u queued)\n", q->name,
		   q->max_active == 1 ? "ordered" : "concurrent", q->q_nactive,
		   q->max_active, q->q_npending);
		for (f = q->q_active; f; f = f->f_qnext) {
			rp("    item '%s' [%s] ", fiber_item(f), f->f_name);
			if (f->f_state != FIBER_WAITING) {
				rp("is %s\n", f->f_state == FIBER_READY ? "woken, about to run"
									 : "running");
				continue;
			}
			rp("waits for ");
			rp_wait(f);
			if (f->f_deadline != UINT64_MAX) {
				rp(", times out at t=");
				rp_time(f->f_deadline);
			}
			rp("\n      can be ended by: ");
			wait_kinds[f->f_wait.kind].ender(f);
			rp("\n");
		}
		if (q->q_head) {
			rp("    queued behind:");
			for (w = q->q_head; w && shown < DL_QUEUED_SHOWN; w = w->w_next, shown++)
				rp(" '%s'", w->name);
			if (q->q_npending > shown)
				rp(" ... and %u more", q->q_npending - shown);
			rp("\n");
		}
next:
		q = q->q_next;
	} while (q != wq_core.queues);
}

/* Every queue, then the graph, printed with interrupts masked: an
 * interrupt handler may queue work and wake waiters under the walk. */
void wq_print(kprintf_fn out)
{
	const struct wq *q = wq_core.queues;
	uint64_t flags = plat_irq_save();

	rp_sink = out;
	for (; q; q = q->q_next == wq_core.queues ? NULL : q->q_next)
		rp("queue '%s': %s, %d of %d slots busy, %u queued\n", q->name,
		   q->max_active == 1 ? "ordered" : "concurrent", q->q_nactive,
		   q->max_active, q->q_npending);
	rp_graph();
	rp_sink = NULL;
	plat_irq_restore(flags);
}

/* One klog call per line: consoles may bound the length of one message. */
static void report_print(void)
{
	const char *line = dl_report, *nl;

	while (*line) {
		nl = strchr(line, '\n');
		if (!nl)
			nl = line + strlen(line);
		klog(LOG_ERR, "%.*s\n", (int)(nl - line), line);
		line = *nl ? nl + 1 : nl;
	}
}

static void report_emit(void)
{
	wq_core.dl_count++;
	WQ_TRACE(DEADLOCK, NULL, NULL, NULL);
	switch (wq_core.dl_action) {
	case WQ_DEADLOCK_RECORD:
		return;
	case WQ_DEADLOCK_LOG:
		report_print();
		return;
	case WQ_DEADLOCK_PANIC:
		report_print();
		panic("wq: deadlock (report above)");
	}
	panic("wq: bad deadlock action %d", (int)wq_core.dl_action);
}

static void report_cycle(const struct dl_search *s)
{
	int i;

	dl_len = 0;
	rp("wq: DEADLOCK (wait cycle): ");
	rp_item(s->origin);
	rp(" would wait forever\n  cycle:\n");
	for (i = 0; i < s->npath; i++) {
		const struct fiber *f = s->path[i].f;
		const struct wq *q = s->path[i].q;

		if (q && q->max_active == 1) {
			rp("    queue '%s' cannot start its next item: its only slot holds "
			   "a waiting item\n", q->name);
			continue;
		}
		if (q) {
			rp("    queue '%s' cannot start its next item: all %d slots hold "
			   "waiting items\n", q->name, q->max_active);
			continue;
		}
		rp("    ");
		rp_item(f);
		rp(" waits for ");
		rp_wait(f);
		rp("\n");
	}
	rp("    -> back to ");
	rp_item(s->origin);
	rp(": each waits for the next, none can move; its wait returns -EDEADLK\n");
	rp_graph();
	report_emit();
}

bool deadlock_check_cycle(struct fiber *f)
{
	struct dl_search s = { .origin = f };

	s.stamp = ++wq_core.dl_stamp;
	f->f_mark = s.stamp;
	path_push(&s, f, NULL);
	if (!wait_kinds[f->f_wait.kind].leads(&s, f))
		return false;
	report_cycle(&s);
	return true;
}

bool wq_check_stall(void)
{
	uint64_t s = plat_irq_save();
	bool stall = false;

	if (!wq_core.nwaiting || !wq_idle() || timer_wake_armed() || wait_any_timeout())
		goto out;
	if (!wq_core.may_wake || wq_core.may_wake(wq_core.may_wake_arg))
		goto out;
	stall = true;
	if (wq_core.stall_reported)
		goto out;
	wq_core.stall_reported = true;
	dl_len = 0;
	rp("wq: DEADLOCK (stall): %u item%s waiting without a timeout, nothing can run, "
	   "and no timer or interrupt can wake %s\n",
	   wq_core.nwaiting, wq_core.nwaiting == 1 ? " is" : "s are",
	   wq_core.nwaiting == 1 ? "it" : "them");
	rp_graph();
	report_emit();
out:
	plat_irq_restore(s);
	return stall;
}

void wq_set_deadlock_action(enum wq_deadlock_action a)
{
	wq_core.dl_action = a;
}

void wq_set_may_wake(bool (*may_wake)(void *arg), void *arg)
{
	wq_core.may_wake = may_wake;
	wq_core.may_wake_arg = arg;
}

unsigned wq_deadlock_count(void)
{
	return wq_core.dl_count;
}

const char *wq_last_deadlock_report(void)
{
	return dl_report;
}

void deadlock_reset(void)
{
	dl_len = 0;
	dl_report[0] = '\0';
}

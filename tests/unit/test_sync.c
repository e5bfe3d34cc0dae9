/*
 * Waiting primitives: completions (timeouts, one vs all, from interrupts),
 * sleep, wait-for-condition, the mutex, and the "only inside a work item"
 * assertion.
 */
#include <errno.h>
#include <setjmp.h>
#include <string.h>

#include "tests/unit/harness.h"

struct waiter {
	struct work work;
	struct completion *c;
	uint64_t timeout;
	int result;
	uint64_t returned_at;
};

static void waiter_fn(struct work *w)
{
	struct waiter *x = wq_container_of(w, struct waiter, work);

	x->result = completion_wait(x->c, x->timeout);
	x->returned_at = hosted_now_ns();
}

static void waiter_init(struct waiter *x, struct completion *c, uint64_t timeout)
{
	work_init(&x->work, waiter_fn, "waiter");
	x->c = c;
	x->timeout = timeout;
	x->result = 1;
	x->returned_at = 0;
}

/* Nobody completes: -ETIMEDOUT exactly at the timeout, not before. */
static int t_completion_timeout(void)
{
	struct wq *q = wq_create("q", 1);
	struct completion c;
	struct waiter x;

	t_external_events(true);   /* the test completes / times out itself */

	completion_init(&c, "never");
	waiter_init(&x, &c, 5 * MS);
	wq_queue(q, &x.work);
	t_run_until(5 * MS - 1);
	CHECK_EQ(x.result, 1);               /* still waiting */
	t_run_all();
	CHECK_EQ(x.result, -ETIMEDOUT);
	CHECK_EQ(x.returned_at, 5 * MS);
	return 0;
}

/* Completed from an interrupt handler before the timeout: 0, at that time. */
static struct completion irq_c;

static void complete_irq(void *arg)
{
	(void)arg;
	complete_one(&irq_c);
}

static int t_completion_from_irq(void)
{
	struct wq *q = wq_create("q", 1);
	struct waiter x;

	t_external_events(true);   /* the test completes / times out itself */

	completion_init(&irq_c, "irq");
	CHECK_EQ(plat_irq_register(50, complete_irq, NULL), 0);
	waiter_init(&x, &irq_c, 5 * MS);
	wq_queue(q, &x.work);
	t_run_until(2 * MS);
	hosted_raise_irq(50);
	t_run_all();
	CHECK_EQ(x.result, 0);
	CHECK_EQ(x.returned_at, 2 * MS);
	CHECK(!completion_done(&irq_c));     /* the one "done" was consumed */
	return 0;
}

/* complete_one releases one waiter; complete_all the rest and later ones. */
static int t_completion_one_all(void)
{
	struct wq *q = wq_create("q", 4);
	struct completion c;
	struct waiter x[3], late;
	int i, done = 0;

	t_external_events(true);   /* the test completes / times out itself */

	completion_init(&c, "c");
	for (i = 0; i < 3; i++) {
		waiter_init(&x[i], &c, 10 * MS);
		wq_queue(q, &x[i].work);
	}
	t_run();
	complete_one(&c);
	t_run_until(1 * MS);
	for (i = 0; i < 3; i++)
		done += x[i].result == 0;
	CHECK_EQ(done, 1);
	CHECK_EQ(x[0].result, 0);            /* FIFO: the first waiter */
	CHECK(!completion_done(&c));         /* its one "done" was consumed */
	complete_all(&c);
	t_run_until(2 * MS);
	for (i = 0; i < 3; i++)
		CHECK_EQ(x[i].result, 0);
	waiter_init(&late, &c, 10 * MS);
	wq_queue(q, &late.work);
	t_run_until(3 * MS);
	CHECK_EQ(late.result, 0);
	CHECK_EQ(late.returned_at, 2 * MS);
	completion_reinit(&c);
	CHECK(!completion_done(&c));
	return 0;
}

/* Sleep returns at exactly its deadline; sleepers on two queues overlap. */
static uint64_t sl_at[2];

static void sl_fn0(struct work *w)
{
	(void)w;
	wq_sleep(3 * MS);
	sl_at[0] = hosted_now_ns();
}

static void sl_fn1(struct work *w)
{
	(void)w;
	wq_sleep(1 * MS);
	sl_at[1] = hosted_now_ns();
}

static int t_sleep(void)
{
	struct wq *a = wq_create("a", 1), *b = wq_create("b", 1);
	struct work w0, w1;

	work_init(&w0, sl_fn0, "sleep3");
	work_init(&w1, sl_fn1, "sleep1");
	hosted_set_now_ns(10 * MS);
	wq_queue(a, &w0);
	wq_queue(b, &w1);
	t_run_all();
	CHECK_EQ(sl_at[0], 13 * MS);
	CHECK_EQ(sl_at[1], 11 * MS);    /* b was not held up by a's sleep */
	return 0;
}

/* wq_wait_event: woken by waitq_wake_all, returns when the condition holds. */
static struct waitq ev_wq;
static int ev_value, ev_result;
static uint64_t ev_at;

static bool ev_cond(void *arg)
{
	return *(int *)arg >= 2;
}

static void ev_waiter(struct work *w)
{
	(void)w;
	ev_result = wq_wait_event(&ev_wq, ev_cond, &ev_value, 50 * MS);
	ev_at = hosted_now_ns();
}

static void ev_bump(struct work *w)
{
	(void)w;
	ev_value++;
	waitq_wake_all(&ev_wq);
}

static int t_wait_event(void)
{
	struct wq *q = wq_create("q", 1), *o = wq_create("o", 1);
	struct work waiter, bump;

	t_external_events(true);   /* the test completes / times out itself */

	waitq_init(&ev_wq, "value>=2");
	ev_value = 0;
	ev_result = 1;
	work_init(&waiter, ev_waiter, "waiter");
	work_init(&bump, ev_bump, "bump");
	wq_queue(q, &waiter);
	t_run_until(1 * MS);
	wq_queue(o, &bump);
	t_run_until(2 * MS);
	CHECK_EQ(ev_result, 1);            /* woken, condition false: waits on */
	wq_queue(o, &bump);
	t_run_until(3 * MS);
	CHECK_EQ(ev_result, 0);
	CHECK_EQ(ev_at, 2 * MS);
	return 0;
}

/* The mutex excludes, tracks its owner, and times out. */
static struct kmutex mx;
static int mx_inside, mx_max, mx_timeouts;

static void mx_fn(struct work *w)
{
	(void)w;
	if (kmutex_lock(&mx, 3 * MS) < 0) {
		mx_timeouts++;
		return;
	}
	if (!kmutex_held_by_me(&mx))
		mx_max = 99;
	mx_inside++;
	if (mx_inside > mx_max)
		mx_max = mx_inside;
	wq_sleep(2 * MS);
	mx_inside--;
	kmutex_unlock(&mx);
}

static int t_mutex(void)
{
	struct wq *q = wq_create("q", 3);
	struct work w[3];
	int i;

	kmutex_init(&mx, "mx");
	mx_inside = mx_max = mx_timeouts = 0;
	for (i = 0; i < 3; i++) {
		work_init(&w[i], mx_fn, "locker");
		wq_queue(q, &w[i]);
	}
	t_run_all();
	CHECK_EQ(mx_max, 1);
	/* holders 0-2 ms and 2-4 ms; the third gives up at 3 ms */
	CHECK_EQ(mx_timeouts, 1);
	CHECK(mx.m_owner == NULL);
	return 0;
}

/* Waiting outside a work item is a bug: asserted, not assumed. */
static jmp_buf panic_jmp;
static char panic_msg[256];

static void panic_hook(const char *msg)
{
	strncpy(panic_msg, msg, sizeof(panic_msg) - 1);
	longjmp(panic_jmp, 1);
}

static int t_wait_outside_work(void)
{
	static struct completion c;

	completion_init(&c, "c");
	hosted_set_panic_hook(panic_hook);
	if (setjmp(panic_jmp) == 0) {
		completion_wait(&c, 1 * MS);
		hosted_set_panic_hook(NULL);
		CHECK(!"completion_wait outside a work item did not panic");
	}
	hosted_set_panic_hook(NULL);
	CHECK(strstr(panic_msg, "outside a work item") != NULL);
	return 0;
}

const struct unit_test sync_tests[] = {
	{ "completion_timeout", t_completion_timeout, QUICK },
	{ "completion_from_irq", t_completion_from_irq, QUICK },
	{ "completion_one_all", t_completion_one_all, QUICK },
	{ "sleep", t_sleep, QUICK },
	{ "wait_event", t_wait_event, QUICK },
	{ "mutex", t_mutex, QUICK },
	{ "wait_outside_work_asserts", t_wait_outside_work, QUICK },
	{ NULL, NULL, QUICK },
};

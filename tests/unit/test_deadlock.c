/*
 * Deadlock reports: (a) a stall on a completion nobody will complete (and
 * none when the waiter has a timeout),
 * (b) the shared-queue flush deadlock (device A, going down, flushes a
 * shared queue while device B's item on it waits for A's lock) and its
 * clean per-device-queue counterpart, a flush of one's own queue, and a
 * completion whose declared completer queue is the waiter's own.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tests/unit/harness.h"

static int report_has(const char *what)
{
	if (strstr(wq_last_deadlock_report(), what))
		return 1;
	fprintf(stderr, "  report lacks \"%s\":\n%s", what, wq_last_deadlock_report());
	return 0;
}

/* (a) ---------------------------------------------------------------- */

static struct completion never;
static int stall_result = 1;
static uint64_t stall_timeout = WQ_FOREVER;

static void probe_fn(struct work *w)
{
	(void)w;
	stall_result = completion_wait(&never, stall_timeout);
}

/* A wait without a timeout that nothing can end: reported at once. */
static int t_stall_completion(void)
{
	struct wq *q = wq_create("devX", 1);
	struct work probe;

	t_expect_deadlock();
	completion_init(&never, "devX offer reply");
	work_init(&probe, probe_fn, "devX probe");
	wq_queue(q, &probe);
	t_run();
	CHECK_EQ(hosted_now_ns(), 0);
	CHECK_EQ(wq_deadlock_count(), 1);
	CHECK(report_has("stall"));
	CHECK(report_has("without a timeout"));
	CHECK(report_has("item 'devX probe'"));
	CHECK(report_has("completion 'devX offer reply'"));
	CHECK(report_has("queue 'devX'"));
	CHECK(report_has("not declared"));
	/* Once per episode; completing it still ends the wait. */
	t_run();
	CHECK_EQ(wq_deadlock_count(), 1);
	complete_all(&never);
	t_run_all();
	CHECK_EQ(stall_result, 0);
	return 0;
}

/* A wait its timeout will end (a host that never answers) is slow, not stuck:
 * no report, and the timeout ends it. */
static int t_stall_not_with_timeout(void)
{
	struct wq *q = wq_create("devX", 1);
	struct work probe;

	stall_timeout = 5000 * MS;
	completion_init(&never, "devX offer reply");
	work_init(&probe, probe_fn, "devX probe");
	wq_queue(q, &probe);
	wq_run_once(q);              /* the probe waits */
	CHECK(wq_idle());
	CHECK(!wq_check_stall());
	t_run_all();
	CHECK_EQ(wq_deadlock_count(), 0);
	CHECK_EQ(stall_result, -ETIMEDOUT);
	CHECK_EQ(hosted_now_ns(), 5000 * MS);
	return 0;
}

/* A pending interrupt could complete it: no stall yet. */
static void irq_completes(void *arg)
{
	(void)arg;
	complete_all(&never);
}

static int t_stall_not_with_irq_pending(void)
{
	struct wq *q = wq_create("devX", 1);
	struct work probe;

	completion_init(&never, "devX offer reply");
	work_init(&probe, probe_fn, "devX probe");
	plat_irq_register(33, irq_completes, NULL);
	wq_queue(q, &probe);
	wq_run_once(q);              /* the probe waits */
	CHECK(wq_idle());
	hosted_raise_irq(33);
	CHECK(!wq_check_stall());    /* the pending interrupt may complete it */
	t_run_all();
	CHECK_EQ(stall_result, 0);
	CHECK_EQ(wq_deadlock_count(), 0);
	return 0;
}

/* (b) ---------------------------------------------------------------- */

/*
 * Device A's remove runs on vmbus_chan: it takes A's lock, then flushes
 * the queue A's I/O completions ran on. Device B's item on that queue wants
 * A's lock (say, B's completion path looks at A's state).
 */
struct dev {
	const char *name;
	struct kmutex lock;
	struct work io;
	struct work remove;
	struct wq *io_q;        /* where this device's items run */
	int io_result, remove_flush_result;
	bool io_done, remove_done;
	uint64_t io_done_at;
};

static struct dev devA, devB;
static struct wq *chan_q;

static void dev_io_fn(struct work *w)
{
	struct dev *d = wq_container_of(w, struct dev, io);

	/* B's I/O path needs A's lock (A's own I/O just sleeps a little). */
	if (d == &devB) {
		d->io_result = kmutex_lock(&devA.lock, 5000 * MS);
		if (d->io_result == 0)
			kmutex_unlock(&devA.lock);
	} else {
		wq_sleep(2 * MS);
		d->io_result = 0;
	}
	d->io_done = true;
	d->io_done_at = hosted_now_ns();
}

static void dev_remove_fn(struct work *w)
{
	struct dev *d = wq_container_of(w, struct dev, remove);

	kmutex_lock(&d->lock, 5000 * MS);
	wq_sleep(1 * MS);                       /* B's item queues up meanwhile */
	d->remove_flush_result = wq_flush(d->io_q, 5000 * MS);
	kmutex_unlock(&d->lock);
	d->remove_done = true;
}

static void dev_init(struct dev *d, const char *name, const char *lock,
		     const char *io, const char *remove, struct wq *io_q)
{
	memset(d, 0, sizeof(*d));
	d->name = name;
	kmutex_init(&d->lock, lock);
	work_init(&d->io, dev_io_fn, io);
	work_init(&d->remove, dev_remove_fn, remove);
	d->io_q = io_q;
	d->io_result = d->remove_flush_result = 1;
}

static int t_shared_queue_flush_deadlock(void)
{
	struct wq *shared = wq_create("shared", 1);

	t_expect_deadlock();
	chan_q = wq_create("vmbus_chan", 1);
	dev_init(&devA, "A", "devA lock", "devA io", "devA remove", shared);
	dev_init(&devB, "B", "devB lock", "devB io", "devB remove", shared);
	wq_queue(chan_q, &devA.remove);
	t_run();                      /* A holds its lock, sleeps 1 ms */
	wq_queue(shared, &devB.io);
	t_run_until(1 * MS);
	/* Found when A starts its flush, not 5 s later. */
	CHECK_EQ(wq_deadlock_count(), 1);
	CHECK(report_has("wait cycle"));
	CHECK(report_has("item 'devA remove' (queue 'vmbus_chan') waits for flush of queue 'shared'"));
	CHECK(report_has("item 'devB io' (queue 'shared') waits for mutex 'devA lock' held by item 'devA remove' (queue 'vmbus_chan')"));
	CHECK(report_has("can be ended by: the holder, item 'devA remove'"));
	CHECK_EQ(devA.remove_flush_result, -EDEADLK);
	t_run_all();
	CHECK(devA.remove_done && devB.io_done);
	CHECK_EQ(devB.io_result, 0);
	return 0;
}

/* The same two devices, each with its own queue: finishes cleanly. */
static int t_per_device_queues_clean(void)
{
	struct wq *qa = wq_create("devA", 1), *qb = wq_create("devB", 1);

	chan_q = wq_create("vmbus_chan", 1);
	dev_init(&devA, "A", "devA lock", "devA io", "devA remove", qa);
	dev_init(&devB, "B", "devB lock", "devB io", "devB remove", qb);
	wq_queue(qa, &devA.io);
	wq_queue(chan_q, &devA.remove);
	t_run();                      /* A holds its lock, sleeps 1 ms */
	wq_queue(qb, &devB.io);
	t_run_all();
	CHECK_EQ(wq_deadlock_count(), 0);
	CHECK_EQ(devA.remove_flush_result, 0);
	CHECK(devA.io_done && devA.remove_done && devB.io_done);
	CHECK_EQ(devB.io_result, 0);
	CHECK_EQ(devB.io_done_at, 2 * MS);   /* got A's lock when A's flush ended */
	return 0;
}

/* A flush of one's own queue is reported at once. */
static int self_flush_result = 1;

static void self_flush_fn(struct work *w)
{
	(void)w;
	self_flush_result = wq_flush(wq_current(), 5000 * MS);
}

static int t_self_flush(void)
{
	struct wq *q = wq_create("selfish", 2);
	struct work w;

	t_expect_deadlock();
	work_init(&w, self_flush_fn, "self flusher");
	wq_queue(q, &w);
	t_run();
	CHECK_EQ(self_flush_result, -EDEADLK);
	CHECK_EQ(hosted_now_ns(), 0);
	CHECK_EQ(wq_deadlock_count(), 1);
	CHECK(report_has("item 'self flusher' (queue 'selfish') waits for flush of queue 'selfish'"));
	return 0;
}

/* A completion whose declared completer is the waiter's own ordered queue. */
static struct completion own_c;
static int own_result = 1;

static void own_wait_fn(struct work *w)
{
	(void)w;
	own_result = completion_wait(&own_c, 5000 * MS);
}

static void own_complete_fn(struct work *w)
{
	(void)w;
	complete_one(&own_c);
}

static int t_completer_cycle(void)
{
	struct wq *q = wq_create("ordered", 1);
	struct work waiter, completer;

	t_expect_deadlock();
	completion_init(&own_c, "reply");
	completion_set_completer(&own_c, q);
	work_init(&waiter, own_wait_fn, "waiter");
	work_init(&completer, own_complete_fn, "completer");
	wq_queue(q, &waiter);
	wq_queue(q, &completer);      /* queued behind the waiter: never runs */
	t_run();
	CHECK_EQ(own_result, -EDEADLK);
	CHECK_EQ(wq_deadlock_count(), 1);
	CHECK(report_has("completion 'reply'"));
	CHECK(report_has("declared completer"));
	CHECK(report_has("queued behind: 'completer'"));
	return 0;
}

/* The same with two slots: the completer runs beside the waiter. */
static int t_completer_free_slot_clean(void)
{
	struct wq *q = wq_create("two", 2);
	struct work waiter, completer;

	completion_init(&own_c, "reply");
	completion_set_completer(&own_c, q);
	work_init(&waiter, own_wait_fn, "waiter");
	work_init(&completer, own_complete_fn, "completer");
	wq_queue(q, &waiter);
	wq_queue(q, &completer);
	t_run();
	CHECK_EQ(own_result, 0);
	CHECK_EQ(wq_deadlock_count(), 0);
	return 0;
}

/* In production (LOG) the report goes to the log, one line per message. */
static int t_report_logged(void)
{
	struct wq *q = wq_create("selfish", 1);
	struct work w;
	const char *log;

	t_expect_deadlock();
	wq_set_deadlock_action(WQ_DEADLOCK_LOG);
	hosted_log_set_echo(0);
	hosted_log_capture(1);
	work_init(&w, self_flush_fn, "self flusher");
	wq_queue(q, &w);
	t_run();
	hosted_log_capture(0);
	hosted_log_set_echo(1);
	log = hosted_log_captured();
	CHECK_EQ(self_flush_result, -EDEADLK);
	CHECK(strstr(log, "wq: DEADLOCK (wait cycle): item 'self flusher' (queue 'selfish')\n") ||
	      strstr(log, "wq: DEADLOCK (wait cycle): item 'self flusher' (queue 'selfish') would"));
	CHECK(strstr(log, "waits for flush of queue 'selfish'\n"));
	CHECK(strstr(log, "wait graph at t="));
	return 0;
}

const struct unit_test deadlock_tests[] = {
	{ "deadlock_stall_completion", t_stall_completion, QUICK },
	{ "deadlock_stall_not_with_irq_pending", t_stall_not_with_irq_pending, QUICK },
	{ "deadlock_stall_not_with_timeout", t_stall_not_with_timeout, QUICK },
	{ "deadlock_shared_queue_flush", t_shared_queue_flush_deadlock, QUICK },
	{ "deadlock_per_device_queues_clean", t_per_device_queues_clean, QUICK },
	{ "deadlock_self_flush", t_self_flush, QUICK },
	{ "deadlock_completer_cycle", t_completer_cycle, QUICK },
	{ "deadlock_completer_free_slot_clean", t_completer_free_slot_clean, QUICK },
	{ "deadlock_report_logged", t_report_logged, QUICK },
	{ NULL, NULL, QUICK },
};

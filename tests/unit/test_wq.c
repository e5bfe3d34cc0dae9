/*
 * Work-queue tests: ordering, the concurrency limit, idempotent queueing,
 * delayed work on the virtual clock, cancel, flushes, interrupts queueing
 * work, reuse after wq_init.
 */
#include <errno.h>
#include <stdlib.h>

#include "tests/unit/harness.h"

/* An item that logs its id, optionally sleeps, then logs id + 100. */
struct job {
	struct work work;
	int id;
	uint64_t sleep_ns;
	int runs;
	uint64_t started, finished;
};

static int running_now, running_max;

static void job_fn(struct work *w)
{
	struct job *j = wq_container_of(w, struct job, work);

	j->runs++;
	j->started = hosted_now_ns();
	running_now++;
	if (running_now > running_max)
		running_max = running_now;
	t_log(j->id);
	if (j->sleep_ns)
		wq_sleep(j->sleep_ns);
	t_log(j->id + 100);
	running_now--;
	j->finished = hosted_now_ns();
}

static void job_init(struct job *j, int id, uint64_t sleep_ns)
{
	work_init(&j->work, job_fn, "job");
	j->id = id;
	j->sleep_ns = sleep_ns;
	j->runs = 0;
	j->started = j->finished = 0;
}

/* Ordered: one at a time, FIFO, even when an item sleeps. */
static int t_ordered_fifo(void)
{
	struct wq *q = wq_create("ordered", 1);
	struct job j[5];
	int i;

	running_now = running_max = 0;
	for (i = 0; i < 5; i++) {
		job_init(&j[i], i, i == 1 ? 2 * MS : 0);
		CHECK(wq_queue(q, &j[i].work));
	}
	t_run_all();
	CHECK_EQ(t_nevents, 10);
	for (i = 0; i < 5; i++) {
		CHECK_EQ(t_events[2 * i], i);
		CHECK_EQ(t_events[2 * i + 1], i + 100);
	}
	CHECK_EQ(running_max, 1);
	CHECK_EQ(j[4].finished, 2 * MS);
	return 0;
}

/* max_active 3: never more than 3 at once; 7 items of 1 ms take 3 ms. */
static int t_concurrency_limit(void)
{
	struct wq *q = wq_create("conc3", 3);
	struct job j[7];
	int i;

	running_now = running_max = 0;
	for (i = 0; i < 7; i++) {
		job_init(&j[i], i, 1 * MS);
		wq_queue(q, &j[i].work);
	}
	t_run_all();
	CHECK_EQ(running_max, 3);
	for (i = 0; i < 7; i++)
		CHECK_EQ(j[i].runs, 1);
	CHECK_EQ(j[2].started, 0);
	CHECK_EQ(j[3].started, 1 * MS);     /* waited for a free slot */
	CHECK_EQ(j[6].finished, 3 * MS);
	return 0;
}

/* Queueing twice is harmless; queueing a running item runs it once more. */
static struct job requeue_job;
static struct wq *requeue_q;
static bool requeue_results[2];

static void requeue_fn(struct work *w)
{
	struct job *j = wq_container_of(w, struct job, work);

	j->runs++;
	if (j->runs == 1) {
		requeue_results[0] = wq_queue(requeue_q, w);
		requeue_results[1] = wq_queue(requeue_q, w);
	}
}

static int t_queue_idempotent(void)
{
	struct wq *q = wq_create("q", 1);
	struct job j;

	job_init(&j, 1, 0);
	CHECK(wq_queue(q, &j.work));
	CHECK(!wq_queue(q, &j.work));
	CHECK(work_busy(&j.work));
	t_run_all();
	CHECK_EQ(j.runs, 1);
	CHECK(!work_busy(&j.work));

	requeue_q = q;
	work_init(&requeue_job.work, requeue_fn, "requeue");
	requeue_job.runs = 0;
	wq_queue(q, &requeue_job.work);
	t_run_all();
	CHECK_EQ(requeue_job.runs, 2);
	CHECK(requeue_results[0] && !requeue_results[1]);
	return 0;
}

/* An item is never run twice at once, even on a concurrent queue. */
static int t_no_reentry(void)
{
	struct wq *q = wq_create("conc", 4);
	struct job j;

	running_now = running_max = 0;
	job_init(&j, 1, 1 * MS);
	wq_queue(q, &j.work);
	wq_run_until_idle();          /* running, asleep */
	CHECK(wq_queue(q, &j.work));  /* pending again while running */
	CHECK(wq_idle());             /* but not startable beside itself */
	t_run_all();
	CHECK_EQ(j.runs, 2);
	CHECK_EQ(running_max, 1);
	CHECK_EQ(j.started, 1 * MS);
	return 0;
}

/* Delayed work runs at exactly its deadline on the virtual clock. */
static struct delayed_work dly;
static uint64_t dly_ran_at;
static int dly_runs;

static void dly_fn(struct work *w)
{
	(void)w;
	dly_runs++;
	dly_ran_at = hosted_now_ns();
}

static int t_delayed_runs_at_deadline(void)
{
	struct wq *q = wq_create("q", 1);

	dly_runs = 0;
	delayed_work_init(&dly, dly_fn, "dly");
	hosted_set_now_ns(1 * MS);
	CHECK(wq_queue_delayed(q, &dly, 10 * MS));
	CHECK(!wq_queue_delayed(q, &dly, 1 * MS));
	CHECK_EQ(wq_next_deadline(), 11 * MS);
	t_run_until(11 * MS - 1);
	CHECK_EQ(dly_runs, 0);
	t_run_until(11 * MS);
	CHECK_EQ(dly_runs, 1);
	CHECK_EQ(dly_ran_at, 11 * MS);
	/* cancelled before its deadline: never runs */
	CHECK(wq_queue_delayed(q, &dly, 5 * MS));
	CHECK(wq_cancel_delayed(&dly));
	CHECK(!wq_cancel_delayed(&dly));
	t_run_all();
	CHECK_EQ(dly_runs, 1);
	CHECK_EQ(wq_next_deadline(), 0);
	return 0;
}

/* Cancel of a queued item: it never runs. Of a running one: returns false. */
static int t_cancel_queued(void)
{
	struct wq *q = wq_create("q", 1);
	struct job a, b, c;

	job_init(&a, 1, 1 * MS);
	job_init(&b, 2, 0);
	job_init(&c, 3, 0);
	wq_queue(q, &a.work);
	wq_queue(q, &b.work);
	wq_queue(q, &c.work);
	wq_run_until_idle();            /* a runs and sleeps */
	CHECK(!wq_cancel(&a.work));     /* running: cannot be removed */
	CHECK(wq_cancel(&b.work));
	CHECK(!wq_cancel(&b.work));
	t_run_all();
	CHECK_EQ(a.runs, 1);
	CHECK_EQ(b.runs, 0);
	CHECK_EQ(c.runs, 1);
	return 0;
}

/* wq_cancel_sync on a running item waits until it returned. */
static struct job cs_target;
static int cs_result;
static uint64_t cs_returned_at;
static int cs_target_finished_first;

static void cs_fn(struct work *w)
{
	(void)w;
	cs_result = wq_cancel_sync(&cs_target.work, 100 * MS);
	cs_returned_at = hosted_now_ns();
	cs_target_finished_first = cs_target.finished == 5 * MS;
}

static int t_cancel_running(void)
{
	struct wq *qa = wq_create("target", 1);
	struct wq *qb = wq_create("canceller", 1);
	struct work canceller;

	job_init(&cs_target, 1, 5 * MS);
	work_init(&canceller, cs_fn, "canceller");
	cs_result = -1;
	wq_queue(qa, &cs_target.work);
	wq_run_until_idle();                  /* target sleeping */
	wq_queue(qa, &cs_target.work);        /* and pending again */
	wq_queue(qb, &canceller);
	t_run_all();
	CHECK_EQ(cs_result, 1);               /* the pending instance was removed */
	CHECK_EQ(cs_returned_at, 5 * MS);
	CHECK(cs_target_finished_first);
	CHECK_EQ(cs_target.runs, 1);
	return 0;
}

/* wq_flush waits for everything queued before it, and only that. */
static struct wq *fl_q;
static struct job fl_jobs[4], fl_late;
static int fl_done_at_return, fl_late_done_at_return, fl_result;

static void flusher_fn(struct work *w)
{
	int i;

	(void)w;
	fl_result = wq_flush(fl_q, 100 * MS);
	fl_done_at_return = 0;
	for (i = 0; i < 4; i++)
		fl_done_at_return += fl_jobs[i].finished != 0;
	fl_late_done_at_return = fl_late.finished != 0;
}

static void late_queuer_fn(struct work *w)
{
	(void)w;
	wq_queue(fl_q, &fl_late.work);   /* after the flush started */
}

static int t_flush_queue(void)
{
	struct wq *other = wq_create("other", 2);
	struct work flusher, late_queuer;
	int i;

	fl_q = wq_create("flushed", 2);
	for (i = 0; i < 4; i++) {
		job_init(&fl_jobs[i], i, (uint64_t)(4 - i) * MS);
		wq_queue(fl_q, &fl_jobs[i].work);
	}
	job_init(&fl_late, 9, 50 * MS);
	work_init(&flusher, flusher_fn, "flusher");
	work_init(&late_queuer, late_queuer_fn, "late queuer");
	wq_queue(other, &flusher);
	wq_run_until_idle();
	wq_queue(other, &late_queuer);
	t_run_all();
	CHECK_EQ(fl_result, 0);
	CHECK_EQ(fl_done_at_return, 4);
	CHECK_EQ(fl_late_done_at_return, 0);
	CHECK(fl_late.finished != 0);
	return 0;
}

/* wq_flush_work waits for that item only. */
static struct job fw_a, fw_b;
static int fw_b_done, fw_a_done, fw_r;

static void fw_fn(struct work *w)
{
	(void)w;
	fw_r = wq_flush_work(&fw_a.work, 100 * MS);
	fw_a_done = fw_a.finished != 0;
	fw_b_done = fw_b.finished != 0;
}

static int t_flush_work(void)
{
	struct wq *q = wq_create("q", 2);
	struct wq *o = wq_create("o", 1);
	struct work f;

	job_init(&fw_a, 1, 2 * MS);
	job_init(&fw_b, 2, 10 * MS);
	work_init(&f, fw_fn, "flush_work");
	wq_queue(q, &fw_a.work);
	wq_queue(q, &fw_b.work);
	wq_queue(o, &f);
	t_run_all();
	CHECK_EQ(fw_r, 0);
	CHECK(fw_a_done);
	CHECK(!fw_b_done);
	return 0;
}

/* An interrupt handler queues work; the work runs in work context. */
static struct wq *irq_q;
static struct work irq_work;
static int irq_work_in_work, irq_work_runs;

static void irq_work_fn(struct work *w)
{
	(void)w;
	irq_work_runs++;
	irq_work_in_work = wq_in_work() && !hosted_in_irq();
}

static void irq_handler(void *arg)
{
	(void)arg;
	wq_queue(irq_q, &irq_work);
	wq_queue(irq_q, &irq_work);
}

static int t_irq_queues_work(void)
{
	irq_q = wq_create("irq", 1);
	work_init(&irq_work, irq_work_fn, "irq work");
	irq_work_runs = 0;
	CHECK_EQ(plat_irq_register(40, irq_handler, NULL), 0);
	CHECK_EQ(plat_irq_register(40, irq_handler, NULL), -EBUSY);
	hosted_raise_irq(40);
	hosted_raise_irq(40);          /* coalesced */
	CHECK_EQ(hosted_irq_pending(), 1);
	t_run_all();
	CHECK_EQ(irq_work_runs, 1);
	CHECK(irq_work_in_work);
	return 0;
}

/* wq_init discards a run with suspended fibers and reuses their stacks. */
static int stale_runs;

static void stale_fn(struct work *w)
{
	(void)w;
	stale_runs++;
}

static int t_reinit_reuses(void)
{
	static struct delayed_work stale[3];
	int round;

	stale_runs = 0;
	for (round = 0; round < 3; round++) {
		struct wq *q = wq_create("q", 4);
		struct job j[4];
		int i;

		delayed_work_init(&stale[round], stale_fn, "stale");
		wq_queue_delayed(q, &stale[round], 50 * MS);
		for (i = 0; i < 4; i++) {
			job_init(&j[i], i, 1000 * MS);
			wq_queue(q, &j[i].work);
		}
		wq_run_until_idle();          /* four fibers asleep */
		CHECK_EQ(j[3].runs, 1);
		wq_init();                    /* abandon them */
		timer_init();
		CHECK_EQ(wq_next_deadline(), 0);
		CHECK(wq_idle());
	}
	/* The fresh core works: a sleep ends exactly on time. */
	{
		struct wq *q = wq_create("after", 1);
		struct job j;
		uint64_t t0 = hosted_now_ns();

		job_init(&j, 1, 2 * MS);
		wq_queue(q, &j.work);
		wq_run_until_idle();
		CHECK_EQ(wq_next_deadline(), t0 + 2 * MS);
		t_run_all();
		CHECK_EQ(j.finished, t0 + 2 * MS);
		CHECK_EQ(stale_runs, 0);      /* the old run's delayed items are gone */
	}
	return 0;
}

/* Round-robin: two busy queues alternate. */
static struct wq *rr_a, *rr_b;
static struct work rr_wa, rr_wb;
static int rr_na, rr_nb;

static void rr_fa(struct work *w)
{
	t_log(1);
	if (++rr_na < 3)
		wq_queue(rr_a, w);
}

static void rr_fb(struct work *w)
{
	t_log(2);
	if (++rr_nb < 3)
		wq_queue(rr_b, w);
}

static int t_round_robin(void)
{
	int i;

	rr_a = wq_create("a", 1);
	rr_b = wq_create("b", 1);
	rr_na = rr_nb = 0;
	work_init(&rr_wa, rr_fa, "a");
	work_init(&rr_wb, rr_fb, "b");
	wq_queue(rr_a, &rr_wa);
	wq_queue(rr_b, &rr_wb);
	t_run_all();
	CHECK_EQ(t_nevents, 6);
	for (i = 0; i < 6; i++)
		CHECK_EQ(t_events[i], 1 + i % 2);
	return 0;
}

/* An item may free its owner; a flusher of it is not hurt (ASan checks). */
struct selfish {
	struct work work;
	char payload[64];
};

static struct selfish *sf_obj;
static int sf_flush_result = 1;
static uint64_t sf_flush_at;

static void sf_fn(struct work *w)
{
	struct selfish *o = wq_container_of(w, struct selfish, work);

	wq_sleep(1 * MS);
	free(o);
}

static void sf_flusher(struct work *w)
{
	(void)w;
	sf_flush_result = wq_flush_work(&sf_obj->work, 10 * MS);
	sf_flush_at = hosted_now_ns();
}

static int t_item_frees_itself(void)
{
	struct wq *q = wq_create("q", 1), *o = wq_create("o", 1);
	struct work flusher;

	sf_obj = calloc(1, sizeof(*sf_obj));
	CHECK(sf_obj);
	work_init(&sf_obj->work, sf_fn, "frees itself");
	work_init(&flusher, sf_flusher, "flusher");
	wq_queue(q, &sf_obj->work);
	wq_queue(o, &flusher);
	t_run_all();
	CHECK_EQ(sf_flush_result, 0);
	CHECK_EQ(sf_flush_at, 1 * MS);
	return 0;
}

/* Cancelling oneself synchronously would wait forever: -EDEADLK at once. */
static int cs_self_result = 1;

static void cs_self_fn(struct work *w)
{
	cs_self_result = wq_cancel_sync(w, 10 * MS);
}

static int t_cancel_sync_self(void)
{
	struct wq *q = wq_create("q", 1);
	struct work w;

	t_expect_deadlock();
	work_init(&w, cs_self_fn, "self canceller");
	wq_queue(q, &w);
	t_run();
	CHECK_EQ(cs_self_result, -EDEADLK);
	CHECK_EQ(wq_deadlock_count(), 1);
	CHECK_EQ(hosted_now_ns(), 0);
	return 0;
}

const struct unit_test wq_tests[] = {
	{ "wq_ordered_fifo", t_ordered_fifo, QUICK },
	{ "wq_concurrency_limit", t_concurrency_limit, QUICK },
	{ "wq_queue_idempotent", t_queue_idempotent, QUICK },
	{ "wq_no_reentry", t_no_reentry, QUICK },
	{ "wq_delayed_work", t_delayed_runs_at_deadline, QUICK },
	{ "wq_cancel_queued", t_cancel_queued, QUICK },
	{ "wq_cancel_running", t_cancel_running, QUICK },
	{ "wq_flush_queue", t_flush_queue, QUICK },
	{ "wq_flush_work", t_flush_work, QUICK },
	{ "wq_irq_queues_work", t_irq_queues_work, QUICK },
	{ "wq_reinit_reuses", t_reinit_reuses, QUICK },
	{ "wq_round_robin", t_round_robin, QUICK },
	{ "wq_item_frees_itself", t_item_frees_itself, QUICK },
	{ "wq_cancel_sync_self", t_cancel_sync_self, QUICK },
	{ NULL, NULL, QUICK },
};

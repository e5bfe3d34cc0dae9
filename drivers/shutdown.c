/*
 * The orderly shutdown sequence (drivers/shutdown.h has the state diagram).
 *
 * It runs as one work item on its own ordered queue "shutdown", never on a
 * device queue: closing the channels removes every VMBus device, the
 * shutdown IC's own too, and a device's queue must be free for that.
 * Every step waits at most until the one deadline; a step that overruns
 * names what did not quiesce and the sequence moves on, so a stuck disk
 * never keeps the machine running.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/block.h"
#include "drivers/shutdown.h"
#include "kernel/log.h"
#include "kernel/platform.h"
#include "vmbus/vmbus.h"

enum sd_state { SD_IDLE, SD_APPS, SD_FLUSH, SD_UNLOAD, SD_POWER, SD_DONE };

/*
 * The one shutdown of the machine: a named singleton. Re-initialised when
 * VMBus was started again (a new keelsim run), recognised by the generation.
 * Touched only by shutdown_start (any work item) and the shutdown work.
 */
static struct {
	uint32_t gen;
	struct wq *q;
	struct work w;
	enum sd_state state;
	enum shutdown_action action;
	uint64_t deadline;            /* plat_now_ns() value: power off by then */
	uint64_t flush_deadline;      /* the disks get 3/4 of it, UNLOAD the rest */
	struct shutdown_app *apps;
	void (*power)(enum shutdown_action a);
} sd;

/* Poll period of the UNLOAD wait: vmbus_stop has no completion to wait on. */
#define SD_POLL_NS (10ull * WQ_NS_PER_MS)

static void sd_work(struct work *w);

static void sd_renew(void)
{
	if (sd.gen == vmbus_generation() && sd.q)
		return;
	sd.gen = vmbus_generation();
	sd.q = NULL;
	sd.state = SD_IDLE;
	work_init(&sd.w, sd_work, "shutdown");
}

void shutdown_register_app(struct shutdown_app *app)
{
	for (struct shutdown_app *a = sd.apps; a; a = a->next)
		if (a == app)
			return;                 /* registering twice is harmless */
	app->next = sd.apps;
	sd.apps = app;
}

void shutdown_set_power_handler(void (*fn)(enum shutdown_action a))
{
	sd.power = fn;
}

bool shutdown_in_progress(void)
{
	return sd.gen == vmbus_generation() && sd.state != SD_IDLE;
}

static uint64_t sd_left_until(uint64_t end)
{
	uint64_t now = plat_now_ns();

	return now >= end ? 0 : end - now;
}

static uint64_t sd_left(void)
{
	return sd_left_until(sd.deadline);
}

/*
 * FLUSH: one asynchronous flush per disk, all at once, waited for until
 * the flush deadline. A flush still in flight then is left to its driver
 * (its request stays allocated: the driver may still complete it) and the
 * disk is named as not quiesced.
 */
struct sd_flush {
	struct blk_req req;
	bool done, abandoned;
	char name[BLK_NAME_LEN];
};

static struct waitq sd_flush_wait;
static int sd_flushes_left;

static void sd_flush_done(struct blk_req *r)
{
	struct sd_flush *f = wq_container_of(r, struct sd_flush, req);

	if (f->abandoned) {
		free(f);                     /* nobody waits for it any more */
		return;
	}
	f->done = true;
	sd_flushes_left--;
	waitq_wake_all(&sd_flush_wait);
}

static bool sd_flushes_over(void *arg)
{
	(void)arg;
	return sd_flushes_left == 0;
}

static void sd_flush_report(struct sd_flush *f)
{
	if (!f->done) {
		pr_err("shutdown: %s not quiesced\n", f->name);
		f->abandoned = true;         /* sd_flush_done frees it */
		return;
	}
	if (f->req.status)
		pr_err("shutdown: %s flush: %s\n", f->name, blk_strerror(f->req.status));
	else
		pr_info("shutdown: %s flushed\n", f->name);
	free(f);
}

static void sd_flush_disks(void)
{
	struct blk_handle h[BLK_MAX_DISKS];
	struct sd_flush *f[BLK_MAX_DISKS] = { 0 };
	int n = blk_disk_list(h, BLK_MAX_DISKS);

	waitq_init(&sd_flush_wait, "shutdown_flush");
	sd_flushes_left = 0;
	for (int i = 0; i < n && i < BLK_MAX_DISKS; i++) {
		struct blk_info info;

		if (blk_disk_info(h[i], &info) || !(f[i] = calloc(1, sizeof(*f[i]))))
			continue;
		memcpy(f[i]->name, info.name, sizeof(f[i]->name));
		f[i]->req.op = BLK_OP_FLUSH;
		f[i]->req.done = sd_flush_done;
		sd_flushes_left++;
		if (blk_submit(h[i], &f[i]->req) < 0) {
			sd_flushes_left--;
			f[i]->done = true;
			f[i]->req.status = -ENODEV;
		}
	}
	/* Woken by sd_flush_done (the drivers' completions); bounded by the
	 * deadline, which is what makes a stuck disk harmless here. */
	if (sd_flushes_left && sd_left_until(sd.flush_deadline))
		wq_wait_event(&sd_flush_wait, sd_flushes_over, NULL,
			      sd_left_until(sd.flush_deadline));
	for (int i = 0; i < n && i < BLK_MAX_DISKS; i++)
		if (f[i])
			sd_flush_report(f[i]);
}

/* UNLOAD: close every channel; at the deadline the listing names the
 * devices still there. */
static void sd_unload(void)
{
	vmbus_stop();
	/* vmbus_stop's work completes it; polled, bounded by the deadline */
	while (!vmbus_stopped() && sd_left())
		wq_sleep(SD_POLL_NS < sd_left() ? SD_POLL_NS : sd_left());
	if (vmbus_stopped())
		return;
	pr_err("shutdown: UNLOAD timed out\n");
	vmbus_lsvmbus();
}

/* The one transition function: do the state's step, return the next state. */
static enum sd_state sd_step(enum sd_state s)
{
	switch (s) {
	case SD_APPS:
		for (struct shutdown_app *a = sd.apps; a; a = a->next)
			a->stop(a->arg);
		return SD_FLUSH;
	case SD_FLUSH:
		sd_flush_disks();
		return SD_UNLOAD;
	case SD_UNLOAD:
		sd_unload();
		return SD_POWER;
	case SD_POWER:
		klog(LOG_NOTICE, "shutdown: %s\n", sd.action == SHUTDOWN_RESTART ?
		     "restarting" : "powering off");
		if (sd.power)
			sd.power(sd.action);
		return SD_DONE;
	default:
		pr_err("shutdown: bug: state %d\n", (int)s);
		return SD_DONE;
	}
}

static void sd_work(struct work *w)
{
	(void)w;
	while (sd.state != SD_DONE && sd.state != SD_IDLE)
		sd.state = sd_step(sd.state);
}

int shutdown_start(enum shutdown_action a, uint64_t deadline_ns)
{
	sd_renew();
	if (sd.state != SD_IDLE)
		return -EALREADY;
	if (!sd.q)
		sd.q = wq_create("shutdown", 1);
	if (!sd.q)
		return -ENOMEM;
	if (!deadline_ns)
		deadline_ns = SHUTDOWN_DEADLINE_NS;
	if (deadline_ns > SHUTDOWN_DEADLINE_MAX_NS)
		deadline_ns = SHUTDOWN_DEADLINE_MAX_NS;
	sd.action = a;
	sd.deadline = plat_now_ns() + deadline_ns;
	sd.flush_deadline = sd.deadline - deadline_ns / 4;
	sd.state = SD_APPS;
	wq_queue(sd.q, &sd.w);
	return 0;
}

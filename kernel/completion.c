/*
 * Completions (kernel/wq.h): a count of "done" signals with waiters.
 * complete_one lets one wait return (now or later), complete_all lets every
 * present and future wait return until completion_reinit. Both may be called
 * from interrupt handlers.
 */
#include <errno.h>
#include <stdint.h>

#include "kernel/platform.h"
#include "kernel/wq.h"
#include "kernel/wq_internal.h"

void completion_init(struct completion *c, const char *name)
{
	waitq_init(&c->c_waiters, name);
	c->c_done = 0;
	c->c_all = false;
}

void completion_set_completer(struct completion *c, struct wq *completer)
{
	waitq_set_completer(&c->c_waiters, completer);
}

void completion_reinit(struct completion *c)
{
	uint64_t s = plat_irq_save();

	c->c_done = 0;
	c->c_all = false;
	plat_irq_restore(s);
}

bool completion_done(const struct completion *c)
{
	return c->c_all || c->c_done > 0;
}

/* Interrupts masked: consume one "done" if there is one. */
static bool completion_take(struct completion *c)
{
	if (c->c_all)
		return true;
	if (c->c_done == 0)
		return false;
	c->c_done--;
	return true;
}

/* wait_until's condition: take a "done", else wait on the completion. */
static bool completion_wait_done(void *arg, struct waitq **wqh)
{
	struct completion *c = arg;

	*wqh = &c->c_waiters;
	return completion_take(c);
}

int completion_wait(struct completion *c, uint64_t timeout_ns)
{
	uint64_t deadline = wait_deadline(timeout_ns);
	struct wait_desc d = { .kind = WAIT_COMPLETION, .obj.c = c };
	uint64_t s = plat_irq_save();
	int r;

	wait_current("completion_wait");
	r = wait_until(&d, deadline, completion_wait_done, c);
	plat_irq_restore(s);
	return r;
}

void complete_one(struct completion *c)
{
	uint64_t s = plat_irq_save();

	if (!c->c_all)
		c->c_done++;
	waitq_wake_one_locked(&c->c_waiters);
	plat_irq_restore(s);
}

void complete_all(struct completion *c)
{
	uint64_t s = plat_irq_save();

	c->c_all = true;
	waitq_wake_all_locked(&c->c_waiters);
	plat_irq_restore(s);
}

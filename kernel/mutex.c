/*
 * Sleeping mutex with owner tracking (kernel/wq.h). The owner is the fiber
 * (hence the work item and queue) holding it, so a deadlock report can name
 * who holds what, and the wait-graph check can follow waiter -> holder.
 * Unlock wakes every waiter; each re-tries (no lost wakeup when one of them
 * times out at the same moment).
 */
#include <errno.h>
#include <stdint.h>

#include "kernel/log.h"
#include "kernel/platform.h"
#include "kernel/wq.h"
#include "kernel/wq_internal.h"

void kmutex_init(struct kmutex *m, const char *name)
{
	waitq_init(&m->m_waiters, name);
	m->m_owner = NULL;
}

bool kmutex_trylock(struct kmutex *m)
{
	struct fiber *f = wait_current("kmutex_trylock");
	uint64_t s = plat_irq_save();
	bool got = m->m_owner == NULL;

	if (got)
		m->m_owner = f;
	plat_irq_restore(s);
	return got;
}

struct mutex_wait {
	struct kmutex *m;
	struct fiber *f;
};

/* wait_until's condition: take the mutex if it is free, else wait for it. */
static bool mutex_taken(void *arg, struct waitq **wqh)
{
	struct mutex_wait *mw = arg;

	*wqh = &mw->m->m_waiters;
	if (mw->m->m_owner)
		return false;
	mw->m->m_owner = mw->f;
	return true;
}

int kmutex_lock(struct kmutex *m, uint64_t timeout_ns)
{
	uint64_t deadline = wait_deadline(timeout_ns);
	struct wait_desc d = { .kind = WAIT_MUTEX, .obj.m = m };
	struct mutex_wait mw = { .m = m, .f = wait_current("kmutex_lock") };
	uint64_t s = plat_irq_save();
	int r;

	if (m->m_owner == mw.f)
		panic("kmutex_lock('%s'): already held by this item", m->m_waiters.name);
	r = wait_until(&d, deadline, mutex_taken, &mw);
	plat_irq_restore(s);
	return r;
}

void kmutex_unlock(struct kmutex *m)
{
	uint64_t s = plat_irq_save();

	if (m->m_owner != wq_core.current)
		panic("kmutex_unlock('%s'): not the holder", m->m_waiters.name);
	m->m_owner = NULL;
	waitq_wake_all_locked(&m->m_waiters);
	plat_irq_restore(s);
}

bool kmutex_held_by_me(const struct kmutex *m)
{
	return m->m_owner && m->m_owner == wq_core.current;
}

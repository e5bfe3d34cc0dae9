/*
 * Fibers: allocation, the pool, and switching between the scheduler and a
 * fiber (kernel/fiber.h). The register switch itself is fiber_switch.S.
 *
 * Only two directions exist: scheduler -> fiber (fiber_resume) and fiber ->
 * scheduler (fiber_yield). The scheduler is whatever context calls
 * wq_run_once: kmain's wq_run_loop on bare metal, the test driver or keelsim
 * in the hosted build.
 *
 * AddressSanitizer must be told about every stack switch, or it reports
 * false stack-buffer errors and cannot unwind: __sanitizer_start_switch_fiber
 * before the switch names the stack being entered, and
 * __sanitizer_finish_switch_fiber right after it returns on the new stack.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/fiber.h"
#include "kernel/log.h"
#include "kernel/platform.h"
#include "kernel/stack.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FIBER_ASAN 1
#endif
#endif

#ifdef FIBER_ASAN
void __sanitizer_start_switch_fiber(void **fake_stack_save, const void *bottom,
				    size_t size);
void __sanitizer_finish_switch_fiber(void *fake_stack_save, const void **bottom_old,
				     size_t *size_old);
void __asan_unpoison_memory_region(void const volatile *addr, size_t size);
#endif

static struct {
	struct fiber *pool;        /* FREE fibers, ready for any queue */
	struct fiber *all;         /* every fiber allocated */
	unsigned next_id;
	void *sched_sp;            /* the scheduler's stack while a fiber runs */
	const void *sched_bottom;  /* its bounds, for ASan */
	size_t sched_size;
	void *sched_fake;
} fibers;

static void fiber_timeout_expired(struct timer_event *ev)
{
	struct fiber *f = wq_container_of(ev, struct fiber, f_timeout);

	wait_wake_fiber(f);
}

/* Lay out a fresh frame: fiber_switch pops six zero registers and "returns"
 * into fiber_trampoline; the slot above keeps the stack 16-byte aligned. */
static void fiber_prepare(struct fiber *f)
{
	uintptr_t top = ((uintptr_t)f->f_stack + f->f_stack_size) & ~(uintptr_t)15;
	uint64_t *sp = (uint64_t *)top;
	int i;

#ifdef FIBER_ASAN
	/* An abandoned frame leaves its redzones poisoned. */
	__asan_unpoison_memory_region(f->f_stack, f->f_stack_size);
#endif
	*--sp = 0;
	*--sp = (uint64_t)(uintptr_t)fiber_trampoline;
	for (i = 0; i < 6; i++)
		*--sp = 0;
	f->f_sp = sp;
	f->f_state = FIBER_FREE;
	f->f_wq = NULL;
	f->f_work = NULL;
	f->f_waitq = NULL;
	f->f_asan_fake = NULL;
	timer_event_init(&f->f_timeout, fiber_timeout_expired, f->f_name,
			 TIMER_EV_TIMEOUT);
}

static struct fiber *fiber_create(void)
{
	struct fiber *f = calloc(1, sizeof(*f));

	if (!f)
		goto fail;
	f->f_id = fibers.next_id++;
	snprintf(f->f_name, sizeof(f->f_name), "wq fiber %u", f->f_id);
	f->f_stack_size = WQ_STACK_BYTES;
	f->f_stack = stack_alloc(f->f_stack_size, f->f_name);
	if (!f->f_stack)
		goto fail;
	fiber_prepare(f);
	f->f_all = fibers.all;
	fibers.all = f;
	return f;
fail:
	pr_err("wq: out of memory for a fiber\n");
	free(f);
	return NULL;
}

struct fiber *fiber_get(void)
{
	struct fiber *f = fibers.pool;

	if (!f)
		return fiber_create();
	fibers.pool = f->f_pnext;
	f->f_pnext = NULL;
	return f;
}

/*
 * The one place a fiber changes state (diagram in kernel/wq_internal.h);
 * the table lists the legal moves, anything else is a bug in the core.
 */
void fiber_transition(struct fiber *f, enum fiber_state to)
{
	static const uint8_t allowed[] = {
		[FIBER_FREE]    = 1u << FIBER_RUNNING,                   /* given an item */
		[FIBER_RUNNING] = 1u << FIBER_WAITING | 1u << FIBER_FREE, /* waits / returns */
		[FIBER_WAITING] = 1u << FIBER_READY | 1u << FIBER_RUNNING, /* woken / cycle */
		[FIBER_READY]   = 1u << FIBER_RUNNING,                   /* resumed */
	};

	if ((unsigned)f->f_state >= sizeof(allowed) || !(allowed[f->f_state] & (1u << to)))
		panic("%s: state %d -> %d", f->f_name, (int)f->f_state, (int)to);
	f->f_state = to;
}

void fiber_put(struct fiber *f)
{
	fiber_transition(f, FIBER_FREE);
	f->f_wq = NULL;
	f->f_work = NULL;
	f->f_pnext = fibers.pool;
	fibers.pool = f;
}

void fiber_resume(struct fiber *f)
{
#ifdef FIBER_ASAN
	fibers.sched_fake = NULL;
	__sanitizer_start_switch_fiber(&fibers.sched_fake, f->f_stack, f->f_stack_size);
#endif
	fiber_switch(&fibers.sched_sp, f->f_sp);
#ifdef FIBER_ASAN
	__sanitizer_finish_switch_fiber(fibers.sched_fake, NULL, NULL);
#endif
}

void fiber_yield(struct fiber *f)
{
#ifdef FIBER_ASAN
	__sanitizer_start_switch_fiber(&f->f_asan_fake, fibers.sched_bottom,
				       fibers.sched_size);
#endif
	fiber_switch(&f->f_sp, fibers.sched_sp);
#ifdef FIBER_ASAN
	__sanitizer_finish_switch_fiber(f->f_asan_fake, &fibers.sched_bottom,
					&fibers.sched_size);
#endif
}

/* Entered once per fiber lifetime from fiber_trampoline. */
void fiber_main(void)
{
	struct fiber *f = wq_core.current;

#ifdef FIBER_ASAN
	__sanitizer_finish_switch_fiber(NULL, &fibers.sched_bottom, &fibers.sched_size);
#endif
	for (;;) {
		wq_fiber_run_item(f);
		fiber_yield(f);
	}
}

void fiber_reset_all(void)
{
	struct fiber *f;

	fibers.pool = NULL;
	for (f = fibers.all; f; f = f->f_all) {
		fiber_prepare(f);
		f->f_pnext = fibers.pool;
		fibers.pool = f;
	}
}

void fiber_free_all(void)
{
	struct fiber *f = fibers.all, *next;

	for (; f; f = next) {
		next = f->f_all;
		stack_free(f->f_stack, f->f_stack_size);
		free(f);
	}
	memset(&fibers, 0, sizeof(fibers));
}

/*
 * The boot trace keel-host reads (include/keelhost/trace.h): mailbox round
 * trips and halts, and in test images the work-queue core's item events
 * (kernel/wq.h wq_set_trace_hook), as records in the keel-host shared
 * region, so that `keel-host --timeline` can draw a real boot and split
 * the time to ready into Keel's own computation and its waits on the host
 * (docs/timeline.md "A real boot").
 *
 * The guest only writes the shared area and never reads it back: its own
 * counters and name table live here, in private memory, and are copied
 * out. Interrupt handlers make requests too, so every update runs with
 * interrupts masked.
 */
#include "kernel/x86/ivshmem_trace.h"

#include <stdbool.h>
#include <string.h>

#include "include/keelhost/trace.h"
#include "kernel/x86/cpu.h"
#include "kernel/x86/platform_x86.h"
#include "kernel/x86/tsc.h"
#ifdef KEEL_TEST_HOOKS
#include "kernel/wq.h"
#endif

static struct {
	struct kh_trace_head *head;     /* NULL: no trace */
	struct kh_trace_rec *rec;
	uint32_t cap;
	uint64_t n;
	bool ready;                     /* the totals are frozen */
	uint64_t req_ns, req_count, idle_ns, idle_count;
	uint64_t all_req_ns;            /* also after ready */
#ifdef KEEL_TEST_HOOKS
	uint32_t nnames;
	char names[KH_TRACE_NAMES][KH_TRACE_NAME_LEN];
#endif
} tr;

static void put(const struct kh_trace_rec *r)
{
	if (tr.n < tr.cap)
		tr.rec[tr.n] = *r;
	tr.n++;
	tr.head->n = tr.n;
}

static void put_totals(void)
{
	tr.head->req_ns = tr.req_ns;
	tr.head->req_count = tr.req_count;
	tr.head->idle_ns = tr.idle_ns;
	tr.head->idle_count = tr.idle_count;
}

void ivshmem_trace_request(uint32_t op, uint64_t seq, uint64_t t0, uint64_t dt)
{
	struct kh_trace_rec r = { .t_ns = t0, .dur_ns = dt > UINT32_MAX ? UINT32_MAX : (uint32_t)dt,
				  .seq = (uint32_t)seq, .kind = KT_REQUEST, .op = (uint8_t)op };
	uint64_t s;

	if (!tr.head)
		return;
	s = x86_irq_save();
	tr.all_req_ns += dt;
	if (!tr.ready) {
		tr.req_ns += dt;
		tr.req_count++;
		put_totals();
	}
	put(&r);
	x86_irq_restore(s);
}

uint64_t ivshmem_trace_request_ns(void)
{
	return tr.all_req_ns;
}

void ivshmem_trace_idle(uint64_t t0, uint64_t dt, uint64_t requests_ns)
{
	struct kh_trace_rec r = { .t_ns = t0, .kind = KT_IDLE };
	uint64_t s;

	if (!tr.head)
		return;
	dt = dt > requests_ns ? dt - requests_ns : 0;
	r.dur_ns = dt > UINT32_MAX ? UINT32_MAX : (uint32_t)dt;
	s = x86_irq_save();
	if (!tr.ready) {
		tr.idle_ns += dt;
		tr.idle_count++;
		put_totals();
	}
	put(&r);
	x86_irq_restore(s);
}

void ivshmem_trace_ready(uint64_t kernel_ns, uint64_t ready_ns)
{
	if (!tr.head || tr.ready)
		return;
	tr.ready = true;
	tr.head->kernel_ns = kernel_ns;
	tr.head->ready_ns = ready_ns;
}

#ifdef KEEL_TEST_HOOKS
/* A name's index in the table, added when new; 0 when absent or the table
 * is full (the picture then shows the record without its name). */
static uint16_t name_index(const char *s)
{
	uint32_t i;

	if (!s || !*s)
		return 0;
	for (i = 1; i < tr.nnames; i++)
		if (!strncmp(tr.names[i], s, KH_TRACE_NAME_LEN - 1))
			return (uint16_t)i;
	if (tr.nnames == KH_TRACE_NAMES)
		return 0;
	strncpy(tr.names[i], s, KH_TRACE_NAME_LEN - 1);
	memcpy(tr.head->names[i], tr.names[i], KH_TRACE_NAME_LEN);
	tr.nnames++;
	tr.head->nnames = tr.nnames;
	return (uint16_t)i;
}

static void wq_hook(enum wq_trace_event ev, const char *queue, const char *item,
		    const char *what)
{
	static const uint8_t kind[] = {
		[WQ_TRACE_START] = KT_WQ_START, [WQ_TRACE_WAIT] = KT_WQ_WAIT,
		[WQ_TRACE_RESUME] = KT_WQ_RESUME, [WQ_TRACE_END] = KT_WQ_END,
		[WQ_TRACE_DEADLOCK] = KT_WQ_DEADLOCK,
	};
	struct kh_trace_rec r = { .t_ns = tsc_now_ns() };
	uint64_t s;

	if ((unsigned)ev >= sizeof(kind))
		return;
	s = x86_irq_save();
	r.kind = kind[ev];
	r.queue = name_index(queue);
	r.item = name_index(item);
	r.what = name_index(what);
	put(&r);
	x86_irq_restore(s);
}
#endif

void ivshmem_trace_init(void *base, size_t size)
{
	struct kh_trace_head *h = base;

	if (size < sizeof(*h) + sizeof(struct kh_trace_rec))
		return;
	memset(h, 0, sizeof(*h));
	h->cap = (uint32_t)((size - sizeof(*h)) / sizeof(struct kh_trace_rec));
	h->nnames = 1;
	tr.head = h;
	tr.rec = kh_trace_recs(h);
	tr.cap = h->cap;
#ifdef KEEL_TEST_HOOKS
	tr.nnames = 1;
	wq_set_trace_hook(wq_hook);
#endif
	__atomic_store_n(&h->magic, KH_TRACE_MAGIC, __ATOMIC_RELEASE);
}

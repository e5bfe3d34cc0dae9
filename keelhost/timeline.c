/*
 * keel-host --timeline FILE: a real keel.efi boot drawn as the timeline
 * picture of docs/timeline.md (sim/timeline_svg.c draws it, as for
 * keelsim), and the time to ready split into Keel's own computation and
 * its waits on the host, printed as one `ready:` line.
 *
 * Two sources, two clocks:
 *   - the host side, seen here directly and stamped with CLOCK_MONOTONIC:
 *     messages each way, offers, rescinds, channel signals, the receipt of
 *     every mailbox request, QEMU's connection (QEMU starting);
 *   - the guest side, from the boot trace keel.efi writes after the
 *     mailbox (include/keelhost/trace.h), read once the guest is gone:
 *     its round trips, halts and, in a test image, its work items,
 *     stamped with the guest's clock (nanoseconds since efi_main).
 * The guest clock is moved onto the host's by the round trips both sides
 * saw: offset = min(host receipt - guest send) over the request sequence
 * numbers, the usual one-way estimate (it errs by the fastest delivery,
 * microseconds).
 *
 * The trace is guest memory: it is copied out once and every count and
 * name index is checked against its bound before use.
 */
#define _GNU_SOURCE 1

#include <stdlib.h>
#include <string.h>

#include "include/keelhost/trace.h"
#include "keelhost/keelhost.h"
#include "sim/timeline_svg.h"

#define KH_TL_REQS        65536u        /* request receipts kept for the clock match */
#define KH_TL_HOST_EVENTS (TL_MAX_EVENTS / 2)   /* the rest is for the guest */

struct kh_tl_req {
	uint32_t seq;                   /* the mailbox req_seq (low bits) */
	uint64_t t;                     /* CLOCK_MONOTONIC when keel-host took it */
};

struct kh_timeline {
	struct kh_tl_req req[KH_TL_REQS];
	unsigned nreq;
	unsigned host_events, host_dropped;
	struct tl_picture pic;          /* host events live, CLOCK_MONOTONIC ns */
	/* the guest's trace, copied out */
	struct kh_trace_head head;
	char names[KH_TRACE_NAMES][KH_TRACE_NAME_LEN];
	struct kh_trace_rec *rec;
	uint32_t nrec;
};

int kh_timeline_open(struct keelhost *kh)
{
	kh->tl = calloc(1, sizeof(*kh->tl));
	if (!kh->tl) {
		kh_log(kh, "keel-host: no memory for --timeline");
		return -1;
	}
	return 0;
}

void kh_timeline_close(struct keelhost *kh)
{
	if (kh->tl)
		free(kh->tl->rec);
	free(kh->tl);
	kh->tl = NULL;
}

void kh_timeline_request(struct keelhost *kh, uint64_t seq)
{
	struct kh_timeline *tl = kh->tl;

	if (tl && tl->nreq < KH_TL_REQS)
		tl->req[tl->nreq++] = (struct kh_tl_req){ (uint32_t)seq, kh_mono_ns() };
}

/* The host library's trace records the picture shows (as keelsim's). */
void kh_timeline_trace(struct keelhost *kh, int kind, uint32_t a, uint32_t b, uint64_t c)
{
	struct kh_timeline *tl = kh->tl;
	char text[128];
	enum tl_kind k;

	if (!tl)
		return;
	switch (kind) {
	case HT_DELIVER: k = TL_TO_GUEST; break;
	case HT_GUEST_MSG: k = TL_TO_HOST; break;
	case HT_OFFER: k = TL_OFFER; break;
	case HT_RESCIND: k = TL_RESCIND; break;
	case HT_SIGNAL_HOST: case HT_SIGNAL_GUEST: k = TL_SIGNAL; break;
	default: return;
	}
	if (tl->host_events == KH_TL_HOST_EVENTS) {
		tl->host_dropped++;
		return;
	}
	tl->host_events++;
	host_trace_format(text, sizeof(text), kind, a, b, c);
	tl_picture_add(&tl->pic, kh_mono_ns(), k, NULL, NULL, text);
}

/* ---- the guest's trace: copy, check ---- */

static int copy_guest_trace(struct keelhost *kh)
{
	struct kh_timeline *tl = kh->tl;
	const uint8_t *base = (const uint8_t *)kh->mb + KH_TRACE_OFFSET;
	uint32_t max = (KH_SHM_SIZE - KH_TRACE_OFFSET - sizeof(tl->head)) /
		       sizeof(struct kh_trace_rec);

	memcpy(&tl->head, base, sizeof(tl->head));
	if (tl->head.magic != KH_TRACE_MAGIC || tl->head.cap > max)
		return -1;
	memcpy(tl->names, tl->head.names, sizeof(tl->names));
	for (unsigned i = 0; i < KH_TRACE_NAMES; i++)
		tl->names[i][KH_TRACE_NAME_LEN - 1] = 0;
	tl->names[0][0] = 0;
	tl->nrec = tl->head.n < tl->head.cap ? (uint32_t)tl->head.n : tl->head.cap;
	tl->rec = malloc(sizeof(*tl->rec) * (tl->nrec ? tl->nrec : 1));
	if (!tl->rec)
		return -1;
	memcpy(tl->rec, base + sizeof(tl->head), sizeof(*tl->rec) * tl->nrec);
	return 0;
}

static const char *name(const struct kh_timeline *tl, uint16_t i)
{
	return i < tl->head.nnames && i < KH_TRACE_NAMES ? tl->names[i] : "";
}

/* Guest clock -> CLOCK_MONOTONIC: the smallest (receipt - send) over the
 * round trips both sides saw (requests come in sequence order on both).
 * spread: how far the estimates from the first and the second half of the
 * boot disagree (the clocks' drift plus the delivery jitter). */
static int clock_offset(const struct kh_timeline *tl, int64_t *off, int64_t *spread,
			unsigned *matched)
{
	unsigned j = 0, m = 0, half = 0;
	int64_t best[2] = { 0, 0 };

	for (uint32_t i = 0; i < tl->nrec; i++)
		half += tl->rec[i].kind == KT_REQUEST;
	half /= 2;
	for (uint32_t i = 0; i < tl->nrec; i++) {
		const struct kh_trace_rec *r = &tl->rec[i];
		int64_t d;
		int k;

		if (r->kind != KT_REQUEST)
			continue;
		while (j < tl->nreq && tl->req[j].seq < r->seq)
			j++;
		if (j == tl->nreq)
			break;
		if (tl->req[j].seq != r->seq)
			continue;
		d = (int64_t)tl->req[j].t - (int64_t)r->t_ns;
		k = m >= half;
		if ((k == 0 && !m) || (k == 1 && m == half) || d < best[k])
			best[k] = d;
		m++;
	}
	if (m < 2)
		best[1] = best[0];
	*off = best[0] < best[1] ? best[0] : best[1];
	*spread = best[1] - best[0];
	*matched = m;
	return m ? 0 : -1;
}

/* ---- the split and the picture ---- */

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

/* The `ready:` line (docs/timeline.md "A real boot"); 0 or -1 without a
 * ready point in the trace. */
static int split(struct keelhost *kh, uint64_t efi_main, char *out, size_t cap)
{
	const struct kh_trace_head *h = &kh->tl->head;
	uint64_t fw, waits, kernel;

	if (!h->ready_ns || h->kernel_ns > h->ready_ns || efi_main < kh->connect_ns)
		return -1;
	fw = efi_main - kh->connect_ns + h->kernel_ns;
	kernel = h->ready_ns - h->kernel_ns;
	waits = h->req_ns + h->idle_ns;
	if (waits > kernel)
		waits = kernel;
	snprintf(out, cap, "ready: %.1f ms total, %.1f ms Keel's own computation, %.1f ms "
		 "waiting on the host (firmware hand-off %.1f ms: QEMU, OVMF and the UEFI "
		 "loader; %llu mailbox round trips %.1f ms; %llu halts until a host interrupt "
		 "%.1f ms)", ms(fw + kernel), ms(kernel - waits), ms(fw + waits), ms(fw),
		 (unsigned long long)h->req_count, ms(h->req_ns),
		 (unsigned long long)h->idle_count, ms(h->idle_ns));
	return 0;
}

static const char *const op_names[KH_OP_COUNT] = {
	[KH_OP_READY] = "READY", [KH_OP_CPUID] = "CPUID", [KH_OP_RDMSR] = "RDMSR",
	[KH_OP_WRMSR] = "WRMSR", [KH_OP_HYPERCALL] = "hypercall", [KH_OP_PING] = "ping",
	[KH_OP_MMIO_READ] = "MMIO read", [KH_OP_MMIO_WRITE] = "MMIO write",
};

/* One guest record onto the picture, at host time t. */
static void add_record(struct kh_timeline *tl, const struct kh_trace_rec *r, uint64_t t)
{
	static const enum tl_kind wq[] = {
		[KT_WQ_START] = TL_START, [KT_WQ_WAIT] = TL_WAIT, [KT_WQ_RESUME] = TL_RESUME,
		[KT_WQ_END] = TL_END,
	};
	char what[TL_WHAT];

	switch (r->kind) {
	case KT_WQ_START: case KT_WQ_WAIT: case KT_WQ_RESUME: case KT_WQ_END:
		tl_picture_add(&tl->pic, t, wq[r->kind], name(tl, r->queue), name(tl, r->item),
			       name(tl, r->what));
		break;
	case KT_WQ_DEADLOCK:
		tl_picture_add(&tl->pic, t, TL_DEADLOCK, NULL, NULL, NULL);
		break;
	case KT_REQUEST:
		snprintf(what, sizeof(what), "the host (mailbox %s)",
			 r->op < KH_OP_COUNT && op_names[r->op] ? op_names[r->op] : "request");
		tl_picture_add(&tl->pic, t, TL_WAIT, "keel", "kernel", what);
		tl_picture_add(&tl->pic, t + r->dur_ns, TL_RESUME, "keel", "kernel", NULL);
		break;
	case KT_IDLE:
		tl_picture_add(&tl->pic, t, TL_WAIT, "keel", "kernel", "a host interrupt (halt)");
		tl_picture_add(&tl->pic, t + r->dur_ns, TL_RESUME, "keel", "kernel", NULL);
		break;
	default:
		break;                  /* unknown kinds: not drawn */
	}
}

/* The loader, Keel's own lane, the guest's records and ready, in host
 * time. The firmware before efi_main is not drawn: under emulation it
 * takes seconds and would squeeze the kernel's milliseconds into a few
 * pixels; the title and the ready line give its length. */
static void add_guest(struct keelhost *kh, uint64_t efi_main, const char *split_text)
{
	struct kh_timeline *tl = kh->tl;
	const struct kh_trace_head *h = &tl->head;

	tl_picture_add(&tl->pic, efi_main, TL_WAIT, "firmware", "UEFI loader",
		       "firmware calls");
	tl_picture_add(&tl->pic, efi_main + h->kernel_ns, TL_END, "firmware", "UEFI loader",
		       NULL);
	if (h->ready_ns) {
		tl_picture_add(&tl->pic, efi_main + h->kernel_ns, TL_START, "keel", "kernel", NULL);
		tl_picture_add(&tl->pic, efi_main + h->ready_ns, TL_END, "keel", "kernel", NULL);
	}
	for (uint32_t i = 0; i < tl->nrec; i++)
		add_record(tl, &tl->rec[i], efi_main + tl->rec[i].t_ns);
	if (h->ready_ns)
		tl_picture_add(&tl->pic, efi_main + h->ready_ns, TL_READY, NULL, NULL,
			       split_text);
	tl->pic.dropped += tl->host_dropped;
	if (h->n > tl->nrec)
		tl->pic.dropped += (unsigned)(h->n - tl->nrec);
}

/* After the loop: print the split, write the picture. 0, or -1 when the
 * picture could not be written. */
int kh_timeline_write(struct keelhost *kh)
{
	struct kh_timeline *tl = kh->tl;
	char text[512] = "", title[512];
	unsigned matched = 0;
	int64_t off = 0, spread = 0;
	uint64_t origin = kh->connect_ns;

	if (copy_guest_trace(kh) < 0) {
		kh_log(kh, "keel-host: timeline: no boot trace from the guest (an older "
		       "keel.efi, or the transport never came up): host side only");
	} else if (clock_offset(tl, &off, &spread, &matched) < 0) {
		kh_log(kh, "keel-host: timeline: no round trip in the guest's trace matches "
		       "one keel-host saw: host side only");
	} else {
		origin = (uint64_t)off;         /* efi_main, guest time 0 */
		kh_log(kh, "keel-host: timeline: %u guest record(s); the guest's clock placed "
		       "by %u round trips (first and second half agree within %lld us)",
		       tl->nrec, matched, (long long)(spread < 0 ? -spread : spread) / 1000);
		if (split(kh, origin, text, sizeof(text)) == 0)
			kh_log(kh, "%s", text);
		else
			kh_log(kh, "keel-host: timeline: the guest did not reach ready");
		add_guest(kh, origin, text);
	}
	for (unsigned i = 0; i < tl->pic.n; i++)
		tl->pic.ev[i].t = tl->pic.ev[i].t > origin ? tl->pic.ev[i].t - origin : 0;
	tl_picture_sort(&tl->pic);
	snprintf(title, sizeof(title), "keel-host: keel.efi from efi_main (QEMU and OVMF before "
		 "it: %.1f ms, not drawn)%s%s", origin > kh->connect_ns ?
		 ms(origin - kh->connect_ns) : 0.0, kh->scenario_path ? ", scenario " : "",
		 kh->scenario_path ? kh->scenario_path : "");
	if (tl_picture_write(&tl->pic, kh->timeline_path, title) < 0)
		return -1;
	kh_log(kh, "keel-host: timeline written to %s", kh->timeline_path);
	return 0;
}

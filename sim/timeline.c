/*
 * keelsim --timeline FILE: one seed drawn as an SVG picture over virtual
 * time, for learners (docs/timeline.md). One lane per work queue with its
 * items as named bars and their waits hatched; a host lane with the
 * messages each way as ticks, offers and rescinds as markers; a deadlock
 * report as a red line across every lane.
 *
 * Events come from the work-queue core's test hook (wq_set_trace_hook,
 * test builds only) and from keelsim's trace (host messages), stamped with
 * the virtual clock. The picture itself (the table, the SVG text) is
 * sim/timeline_svg.c, which keel-host --timeline draws with too.
 */
#include <stdio.h>
#include <string.h>

#include "hosted/hosted.h"
#include "kernel/wq.h"
#include "sim/sim.h"
#include "sim/timeline_svg.h"

static struct {
	bool on;
	struct tl_picture pic;
} tl;

static void add(enum tl_kind kind, const char *queue, const char *item, const char *what)
{
	tl_picture_add(&tl.pic, hosted_now_ns(), kind, queue, item, what);
}

static void wq_hook(enum wq_trace_event ev, const char *queue, const char *item,
		    const char *what)
{
	static const enum tl_kind k[] = {
		[WQ_TRACE_START] = TL_START, [WQ_TRACE_WAIT] = TL_WAIT,
		[WQ_TRACE_RESUME] = TL_RESUME, [WQ_TRACE_END] = TL_END,
		[WQ_TRACE_DEADLOCK] = TL_DEADLOCK,
	};

	if (tl.on && (unsigned)ev < sizeof(k) / sizeof(k[0]))
		add(k[ev], queue, item, what);
}

void sim_timeline_begin(void)
{
	tl_picture_reset(&tl.pic);
	tl.on = true;
	wq_set_trace_hook(wq_hook);
}

/* From sim_trace_add: the host's records that the picture shows. */
void sim_timeline_trace(int kind, uint32_t a, uint32_t b, uint64_t c)
{
	char text[128];
	enum tl_kind k;

	if (!tl.on)
		return;
	switch (kind) {
	case HT_HOST_MSG: k = TL_TO_GUEST; break;
	case HT_GUEST_MSG: k = TL_TO_HOST; break;
	case HT_OFFER: k = TL_OFFER; break;
	case HT_RESCIND: k = TL_RESCIND; break;
	case HT_SIGNAL_HOST: case HT_SIGNAL_GUEST: k = TL_SIGNAL; break;
	default: return;
	}
	host_trace_format(text, sizeof(text), kind, a, b, c);
	add(k, NULL, NULL, text);
}

/* Write the picture and stop recording: 0, or -1 when FILE cannot be
 * written (the reason on stderr). */
int sim_timeline_write(const char *path, const char *title)
{
	tl.on = false;
	wq_set_trace_hook(NULL);
	return tl_picture_write(&tl.pic, path, title);
}

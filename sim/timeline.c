/*
 * keelsim --timeline FILE: one seed drawn as an SVG picture over virtual
 * time, for learners (docs/timeline.md). One lane per work queue with its
 * items as named bars and their waits hatched; a host lane with the
 * messages each way as ticks, offers and rescinds as markers; a deadlock
 * report as a red line across every lane.
 *
 * Events come from the work-queue core's test hook (wq_set_trace_hook,
 * test builds only) and from keelsim's trace (host messages). They are
 * copied (names included: a queue may be destroyed before the picture is
 * drawn) into a fixed table; past its end events are counted, not kept.
 * Plain SVG text, no library.
 */
#include <stdio.h>
#include <string.h>

#include "hosted/hosted.h"
#include "kernel/wq.h"
#include "sim/sim.h"

#define TL_MAX_EVENTS 8192
#define TL_MAX_LANES  16
#define TL_NAME       32

enum tl_kind { TL_START, TL_WAIT, TL_RESUME, TL_END, TL_DEADLOCK, TL_TO_GUEST, TL_TO_HOST,
	       TL_OFFER, TL_RESCIND };

struct tl_event {
	uint64_t t;
	enum tl_kind kind;
	int lane;                     /* index into tl.lanes; -1: host or all */
	char item[TL_NAME];
	char what[48];                /* the wait's object or the host message */
};

static struct {
	bool on;
	unsigned n, dropped;
	struct tl_event ev[TL_MAX_EVENTS];
	unsigned nlanes;
	char lanes[TL_MAX_LANES][TL_NAME];
} tl;

/* Picture geometry (pixels). */
enum { W = 1200, LEFT = 140, RIGHT = 20, TOP = 56, LANE_H = 36, BAR_H = 22 };

static int lane_of(const char *queue)
{
	unsigned i;

	if (!queue)
		return -1;
	for (i = 0; i < tl.nlanes; i++)
		if (!strcmp(tl.lanes[i], queue))
			return (int)i;
	if (tl.nlanes == TL_MAX_LANES)
		return TL_MAX_LANES - 1;  /* the last lane takes the rest */
	snprintf(tl.lanes[tl.nlanes], TL_NAME, "%s", queue);
	return (int)tl.nlanes++;
}

static void add(enum tl_kind kind, const char *queue, const char *item, const char *what)
{
	struct tl_event *e;

	if (tl.n == TL_MAX_EVENTS) {
		tl.dropped++;
		return;
	}
	e = &tl.ev[tl.n++];
	e->t = hosted_now_ns();
	e->kind = kind;
	e->lane = lane_of(queue);
	snprintf(e->item, sizeof(e->item), "%s", item ? item : "");
	snprintf(e->what, sizeof(e->what), "%s", what ? what : "");
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
	memset(&tl, 0, sizeof(tl));
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
	default: return;
	}
	host_trace_format(text, sizeof(text), kind, a, b, c);
	add(k, NULL, NULL, text);
}

/* ---- drawing ------------------------------------------------------------ */

static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default: fputc(*s, f); break;
		}
	}
}

struct scale {
	uint64_t t0, span;
};

static double x_of(const struct scale *s, uint64_t t)
{
	return LEFT + (double)(t - s->t0) * (W - LEFT - RIGHT) / (double)s->span;
}

static double lane_y(int lane)        /* lane -1 is the host lane, on top */
{
	return TOP + (lane + 1) * LANE_H;
}

/* The event that closes ev[i] (same lane and item, one of the kinds), or
 * the end of the run when none does (an item still running or waiting). */
static uint64_t closing_time(unsigned i, enum tl_kind k1, enum tl_kind k2, uint64_t end)
{
	for (unsigned j = i + 1; j < tl.n; j++) {
		const struct tl_event *e = &tl.ev[j];

		if (e->lane == tl.ev[i].lane && (e->kind == k1 || e->kind == k2) &&
		    !strcmp(e->item, tl.ev[i].item))
			return e->t;
	}
	return end;
}

static void draw_span(FILE *f, const struct scale *s, const struct tl_event *e, uint64_t to,
		      const char *cls, const char *label)
{
	double x = x_of(s, e->t), w = x_of(s, to) - x, y = lane_y(e->lane) + (LANE_H - BAR_H) / 2.0;

	if (w < 2)
		w = 2;
	fprintf(f, "<g class=\"%s\"><title>", cls);
	put_escaped(f, label);
	fprintf(f, "</title><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\"/>", x, y, w,
		BAR_H);
	if (w > 30) {
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">", x + 3, y + BAR_H - 7);
		put_escaped(f, label);
		fputs("</text>", f);
	}
	fputs("</g>\n", f);
}

static void draw_host_mark(FILE *f, const struct scale *s, const struct tl_event *e)
{
	double x = x_of(s, e->t), y = lane_y(-1);
	static const char *const cls[] = { [TL_TO_GUEST] = "to-guest", [TL_TO_HOST] = "to-host",
					   [TL_OFFER] = "offer", [TL_RESCIND] = "rescind" };

	fprintf(f, "<g class=\"%s\"><title>", cls[e->kind]);
	put_escaped(f, e->what);
	fputs("</title>", f);
	switch (e->kind) {
	case TL_OFFER:
		fprintf(f, "<path d=\"M%.1f %.1f l-5 -9 h10 z\"/>", x, y + LANE_H / 2.0);
		break;
	case TL_RESCIND:
		fprintf(f, "<path d=\"M%.1f %.1f l8 8 m0 -8 l-8 8\"/>", x - 4, y + LANE_H - 12.0);
		break;
	case TL_TO_GUEST:        /* host to guest: from the top of the lane */
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x, y + 4, x,
			y + LANE_H / 2.0);
		break;
	default:                 /* guest to host: from the bottom */
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x,
			y + LANE_H / 2.0, x, y + LANE_H - 4.0);
		break;
	}
	fputs("</g>\n", f);
}

static void draw_deadlock(FILE *f, const struct scale *s, const struct tl_event *e,
			  double bottom)
{
	double x = x_of(s, e->t);

	fprintf(f, "<g class=\"deadlock\"><title>work-queue deadlock report "
		"(keelsim prints it in full)</title>"
		"<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\"/>"
		"<text x=\"%.1f\" y=\"%d\">DEADLOCK</text></g>\n", x, TOP - 4, x, bottom, x + 4,
		TOP + 8);
}

static void draw_frame(FILE *f, const struct scale *s, const char *title, double bottom)
{
	fprintf(f, "<text class=\"title\" x=\"10\" y=\"20\">");
	put_escaped(f, title);
	fputs("</text>\n", f);
	for (int l = -1; l < (int)tl.nlanes; l++) {
		double y = lane_y(l);

		fprintf(f, "<g class=\"lane\"><rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%d\"/>"
			"<text class=\"lane-label\" x=\"6\" y=\"%.1f\">", LEFT, y, W - LEFT - RIGHT,
			LANE_H, y + LANE_H / 2.0 + 4);
		put_escaped(f, l < 0 ? "host" : tl.lanes[l]);
		fputs("</text></g>\n", f);
	}
	for (int i = 0; i <= 4; i++) {
		uint64_t t = s->t0 + s->span * (uint64_t)i / 4;
		double x = x_of(s, t);

		/* microseconds for short runs, milliseconds for long ones */
		bool us = s->t0 + s->span < 10000000;

		fprintf(f, "<g class=\"axis\"><line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\"/>"
			"<text x=\"%.1f\" y=\"%d\">%.1f %s</text></g>\n", x, TOP + LANE_H - 6, x,
			bottom, x + 2, TOP + LANE_H - 8, (double)t / (us ? 1e3 : 1e6),
			us ? "us" : "ms");
	}
}

static void draw_legend(FILE *f, double y)
{
	fprintf(f, "<g class=\"legend\" transform=\"translate(%d %.1f)\">"
		"<g class=\"item\"><rect x=\"0\" y=\"0\" width=\"24\" height=\"12\"/></g>"
		"<text x=\"30\" y=\"10\">work item running</text>"
		"<g class=\"wait\"><rect x=\"160\" y=\"0\" width=\"24\" height=\"12\"/></g>"
		"<text x=\"190\" y=\"10\">item waiting</text>"
		"<g class=\"to-guest\"><line x1=\"300\" y1=\"0\" x2=\"300\" y2=\"12\"/></g>"
		"<text x=\"306\" y=\"10\">host to guest</text>"
		"<g class=\"to-host\"><line x1=\"420\" y1=\"0\" x2=\"420\" y2=\"12\"/></g>"
		"<text x=\"426\" y=\"10\">guest to host</text>"
		"<g class=\"offer\"><path d=\"M545 12 l-5 -9 h10 z\"/></g>"
		"<text x=\"556\" y=\"10\">offer</text>"
		"<g class=\"rescind\"><path d=\"M610 3 l8 8 m0 -8 l-8 8\"/></g>"
		"<text x=\"624\" y=\"10\">rescind</text>"
		"<text class=\"deadlock-legend\" x=\"700\" y=\"10\">red line: deadlock report</text>"
		"</g>\n", LEFT, y);
}

static const char style[] =
	"<style>\n"
	"text{font:11px sans-serif;fill:#222}\n"
	".title{font-size:14px;font-weight:bold}\n"
	".lane rect{fill:#f7f7f7;stroke:#ddd}\n"
	".lane-label{font-family:monospace}\n"
	".axis line{stroke:#ccc;stroke-dasharray:2 3}.axis text{fill:#777;font-size:10px}\n"
	".item rect{fill:#9cc3e6;stroke:#4a7fb0}\n"
	".wait rect{fill:url(#hatch);stroke:#b08a2e}\n"
	".to-guest line{stroke:#2e7d32;stroke-width:1.5}\n"
	".to-host line{stroke:#6a1b9a;stroke-width:1.5}\n"
	".offer path{fill:#2e7d32}.rescind path{stroke:#e65100;stroke-width:2;fill:none}\n"
	".deadlock line{stroke:#d00;stroke-width:3}.deadlock text,.deadlock-legend{fill:#d00;"
	"font-weight:bold}\n"
	"</style>\n"
	"<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
	"patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#fff3c4\"/>"
	"<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#b08a2e\" stroke-width=\"2\"/>"
	"</pattern></defs>\n";

/* Write the picture and stop recording: 0, or -1 when FILE cannot be
 * written (the reason on stderr). */
int sim_timeline_write(const char *path, const char *title)
{
	struct scale s = { 0, 1 };
	uint64_t end = 0;
	double bottom, height;
	char label[96];
	FILE *f;

	tl.on = false;
	wq_set_trace_hook(NULL);
	if (tl.n) {
		s.t0 = tl.ev[0].t;
		end = tl.ev[tl.n - 1].t;
		s.span = end > s.t0 ? end - s.t0 : 1;
	}
	bottom = lane_y((int)tl.nlanes);
	height = bottom + 40;
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		return -1;
	}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%.0f\" "
		"viewBox=\"0 0 %d %.0f\">\n%s", W, height, W, height, style);
	draw_frame(f, &s, title, bottom);
	for (unsigned i = 0; i < tl.n; i++) {
		const struct tl_event *e = &tl.ev[i];

		switch (e->kind) {
		case TL_START:
			draw_span(f, &s, e, closing_time(i, TL_END, TL_END, end), "item", e->item);
			break;
		case TL_WAIT:
			snprintf(label, sizeof(label), "%s waits%s%s", e->item,
				 e->what[0] ? " for " : "", e->what);
			draw_span(f, &s, e, closing_time(i, TL_RESUME, TL_END, end), "wait", label);
			break;
		case TL_DEADLOCK:
			draw_deadlock(f, &s, e, bottom);
			break;
		case TL_TO_GUEST: case TL_TO_HOST: case TL_OFFER: case TL_RESCIND:
			draw_host_mark(f, &s, e);
			break;
		case TL_RESUME: case TL_END:
			break;
		}
	}
	draw_legend(f, bottom + 14);
	if (tl.dropped)
		fprintf(f, "<text x=\"10\" y=\"%.0f\">%u later events not drawn</text>\n",
			height - 4, tl.dropped);
	fputs("</svg>\n", f);
	if (fclose(f)) {
		perror(path);
		return -1;
	}
	return 0;
}

/*
 * The timeline picture as plain SVG text (sim/timeline_svg.h), shared by
 * keelsim --timeline and keel-host --timeline (docs/timeline.md). No
 * library: the picture is lanes of rectangles, ticks and lines with a
 * small style sheet, and every name in it is escaped.
 */
#include "sim/timeline_svg.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Picture geometry (pixels). */
enum { W = 1200, LEFT = 140, RIGHT = 20, TOP = 56, LANE_H = 36, BAR_H = 22 };

void tl_picture_reset(struct tl_picture *p)
{
	memset(p, 0, sizeof(*p));
}

static int lane_of(struct tl_picture *p, const char *lane)
{
	unsigned i;

	if (!lane)
		return -1;
	for (i = 0; i < p->nlanes; i++)
		if (!strcmp(p->lanes[i], lane))
			return (int)i;
	if (p->nlanes == TL_MAX_LANES)
		return TL_MAX_LANES - 1;  /* the last lane takes the rest */
	snprintf(p->lanes[p->nlanes], TL_NAME, "%s", lane);
	return (int)p->nlanes++;
}

void tl_picture_add(struct tl_picture *p, uint64_t t, enum tl_kind kind, const char *lane,
		    const char *item, const char *what)
{
	struct tl_event *e;

	if (p->n == TL_MAX_EVENTS) {
		p->dropped++;
		return;
	}
	e = &p->ev[p->n++];
	e->t = t;
	e->kind = kind;
	e->lane = lane_of(p, lane);
	snprintf(e->item, sizeof(e->item), "%s", item ? item : "");
	snprintf(e->what, sizeof(e->what), "%s", what ? what : "");
}

/* A stable merge sort: events added at the same time keep their order
 * (an item's end before the next one's start). keel-host adds the host's
 * and the guest's events as two sorted runs. */
void tl_picture_sort(struct tl_picture *p)
{
	struct tl_event *tmp = malloc(sizeof(*tmp) * (p->n ? p->n : 1));

	if (!tmp) {
		p->n = 0;               /* no picture rather than a wrong one */
		return;
	}
	for (unsigned w = 1; w < p->n; w *= 2) {
		for (unsigned lo = 0; lo < p->n; lo += 2 * w) {
			unsigned mid = lo + w < p->n ? lo + w : p->n;
			unsigned hi = lo + 2 * w < p->n ? lo + 2 * w : p->n;
			unsigned i = lo, j = mid, k = lo;

			while (i < mid && j < hi)
				tmp[k++] = p->ev[j].t < p->ev[i].t ? p->ev[j++] : p->ev[i++];
			while (i < mid)
				tmp[k++] = p->ev[i++];
			while (j < hi)
				tmp[k++] = p->ev[j++];
		}
		memcpy(p->ev, tmp, sizeof(*tmp) * p->n);
	}
	free(tmp);
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
static uint64_t closing_time(const struct tl_picture *p, unsigned i, enum tl_kind k1,
			     enum tl_kind k2, uint64_t end)
{
	for (unsigned j = i + 1; j < p->n; j++) {
		const struct tl_event *e = &p->ev[j];

		if (e->lane == p->ev[i].lane && (e->kind == k1 || e->kind == k2) &&
		    !strcmp(e->item, p->ev[i].item))
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
					   [TL_OFFER] = "offer", [TL_RESCIND] = "rescind",
					   [TL_SIGNAL] = "signal" };

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
	case TL_SIGNAL:          /* a channel signal: a dot in the middle */
		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\"/>", x, y + LANE_H / 2.0);
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

/* A line over every lane: a deadlock report (red) or ready (green). */
static void draw_line_mark(FILE *f, const struct scale *s, const struct tl_event *e,
			   double bottom)
{
	bool dl = e->kind == TL_DEADLOCK;
	double x = x_of(s, e->t);

	fprintf(f, "<g class=\"%s\"><title>", dl ? "deadlock" : "ready");
	put_escaped(f, e->what[0] ? e->what : dl ? "work-queue deadlock report (the run's "
		    "output has it in full)" : "ready");
	fprintf(f, "</title><line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\"/>"
		"<text x=\"%.1f\" y=\"%d\">%s</text></g>\n", x, TOP - 4, x, bottom, x + 4,
		TOP + 8, dl ? "DEADLOCK" : "READY");
}

static void draw_frame(FILE *f, const struct tl_picture *p, const struct scale *s,
		       const char *title, double bottom)
{
	fprintf(f, "<text class=\"title\" x=\"10\" y=\"20\">");
	put_escaped(f, title);
	fputs("</text>\n", f);
	for (int l = -1; l < (int)p->nlanes; l++) {
		double y = lane_y(l);

		fprintf(f, "<g class=\"lane\"><rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%d\"/>"
			"<text class=\"lane-label\" x=\"6\" y=\"%.1f\">", LEFT, y, W - LEFT - RIGHT,
			LANE_H, y + LANE_H / 2.0 + 4);
		put_escaped(f, l < 0 ? "host" : p->lanes[l]);
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
		"<g class=\"signal\"><circle cx=\"690\" cy=\"6\" r=\"2.5\"/></g>"
		"<text x=\"698\" y=\"10\">channel signal</text>"
		"<text class=\"deadlock-legend\" x=\"800\" y=\"10\">red line: deadlock report</text>"
		"<text class=\"ready-legend\" x=\"950\" y=\"10\">green line: ready</text>"
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
	".signal circle{fill:#555}\n"
	".deadlock line{stroke:#d00;stroke-width:3}.deadlock text,.deadlock-legend{fill:#d00;"
	"font-weight:bold}\n"
	".ready line{stroke:#2e7d32;stroke-width:2}.ready text,.ready-legend{fill:#2e7d32;"
	"font-weight:bold}\n"
	"</style>\n"
	"<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
	"patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#fff3c4\"/>"
	"<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#b08a2e\" stroke-width=\"2\"/>"
	"</pattern></defs>\n";

int tl_picture_write(const struct tl_picture *p, const char *path, const char *title)
{
	struct scale s = { 0, 1 };
	uint64_t end = 0;
	double bottom, height;
	char label[96];
	FILE *f;

	if (p->n) {
		s.t0 = p->ev[0].t;
		end = p->ev[p->n - 1].t;
		s.span = end > s.t0 ? end - s.t0 : 1;
	}
	bottom = lane_y((int)p->nlanes);
	height = bottom + 40;
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		return -1;
	}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%.0f\" "
		"viewBox=\"0 0 %d %.0f\">\n%s", W, height, W, height, style);
	draw_frame(f, p, &s, title, bottom);
	for (unsigned i = 0; i < p->n; i++) {
		const struct tl_event *e = &p->ev[i];

		switch (e->kind) {
		case TL_START:
			draw_span(f, &s, e, closing_time(p, i, TL_END, TL_END, end), "item", e->item);
			break;
		case TL_WAIT:
			snprintf(label, sizeof(label), "%s waits%s%s", e->item,
				 e->what[0] ? " for " : "", e->what);
			draw_span(f, &s, e, closing_time(p, i, TL_RESUME, TL_END, end), "wait", label);
			break;
		case TL_DEADLOCK: case TL_READY:
			draw_line_mark(f, &s, e, bottom);
			break;
		case TL_TO_GUEST: case TL_TO_HOST: case TL_OFFER: case TL_RESCIND: case TL_SIGNAL:
			draw_host_mark(f, &s, e);
			break;
		case TL_RESUME: case TL_END:
			break;
		}
	}
	draw_legend(f, bottom + 14);
	if (p->dropped)
		fprintf(f, "<text x=\"10\" y=\"%.0f\">%u later events not drawn</text>\n",
			height - 4, p->dropped);
	fputs("</svg>\n", f);
	if (fclose(f)) {
		perror(path);
		return -1;
	}
	return 0;
}

/*
 * The timeline picture (docs/timeline.md) as plain SVG text, shared by
 * keelsim --timeline (sim/timeline.c, virtual time) and keel-host
 * --timeline (keelhost/timeline.c, a real boot): lanes of named bars with
 * hatched waits, a host lane with message ticks, offer and rescind
 * markers, and labelled vertical lines (a deadlock report, ready).
 *
 * The caller adds events (names are copied: their owners may be gone when
 * the picture is drawn), in time order or followed by tl_picture_sort, then
 * writes the file. Past TL_MAX_EVENTS events are counted, not kept.
 */
#ifndef KEEL_SIM_TIMELINE_SVG_H
#define KEEL_SIM_TIMELINE_SVG_H

#include <stdint.h>

#define TL_MAX_EVENTS 32768
#define TL_MAX_LANES  20
#define TL_NAME       32
#define TL_WHAT       48

enum tl_kind {
	TL_START, TL_WAIT, TL_RESUME, TL_END,   /* a lane's item: bar, hatched wait */
	TL_DEADLOCK, TL_READY,                  /* a red / green line over every lane */
	TL_TO_GUEST, TL_TO_HOST, TL_OFFER, TL_RESCIND, TL_SIGNAL,   /* the host lane */
};

struct tl_event {
	uint64_t t;                   /* ns; the axis starts at the first event */
	enum tl_kind kind;
	int lane;                     /* index into lanes; -1: host or all */
	char item[TL_NAME];
	char what[TL_WHAT];           /* the wait's object or the host message */
};

struct tl_picture {
	unsigned n, dropped;
	unsigned nlanes;
	char lanes[TL_MAX_LANES][TL_NAME];
	struct tl_event ev[TL_MAX_EVENTS];
};

void tl_picture_reset(struct tl_picture *p);
/* lane NULL: the host lane (host kinds) or every lane (TL_DEADLOCK,
 * TL_READY). Lanes are drawn in the order they first appear. */
void tl_picture_add(struct tl_picture *p, uint64_t t, enum tl_kind kind, const char *lane,
		    const char *item, const char *what);
void tl_picture_sort(struct tl_picture *p);       /* by time, stable */
/* 0, or -1 when the file cannot be written (the reason on stderr). */
int tl_picture_write(const struct tl_picture *p, const char *path, const char *title);

#endif

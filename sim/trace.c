/*
 * keelsim's trace: compact records in a ring (formatted only when printed,
 * so a seed costs little when nothing is shown) and a 64-bit FNV-1a hash
 * over every record's content. The same seed gives the same hash; a failure
 * prints the last 200 records; --trace prints each as it happens.
 *
 * Strings (queue names, action text) are hashed by content, never by
 * address, so the hash does not depend on where memory happens to be.
 */
#include <stdio.h>
#include <string.h>

#include "hosted/hosted.h"
#include "sim/sim.h"

#define TRACE_RING 1024u             /* power of two, >= 200 */

struct rec {
	uint64_t t;
	uint64_t c;
	const char *str;
	uint32_t a, b;
	int kind;
};

static struct {
	struct rec ring[TRACE_RING];
	uint64_t n;
	uint64_t hash;
	bool live;
} tr;

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME  0x100000001b3ull

static inline uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * FNV_PRIME;
	return h;
}

static void format(const struct rec *r, char *buf, size_t cap)
{
	int o = snprintf(buf, cap, "%10llu.%03llu us  ", (unsigned long long)(r->t / 1000),
			 (unsigned long long)(r->t % 1000));

	if (o < 0 || (size_t)o >= cap)
		return;
	buf += o;
	cap -= (size_t)o;
	switch (r->kind) {
	case ST_GUEST_RUN:
		snprintf(buf, cap, "guest runs queue %s", r->str ? r->str : "?");
		break;
	case ST_IRQ:
		snprintf(buf, cap, "guest takes interrupts (%u pending)", r->a);
		break;
	case ST_TIMER:
		snprintf(buf, cap, "guest timer fires");
		break;
	case ST_TIME:
		snprintf(buf, cap, "time advances to %llu ns", (unsigned long long)r->c);
		break;
	case ST_ACTION:
		snprintf(buf, cap, "scenario: %s", r->str ? r->str : "?");
		break;
	case ST_HOST_WORK: {
		static const char *const k[] = { "guest message", "deliver", "channel", "timed",
						 "device" };
		snprintf(buf, cap, "host works: %s %u", r->a < 5 ? k[r->a] : "?", r->b);
		break;
	}
	case ST_NOTE:
		snprintf(buf, cap, "%s", r->str ? r->str : "");
		break;
	default:
		host_trace_format(buf, cap, r->kind, r->a, r->b, r->c);
		break;
	}
}

void sim_trace_reset(bool live)
{
	tr.n = 0;
	tr.hash = FNV_OFFSET;
	tr.live = live;
}

void sim_trace_add(int kind, uint32_t a, uint32_t b, uint64_t c, const char *str)
{
	struct rec *r = &tr.ring[tr.n++ & (TRACE_RING - 1)];
	uint32_t k = (uint32_t)kind;

	r->t = hosted_now_ns();
	r->kind = kind;
	r->a = a;
	r->b = b;
	r->c = c;
	r->str = str;
	tr.hash = fnv(tr.hash, &r->t, 8);
	tr.hash = fnv(tr.hash, &k, 4);
	tr.hash = fnv(tr.hash, &a, 4);
	tr.hash = fnv(tr.hash, &b, 4);
	tr.hash = fnv(tr.hash, &c, 8);
	if (str)
		tr.hash = fnv(tr.hash, str, strlen(str));
	sim_timeline_trace(kind, a, b, c);
	if (tr.live) {
		char line[512];

		format(r, line, sizeof(line));
		printf("%s\n", line);
	}
}

uint64_t sim_trace_hash(void)
{
	return tr.hash;
}

uint64_t sim_trace_count(void)
{
	return tr.n;
}

void sim_trace_dump_last(unsigned n)
{
	uint64_t first = tr.n > n ? tr.n - n : 0;
	char line[512];

	if (tr.n - first > TRACE_RING)
		first = tr.n - TRACE_RING;
	for (uint64_t i = first; i < tr.n; i++) {
		format(&tr.ring[i & (TRACE_RING - 1)], line, sizeof(line));
		printf("  %s\n", line);
	}
}

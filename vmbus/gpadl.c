/*
 * GPADLs: describing guest pages to the host (docs/protocols/vmbus.md §3.8, §4.3) and
 * taking them back (§4.6). One page-aligned buffer, one range; the PFNs that
 * do not fit the GPADL_HEADER go out in GPADL_BODY messages.
 *
 * With owns_mem the GPADL owns the pages from the call on: they are freed
 * when the host has let go (FAILED or GONE), and kept forever when LOST.
 *
 * Waits: GPADL_CREATED and GPADL_TORNDOWN are recorded by the message loop,
 * which wakes g->wait. A rescind does not cut these waits short: the host
 * answers GPADL requests on a revoked channel (fails pending creations,
 * tears down at once: §4.3, §4.6, §8.8), and we must know whether the GPADL
 * exists before the relid may be released. The timeout covers a host that
 * does not answer: the GPADL is then UNKNOWN (a late GPADL_CREATED still
 * settles it; the release path tears it down like a created one). A
 * teardown that is not answered makes it LOST: its memory is never reused
 * and the relid is not released.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/log.h"
#include "kernel/platform.h"
#include "vmbus/vmbus_priv.h"

/*
 * The one transition function:
 *
 *   CREATING --CREATED 0--> CREATED --teardown--> TEARING --TORNDOWN--> GONE
 *     |  |  +--status != 0--> FAILED                |  +--no answer--> LOST
 *     |  +--no answer--> UNKNOWN --late CREATED--> CREATED / FAILED
 *     |                     +--teardown--> TEARING
 *     +--post failed--> LOST <--keep-- CREATED / UNKNOWN (CLOSECHANNEL not sent)
 *
 * FAILED and GONE are freed at once; LOST keeps its memory until vmbus_fini.
 * An edge not drawn is a bug in this file: reported, state unchanged.
 */
static void gpadl_set_state(struct vmbus_gpadl *g, enum vmbus_gpadl_state to)
{
	static const uint8_t allowed[GPADL_STATE_NR] = {
		[GPADL_CREATING] = 1u << GPADL_CREATED | 1u << GPADL_FAILED |
				   1u << GPADL_UNKNOWN | 1u << GPADL_LOST,
		[GPADL_CREATED] = 1u << GPADL_TEARING | 1u << GPADL_LOST,
		[GPADL_FAILED] = 0,
		[GPADL_TEARING] = 1u << GPADL_GONE | 1u << GPADL_LOST,
		[GPADL_GONE] = 0,
		[GPADL_UNKNOWN] = 1u << GPADL_CREATED | 1u << GPADL_FAILED |
				  1u << GPADL_TEARING | 1u << GPADL_LOST,
		[GPADL_LOST] = 0,
	};

	switch (g->state) {
	case GPADL_CREATING: case GPADL_CREATED: case GPADL_FAILED: case GPADL_TEARING:
	case GPADL_GONE: case GPADL_UNKNOWN: case GPADL_LOST:
		if (to < GPADL_STATE_NR && (allowed[g->state] & (1u << to))) {
			g->state = to;
			return;
		}
		pr_err("vmbus: BUG: GPADL 0x%x: transition %d -> %d\n", g->handle,
		       (int)g->state, (int)to);
		return;
	default:
		pr_err("vmbus: BUG: GPADL 0x%x in unknown state %d\n", g->handle, (int)g->state);
		return;
	}
}

/* The host may still use g's pages (a CLOSECHANNEL that could not be sent):
 * never tear it down, never reuse the memory. */
void vmbus_gpadl_keep(struct vmbus_gpadl *g)
{
	gpadl_set_state(g, GPADL_LOST);
}

static void gpadl_unlink(struct vmbus_conn *vc, struct vmbus_gpadl *g)
{
	for (struct vmbus_gpadl **pp = &vc->gpadls; *pp; pp = &(*pp)->next) {
		if (*pp == g) {
			*pp = g->next;
			return;
		}
	}
}

/* The host no longer touches g's pages: forget it (§7.5 item 2). */
static void gpadl_free(struct vmbus_conn *vc, struct vmbus_gpadl *g)
{
	gpadl_unlink(vc, g);
	if (g->owns_mem && g->mem)
		plat_page_free(g->mem, g->pages);
	free(g);
}

static uint64_t gpadl_pfn(const struct vmbus_gpadl *g, size_t i)
{
	return plat_ptr_to_gpa((const uint8_t *)g->mem + i * PLAT_PAGE_SIZE) >> HV_PAGE_SHIFT;
}

/* GPADL_HEADER with the first PFNs, then GPADL_BODY messages (§4.3). */
static int gpadl_post(struct vmbus_conn *vc, struct vmbus_gpadl *g)
{
	union {
		uint8_t b[VMBUS_MAX_MESSAGE_SIZE];
		struct vmbus_msg_gpadl_header h;
		struct vmbus_msg_gpadl_body body;
	} m;
	size_t n = g->pages < VMBUS_GPADL_HEADER_MAX_PFNS ? g->pages : VMBUS_GPADL_HEADER_MAX_PFNS;
	size_t done;
	int err;

	memset(&m, 0, sizeof(m));
	m.h.hdr.msgtype = VMBUS_MSG_GPADL_HEADER;
	m.h.child_relid = g->relid;
	m.h.gpadl = g->handle;
	m.h.range_buflen = (uint16_t)(sizeof(struct vmbus_gpa_range) + 8 * g->pages);
	m.h.rangecount = 1;
	m.h.range.byte_count = (uint32_t)(g->pages * PLAT_PAGE_SIZE);
	m.h.range.byte_offset = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t pfn = gpadl_pfn(g, i);
		memcpy(m.b + sizeof(m.h) + 8 * i, &pfn, 8);
	}
	err = vmbus_post(vc, &m, (uint32_t)(sizeof(m.h) + 8 * n));
	for (done = n; !err && done < g->pages; done += n) {
		n = g->pages - done;
		if (n > VMBUS_GPADL_BODY_MAX_PFNS)
			n = VMBUS_GPADL_BODY_MAX_PFNS;
		memset(&m, 0, sizeof(m));
		m.body.hdr.msgtype = VMBUS_MSG_GPADL_BODY;
		m.body.gpadl = g->handle;
		for (size_t i = 0; i < n; i++) {
			uint64_t pfn = gpadl_pfn(g, done + i);
			memcpy(m.b + sizeof(m.body) + 8 * i, &pfn, 8);
		}
		err = vmbus_post(vc, &m, (uint32_t)(sizeof(m.body) + 8 * n));
	}
	return err;
}

/* A creation wait also ends when vmbus_stop begins (the GPADL is then
 * UNKNOWN and torn down before UNLOAD); a teardown wait runs on, bounded,
 * since UNLOAD must not be sent while a teardown is unanswered. */
static bool gpadl_settled(void *arg)
{
	struct vmbus_gpadl *g = arg;

	if (g->state == GPADL_CREATING)
		return g->conn->state != CONN_CONNECTED;
	return g->state != GPADL_TEARING || g->conn->state >= CONN_UNLOADING;
}

int vmbus_gpadl_establish(struct vmbus_channel *c, void *mem, size_t pages,
			  bool owns_mem, struct vmbus_gpadl **out)
{
	struct vmbus_conn *vc = c->conn;
	struct vmbus_gpadl *g;
	int err;

	*out = NULL;
	/* range_buflen is 16 bits: at most (65535 - 8) / 8 pages per GPADL. */
	if (!pages || pages > (0xFFFFu - 8) / 8 || ((uintptr_t)mem & (PLAT_PAGE_SIZE - 1))) {
		err = -EINVAL;
		goto fail_early;
	}
	g = calloc(1, sizeof(*g));
	if (!g) {
		err = -ENOMEM;
		goto fail_early;
	}
	if (++vc->next_gpadl == 0)
		vc->next_gpadl = 1;     /* 0 means "no GPADL" (§3.8) */
	g->handle = vc->next_gpadl;
	g->relid = c->relid;
	g->conn = vc;
	g->state = GPADL_CREATING;
	g->mem = mem;
	g->pages = pages;
	g->owns_mem = owns_mem;
	waitq_init(&g->wait, "vmbus_gpadl");
	waitq_set_completer(&g->wait, vc->q_msg);
	g->next = vc->gpadls;
	vc->gpadls = g;

	err = gpadl_post(vc, g);
	if (err) {
		/* Part of it may have reached the host: never reuse the memory. */
		gpadl_set_state(g, GPADL_LOST);
		return err;
	}
	err = wq_wait_event(&g->wait, gpadl_settled, g, VMBUS_GPADL_TIMEOUT_NS);
	if (!err && g->state == GPADL_CREATING)
		err = -ENOTCONN;        /* vmbus_stop began */
	if (err) {
		gpadl_set_state(g, GPADL_UNKNOWN);
		if (err == -ETIMEDOUT)
			pr_err("vmbus: relid %u: GPADL 0x%x not answered (%d); its pages stay "
			       "with the host\n", c->relid, g->handle, err);
		/* Left on the list: the release or vmbus_stop tears it down. */
		return err;
	}
	if (g->state == GPADL_FAILED) {
		err = c->rescinded ? -ENODEV : -EIO;
		if (!c->rescinded)
			pr_err("vmbus: relid %u: host refused GPADL 0x%x (status 0x%x)\n",
			       c->relid, g->handle, g->status);
		gpadl_free(vc, g);
		return err;
	}
	*out = g;
	return 0;
fail_early:
	/* With owns_mem the memory is ours from the call on, whatever happens. */
	if (owns_mem && mem)
		plat_page_free(mem, pages);
	return err;
}

void vmbus_gpadl_on_created(struct vmbus_conn *vc, const struct vmbus_msg_gpadl_created *m)
{
	for (struct vmbus_gpadl *g = vc->gpadls; g; g = g->next) {
		if (g->handle == m->gpadl && g->relid == m->child_relid &&
		    (g->state == GPADL_CREATING || g->state == GPADL_UNKNOWN)) {
			g->status = m->creation_status;
			gpadl_set_state(g, m->creation_status ? GPADL_FAILED : GPADL_CREATED);
			waitq_wake_all(&g->wait);
			return;
		}
	}
	vmbus_drop(vc, VMBUS_DROP_UNSOLICITED, "GPADL_CREATED relid %u gpadl 0x%x",
		   m->child_relid, m->gpadl);
}

void vmbus_gpadl_on_torndown(struct vmbus_conn *vc, const struct vmbus_msg_gpadl_torndown *m)
{
	for (struct vmbus_gpadl *g = vc->gpadls; g; g = g->next) {
		if (g->handle == m->gpadl && g->state == GPADL_TEARING) {
			gpadl_set_state(g, GPADL_GONE);
			waitq_wake_all(&g->wait);
			return;
		}
	}
	vmbus_drop(vc, VMBUS_DROP_UNSOLICITED, "GPADL_TORNDOWN gpadl 0x%x", m->gpadl);
}

/*
 * GPADL_TEARDOWN and wait for GPADL_TORNDOWN (§4.6); frees g when the host
 * has let go. Returns 0, or -ETIMEDOUT/-EIO with g kept as LOST.
 */
static int gpadl_teardown(struct vmbus_conn *vc, struct vmbus_gpadl *g);

int vmbus_gpadl_teardown(struct vmbus_channel *c, struct vmbus_gpadl *g)
{
	return gpadl_teardown(c->conn, g);
}

/* The ring of a channel still open (its device was not removed in time):
 * left to UNLOAD, which closes the channel first (§4.9). */
static bool gpadl_is_open_ring(const struct vmbus_conn *vc, const struct vmbus_gpadl *g)
{
	for (const struct vmbus_channel *c = vc->channels; c; c = c->next)
		if (c->ring_gpadl == g)
			return true;
	return false;
}

/* vmbus_stop, before UNLOAD: tear down every other GPADL the host may hold.
 * The list changes while a teardown waits, so the search starts over each
 * time; each GPADL ends GONE (freed) or LOST, so this ends. */
void vmbus_gpadl_teardown_conn(struct vmbus_conn *vc)
{
	while (vc->state == CONN_CLOSING) {
		struct vmbus_gpadl *g;

		for (g = vc->gpadls; g; g = g->next)
			if ((g->state == GPADL_CREATED || g->state == GPADL_UNKNOWN) &&
			    !gpadl_is_open_ring(vc, g))
				break;
		if (!g)
			return;
		gpadl_teardown(vc, g);
	}
}

static int gpadl_teardown(struct vmbus_conn *vc, struct vmbus_gpadl *g)
{
	struct vmbus_msg_gpadl_teardown m;
	int err;

	if (g->state == GPADL_FAILED || g->state == GPADL_GONE) {
		gpadl_free(vc, g);
		return 0;
	}
	/* UNKNOWN: the host may hold it although it never said so. */
	if (g->state != GPADL_CREATED && g->state != GPADL_UNKNOWN)
		return -EBUSY;
	if (vc->state != CONN_CONNECTED && vc->state != CONN_CLOSING)
		return -ENOTCONN;      /* UNLOAD tears every GPADL down (§4.9) */
	memset(&m, 0, sizeof(m));
	m.hdr.msgtype = VMBUS_MSG_GPADL_TEARDOWN;
	m.child_relid = g->relid;
	m.gpadl = g->handle;
	gpadl_set_state(g, GPADL_TEARING);
	err = vmbus_post(vc, &m, sizeof(m));
	if (!err)
		err = wq_wait_event(&g->wait, gpadl_settled, g, VMBUS_GPADL_TIMEOUT_NS);
	if (err || g->state != GPADL_GONE) {
		gpadl_set_state(g, GPADL_LOST);
		pr_err("vmbus: relid %u: GPADL 0x%x teardown not answered (%d)\n",
		       g->relid, g->handle, err);
		return err ? err : -EIO;
	}
	gpadl_free(vc, g);
	return 0;
}

/* Tear down every GPADL still held for c's relid. -EBUSY if any remains. */
int vmbus_gpadl_teardown_all(struct vmbus_channel *c)
{
	struct vmbus_conn *vc = c->conn;
	struct vmbus_gpadl *g;
	bool again = true;

	while (again) {
		again = false;
		for (g = vc->gpadls; g; g = g->next) {
			if (g->relid == c->relid &&
			    (g->state == GPADL_CREATED || g->state == GPADL_UNKNOWN)) {
				if (g == c->ring_gpadl)
					c->ring_gpadl = NULL;
				vmbus_gpadl_teardown(c, g);
				again = true;   /* the list changed while we waited */
				break;
			}
		}
	}
	return vmbus_gpadl_any_live(vc, c->relid) ? -EBUSY : 0;
}

bool vmbus_gpadl_any_live(struct vmbus_conn *vc, uint32_t relid)
{
	for (struct vmbus_gpadl *g = vc->gpadls; g; g = g->next)
		if (g->relid == relid && g->state != GPADL_GONE && g->state != GPADL_FAILED)
			return true;
	return false;
}

void vmbus_gpadl_free_all(struct vmbus_conn *vc)
{
	while (vc->gpadls)
		gpadl_free(vc, vc->gpadls);
}

/* ---- driver API: extra buffers (the driver owns the memory) ---- */

int vmbus_gpadl_create(struct vmbus_channel *c, void *mem, size_t pages, uint32_t *handle)
{
	struct vmbus_gpadl *g;
	int err;

	if (c->rescinded)
		return -ENODEV;
	err = vmbus_gpadl_establish(c, mem, pages, false, &g);
	if (!err)
		*handle = g->handle;
	return err;
}

int vmbus_gpadl_create_owned(struct vmbus_channel *c, void *mem, size_t pages,
			     uint32_t *handle)
{
	struct vmbus_gpadl *g;
	int err;

	if (c->rescinded) {
		plat_page_free(mem, pages);
		return -ENODEV;
	}
	err = vmbus_gpadl_establish(c, mem, pages, true, &g);
	if (!err)
		*handle = g->handle;
	return err;
}

int vmbus_gpadl_destroy(struct vmbus_channel *c, uint32_t handle)
{
	for (struct vmbus_gpadl *g = c->conn->gpadls; g; g = g->next)
		if (g->handle == handle && g->relid == c->relid)
			return vmbus_gpadl_teardown(c, g);
	return -ENOENT;
}

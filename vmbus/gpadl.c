/*
 * GPADLs: describing guest pages to the host (vmbus-core.md §3.8, §4.3) and
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

static bool gpadl_settled(void *arg)
{
	struct vmbus_gpadl *g = arg;
	return g->state != GPADL_CREATING && g->state != GPADL_TEARING;
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
		g->state = GPADL_LOST;
		goto fail;
	}
	err = wq_wait_event(&g->wait, gpadl_settled, g, VMBUS_GPADL_TIMEOUT_NS);
	if (err) {
		g->state = GPADL_UNKNOWN;
		pr_err("vmbus: relid %u: GPADL 0x%x not answered (%d); its pages stay with the host\n",
		       c->relid, g->handle, err);
		goto fail;
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
fail:
	return err;
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
			g->state = m->creation_status ? GPADL_FAILED : GPADL_CREATED;
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
			g->state = GPADL_GONE;
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
int vmbus_gpadl_teardown(struct vmbus_channel *c, struct vmbus_gpadl *g)
{
	struct vmbus_conn *vc = c->conn;
	struct vmbus_msg_gpadl_teardown m;
	int err;

	if (g->state == GPADL_FAILED || g->state == GPADL_GONE) {
		gpadl_free(vc, g);
		return 0;
	}
	/* UNKNOWN: the host may hold it although it never said so. */
	if (g->state != GPADL_CREATED && g->state != GPADL_UNKNOWN)
		return -EBUSY;
	if (vc->state >= CONN_UNLOADING)
		return -ENOTCONN;      /* UNLOAD tears every GPADL down (§4.9) */
	memset(&m, 0, sizeof(m));
	m.hdr.msgtype = VMBUS_MSG_GPADL_TEARDOWN;
	m.child_relid = g->relid;
	m.gpadl = g->handle;
	g->state = GPADL_TEARING;
	err = vmbus_post(vc, &m, sizeof(m));
	if (!err)
		err = wq_wait_event(&g->wait, gpadl_settled, g, VMBUS_GPADL_TIMEOUT_NS);
	if (err || g->state != GPADL_GONE) {
		g->state = GPADL_LOST;
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
	while (vc->gpadls) {
		struct vmbus_gpadl *g = vc->gpadls;
		g->owns_mem = g->owns_mem && g->mem;
		gpadl_free(vc, g);
	}
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

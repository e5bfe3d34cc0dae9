/*
 * Host side of GPADLs: GPADL_HEADER / GPADL_BODY accumulation and
 * validation, GPADL_CREATED, GPADL_TEARDOWN / TORNDOWN, and byte access to
 * guest memory through a GPADL's page list (the only way the host touches
 * ring memory).
 *
 * Follows docs/protocols/vmbus.md §3.8 (layouts, range rules), §4.3 (creation),
 * §4.6 (teardown), §4.7 (teardown on a revoked channel) and §8.5.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host/host_priv.h"

struct host_gpadl *gpadl_find(struct host *h, uint32_t handle)
{
	for (struct host_gpadl *g = h->gpadls; g; g = g->next)
		if (g->handle == handle)
			return g;
	return NULL;
}

uint32_t gpadl_count_for(struct host *h, uint32_t relid)
{
	uint32_t n = 0;

	for (struct host_gpadl *g = h->gpadls; g; g = g->next)
		n += g->relid == relid && g->state != HG_FAILED;
	return n;
}

static void gpadl_unlink(struct host *h, struct host_gpadl *g)
{
	struct host_gpadl **pp = &h->gpadls;

	while (*pp && *pp != g)
		pp = &(*pp)->next;
	if (*pp)
		*pp = g->next;
	h->ngpadls--;
	free(g->pfns);
	free(g);
}

void gpadl_free_all(struct host *h)
{
	while (h->gpadls)
		gpadl_unlink(h, h->gpadls);
}

/* Send GPADL_CREATED; returns the status the guest is told (a trigger may override it). */
static uint32_t gpadl_answer(struct host *h, struct host_gpadl *g, uint32_t status)
{
	/* A trigger on GPADL_HEADER shapes the answer even when a body completes it. */
	if (g->ans_delay > h->ans_delay)
		h->ans_delay = g->ans_delay;
	h->ans_dup |= g->ans_dup;
	h->ans_never |= g->ans_never;
	if (g->ans_status_set && !h->ans_status_set) {
		h->ans_status_set = true;
		h->ans_status = g->ans_status;
	}
	struct vmbus_msg_gpadl_created m = {
		.hdr.msgtype = VMBUS_MSG_GPADL_CREATED,
		.child_relid = g->relid,
		.gpadl = g->handle,
		.creation_status = status,
	};

	if (h->ans_status_set)
		m.creation_status = h->ans_status;
	vmbus_host_send(h, &m, sizeof(m));
	return m.creation_status;
}

/* Append PFNs; validate against guest memory (a PFN outside RAM is a violation). */
static int gpadl_append(struct host *h, struct host_gpadl *g, const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		uint64_t pfn;

		memcpy(&pfn, p + 8 * i, 8);
		if (!host_gmem(h, pfn << HV_PAGE_SHIFT, HV_PAGE_SIZE)) {
			host_violate(h, g->relid, "GPADL 0x%x PFN 0x%llx is outside guest memory",
				     g->handle, (unsigned long long)pfn);
			return -EINVAL;
		}
		if (g->npfns == g->pfn_cap) {
			uint32_t ncap = g->pfn_cap ? g->pfn_cap * 2 : 8;
			uint64_t *np = realloc(g->pfns, ncap * sizeof(*np));

			if (!np)
				return -ENOMEM;
			g->pfns = np;
			g->pfn_cap = ncap;
		}
		g->pfns[g->npfns++] = pfn;
	}
	return 0;
}

/* All range data received: check the range covers its PFNs, then answer. */
static void gpadl_complete(struct host *h, struct host_gpadl *g)
{
	uint32_t need = (g->byte_offset + g->byte_count + HV_PAGE_SIZE - 1) / HV_PAGE_SIZE;
	struct host_chan *c = vmbus_host_chan(h, g->relid);

	g->state = HG_CREATED;
	if (need != g->npfns) {
		host_violate(h, g->relid, "GPADL 0x%x: %u PFNs for byte_offset %u byte_count %u",
			     g->handle, g->npfns, g->byte_offset, g->byte_count);
		gpadl_answer(h, g, VMBUS_STATUS_UNSUCCESSFUL);
		return;
	}
	/* A GPADL completed on a revoked channel succeeds (OpenVMM, §4.3). */
	(void)c;
	/* A GPADL_CREATED with a non-zero status means there is no GPADL: the
	 * guest frees its pages and never tears it down, so the host forgets
	 * it too (else RELID_RELEASED would find it still live). */
	if (gpadl_answer(h, g, 0) != 0)
		gpadl_unlink(h, g);
}

void gpadl_header(struct host *h, const uint8_t *msg, uint32_t size)
{
	struct vmbus_msg_gpadl_header m;
	struct host_chan *c;
	struct host_gpadl *g;
	uint32_t npfn_bytes, npfns, ranges_need;

	memcpy(&m, msg, sizeof(m));
	c = vmbus_host_chan(h, m.child_relid);
	if (!c || c->state == HCS_UNOFFERED) {
		host_violate(h, m.child_relid, "GPADL_HEADER for unknown relid %u", m.child_relid);
		return;
	}
	if (m.gpadl == 0) {
		host_violate(h, m.child_relid, "GPADL_HEADER with handle 0");
		return;
	}
	if (gpadl_find(h, m.gpadl)) {
		host_violate(h, m.child_relid, "GPADL_HEADER reuses live handle 0x%x", m.gpadl);
		return;
	}
	if (m.rangecount != 1) {
		/* Every known guest uses one range (§3.8); several are legal but unsupported here. */
		host_violate(h, m.child_relid, "GPADL_HEADER rangecount %u (this host supports 1)",
			     m.rangecount);
		return;
	}
	if (m.range.byte_count == 0 || m.range.byte_offset > 0xFFF || (m.range_buflen & 7) ||
	    m.range_buflen < 16) {
		host_violate(h, m.child_relid,
			     "GPADL_HEADER bad range: count %u offset %u buflen %u",
			     m.range.byte_count, m.range.byte_offset, m.range_buflen);
		return;
	}
	ranges_need = (m.range_buflen - 8) / 8;
	if (ranges_need > HOST_MAX_GPADL_PFNS ||
	    ranges_need != (m.range.byte_offset + m.range.byte_count + HV_PAGE_SIZE - 1) /
				   HV_PAGE_SIZE) {
		host_violate(h, m.child_relid,
			     "GPADL_HEADER range_buflen %u disagrees with byte_count %u",
			     m.range_buflen, m.range.byte_count);
		return;
	}
	if (h->ngpadls >= h->prof.max_gpadls) {
		host_violate(h, m.child_relid, "more than %u live GPADLs", h->prof.max_gpadls);
		return;
	}
	npfn_bytes = size - sizeof(m);
	if (npfn_bytes & 7) {
		host_violate(h, m.child_relid, "GPADL_HEADER size %u not 28 + 8n", size);
		return;
	}
	npfns = npfn_bytes / 8;
	if (npfns > ranges_need)
		npfns = ranges_need;   /* over-long final message: MU pads to 240 (§8.5) */
	g = calloc(1, sizeof(*g));
	if (!g)
		return;
	g->handle = m.gpadl;
	g->relid = m.child_relid;
	g->state = HG_BUILDING;
	g->range_buflen = m.range_buflen;
	g->received = 8;
	g->byte_count = m.range.byte_count;
	g->byte_offset = m.range.byte_offset;
	g->ans_delay = h->ans_delay;
	g->ans_dup = h->ans_dup;
	g->ans_never = h->ans_never;
	g->ans_status_set = h->ans_status_set;
	g->ans_status = h->ans_status;
	g->next = h->gpadls;
	h->gpadls = g;
	h->ngpadls++;
	if (gpadl_append(h, g, msg + sizeof(m), npfns) < 0)
		return;
	g->received += 8 * npfns;
	if (g->received >= g->range_buflen)
		gpadl_complete(h, g);
}

void gpadl_body(struct host *h, const uint8_t *msg, uint32_t size)
{
	struct vmbus_msg_gpadl_body m;
	struct host_gpadl *g;
	uint32_t npfns;

	memcpy(&m, msg, sizeof(m));
	g = gpadl_find(h, m.gpadl);
	if (g && g->state == HG_FAILED) {
		/* Failed by a rescind the guest had not seen yet: swallow its bodies. */
		g->received += size - (uint32_t)sizeof(m);
		if (g->received >= g->range_buflen)
			gpadl_unlink(h, g);
		return;
	}
	if (!g || g->state != HG_BUILDING) {
		host_violate(h, g ? g->relid : 0, "GPADL_BODY for %s handle 0x%x",
			     g ? "completed" : "unknown", m.gpadl);
		return;
	}
	if ((size - sizeof(m)) & 7 || size == sizeof(m)) {
		host_violate(h, g->relid, "GPADL_BODY size %u not 16 + 8n, n >= 1", size);
		return;
	}
	npfns = (size - (uint32_t)sizeof(m)) / 8;
	if (npfns > (g->range_buflen - g->received) / 8)
		npfns = (g->range_buflen - g->received) / 8;
	if (gpadl_append(h, g, msg + sizeof(m), npfns) < 0)
		return;
	g->received += 8 * npfns;
	if (g->received >= g->range_buflen)
		gpadl_complete(h, g);
}

void gpadl_teardown(struct host *h, const uint8_t *msg, uint32_t size)
{
	struct vmbus_msg_gpadl_teardown m;
	struct vmbus_msg_gpadl_torndown r = { .hdr.msgtype = VMBUS_MSG_GPADL_TORNDOWN };
	struct host_gpadl *g;

	(void)size;
	memcpy(&m, msg, sizeof(m));
	g = gpadl_find(h, m.gpadl);
	if (!g) {
		host_violate(h, m.child_relid, "GPADL_TEARDOWN of unknown handle 0x%x", m.gpadl);
		return;
	}
	if (g->relid != m.child_relid) {
		host_violate(h, m.child_relid, "GPADL_TEARDOWN of 0x%x names relid %u, owner is %u",
			     m.gpadl, m.child_relid, g->relid);
		return;
	}
	if (g->state != HG_CREATED) {
		host_violate(h, m.child_relid, "GPADL_TEARDOWN of 0x%x before it was created",
			     m.gpadl);
		return;
	}
	if (g->ring_in_use) {
		host_violate(h, m.child_relid,
			     "GPADL_TEARDOWN of 0x%x while it is the ring of an open channel",
			     m.gpadl);
		return;
	}
	r.gpadl = g->handle;
	gpadl_unlink(h, g);
	vmbus_host_send(h, &r, sizeof(r));
}

/*
 * Copy [off, off+len) of a GPADL's byte range to or from buf, page by page
 * through guest memory. Returns -EFAULT (and flags a violation) outside it.
 */
int gpadl_copy(struct host *h, const struct host_gpadl *g, uint64_t off, void *buf,
	       size_t len, bool write)
{
	uint8_t *b = buf;

	if (off + len > (uint64_t)g->npfns * HV_PAGE_SIZE) {
		host_violate(h, g->relid, "ring access [0x%llx, +%zu) outside GPADL 0x%x",
			     (unsigned long long)off, len, g->handle);
		return -EFAULT;
	}
	while (len) {
		uint64_t pg = off / HV_PAGE_SIZE, po = off % HV_PAGE_SIZE;
		size_t n = HV_PAGE_SIZE - po < len ? HV_PAGE_SIZE - po : len;
		uint8_t *p = host_gmem(h, (g->pfns[pg] << HV_PAGE_SHIFT) + po, n);

		if (!p) {
			host_violate(h, g->relid, "GPADL 0x%x page %llu left guest memory",
				     g->handle, (unsigned long long)pg);
			return -EFAULT;
		}
		if (write)
			memcpy(p, b, n);
		else
			memcpy(b, p, n);
		b += n;
		off += n;
		len -= n;
	}
	return 0;
}

/* Rescind: fail GPADL creations still in progress on the channel (§8.8). */
void gpadl_fail_building(struct host *h, uint32_t relid)
{
	struct host_gpadl *g = h->gpadls, *next;

	for (; g; g = next) {
		next = g->next;
		if (g->relid != relid || g->state != HG_BUILDING)
			continue;
		gpadl_answer(h, g, VMBUS_STATUS_UNSUCCESSFUL);
		g->state = HG_FAILED;
	}
}

/* UNLOAD / reset: the host forgets every GPADL of a channel. */
void gpadl_drop_for(struct host *h, uint32_t relid)
{
	struct host_gpadl *g = h->gpadls, *next;

	for (; g; g = next) {
		next = g->next;
		if (g->relid == relid)
			gpadl_unlink(h, g);
	}
}

uint32_t host_gpadl_pages(const struct host *h)
{
	uint32_t n = 0;

	for (const struct host_gpadl *g = h->gpadls; g; g = g->next)
		n += g->npfns;
	return n;
}

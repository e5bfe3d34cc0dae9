/*
 * The simulated vPCI server (Hyper-V's PCI pass-through VSP): one virtual
 * PCI bus per device, functions built from the scenario's parameters.
 * docs/protocols/vpci.md: negotiation ("Versions"), D0 entry with the
 * config window checked against the gaps and the framebuffer ("MMIO
 * ranges"), relations (sent before the D0 completion, as OpenVMM does),
 * resource requirements, resources assigned and released, interrupts,
 * eject with a deadline ("Hot add and eject").
 *
 * Files: this one (messages, eject, timed events, life cycle),
 * host/vpci_host_params.c (device parameters), host/vpci_host_mmio.c (the
 * config window, BAR decoding, MSI-X delivery), host/vpci_func.c (config
 * space of one function).
 *
 * Device parameters ("device vpci NAME key=value ..."):
 *   vendor=, device=, class=0xBBSSPP, rev=, subsys=   the function's IDs
 *   barN=SIZE[/32]     BAR N of SIZE (64-bit, using N+1, unless /32)
 *   msix=N             MSI-X table of N entries at the start of BAR 0
 *   functions=N        functions at slots 0..N-1 at boot (default 1)
 *   versions=1.4,1.2   versions accepted (default 1.4 .. 1.1)
 *   hot-add=S@T, hot-remove=S@T, eject=S@T, msi=S.K@T   timed events
 *   eject-deadline=T   EJECTION_COMPLETE later than this is a violation (60s)
 *   eject-rescind=no   keep the channel after the last function is ejected
 *   eject-on-create=N  EJECT the slot while answering its Nth CREATE_INTERRUPT
 *   relations-on-reqs=N  change the relations list (slot 1 comes and goes)
 *                      while answering the Nth QUERY_RESOURCE_REQUIREMENTS
 *   readd-after-eject=yes  an ejected slot comes back (new serial) at once
 *   dead=yes           config space reads all ones (a device that stopped)
 *   bad-relations=N    the Nth relations list claims 1000 entries more than it has
 * Triggers: "on packet DEV ..." counts every vPCI request; its actions
 * drop, never-answer, delay, status (of the completion) and rescind apply.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/host_priv.h"
#include "host/nvme_host.h"
#include "host/vpci_host.h"
#include "include/hyperv/vmbus_guids.h"

/* ---- sending: a FIFO that drains as the ring has room ---- */

static void vh_flush(struct host_dev *d)
{
	struct vh_dev *v = d->priv;
	uint64_t now = host_now(d->h);

	while (v->head && v->c) {
		struct vh_out *o = v->head;

		if (o->due > now) {
			host_dev_tick_after(v->c, o->due - now);
			return;
		}
		if (host_dev_send(v->c, o->type, 0, o->trans_id, o->data, o->len) < 0)
			return;         /* full: ticked when the guest frees space */
		v->head = o->next;
		if (!v->head)
			v->tail = &v->head;
		free(o);
	}
}

static void vh_drop_out(struct vh_dev *v)
{
	while (v->head) {
		struct vh_out *o = v->head;

		v->head = o->next;
		free(o);
	}
	v->tail = &v->head;
}

static void vh_send(struct host_dev *d, uint16_t type, uint64_t trans_id, const void *p,
		    uint32_t len)
{
	struct vh_dev *v = d->priv;
	/* Completions are padded to 8 bytes with zeros (docs/protocols/vpci.md). */
	uint32_t padded = (len + 7u) & ~7u;
	struct vh_out *o = calloc(1, sizeof(*o) + padded);

	if (!o)
		return;
	o->type = type;
	o->trans_id = trans_id;
	o->len = padded;
	o->due = host_now(d->h) + v->ans_delay;
	memcpy(o->data, p, len);
	if (type == VMBUS_PKT_COMP && v->ans_status_set && len >= 4)
		memcpy(o->data, &v->ans_status, 4);     /* trigger "status S" */
	*v->tail = o;
	v->tail = &o->next;
	vh_flush(d);
}

static void vh_complete(struct host_dev *d, const struct vmbus_pkt_desc *desc, uint32_t status,
			uint32_t extra)
{
	struct vpci_status_reply r = { .status = status, .extra = extra };

	if (desc->flags & VMBUS_PKT_FLAG_COMPLETION_REQUESTED)
		vh_send(d, VMBUS_PKT_COMP, desc->trans_id, &r, sizeof(r));
}

/* The full list, in the form the version calls for. */
static void vh_send_relations(struct host_dev *d)
{
	struct vh_dev *v = d->priv;
	bool two = v->version >= VPCI_VERSION_1_3;
	uint8_t buf[8 + VH_MAX_FUNCS * sizeof(struct vpci_func_desc2)];
	struct vpci_bus_relations h = { two ? VPCI_MSG_BUS_RELATIONS2 : VPCI_MSG_BUS_RELATIONS, 0 };
	uint32_t off = sizeof(h), dsz = two ? 28u : 20u;

	memset(buf, 0, sizeof(buf));
	for (uint32_t s = 0; s < VH_MAX_FUNCS; s++) {
		const struct vh_func *f = &v->func[s];
		struct vpci_func_desc2 fd;

		if (!f->present || f->ejected)
			continue;
		memset(&fd, 0, sizeof(fd));
		fd.d.vendor_id = v->proto.vendor;
		fd.d.device_id = v->proto.device;
		fd.d.revision = v->proto.revision;
		fd.d.prog_if = (uint8_t)v->proto.class_code;
		fd.d.subclass = (uint8_t)(v->proto.class_code >> 8);
		fd.d.base_class = (uint8_t)(v->proto.class_code >> 16);
		fd.d.subsystem_id = v->proto.subsys;
		fd.d.wslot = VPCI_WSLOT(s, 0);
		fd.d.serial = f->serial;
		memcpy(buf + off, &fd, dsz);
		off += dsz;
		h.count++;
		if (s == 0 && v->dup_slot && h.count < VH_MAX_FUNCS) {
			memcpy(buf + off, &fd, dsz);    /* hostile: the same slot again */
			off += dsz;
			h.count++;
		}
	}
	if (++v->relations_sent == v->bad_relations)
		h.count += 1000;                /* hostile: more than the packet holds */
	memcpy(buf, &h, sizeof(h));
	vh_send(d, VMBUS_PKT_DATA_INBAND, 0, buf, off);
}

struct vh_func *vh_slot(struct vh_dev *v, uint32_t wslot)
{
	if (wslot & VPCI_WSLOT_RESERVED || VPCI_WSLOT_FN(wslot) || VPCI_WSLOT_DEV(wslot) >= VH_MAX_FUNCS)
		return NULL;
	return &v->func[VPCI_WSLOT_DEV(wslot)];
}

/* A live function, or a violation when the guest uses one it gave back. */
struct vh_func *vh_live(struct host_dev *d, uint32_t wslot, const char *what)
{
	struct vh_func *f = vh_slot(d->priv, wslot);
	char why[120];

	if (f && f->present && f->ejected) {
		snprintf(why, sizeof(why), "%s for slot %u after its EJECTION_COMPLETE", what, wslot);
		host_dev_violation(d, ((struct vh_dev *)d->priv)->c, why);
		return NULL;
	}
	return f && f->present ? f : NULL;
}

static void vh_add_func(struct vh_dev *v, uint32_t s)
{
	vh_func_build(&v->func[s], &v->proto, v->next_serial++);
}

/* ---- eject ---- */

static void vh_eject(struct host_dev *d, uint32_t s)
{
	struct vh_dev *v = d->priv;
	struct vh_func *f = &v->func[s];
	struct vpci_slot_msg m = { VPCI_MSG_EJECT, VPCI_WSLOT(s, 0) };

	if (!f->present || f->ejected || f->ejecting)
		return;
	f->ejecting = true;
	f->eject_at = host_now(d->h);
	vh_send(d, VMBUS_PKT_DATA_INBAND, 0, &m, sizeof(m));
	host_dev_tick_after(v->c, v->eject_deadline + 1);
	host_dev_trace(d, v->c, 0xE7EC, s);
}

static void vh_ejection_complete(struct host_dev *d, const uint8_t *p, uint32_t plen)
{
	struct vh_dev *v = d->priv;
	struct vpci_ejection_complete m;
	struct vh_func *f;
	char why[120];

	if (plen < sizeof(m)) {
		host_dev_violation(d, v->c, "short EJECTION_COMPLETE");
		return;
	}
	memcpy(&m, p, sizeof(m));
	f = vh_slot(v, m.wslot);
	if (!f || !f->ejecting) {
		host_dev_violation(d, v->c, "EJECTION_COMPLETE for a slot that was not ejected");
		return;
	}
	if (host_now(d->h) - f->eject_at > v->eject_deadline)
		host_dev_violation(d, v->c, "EJECTION_COMPLETE after the host's deadline");
	if (f->nints) {
		snprintf(why, sizeof(why), "EJECTION_COMPLETE with %d interrupt(s) not deleted",
			 f->nints);
		host_dev_violation(d, v->c, why);
	}
	f->ejecting = false;
	f->ejected = true;
	v->ejections++;
	host_dev_trace(d, v->c, 0xE7ED, m.wslot);
	if (v->readd_after_eject) {
		vh_add_func(v, VPCI_WSLOT_DEV(m.wslot));
		vh_send_relations(d);
		return;
	}
	for (int s = 0; s < VH_MAX_FUNCS; s++)
		if (v->func[s].present && !v->func[s].ejected)
			return;
	if (v->eject_rescind)
		host_rescind(d->h, d->index, -1);
}

/* ---- requests ---- */

static uint32_t vh_res_type(uint32_t version)
{
	if (version >= VPCI_VERSION_1_4)
		return VPCI_MSG_RESOURCES_ASSIGNED3;
	return version >= VPCI_VERSION_1_2 ? VPCI_MSG_RESOURCES_ASSIGNED2
					   : VPCI_MSG_RESOURCES_ASSIGNED;
}

static uint32_t vh_int_type(uint32_t version)
{
	if (version >= VPCI_VERSION_1_4)
		return VPCI_MSG_CREATE_INTERRUPT3;
	return version >= VPCI_VERSION_1_2 ? VPCI_MSG_CREATE_INTERRUPT2
					   : VPCI_MSG_CREATE_INTERRUPT;
}

static void vh_version(struct host_dev *d, const struct vmbus_pkt_desc *desc, const uint8_t *p,
		       uint32_t plen)
{
	struct vh_dev *v = d->priv;
	struct vpci_query_version q;

	memcpy(&q, p, plen < sizeof(q) ? plen : sizeof(q));
	for (int i = 0; plen >= sizeof(q) && i < v->nversions; i++)
		if (v->versions[i] == q.version) {
			v->version = q.version;
			vh_complete(d, desc, VPCI_STATUS_SUCCESS, q.version);
			return;
		}
	vh_complete(d, desc, VPCI_STATUS_REVISION_MISMATCH, v->versions[0]);
}

/* The window: 2 pages, page aligned, inside a gap, clear of the framebuffer. */
static bool vh_window_ok(uint64_t b)
{
	bool low = b >= VH_LOW_GAP_BASE && b + VPCI_CFG_WINDOW_SIZE <= VH_LOW_GAP_BASE + VH_LOW_GAP_SIZE;
	bool high = b >= VH_HIGH_GAP_BASE &&
		    b + VPCI_CFG_WINDOW_SIZE <= VH_HIGH_GAP_BASE + VH_HIGH_GAP_SIZE;
	bool fb = b < VH_FB_BASE + VH_FB_SIZE && b + VPCI_CFG_WINDOW_SIZE > VH_FB_BASE;

	return !(b & 4095) && (low || high) && !fb;
}

static void vh_d0_entry(struct host_dev *d, const struct vmbus_pkt_desc *desc, const uint8_t *p,
			uint32_t plen)
{
	struct vh_dev *v = d->priv;
	struct vpci_d0_entry m;

	if (plen < sizeof(m)) {
		host_dev_violation(d, v->c, "short FDO_D0_ENTRY");
		return;
	}
	memcpy(&m, p, sizeof(m));
	if (!vh_window_ok(m.mmio_base)) {
		vh_complete(d, desc, VPCI_STATUS_BAD_DATA, 0);
		return;
	}
	v->window = m.mmio_base;
	v->d0 = true;
	vh_send_relations(d);                 /* the list first, then the completion */
	vh_complete(d, desc, VPCI_STATUS_SUCCESS, 0);
	host_dev_tick_after(v->c, 0);         /* timed events count from here */
}

static void vh_resource_reqs(struct host_dev *d, const struct vmbus_pkt_desc *desc,
			     const uint8_t *p, uint32_t plen)
{
	struct vh_dev *v = d->priv;
	struct vpci_resource_reqs_reply r = { .status = VPCI_STATUS_BAD_DATA };
	struct vpci_slot_msg m;
	struct vh_func *f;

	memcpy(&m, p, plen < sizeof(m) ? plen : sizeof(m));
	f = plen >= sizeof(m) ? vh_live(d, m.wslot, "QUERY_RESOURCE_REQUIREMENTS") : NULL;
	if (f) {
		r.status = VPCI_STATUS_SUCCESS;
		memcpy(r.bar_mask, f->bar_mask, sizeof(r.bar_mask));
	}
	if (++v->reqs_seen == v->relations_on_reqs) {
		/* The list changes while the guest still surveys the last one. */
		if (v->func[1].present)
			v->func[1].present = false;
		else
			vh_add_func(v, 1);
		vh_send_relations(d);
	}
	if (desc->flags & VMBUS_PKT_FLAG_COMPLETION_REQUESTED)
		vh_send(d, VMBUS_PKT_COMP, desc->trans_id, &r, sizeof(r));
}

static void vh_resources(struct host_dev *d, const struct vmbus_pkt_desc *desc, uint32_t type,
			 const uint8_t *p, uint32_t plen)
{
	struct vh_dev *v = d->priv;
	static const uint32_t slot_len[] = { 16, 72, 80 };
	uint32_t form = type == VPCI_MSG_RESOURCES_ASSIGNED ? 0 :
			type == VPCI_MSG_RESOURCES_ASSIGNED2 ? 1 : 2;
	struct vpci_resources_assigned m;
	uint8_t reply[136];
	struct vh_func *f;

	if (type != vh_res_type(v->version)) {
		host_dev_violation(d, v->c, "RESOURCES_ASSIGNED form does not match the version");
		return;
	}
	if (plen < VPCI_RES_ASSIGNED_LEN(slot_len[form])) {
		host_dev_violation(d, v->c, "RESOURCES_ASSIGNED without room for one MSI resource");
		return;
	}
	memset(&m, 0, sizeof(m));
	memcpy(&m, p, plen < sizeof(m) ? plen : sizeof(m));
	f = vh_live(d, m.wslot, "RESOURCES_ASSIGNED");
	memset(reply, 0, sizeof(reply));
	((uint32_t *)(void *)reply)[0] = f ? VPCI_STATUS_SUCCESS : VPCI_STATUS_BAD_DATA;
	((uint32_t *)(void *)reply)[1] = m.wslot;
	if (f)
		f->assigned = true;
	if (desc->flags & VMBUS_PKT_FLAG_COMPLETION_REQUESTED)
		vh_send(d, VMBUS_PKT_COMP, desc->trans_id, reply, sizeof(reply));
}

static void vh_released(struct host_dev *d, const struct vmbus_pkt_desc *desc,
			const uint8_t *p, uint32_t plen)
{
	struct vh_dev *v = d->priv;
	struct vpci_slot_msg m;
	struct vh_func *f;

	if (plen < sizeof(m)) {
		host_dev_violation(d, v->c, "short RESOURCES_RELEASED");
		return;
	}
	memcpy(&m, p, sizeof(m));
	f = vh_slot(v, m.wslot);
	if (f && f->present && f->nints) {
		char why[120];

		/* Keel deletes every interrupt before it gives the resources back. */
		snprintf(why, sizeof(why), "RESOURCES_RELEASED with %d interrupt(s) not deleted",
			 f->nints);
		host_dev_violation(d, v->c, why);
	}
	if (f && f->present) {
		f->assigned = false;
		f->nints = 0;
		f->command = 0;
	}
	vh_complete(d, desc, VPCI_STATUS_SUCCESS, 0);
}

static void vh_create_int(struct host_dev *d, const struct vmbus_pkt_desc *desc, uint32_t type,
			  const uint8_t *p, uint32_t plen)
{
	struct vh_dev *v = d->priv;
	static const uint32_t lens[] = { VPCI_CREATE_INT_LEN1, VPCI_CREATE_INT_LEN2,
					 VPCI_CREATE_INT_LEN3 };
	uint32_t form = type == VPCI_MSG_CREATE_INTERRUPT ? 0 :
			type == VPCI_MSG_CREATE_INTERRUPT2 ? 1 : 2;
	struct vpci_create_interrupt m;
	struct vpci_create_interrupt_reply r = { .status = VPCI_STATUS_BAD_DATA };
	uint32_t vector, count;
	struct vh_func *f;

	if (type != vh_int_type(v->version) || plen < lens[form]) {
		host_dev_violation(d, v->c, "CREATE_INTERRUPT form or length does not match the version");
		return;
	}
	memset(&m, 0, sizeof(m));
	memcpy(&m, p, lens[form]);
	vector = form == 2 ? m.d.v3.vector : form == 1 ? m.d.v2.vector : m.d.v1.vector;
	count = form == 2 ? m.d.v3.vector_count : form == 1 ? m.d.v2.vector_count
							    : m.d.v1.vector_count;
	f = vh_live(d, m.wslot, "CREATE_INTERRUPT");
	/* A trigger "status S" with a failure: the host created nothing (the
	 * guest cannot delete what it never got an address for). */
	if (f && f->assigned && count >= 1 && count <= 32 && vector >= 32 && vector < 256 &&
	    f->nints < VH_MAX_INTS && !(v->ans_status_set && (int32_t)v->ans_status < 0)) {
		struct vh_int *in = &f->ints[f->nints++];

		/* A destination of its own per interrupt (x86 MSI address bits
		 * 12-19), so a table entry with another entry's pair is caught. */
		in->vector = vector;
		in->address = 0xFEE00000ull | (uint64_t)((f->creates + 1) & 0xFF) << 12;
		in->data = vector;
		r.status = VPCI_STATUS_SUCCESS;
		r.msi.vector_count = 1;
		r.msi.address = in->address;
		r.msi.data = in->data;
	}
	if (f && ++f->creates == v->eject_on_create) {
		v->eject_on_create = 0;                 /* once per run */
		vh_eject(d, VPCI_WSLOT_DEV(m.wslot));    /* EJECT overtakes the reply */
	}
	vh_send(d, VMBUS_PKT_COMP, desc->trans_id, &r, sizeof(r));
}

static void vh_delete_int(struct host_dev *d, const struct vmbus_pkt_desc *desc,
			  const uint8_t *p, uint32_t plen)
{
	struct vh_dev *v = d->priv;
	struct vpci_delete_interrupt m;
	struct vh_func *f;

	if (plen < sizeof(m)) {
		host_dev_violation(d, v->c, "short DELETE_INTERRUPT");
		return;
	}
	memcpy(&m, p, sizeof(m));
	f = vh_live(d, m.wslot, "DELETE_INTERRUPT");
	for (int i = 0; f && i < f->nints; i++)
		if (f->ints[i].address == m.msi.address && f->ints[i].data == m.msi.data) {
			f->ints[i] = f->ints[--f->nints];
			vh_complete(d, desc, VPCI_STATUS_SUCCESS, 0);
			return;
		}
	if (f)
		host_dev_violation(d, v->c, "DELETE_INTERRUPT of an interrupt the host did not create");
}

static void vh_packet(struct host_dev *d, struct host_chan *c, const struct vmbus_pkt_desc *desc,
		      const uint8_t *pkt, uint32_t len)
{
	struct vh_dev *v = d->priv;
	const uint8_t *p = pkt + desc->offset8 * 8u;
	uint32_t plen = len - desc->offset8 * 8u, type;
	uint64_t arg = 0;
	int act;

	if (desc->type == VMBUS_PKT_COMP)
		return;                 /* the guest never owes us completions */
	if (desc->type != VMBUS_PKT_DATA_INBAND || plen < 4) {
		host_dev_violation(d, c, "vPCI: not an in-band message of at least 4 bytes");
		return;
	}
	memcpy(&type, p, 4);
	act = host_dev_trigger(d, c, HOST_STEP_PACKET, &arg);
	if (act == HTA_DROP || act == HTA_NEVER_ANSWER)
		return;
	v->ans_delay = act == HTA_DELAY ? arg : 0;
	v->ans_status_set = act == HTA_STATUS;
	v->ans_status = (uint32_t)arg;
	if (act == HTA_RESCIND) {
		host_rescind(d->h, d->index, -1);
		return;
	}
	if (!v->version && type != VPCI_MSG_QUERY_PROTOCOL_VERSION) {
		host_dev_violation(d, c, "vPCI message before the version was negotiated");
		return;
	}
	switch (type) {
	case VPCI_MSG_QUERY_PROTOCOL_VERSION: vh_version(d, desc, p, plen); break;
	case VPCI_MSG_FDO_D0_ENTRY: vh_d0_entry(d, desc, p, plen); break;
	case VPCI_MSG_FDO_D0_EXIT:
		v->d0 = false;
		vh_complete(d, desc, VPCI_STATUS_SUCCESS, 0);
		break;
	case VPCI_MSG_QUERY_BUS_RELATIONS:
		vh_send_relations(d);
		vh_complete(d, desc, VPCI_STATUS_SUCCESS, 0);
		break;
	case VPCI_MSG_QUERY_RESOURCE_REQS: vh_resource_reqs(d, desc, p, plen); break;
	case VPCI_MSG_RESOURCES_ASSIGNED:
	case VPCI_MSG_RESOURCES_ASSIGNED2:
	case VPCI_MSG_RESOURCES_ASSIGNED3: vh_resources(d, desc, type, p, plen); break;
	case VPCI_MSG_RESOURCES_RELEASED: vh_released(d, desc, p, plen); break;
	case VPCI_MSG_CREATE_INTERRUPT:
	case VPCI_MSG_CREATE_INTERRUPT2:
	case VPCI_MSG_CREATE_INTERRUPT3: vh_create_int(d, desc, type, p, plen); break;
	case VPCI_MSG_DELETE_INTERRUPT: vh_delete_int(d, desc, p, plen); break;
	case VPCI_MSG_EJECTION_COMPLETE: vh_ejection_complete(d, p, plen); break;
	default:
		vh_complete(d, desc, VPCI_STATUS_BAD_DATA, 0);
		break;
	}
	/* eject-on-request: EJECT right behind the answer to the Nth request,
	 * so an eject meets every step of a function's bring-up */
	if (++v->requests == v->eject_on_request)
		vh_eject(d, 0);
	v->ans_delay = 0;
	v->ans_status_set = false;
}

/* ---- timed events and MSI delivery ---- */

static void vh_tick(struct host_dev *d, struct host_chan *c)
{
	struct vh_dev *v = d->priv;
	uint64_t now = host_now(d->h), next = 0;
	bool changed = false;

	for (int i = 0; v->d0 && i < v->nev; i++) {
		struct vh_event *e = &v->ev[i];
		struct vh_func *f = &v->func[e->slot];

		if (e->done)
			continue;
		if (e->at > now) {
			next = !next || e->at < next ? e->at : next;
			continue;
		}
		e->done = true;
		if (e->kind == 'a' && (!f->present || f->ejected)) {
			vh_add_func(v, e->slot);
			changed = true;
		} else if (e->kind == 'r' && f->present) {
			f->present = false;
			changed = true;
		} else if (e->kind == 'e') {
			vh_eject(d, e->slot);
		} else if (e->kind == 'm' && f->present && !f->ejected) {
			vh_fire_msi(d, f, e->index);
		}
	}
	if (changed)
		vh_send_relations(d);
	if (v->nvme) {
		uint64_t due = nh_tick(d, now);

		next = due && (!next || due < next) ? due : next;
	}
	for (int s = 0; s < VH_MAX_FUNCS; s++)
		if (v->func[s].ejecting && now - v->func[s].eject_at > v->eject_deadline)
			host_dev_violation(d, c, "no EJECTION_COMPLETE within the host's deadline");
	if (next)
		host_dev_tick_after(c, next - now);
	vh_flush(d);
}

/* ---- channel life cycle ---- */

static uint32_t vh_open(struct host_dev *d, struct host_chan *c)
{
	struct vh_dev *v = d->priv;

	v->c = c;
	v->version = 0;
	v->d0 = false;
	vh_drop_out(v);
	memset(v->func, 0, sizeof(v->func));
	for (uint32_t s = 0; s < v->nfuncs_boot; s++)
		vh_add_func(v, s);
	for (int i = 0; i < v->nev; i++)
		v->ev[i].done = false;
	host_dev_tick_after(c, 0);
	return 0;
}

static void vh_close(struct host_dev *d, struct host_chan *c)
{
	struct vh_dev *v = d->priv;

	(void)c;
	vh_drop_out(v);
	v->c = NULL;
	v->d0 = false;
	/* A revoked bus: its functions are gone, eject deadlines with them. */
	for (int s = 0; s < VH_MAX_FUNCS; s++)
		v->func[s].ejecting = false;
}

static void vh_destroy(struct host_dev *d)
{
	struct vh_dev *v = d->priv;

	vh_drop_out(d->priv);
	nh_destroy(v->nvme);
	v->nvme = NULL;
}

/* expect host DEV KEY N: ejected (EJECTION_COMPLETEs accepted), msis
 * (MSI-X messages delivered), msis-lost (raised but not delivered). */
static int vh_counter(struct host_dev *d, const char *key, uint64_t *out)
{
	struct vh_dev *v = d->priv;

	if (!strcmp(key, "ejected"))
		*out = v->ejections;
	else if (!strcmp(key, "msis"))
		*out = v->msis_fired;
	else if (!strcmp(key, "msis-lost"))
		*out = v->msis_lost;
	else
		return -ENOENT;
	return 0;
}

const struct host_dev_ops vpci_dev_ops = {
	.counter = vh_counter,
	.type = "vpci",
	.class_guid = VMBUS_CLASS_VPCI,
	.priv_size = sizeof(struct vh_dev),
	.init = vh_init,
	.keys = VH_KEYS,
	.param = vh_param,
	.on_open = vh_open,
	.on_packet = vh_packet,
	.on_close = vh_close,
	.tick = vh_tick,
	.destroy = vh_destroy,
	.mmio = vh_mmio,
};

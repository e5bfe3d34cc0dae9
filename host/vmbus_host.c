/*
 * The VMBus host, connection level: dispatch of guest control messages
 * (a table: type, handler, minimum size, minimum version), version
 * negotiation, offers and ALLOFFERS_DELIVERED, UNLOAD, the answer shaping
 * that scenario triggers apply (delay, duplicate, drop, status, never
 * answer), and deliberately malformed host messages. Channel-level messages
 * are in vmbus_host_chan.c, GPADLs in gpadl.c.
 *
 * Follows docs/protocols/vmbus.md §3.2-§3.5 (messages, versions, offers), §4.2
 * (connect), §4.9 (unload), §7.1 (what a guest must reject: used to build
 * the malformed messages) and §8.1, §8.3, §8.4, §8.9.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host/host_priv.h"

/* ---- names ---- */

static const char *const msg_names[VMBUS_MSG_COUNT] = {
	[VMBUS_MSG_INVALID] = "INVALID",
	[VMBUS_MSG_OFFERCHANNEL] = "OFFERCHANNEL",
	[VMBUS_MSG_RESCIND_CHANNELOFFER] = "RESCIND_CHANNELOFFER",
	[VMBUS_MSG_REQUESTOFFERS] = "REQUESTOFFERS",
	[VMBUS_MSG_ALLOFFERS_DELIVERED] = "ALLOFFERS_DELIVERED",
	[VMBUS_MSG_OPENCHANNEL] = "OPENCHANNEL",
	[VMBUS_MSG_OPENCHANNEL_RESULT] = "OPENCHANNEL_RESULT",
	[VMBUS_MSG_CLOSECHANNEL] = "CLOSECHANNEL",
	[VMBUS_MSG_GPADL_HEADER] = "GPADL_HEADER",
	[VMBUS_MSG_GPADL_BODY] = "GPADL_BODY",
	[VMBUS_MSG_GPADL_CREATED] = "GPADL_CREATED",
	[VMBUS_MSG_GPADL_TEARDOWN] = "GPADL_TEARDOWN",
	[VMBUS_MSG_GPADL_TORNDOWN] = "GPADL_TORNDOWN",
	[VMBUS_MSG_RELID_RELEASED] = "RELID_RELEASED",
	[VMBUS_MSG_INITIATE_CONTACT] = "INITIATE_CONTACT",
	[VMBUS_MSG_VERSION_RESPONSE] = "VERSION_RESPONSE",
	[VMBUS_MSG_UNLOAD] = "UNLOAD",
	[VMBUS_MSG_UNLOAD_RESPONSE] = "UNLOAD_RESPONSE",
	[VMBUS_MSG_OPEN_RESERVED_CHANNEL] = "OPEN_RESERVED_CHANNEL",
	[VMBUS_MSG_CLOSE_RESERVED_CHANNEL] = "CLOSE_RESERVED_CHANNEL",
	[VMBUS_MSG_CLOSE_RESERVED_RESPONSE] = "CLOSE_RESERVED_RESPONSE",
	[VMBUS_MSG_TL_CONNECT_REQUEST] = "TL_CONNECT_REQUEST",
	[VMBUS_MSG_MODIFYCHANNEL] = "MODIFYCHANNEL",
	[VMBUS_MSG_TL_CONNECT_RESULT] = "TL_CONNECT_RESULT",
	[VMBUS_MSG_MODIFYCHANNEL_RESPONSE] = "MODIFYCHANNEL_RESPONSE",
	[VMBUS_MSG_MODIFY_CONNECTION] = "MODIFY_CONNECTION",
	[VMBUS_MSG_MODIFY_CONNECTION_RESP] = "MODIFY_CONNECTION_RESPONSE",
	[VMBUS_MSG_PAUSE] = "PAUSE",
	[VMBUS_MSG_PAUSE_RESPONSE] = "PAUSE_RESPONSE",
	[VMBUS_MSG_RESUME] = "RESUME",
};

const char *host_msgtype_name(uint32_t t)
{
	if (t == HOST_STEP_PACKET)
		return "packet";
	if (t == HOST_STEP_SUBCHANNELS)
		return "subchannels";
	return t < VMBUS_MSG_COUNT && msg_names[t] ? msg_names[t] : "?";
}

/* ---- answers (shaped by triggers) ---- */

void host_answer_reset(struct host *h)
{
	h->ans_delay = 0;
	h->ans_dup = 0;
	h->ans_never = false;
	h->ans_status_set = false;
}

/* Queue a host->guest control message, applying the current answer shaping. */
void vmbus_host_send(struct host *h, const void *msg, uint32_t size)
{
	uint32_t mt, relid = 0;

	if (h->ans_never)
		return;
	memcpy(&mt, msg, 4);
	if (mt == VMBUS_MSG_OFFERCHANNEL && size >= 188)
		memcpy(&relid, (const uint8_t *)msg + 184, 4);
	else if (size >= 12)
		memcpy(&relid, (const uint8_t *)msg + 8, 4);
	for (int i = 0; i <= h->ans_dup; i++) {
		host_trace(h, HT_HOST_MSG, mt, relid, h->ans_delay);
		if (h->ans_delay)
			host_timed_add(h, host_now(h) + h->ans_delay, HTE_MSG, 0, msg, size);
		else
			synic_post(h, msg, size);
	}
}

/* ---- offers (§3.5, §4.2, §8.4) ---- */

void vmbus_host_send_offer(struct host *h, struct host_chan *c)
{
	struct vmbus_msg_offer o;

	memset(&o, 0, sizeof(o));
	o.hdr.msgtype = VMBUS_MSG_OFFERCHANNEL;
	o.if_type = c->dev->ops->class_guid;
	o.if_instance = c->dev->instance;
	o.sub_channel_index = c->subidx;
	o.child_relid = c->relid;
	if (h->prof.monitor_pages && h->monitor1 && h->monitor2 &&
	    h->next_monitor < VMBUS_MAX_MONITORS) {
		c->monitor_allocated = true;
		c->monitorid = h->next_monitor++;
		o.monitorid = c->monitorid;
		o.monitor_allocated = 1;
	}
	o.is_dedicated_interrupt = h->version >= VMBUS_VERSION_WIN7;
	o.connection_id = c->relid | h->prof.conn_id_base;
	vmbus_host_chan_set(h, c, HCS_OFFERED);
	host_trace(h, HT_OFFER, c->relid, (uint32_t)c->dev->index, c->subidx);
	/* Pre-1.1 offers end before is_dedicated_interrupt (§3.5). */
	vmbus_host_send(h, &o, h->version >= VMBUS_VERSION_WIN7 ? sizeof(o) : 190);
}

static int offer_cmp(const void *a, const void *b)
{
	const struct host_dev *x = *(struct host_dev *const *)a;
	const struct host_dev *y = *(struct host_dev *const *)b;
	int r = memcmp(&x->ops->class_guid, &y->ops->class_guid, 16);

	return r ? r : memcmp(&x->instance, &y->instance, 16);
}

/* Fisher-Yates over the seed's random source: no host promises an offer
 * order (OpenVMM sorts by GUID, Hyper-V does not), so a scenario can ask
 * for a different order on every seed. */
static void offer_shuffle(struct host *h, struct host_dev **order, int n)
{
	for (int i = n - 1; i > 0 && h->env.rand; i--) {
		int j = (int)(h->env.rand(h->env.ctx) % (uint64_t)(i + 1));
		struct host_dev *t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
}

/* Offer a device's primary channel now (connected and offers requested). */
int vmbus_host_offer_dev(struct host *h, struct host_dev *d)
{
	struct host_chan *c = d->chan[0];

	/* The old instance must be fully released first (§4.7 step 4); the
	 * offer then follows the last RELID_RELEASED. */
	for (int s = 0; s <= d->nsub; s++)
		if (d->chan[s] && d->chan[s]->state != HCS_UNOFFERED) {
			d->reoffer = s > 0 || c->state == HCS_REVOKED ||
				     c->state == HCS_REVOKED_OPEN;
			return -EBUSY;
		}
	d->reoffer = false;
	d->nsub = 0;                     /* a fresh offer: a fresh round of sub-channels */
	c->relid = chan_alloc_relid(h);
	if (!c->relid)
		return -ENOSPC;
	h->relid_map[c->relid] = c;
	vmbus_host_send_offer(h, c);
	return 0;
}

static void handle_request_offers(struct host *h, const uint8_t *msg, uint32_t size)
{
	struct host_dev *order[HOST_MAX_DEVICES];
	struct vmbus_msg_header all = { .msgtype = VMBUS_MSG_ALLOFFERS_DELIVERED };
	int n = 0;

	(void)msg;
	(void)size;
	if (h->offers_requested) {
		host_violate(h, 0, "second REQUESTOFFERS on one connection (§4.2 step 3)");
		return;
	}
	h->offers_requested = true;
	for (int i = 0; i < h->ndevs; i++)
		if (h->devs[i]->boot)
			order[n++] = h->devs[i];
	if (h->prof.sort_offers)
		qsort(order, (size_t)n, sizeof(order[0]), offer_cmp);
	if (h->prof.shuffle_offers)
		offer_shuffle(h, order, n);
	for (int i = 0; i < n; i++)
		vmbus_host_offer_dev(h, order[i]);
	vmbus_host_send(h, &all, sizeof(all));
}

/* ---- version negotiation (§3.3, §3.4, §8.3) ---- */

static bool version_supported(const struct host *h, uint32_t v)
{
	for (int i = 0; i < h->prof.nversions; i++)
		if (h->prof.versions[i] == v)
			return true;
	return false;
}

/* UNLOAD, or a repeated INITIATE_CONTACT: forget the connection (§4.9, §3.3). */
static void connection_reset(struct host *h)
{
	chan_reset_all(h);
	gpadl_free_all(h);
	host_timed_drop_connection(h);
	h->conn = HCONN_DISCONNECTED;
	h->offers_requested = false;
	h->version = 0;
	h->next_monitor = 0;
}

static void handle_initiate_contact(struct host *h, const uint8_t *msg, uint32_t size,
				    uint32_t conn)
{
	struct vmbus_msg_initiate_contact m;
	struct vmbus_msg_version_response2 r;
	uint32_t v;
	uint32_t rsize = sizeof(struct vmbus_msg_version_response);

	(void)size;
	memcpy(&m, msg, sizeof(m));
	v = m.version_requested;
	h->contacted = true;
	if (h->conn == HCONN_CONNECTED)
		connection_reset(h);      /* OpenVMM resets first (§3.3) */
	memset(&r, 0, sizeof(r));
	r.base.hdr.msgtype = VMBUS_MSG_VERSION_RESPONSE;
	if (v >= VMBUS_VERSION_WIN10_V5 && conn == VMBUS_MESSAGE_CONNECTION_ID &&
	    !h->prof.conn1_for_v5 && !(v == VMBUS_VERSION_COPPER && h->prof.fw_conn1_v6)) {
		host_violate(h, 0, "INITIATE_CONTACT %u.%u posted to connection 1; this host "
			     "requires connection 4 for 5.0+ (§3.3)",
			     VMBUS_VERSION_MAJOR(v), VMBUS_VERSION_MINOR(v));
		return;
	}
	if (m.target_vcpu != 0) {
		host_violate(h, 0, "INITIATE_CONTACT target_vcpu %u: the VM has one VP",
			     m.target_vcpu);
		return;
	}
	if (!version_supported(h, v) || (v >= VMBUS_VERSION_WIN10_V5 && m.msg_sint != 2)) {
		/* Refusal the real way: 16-byte response, all zero (§3.4). */
		vmbus_host_send(h, &r, rsize);
		return;
	}
	if ((m.monitor_page1 == 0) != (m.monitor_page2 == 0) ||
	    (m.monitor_page1 && (!host_gmem(h, m.monitor_page1, HV_PAGE_SIZE) ||
				 !host_gmem(h, m.monitor_page2, HV_PAGE_SIZE)))) {
		r.base.version_supported = 1;
		r.base.connection_state = VMBUS_CONNECTION_FAILED;   /* §3.4, §8.3 */
		vmbus_host_send(h, &r, rsize);
		return;
	}
	if (v < VMBUS_VERSION_WIN10_V5 && m.interrupt_page &&
	    !host_gmem(h, m.interrupt_page, HV_PAGE_SIZE)) {
		host_violate(h, 0, "interrupt page GPA 0x%llx outside guest memory",
			     (unsigned long long)m.interrupt_page);
		return;
	}
	h->conn = HCONN_CONNECTED;
	h->unloaded = false;
	h->version = v;
	h->target_vcpu = m.target_vcpu;
	h->interrupt_page = v < VMBUS_VERSION_WIN10_V5 ? m.interrupt_page : 0;
	h->monitor1 = m.monitor_page1;
	h->monitor2 = m.monitor_page2;
	r.base.version_supported = 1;
	r.base.msg_conn_id = v >= VMBUS_VERSION_WIN10_V5 ? h->prof.msg_conn_id : v;
	if (v >= VMBUS_VERSION_COPPER) {
		r.supported_features = 0;  /* intersection with what we support: none */
		rsize = sizeof(r);
	}
	if (h->ans_status_set)
		r.base.version_supported = (uint8_t)h->ans_status;
	vmbus_host_send(h, &r, rsize);
}

static void handle_unload(struct host *h, const uint8_t *msg, uint32_t size)
{
	struct vmbus_msg_header r = { .msgtype = VMBUS_MSG_UNLOAD_RESPONSE };
	uint32_t v = h->version;
	bool connected = h->conn == HCONN_CONNECTED;

	(void)msg;
	(void)size;
	connection_reset(h);
	h->unloaded = true;
	/* §4.9: answered from 1.1 on. Without a connection (a guest clearing a
	 * stale one before INITIATE_CONTACT, docs/protocols/gen2-platform.md §9.2) answer too,
	 * so its bounded wait ends early. */
	if (!connected || v >= VMBUS_VERSION_WIN7)
		vmbus_host_send(h, &r, sizeof(r));
}

/* ---- dispatch (§3.2) ---- */

typedef void (*msg_fn)(struct host *h, const uint8_t *msg, uint32_t size);

struct msg_handler {
	uint32_t type;
	uint32_t min_size;
	uint32_t min_version;
	msg_fn fn;
	bool unconnected;       /* accepted before a connection exists */
};

static const struct msg_handler handlers[] = {
	{ VMBUS_MSG_REQUESTOFFERS, 8, 0, handle_request_offers, false },
	{ VMBUS_MSG_OPENCHANNEL, 148, 0, chan_open, false },
	{ VMBUS_MSG_CLOSECHANNEL, 12, 0, chan_close, false },
	{ VMBUS_MSG_GPADL_HEADER, 28, 0, gpadl_header, false },
	{ VMBUS_MSG_GPADL_BODY, 16, 0, gpadl_body, false },
	{ VMBUS_MSG_GPADL_TEARDOWN, 16, 0, gpadl_teardown, false },
	{ VMBUS_MSG_RELID_RELEASED, 12, 0, chan_relid_released, false },
	{ VMBUS_MSG_UNLOAD, 8, 0, handle_unload, true },
	{ VMBUS_MSG_MODIFYCHANNEL, 16, VMBUS_VERSION_WIN10_V4_1, chan_modify, false },
};

/* The channel a guest message refers to, for triggers (NULL if none). */
static struct host_chan *msg_chan(struct host *h, uint32_t type, const uint8_t *msg,
				  uint32_t size)
{
	uint32_t v;

	switch (type) {
	case VMBUS_MSG_OPENCHANNEL:
	case VMBUS_MSG_CLOSECHANNEL:
	case VMBUS_MSG_GPADL_HEADER:
	case VMBUS_MSG_GPADL_TEARDOWN:
	case VMBUS_MSG_RELID_RELEASED:
	case VMBUS_MSG_MODIFYCHANNEL:
		if (size < 12)
			return NULL;
		memcpy(&v, msg + 8, 4);
		return vmbus_host_chan(h, v);
	case VMBUS_MSG_GPADL_BODY: {
		struct host_gpadl *g;

		if (size < 16)
			return NULL;
		memcpy(&v, msg + 12, 4);
		g = gpadl_find(h, v);
		return g ? vmbus_host_chan(h, g->relid) : NULL;
	}
	default:
		return NULL;
	}
}

static void record_recent(struct host *h, uint32_t conn, const uint8_t *msg, uint32_t size)
{
	struct host_recent *r = &h->recent[h->nrecent++ % HOST_RECENT_MSGS];

	r->conn_id = conn;
	r->size = size;
	r->t = host_now(h);
	memset(r->head, 0, sizeof(r->head));
	memcpy(r->head, msg, size < sizeof(r->head) ? size : sizeof(r->head));
}

/* Apply a matching trigger; returns false when the message must be dropped. */
static bool apply_trigger(struct host *h, uint32_t type, struct host_chan *c)
{
	uint64_t arg = 0;
	int act = host_trigger_match(h, type, c, &arg);

	switch (act) {
	case -1:
		return true;
	case HTA_RESCIND:
		if (c && c->state != HCS_REVOKED && c->state != HCS_REVOKED_OPEN &&
		    c->state != HCS_UNOFFERED)
			chan_rescind(h, c);
		return true;
	case HTA_DELAY:
		h->ans_delay = arg;
		return true;
	case HTA_DROP:
		return false;
	case HTA_DUPLICATE:
		h->ans_dup = 1;
		return true;
	case HTA_STATUS:
		h->ans_status_set = true;
		h->ans_status = (uint32_t)arg;
		return true;
	case HTA_NEVER_ANSWER:
		h->ans_never = true;
		return true;
	case HTA_OFFER_SUBCHANNELS:
		if (c)
			host_dev_offer_subchannels(c->dev, (int)arg);
		return true;
	case HTA_OFFER:
		if (c)
			host_timed_add(h, host_now(h) + arg, HTE_OFFER, (uint32_t)c->dev->index,
				       NULL, 0);
		return true;
	case HTA_RESCIND_AFTER:
		if (c)
			host_timed_add(h, host_now(h) + arg, HTE_RESCIND, (uint32_t)c->dev->index,
				       NULL, 0);
		return true;
	default:
		return true;
	}
}

void vmbus_host_handle(struct host *h, uint32_t conn, const uint8_t *msg, uint32_t size)
{
	struct vmbus_msg_header hdr;
	const struct msg_handler *mh = NULL;
	struct host_chan *c;
	uint32_t relid = 0;

	record_recent(h, conn, msg, size);
	if (size < sizeof(hdr)) {
		host_violate(h, 0, "short VMBus message: %u bytes", size);
		return;
	}
	memcpy(&hdr, msg, sizeof(hdr));
	if (size >= 12)
		memcpy(&relid, msg + 8, 4);
	if (hdr.msgtype == VMBUS_MSG_GPADL_BODY && size >= 16)
		memcpy(&relid, msg + 12, 4);    /* the handle: bodies carry no relid */
	host_trace(h, HT_GUEST_MSG, hdr.msgtype, relid, size);
	c = msg_chan(h, hdr.msgtype, msg, size);
	host_answer_reset(h);
	/* §4.9: after UNLOAD the guest may only contact the host anew. */
	if (h->unloaded && h->prof.strict_unload && hdr.msgtype != VMBUS_MSG_INITIATE_CONTACT) {
		host_violate(h, relid, "guest posted %s after UNLOAD (strict-unload)",
			     host_msgtype_name(hdr.msgtype));
		return;
	}
	if (!apply_trigger(h, hdr.msgtype, c))
		return;
	if (hdr.msgtype == VMBUS_MSG_INITIATE_CONTACT) {
		if (size < sizeof(struct vmbus_msg_initiate_contact))
			host_violate(h, 0, "short INITIATE_CONTACT: %u bytes", size);
		else
			handle_initiate_contact(h, msg, size, conn);
		goto out;
	}
	for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
		if (handlers[i].type == hdr.msgtype)
			mh = &handlers[i];
	if (!mh) {
		host_violate(h, relid, "guest sent %s (type %u), not a guest->host message "
			     "this host implements", host_msgtype_name(hdr.msgtype), hdr.msgtype);
		goto out;
	}
	if (size < mh->min_size) {
		host_violate(h, relid, "short %s: %u bytes, needs %u",
			     host_msgtype_name(hdr.msgtype), size, mh->min_size);
		goto out;
	}
	if (h->conn != HCONN_CONNECTED && !mh->unconnected) {
		host_violate(h, relid, "%s before a VMBus connection exists",
			     host_msgtype_name(hdr.msgtype));
		goto out;
	}
	if (h->version < mh->min_version) {
		host_violate(h, relid, "%s needs protocol %u.%u, connection is %u.%u",
			     host_msgtype_name(hdr.msgtype), VMBUS_VERSION_MAJOR(mh->min_version),
			     VMBUS_VERSION_MINOR(mh->min_version), VMBUS_VERSION_MAJOR(h->version),
			     VMBUS_VERSION_MINOR(h->version));
		goto out;
	}
	mh->fn(h, msg, size);
out:
	host_answer_reset(h);
}

/* ---- malformed host messages (§7.1: each must be dropped by the guest) ---- */

struct malformed {
	const char *kind;
	void (*make)(struct host *h, uint8_t *m, uint32_t *size);
};

/*
 * A relid the guest holds live: offered, opening or open. A revoked relid
 * may already be released by the guest (its RELID_RELEASED still in
 * flight), and reusing it would make a legitimate offer. 0 when none.
 */
static uint32_t any_live_relid(struct host *h)
{
	for (uint32_t r = 1; r < HOST_MAX_RELID; r++) {
		const struct host_chan *c = h->relid_map[r];

		if (c && (c->state == HCS_OFFERED || c->state == HCS_OPENING ||
			  c->state == HCS_OPEN))
			return r;
	}
	return 0;
}

static void mk_offer(struct host *h, uint8_t *m, uint32_t *size, uint32_t relid)
{
	struct vmbus_msg_offer o;

	memset(&o, 0, sizeof(o));
	o.hdr.msgtype = VMBUS_MSG_OFFERCHANNEL;
	o.if_type = echo_dev_ops.class_guid;
	memset(&o.if_instance, 0xEE, sizeof(o.if_instance));
	o.child_relid = relid;
	o.is_dedicated_interrupt = 1;
	o.connection_id = relid | h->prof.conn_id_base;
	memcpy(m, &o, sizeof(o));
	*size = sizeof(o);
}

static void mk_short_offer(struct host *h, uint8_t *m, uint32_t *size)
{
	mk_offer(h, m, size, HOST_MAX_RELID - 1);
	*size = 100;
}

static void mk_unknown_type(struct host *h, uint8_t *m, uint32_t *size)
{
	(void)h;
	m[0] = 99;
	*size = 16;
}

static void mk_rescind_unknown(struct host *h, uint8_t *m, uint32_t *size)
{
	struct vmbus_msg_relid r = { .hdr.msgtype = VMBUS_MSG_RESCIND_CHANNELOFFER,
				     .child_relid = HOST_MAX_RELID - 2 };
	(void)h;
	memcpy(m, &r, sizeof(r));
	*size = sizeof(r);
}

static void mk_dup_relid_offer(struct host *h, uint8_t *m, uint32_t *size)
{
	uint32_t relid = any_live_relid(h);

	if (relid)
		mk_offer(h, m, size, relid);     /* else *size stays 0: nothing to send */
}

static void mk_zero_relid_offer(struct host *h, uint8_t *m, uint32_t *size)
{
	mk_offer(h, m, size, 0);
}

static void mk_big_relid_offer(struct host *h, uint8_t *m, uint32_t *size)
{
	mk_offer(h, m, size, 4000);
}

static void mk_unsolicited_open_result(struct host *h, uint8_t *m, uint32_t *size)
{
	struct vmbus_msg_open_result r = { .hdr.msgtype = VMBUS_MSG_OPENCHANNEL_RESULT,
					   .child_relid = any_live_relid(h), .openid = 0x5eed };
	memcpy(m, &r, sizeof(r));
	*size = sizeof(r);
}

static void mk_unsolicited_gpadl_created(struct host *h, uint8_t *m, uint32_t *size)
{
	struct vmbus_msg_gpadl_created r = { .hdr.msgtype = VMBUS_MSG_GPADL_CREATED,
					     .child_relid = any_live_relid(h),
					     .gpadl = 0x7777777 };
	memcpy(m, &r, sizeof(r));
	*size = sizeof(r);
}

static void mk_unsolicited_version(struct host *h, uint8_t *m, uint32_t *size)
{
	struct vmbus_msg_version_response r = { .hdr.msgtype = VMBUS_MSG_VERSION_RESPONSE,
						.version_supported = 1 };
	(void)h;
	memcpy(m, &r, sizeof(r));
	*size = sizeof(r);
}

static const struct malformed malformed_table[] = {
	{ "short-offer", mk_short_offer },
	{ "unknown-type", mk_unknown_type },
	{ "rescind-unknown-relid", mk_rescind_unknown },
	{ "dup-relid-offer", mk_dup_relid_offer },
	{ "zero-relid-offer", mk_zero_relid_offer },
	{ "big-relid-offer", mk_big_relid_offer },
	{ "unsolicited-open-result", mk_unsolicited_open_result },
	{ "unsolicited-gpadl-created", mk_unsolicited_gpadl_created },
	{ "unsolicited-version-response", mk_unsolicited_version },
};

static const struct malformed *malformed_find(const char *kind)
{
	for (size_t i = 0; i < sizeof(malformed_table) / sizeof(malformed_table[0]); i++)
		if (!strcmp(malformed_table[i].kind, kind))
			return &malformed_table[i];
	return NULL;
}

bool host_malformed_kind_valid(const char *kind)
{
	return malformed_find(kind) != NULL;
}

int host_inject_malformed(struct host *h, const char *kind)
{
	const struct malformed *mf = malformed_find(kind);
	uint8_t m[HV_MESSAGE_PAYLOAD_BYTES];
	uint32_t size = 0;

	if (!mf)
		return -EINVAL;
	memset(m, 0, sizeof(m));
	mf->make(h, m, &size);
	if (!size)
		return -ENOENT;                  /* nothing this kind can reuse now */
	host_trace(h, HT_HOST_MSG, m[0], 0xFFFFFFFFu, 0);
	synic_post(h, m, size);
	return 0;
}

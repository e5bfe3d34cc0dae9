/*
 * The host library's core: lifetime, the embedder's environment (guest
 * memory, clock, interrupts, randomness, trace), strictness (violations and
 * the ring of recent guest messages that names them), the ready-work
 * interface the scheduler drives, timed events, scenario triggers, devices,
 * and the queries expectations and invariants use.
 *
 * See host/host.h for the contract; the protocol files are hv.c, synic.c,
 * vmbus_host.c, vmbus_host_chan.c, gpadl.c, ring_host.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/host_priv.h"

/* ---- environment ---- */

void *host_gmem(struct host *h, uint64_t gpa, size_t len)
{
	if (gpa + len < gpa)
		return NULL;
	return h->env.gmem(h->env.ctx, gpa, len);
}

uint64_t host_now(struct host *h)
{
	return h->env.now_ns(h->env.ctx);
}

void host_trace(struct host *h, int kind, uint32_t a, uint32_t b, uint64_t c)
{
	if (h->env.trace)
		h->env.trace(h->env.ctx, kind, a, b, c);
}

void host_violate(struct host *h, uint32_t relid, const char *fmt, ...)
{
	va_list ap;

	host_trace(h, HT_VIOLATION, relid, 0, 0);
	if (h->violated)
		return;                 /* the first one is the story */
	h->violated = true;
	va_start(ap, fmt);
	vsnprintf(h->violation, sizeof(h->violation), fmt, ap);
	va_end(ap);
}

const char *host_violation(const struct host *h)
{
	return h->violated ? h->violation : NULL;
}

size_t host_recent_guest_msgs(const struct host *h, char *buf, size_t cap)
{
	uint32_t n = h->nrecent < HOST_RECENT_MSGS ? h->nrecent : HOST_RECENT_MSGS;
	size_t o = 0;

	buf[0] = 0;
	for (uint32_t i = 0; i < n && o < cap; i++) {
		const struct host_recent *r = &h->recent[(h->nrecent - n + i) % HOST_RECENT_MSGS];
		uint32_t mt, relid;

		memcpy(&mt, r->head, 4);
		memcpy(&relid, r->head + 8, 4);
		o += (size_t)snprintf(buf + o, cap - o,
				      "  t=%llu conn=%u %s (%u bytes) word2=%u:",
				      (unsigned long long)r->t, r->conn_id, host_msgtype_name(mt),
				      r->size, relid);
		for (uint32_t k = 8; k < 24 && k < r->size && o < cap; k++)
			o += (size_t)snprintf(buf + o, cap - o, " %02x", r->head[k]);
		if (o < cap)
			o += (size_t)snprintf(buf + o, cap - o, "\n");
	}
	return o;
}

/* ---- lifetime ---- */

struct host *host_create(const struct host_env *env, const struct host_profile *p)
{
	struct host *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->env = *env;
	h->prof = *p;
	hv_reset(h);
	synic_reset(h);
	return h;
}

static void timed_free_all(struct host *h)
{
	while (h->timed) {
		struct host_timed *t = h->timed;

		h->timed = t->next;
		free(t);
	}
}

void host_destroy(struct host *h)
{
	if (!h)
		return;
	for (int i = 0; i < h->ndevs; i++) {
		struct host_dev *d = h->devs[i];

		for (int s = 0; s < 65; s++) {
			struct host_chan *c = d->chan[s];

			if (!c)
				continue;
			if (c->devpriv && d->ops->on_close)
				d->ops->on_close(d, c);
			free(c);
		}
		if (d->ops->destroy)
			d->ops->destroy(d);
		free(d->priv);
		free(d);
	}
	gpadl_free_all(h);
	timed_free_all(h);
	synic_fini(h);
	msgq_free(&h->port);
	free(h);
}

/* ---- timed events ---- */

void host_timed_add(struct host *h, uint64_t when, int kind, uint32_t arg, const void *msg,
		    uint32_t size)
{
	struct host_timed *t = calloc(1, sizeof(*t)), **pp = &h->timed;

	if (!t)
		return;
	t->when = when;
	t->seq = h->timed_seq++;
	t->kind = kind;
	t->arg = arg;
	if (msg && size <= sizeof(t->msg.data)) {
		memcpy(t->msg.data, msg, size);
		t->msg.size = size;
	}
	while (*pp && ((*pp)->when < when || ((*pp)->when == when && (*pp)->seq < t->seq)))
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
}

/*
 * The connection ends (UNLOAD, or INITIATE_CONTACT over a live one): answers
 * it still owed (delayed messages, open results, device completions) belong
 * to it and are never sent; the guest must see nothing of the old connection
 * after UNLOAD_RESPONSE. Only the hypervisor's own timer survives.
 */
void host_timed_drop_connection(struct host *h)
{
	struct host_timed **pp = &h->timed;

	while (*pp) {
		struct host_timed *t = *pp;

		if (t->kind == HTE_STIMER) {
			pp = &t->next;
			continue;
		}
		*pp = t->next;
		free(t);
	}
}

uint64_t host_next_deadline(const struct host *h)
{
	return h->timed ? (h->timed->when ? h->timed->when : 1) : 0;
}

static void stimer_fire(struct host *h)
{
	uint64_t cfg = h->hv.stimer_config;

	if (!(cfg & HV_STIMER_ENABLE))
		return;
	if (host_now(h) < h->hv.stimer_count * HV_REFTIME_NS_PER_TICK)
		return;                 /* re-armed later; a newer event is queued */
	h->hv.stimer_config &= ~HV_STIMER_ENABLE;       /* one-shot (§2.6, §8.10) */
	if (cfg & HV_STIMER_DIRECT_MODE) {
		h->env.raise_irq(h->env.ctx, (int)((cfg & HV_STIMER_VECTOR_MASK) >>
						   HV_STIMER_VECTOR_SHIFT));
	} else {
		uint32_t sint = (uint32_t)((cfg & HV_STIMER_SINT_MASK) >> HV_STIMER_SINT_SHIFT);
		struct hv_message *slot = (h->hv.simp & 1) ?
			host_gmem(h, (h->hv.simp & ~0xFFFull) + sint * HV_MESSAGE_SLOT_SIZE,
				  sizeof(*slot)) : NULL;
		struct hv_timer_message_payload p = {
			.timer_index = 0,
			.expiration_time = h->hv.stimer_count,
			.delivery_time = host_now(h) / HV_REFTIME_NS_PER_TICK,
		};

		if (slot && slot->header.message_type == HVMSG_NONE) {
			memcpy(slot->payload, &p, sizeof(p));
			slot->header.payload_size = sizeof(p);
			slot->header.message_type = HVMSG_TIMER_EXPIRED;
			if (!(h->hv.sint[sint] & HV_SINT_MASKED))
				h->env.raise_irq(h->env.ctx,
						 (int)(h->hv.sint[sint] & HV_SINT_VECTOR_MASK));
		}
	}
}

static void timed_run_due(struct host *h)
{
	uint64_t now = host_now(h);

	while (h->timed && h->timed->when <= now) {
		struct host_timed *t = h->timed;

		h->timed = t->next;
		switch (t->kind) {
		case HTE_MSG:
			synic_post(h, t->msg.data, t->msg.size);
			break;
		case HTE_OPEN_RESULT: {
			uint32_t st;

			memcpy(&st, t->msg.data, 4);
			chan_open_due(h, t->arg, st);
			break;
		}
		case HTE_STIMER:
			stimer_fire(h);
			break;
		case HTE_OFFER:
			host_offer(h, (int)t->arg);
			break;
		case HTE_RESCIND:
			host_rescind(h, (int)t->arg, -1);
			break;
		case HTE_DEVICE: {
			int di = (int)(t->arg >> 8), si = (int)(t->arg & 0xFF);
			struct host_chan *c = di < h->ndevs && si <= 64 ? h->devs[di]->chan[si] : NULL;

			if (c && c->hold_until && host_now(h) >= c->hold_until) {
				c->hold_until = 0;
				c->kicked = true;       /* read what piled up meanwhile */
			}
			if (c && c->state == HCS_OPEN && c->dev->ops->tick)
				c->dev->ops->tick(c->dev, c);
			break;
		}
		}
		free(t);
	}
}

/* ---- ready work ---- */

static void monitor_poll(struct host *h)
{
	/* Guest->host MNF: pending bits in the child->parent page (§6). */
	struct vmbus_monitor_page *mp;

	if (!h->monitor2 || !h->next_monitor || h->conn != HCONN_CONNECTED)
		return;
	mp = host_gmem(h, h->monitor2, sizeof(*mp));
	if (!mp)
		return;
	for (uint32_t g = 0; g < 4; g++) {
		/* Single-threaded here; keel-host will need an atomic exchange. */
		uint32_t bits = mp->trigger_group[g].pending;

		mp->trigger_group[g].pending = 0;

		while (bits) {
			uint8_t id = (uint8_t)(g * 32 + (uint32_t)__builtin_ctz(bits));

			bits &= bits - 1;
			for (uint32_t r = 1; r < HOST_MAX_RELID; r++) {
				struct host_chan *c = h->relid_map[r];

				if (c && c->monitor_allocated && c->monitorid == id &&
				    c->state == HCS_OPEN)
					c->kicked = true;
			}
		}
	}
}

int host_ready(struct host *h, struct host_work *w, int max)
{
	int n = 0;

	monitor_poll(h);
	if (n < max && h->port.count)
		w[n++] = (struct host_work){ HW_GUEST_MSG, 0 };
	if (n < max && synic_can_deliver(h))
		w[n++] = (struct host_work){ HW_DELIVER, 0 };
	if (n < max && h->timed && h->timed->when <= host_now(h))
		w[n++] = (struct host_work){ HW_TIMED, 0 };
	for (int i = 0; i < h->ndevs && n < max; i++) {
		struct host_dev *d = h->devs[i];

		for (int s = 0; s <= d->nsub && n < max; s++) {
			struct host_chan *c = d->chan[s];

			/* A polling host (interrupt_mask set) looks at the ring itself. */
			if (c && !c->kicked && h->prof.host_masks_interrupts &&
			    c->state == HCS_OPEN && ring_host_pending(&c->in))
				c->kicked = true;
			if (c && c->kicked)
				w[n++] = (struct host_work){ HW_CHANNEL, c->relid };
		}
	}
	return n;
}

void host_run(struct host *h, const struct host_work *w)
{
	switch (w->kind) {
	case HW_GUEST_MSG: {
		struct host_msgbuf m, *p = msgq_peek(&h->port);

		if (!p)
			return;
		m = *p;
		msgq_pop(&h->port);
		vmbus_host_handle(h, m.conn, m.data, m.size);
		break;
	}
	case HW_DELIVER:
		synic_deliver(h);
		break;
	case HW_TIMED:
		timed_run_due(h);
		break;
	case HW_CHANNEL:
		chan_service(h, w->arg);
		break;
	default:
		break;
	}
}

uint32_t host_pending_guest_msgs(const struct host *h)
{
	return h->port.count;
}

uint32_t host_pending_host_msgs(const struct host *h)
{
	return h->synic.q.count;
}

/* ---- triggers ---- */

int host_trigger_add(struct host *h, const struct host_trigger *t)
{
	if (h->ntrig >= HOST_MAX_TRIGGERS)
		return -ENOSPC;
	h->trig[h->ntrig] = *t;
	h->trig[h->ntrig].seen = h->trig[h->ntrig].fired = 0;
	if (!h->trig[h->ntrig].nth)
		h->trig[h->ntrig].nth = 1;
	return h->ntrig++;
}

uint32_t host_trigger_fired(const struct host *h, int idx)
{
	return idx >= 0 && idx < h->ntrig ? h->trig[idx].fired : 0;
}

/*
 * Every trigger keyed on this message (or step) and channel counts it, so
 * each one's `nth` counts the matches it saw whatever the others do. One
 * action per message: the first trigger (in scenario order) whose turn it is
 * acts; another whose turn falls on the same message does not act and is not
 * counted as fired (so `expect triggered` names it). Returns the action, or
 * -1 when none acts.
 */
int host_trigger_match(struct host *h, uint32_t key, struct host_chan *c, uint64_t *arg)
{
	int act = -1;

	for (int i = 0; i < h->ntrig; i++) {
		struct host_trigger *t = &h->trig[i];

		if (t->msgtype != key)
			continue;
		if (t->dev >= 0 && (!c || c->dev->index != t->dev))
			continue;
		if (t->subidx >= 0 && (!c || c->subidx != t->subidx))
			continue;
		t->seen++;
		if (act >= 0 || t->seen < t->nth || (!t->every && t->seen > t->nth))
			continue;
		if (t->max && t->fired >= t->max)
			continue;
		t->fired++;
		*arg = t->arg;
		act = t->action;
		host_trace(h, HT_TRIGGER, key, c ? c->relid : 0, (uint64_t)t->action);
	}
	return act;
}

void host_set_post_fail_permille(struct host *h, unsigned pm)
{
	h->post_fail_pm = pm > 1000 ? 1000 : pm;
}

void host_set_insufficient_buffers(struct host *h, uint32_t n)
{
	h->ibuf_left = n;
}

/* ---- devices ---- */

static const struct host_dev_ops *const dev_types[] = {
	&echo_dev_ops,
	&storvsc_dev_ops,
	&netvsc_dev_ops,
	&ic_heartbeat_dev_ops,
	&ic_shutdown_dev_ops,
	&ic_timesync_dev_ops,
	&ic_kvp_dev_ops,
	&vpci_dev_ops,
};

static const struct host_dev_ops *dev_type_find(const char *type)
{
	for (size_t i = 0; i < sizeof(dev_types) / sizeof(dev_types[0]); i++)
		if (!strcmp(dev_types[i]->type, type))
			return dev_types[i];
	for (unsigned i = 0; i < gen2_plain_ntypes; i++)
		if (!strcmp(gen2_plain_types[i].type, type))
			return &gen2_plain_types[i];
	return NULL;
}

int host_device_counter(struct host *h, int dev, const char *key, uint64_t *out)
{
	struct host_dev *d;

	if (dev < 0 || dev >= h->ndevs)
		return -EINVAL;
	d = h->devs[dev];
	return d->ops->counter ? d->ops->counter(d, key, out) : -ENOENT;
}

int host_device_read(struct host *h, int dev, uint64_t off, void *buf, size_t len)
{
	struct host_dev *d;

	if (dev < 0 || dev >= h->ndevs)
		return -EINVAL;
	d = h->devs[dev];
	return d->ops->read ? d->ops->read(d, off, buf, len) : -ENOTSUP;
}

bool host_device_type_valid(const char *type)
{
	return dev_type_find(type) != NULL;
}

/* Append "sep word" to buf (cap bytes, NUL-terminated); returns the length. */
static size_t list_add(char *buf, size_t cap, size_t o, const char *word, size_t len)
{
	if (o < cap)
		o += (size_t)snprintf(buf + o, cap - o, "%s%.*s", o ? ", " : "", (int)len, word);
	return o < cap ? o : cap - 1;
}

size_t host_device_types(char *buf, size_t cap)
{
	size_t o = 0;

	buf[0] = 0;
	for (size_t i = 0; i < sizeof(dev_types) / sizeof(dev_types[0]); i++)
		o = list_add(buf, cap, o, dev_types[i]->type, strlen(dev_types[i]->type));
	for (unsigned i = 0; i < gen2_plain_ntypes; i++)
		o = list_add(buf, cap, o, gen2_plain_types[i].type, strlen(gen2_plain_types[i].type));
	return o;
}

/* Keys every device takes (host_device_param below), before the type's own. */
static const char common_keys[] = "boot open-delay open-status";

/* Whether key is one of the blank-separated words of list. */
static bool key_listed(const char *list, const char *key)
{
	size_t L = strlen(key);

	while (list && *list) {
		size_t n = strcspn(list, " ");

		if (n == L && !strncmp(list, key, L))
			return true;
		list += n;
		list += strspn(list, " ");
	}
	return false;
}

bool host_device_key_valid(const char *type, const char *key)
{
	const struct host_dev_ops *ops = dev_type_find(type);

	return ops && (key_listed(common_keys, key) || key_listed(ops->keys, key));
}

size_t host_device_keys(const char *type, char *buf, size_t cap)
{
	const struct host_dev_ops *ops = dev_type_find(type);
	const char *lists[2] = { common_keys, ops ? ops->keys : NULL };
	size_t o = 0;

	buf[0] = 0;
	for (int k = 0; k < 2; k++)
		for (const char *p = lists[k]; p && *p; p += strspn(p, " ")) {
			size_t n = strcspn(p, " ");

			o = list_add(buf, cap, o, p, n);
			p += n;
		}
	return o;
}

int host_device_add(struct host *h, const char *type, const char *name)
{
	const struct host_dev_ops *ops = dev_type_find(type);
	struct host_dev *d;

	if (!ops)
		return -ENOENT;
	if (h->ndevs >= HOST_MAX_DEVICES)
		return -ENOSPC;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->ops = ops;
	d->h = h;
	d->index = h->ndevs;
	d->boot = true;
	snprintf(d->name, sizeof(d->name), "%s", name);
	/* Instance GUID: "keel" + index, fixed so traces are stable. */
	memcpy(d->instance.b, "\x4b\x45\x45\x4c", 4);
	d->instance.b[4] = (uint8_t)d->index;
	d->instance.b[5] = (uint8_t)(d->index >> 8);
	memcpy(d->instance.b + 6, "\x40\x80\x6b\x65\x65\x6c\x73\x69\x6d\x00", 10);
	d->priv = calloc(1, ops->priv_size ? ops->priv_size : 1);
	d->chan[0] = calloc(1, sizeof(struct host_chan));
	if (!d->priv || !d->chan[0]) {
		free(d->priv);
		free(d->chan[0]);
		free(d);
		return -ENOMEM;
	}
	d->chan[0]->dev = d;
	if (ops->init && ops->init(d) < 0) {
		free(d->priv);
		free(d->chan[0]);
		free(d);
		return -EINVAL;
	}
	h->devs[h->ndevs] = d;
	return h->ndevs++;
}

/* "10ms", "250us", "3s", "1500" (ns) */
int host_parse_ns(const char *s, uint64_t *out)
{
	static const struct { const char *sfx; uint64_t mul; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 }, { "", 1 },
	};
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (end == s || *s == '-')
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(end, units[i].sfx)) {
			if (v > UINT64_MAX / units[i].mul)
				return -ERANGE;         /* durations are 64-bit ns */
			*out = v * units[i].mul;
			return 0;
		}
	return -EINVAL;
}

int host_device_param(struct host *h, int dev, const char *key, const char *val)
{
	struct host_dev *d;
	uint64_t ns;

	if (dev < 0 || dev >= h->ndevs)
		return -EINVAL;
	d = h->devs[dev];
	if (!key_listed(common_keys, key) && !key_listed(d->ops->keys, key))
		return -ENOENT;
	if (!strcmp(key, "open-delay")) {
		if (host_parse_ns(val, &ns) < 0)
			return -EINVAL;
		d->open_delay_ns = ns;
		return 0;
	}
	if (!strcmp(key, "open-status")) {
		char *end;

		d->open_status = (uint32_t)strtoul(val, &end, 0);
		return *end ? -EINVAL : 0;
	}
	if (!strcmp(key, "boot")) {
		d->boot = !strcmp(val, "yes");
		return (!strcmp(val, "yes") || !strcmp(val, "no")) ? 0 : -EINVAL;
	}
	return d->ops->param ? d->ops->param(d, key, val) : -EINVAL;
}

int host_device_count(const struct host *h)
{
	return h->ndevs;
}

int host_device_find(const struct host *h, const char *name)
{
	for (int i = 0; i < h->ndevs; i++)
		if (!strcmp(h->devs[i]->name, name))
			return i;
	return -1;
}

const char *host_device_name(const struct host *h, int dev)
{
	return dev >= 0 && dev < h->ndevs ? h->devs[dev]->name : "?";
}

int host_device_instance(const struct host *h, int dev, struct vmbus_guid *out)
{
	if (dev < 0 || dev >= h->ndevs)
		return -EINVAL;
	*out = h->devs[dev]->instance;
	return 0;
}

void host_device_set_boot(struct host *h, int dev, bool boot)
{
	if (dev >= 0 && dev < h->ndevs)
		h->devs[dev]->boot = boot;
}

/* ---- scenario actions ---- */

int host_offer(struct host *h, int dev)
{
	struct host_dev *d;

	if (dev < 0 || dev >= h->ndevs)
		return -EINVAL;
	d = h->devs[dev];
	d->boot = true;                  /* also offered by the next REQUESTOFFERS */
	if (h->conn != HCONN_CONNECTED || !h->offers_requested)
		return 0;
	return vmbus_host_offer_dev(h, d);
}

int host_rescind(struct host *h, int dev, int subidx)
{
	struct host_dev *d;

	if (dev < 0 || dev >= h->ndevs)
		return -EINVAL;
	d = h->devs[dev];
	if (subidx < 0) {
		/* Sub-channels first, then the primary (Linux handles both orders, §4.8). */
		for (int s = d->nsub; s >= 0; s--)
			if (d->chan[s])
				chan_rescind(h, d->chan[s]);
		d->boot = false;
		return 0;
	}
	if (subidx > d->nsub || !d->chan[subidx])
		return -ENOENT;
	chan_rescind(h, d->chan[subidx]);
	if (subidx == 0)
		d->boot = false;
	return 0;
}

/* ---- queries ---- */

int64_t host_chan_query(const struct host *h, int dev, int subidx, int what)
{
	const struct host_dev *d;
	const struct host_chan *c;

	if (dev < 0 || dev >= h->ndevs)
		return -1;
	d = h->devs[dev];
	if (what == HQ_SUBCHANNELS)
		return d->nsub;
	if (subidx < 0 || subidx > 64 || !(c = d->chan[subidx]))
		return what == HQ_EXISTS ? 0 : -1;
	switch (what) {
	case HQ_STATE:    return c->state;
	case HQ_RELID:    return c->relid;
	case HQ_OPENS:    return c->opens;
	case HQ_PACKETS:  return c->packets;
	case HQ_RELEASES: return c->releases;
	case HQ_RESCINDS: return c->rescinds;
	case HQ_GPADLS: {
		int64_t n = 0;

		for (const struct host_gpadl *g = h->gpadls; g; g = g->next)
			n += c->relid && g->relid == c->relid;
		return n;
	}
	case HQ_EXISTS:   return 1;
	case HQ_MASKED_SIGNALS: return c->masked_signals;
	case HQ_UNREAD_UNMASKED:
		return c->state == HCS_OPEN ? ring_host_unread_unmasked((struct host_ring *)&c->out)
					    : -1;
	default:          return -1;
	}
}

bool host_connected(const struct host *h) { return h->conn == HCONN_CONNECTED; }
uint32_t host_version(const struct host *h) { return h->version; }
bool host_unloaded(const struct host *h) { return h->unloaded; }
bool host_contacted(const struct host *h) { return h->contacted; }

/* End-of-run invariants the host can judge (§8.8). */
static int check_final(struct host *h, char *why, size_t cap)
{
	if (h->violated) {
		snprintf(why, cap, "host-side violation: %s", h->violation);
		return -1;
	}
	for (int i = 0; i < h->ndevs; i++) {
		struct host_dev *d = h->devs[i];

		if (d->ops->check_final && d->ops->check_final(d, why, cap))
			return -1;
		for (int s = 0; s <= d->nsub; s++) {
			struct host_chan *c = d->chan[s];

			if (!c)
				continue;
			if (c->state == HCS_REVOKED || c->state == HCS_REVOKED_OPEN) {
				snprintf(why, cap, "device %s channel %d (relid %u) was rescinded "
					 "but never got RELID_RELEASED (state %s)", d->name, s,
					 c->relid, host_chan_state_name(c->state));
				return -1;
			}
			if (c->state == HCS_OPEN && !c->kicked && ring_host_pending(&c->in)) {
				snprintf(why, cap, "device %s channel %d (relid %u): guest wrote "
					 "packets to an empty ring without signalling the host "
					 "(lost signal, docs/protocols/vmbus.md §5.5)", d->name, s, c->relid);
				return -1;
			}
		}
	}
	for (struct host_gpadl *g = h->gpadls; g; g = g->next) {
		struct host_chan *c = vmbus_host_chan(h, g->relid);

		if (!c || c->state == HCS_UNOFFERED) {
			snprintf(why, cap, "GPADL 0x%x outlives its channel (relid %u)", g->handle,
				 g->relid);
			return -1;
		}
	}
	return 0;
}

/* A finding at the end is a violation like any other (expect violation). */
int host_check_final(struct host *h, char *why, size_t cap)
{
	int r = check_final(h, why, cap);

	if (r < 0 && !h->violated)
		host_violate(h, 0, "%s", why);
	return r;
}

/* ---- trace formatting ---- */

int host_trace_format(char *buf, size_t cap, int kind, uint32_t a, uint32_t b, uint64_t c)
{
	static const char *const trig_names[] = {
		"rescind", "delay", "drop", "duplicate", "status", "never-answer", "ibuf",
	};

	switch (kind) {
	case HT_GUEST_MSG:
		return snprintf(buf, cap, "host <- guest %s relid/handle=%u size=%llu",
				host_msgtype_name(a), b, (unsigned long long)c);
	case HT_HOST_MSG:
		return snprintf(buf, cap, "host -> queue %s relid=%u delay=%llu",
				host_msgtype_name(a), b, (unsigned long long)c);
	case HT_DELIVER:
		return snprintf(buf, cap, "synic slot <- %s relid=%u pending=%llu",
				host_msgtype_name(a), b, (unsigned long long)c);
	case HT_EOM:
		return snprintf(buf, cap, "synic EOM (queued %u)", a);
	case HT_HCALL_FAIL:
		return snprintf(buf, cap, "hypercall 0x%x -> status 0x%x", a, b);
	case HT_SIGNAL_HOST:
		return snprintf(buf, cap, "guest signals relid %u", a);
	case HT_SIGNAL_GUEST:
		return snprintf(buf, cap, "host signals relid %u", a);
	case HT_PKT_RX:
		return snprintf(buf, cap, "ring relid %u: host read packet type %u len %llu", a,
				b, (unsigned long long)c);
	case HT_PKT_TX:
		return snprintf(buf, cap, "ring relid %u: host wrote packet type %u payload %llu",
				a, b, (unsigned long long)c);
	case HT_RING_FULL:
		return snprintf(buf, cap, "ring relid %u: full, pending_send_sz=%u", a, b);
	case HT_CHAN_STATE:
		return snprintf(buf, cap, "channel relid %u -> %s", a, host_chan_state_name((int)b));
	case HT_TRIGGER:
		return snprintf(buf, cap, "trigger on %s relid %u: %s", host_msgtype_name(a), b,
				c < sizeof(trig_names) / sizeof(trig_names[0]) ? trig_names[c] : "?");
	case HT_OFFER:
		return snprintf(buf, cap, "offer relid %u device #%u sub %llu", a, b,
				(unsigned long long)c);
	case HT_RESCIND:
		return snprintf(buf, cap, "rescind relid %u device #%u sub %llu", a, b,
				(unsigned long long)c);
	case HT_VIOLATION:
		return snprintf(buf, cap, "VIOLATION (relid %u)", a);
	case HT_DEVICE:
		return snprintf(buf, cap, "device relid %u event %u value %llu", a, b,
				(unsigned long long)c);
	default:
		return snprintf(buf, cap, "host event %d %u %u %llu", kind, a, b,
				(unsigned long long)c);
	}
}

/*
 * Guest driver for the simulator's echo device (include/hyperv/echo_wire.h):
 * the smallest driver that exercises the whole channel life cycle. A test
 * device: built only with KEEL_TEST_HOOKS (keelsim, unit tests), never in
 * keel.efi.
 *
 * probe (device queue): open the primary channel; optionally ask for
 * sub-channels and wait until the sub-channel callback has opened every
 * granted one; send echo requests on every open channel and check each
 * reply byte for byte; then report ready.
 * subchan_offer (the device's sub-channel queue, rule 2): open the sub-channel.
 * event callback (vmbus_event queue, never waits): drain the ring, match
 * completions through the requestor table, verify, wake the probe.
 * release (vmbus_chan, once every channel is released): free the state.
 */
#ifdef KEEL_TEST_HOOKS
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/echo.h"
#include "include/hyperv/echo_wire.h"
#include "kernel/log.h"
#include "kernel/wq.h"
#include "vmbus/vmbus.h"

int echo_subchannels_wanted;
int echo_packets_per_channel = 4;

#define ECHO_MAX_CHANNELS 9
/* The primary's ring GPADL (2 + 2 * 16 pages) needs a GPADL_BODY after the
 * header's 26 PFNs, so every echo open exercises multi-message GPADLs. */
#define ECHO_RING_PAGES 16
#define ECHO_SUB_RING_PAGES 4
#define ECHO_MAX_REQUESTS 32
#define ECHO_TIMEOUT_NS (3000ull * WQ_NS_PER_MS)
#define ECHO_LOCK_TIMEOUT_NS (10000ull * WQ_NS_PER_MS)
#define ECHO_CTX_SUBCHANNELS 0xFFFFu

static const uint32_t echo_sizes[] = { 1, 64, 500, ECHO_MAX_PAYLOAD };

struct echo_dev;

/* A slot is taken (c set) before its open starts and stays taken if the
 * open fails: an open that waits never shares its slot with another. */
struct echo_chan {
	struct vmbus_channel *c;
	struct echo_dev *ed;
	bool open;                      /* vmbus_chan_open succeeded */
};

struct echo_dev {
	struct vmbus_device *dev;
	struct echo_chan ch[ECHO_MAX_CHANNELS];
	int nch;                        /* slots taken (opening, open or failed) */
	struct waitq wait;              /* woken by the event callback and sub-channel opens */
	bool sub_answered;
	uint32_t sub_status;
	uint16_t granted;
	int subs_done;                  /* sub-channel offers handled (opened or failed) */
	int subs_failed;
	uint32_t sent, ok, bad;
	uint64_t rxbuf[(ECHO_MAX_PAYLOAD + sizeof(struct echo_msg_echo) + 64) / 8];
	uint8_t txbuf[ECHO_MAX_PAYLOAD + sizeof(struct echo_msg_echo)];
};

/*
 * The shared resource: one lock for all echo devices, as NIC drivers share
 * one configuration lock. A named singleton; re-initialised when no holder
 * can exist (a new simulation run), recognised by the generation number.
 */
static struct kmutex echo_lock;
static uint32_t echo_lock_gen;

static uint8_t echo_pattern(uint32_t seq, uint32_t i)
{
	return (uint8_t)(seq * 31u + i * 7u + 1u);
}

/* ---- event callback: vmbus_event queue, never waits ---- */

static void echo_on_reply(struct echo_chan *ec, const struct vmbus_pkt *p)
{
	struct echo_dev *ed = ec->ed;
	const struct echo_msg_hdr *h = (const void *)p->data;
	uint64_t ctx;

	if (p->type != VMBUS_PKT_COMP || p->data_len < sizeof(*h) ||
	    vmbus_chan_complete(ec->c, p->trans_id, &ctx)) {
		ed->bad++;
		return;
	}
	if (ctx == ECHO_CTX_SUBCHANNELS) {
		const struct echo_msg_subchannels *s = (const void *)p->data;
		if (h->type != ECHO_MSG_SUBCHANNELS_COMPLETE || p->data_len < sizeof(*s)) {
			ed->sub_status = ECHO_STATUS_UNSUCCESSFUL;
		} else {
			ed->sub_status = s->hdr.status;
			ed->granted = s->count;
		}
		ed->sub_answered = true;
		return;
	}
	const struct echo_msg_echo *e = (const void *)p->data;
	uint32_t seq = (uint32_t)ctx, len = echo_sizes[seq % 4];
	bool good = h->type == ECHO_MSG_ECHO_COMPLETE && h->status == ECHO_STATUS_SUCCESS &&
		    p->data_len >= sizeof(*e) && e->len == len && e->seq == seq &&
		    p->data_len - sizeof(*e) >= len;
	for (uint32_t i = 0; good && i < len; i++)
		good = e->data[i] == echo_pattern(seq, i);
	if (good)
		ed->ok++;
	else
		ed->bad++;
}

static void echo_on_event(struct vmbus_channel *c, void *arg)
{
	struct echo_chan *ec = arg;
	struct vmbus_ring_iter it;
	struct vmbus_pkt p;
	int r;

	do {
		vmbus_chan_recv_begin(c, &it);
		while ((r = vmbus_chan_recv_next(c, &it, ec->ed->rxbuf, sizeof(ec->ed->rxbuf), &p)) != 0) {
			if (r == 1)
				echo_on_reply(ec, &p);
			else if (r == -EIO)
				break;
		}
	} while (vmbus_chan_recv_end(c, &it));
	waitq_wake_all(&ec->ed->wait);
}

/* ---- probe, sub-channels, remove ---- */

static int echo_open(struct echo_dev *ed, struct vmbus_channel *c)
{
	struct echo_chan *ec;
	uint32_t pages = vmbus_chan_subidx(c) ? ECHO_SUB_RING_PAGES : ECHO_RING_PAGES;
	struct vmbus_chan_open_args a = {
		.out_pages = pages, .in_pages = pages,
		.max_requests = ECHO_MAX_REQUESTS, .cb = echo_on_event,
	};
	int err;

	if (ed->nch >= ECHO_MAX_CHANNELS)
		return -ENOSPC;
	ec = &ed->ch[ed->nch++];        /* taken before the open waits */
	ec->c = c;
	ec->ed = ed;
	a.cb_arg = ec;
	err = vmbus_chan_open(c, &a);
	ec->open = err == 0;
	return err;
}

static void echo_subchan_offer(struct vmbus_device *dev, struct vmbus_channel *sc)
{
	struct echo_dev *ed = vmbus_device_priv(dev);
	int err;

	err = echo_open(ed, sc);
	if (err) {
		pr_err("echo: %s: sub-channel %u (relid %u) open failed (%d)\n",
		       vmbus_device_name(dev), vmbus_chan_subidx(sc), vmbus_chan_relid(sc), err);
		ed->subs_failed++;
	}
	ed->subs_done++;
	waitq_wake_all(&ed->wait);
}

/* Every wait also ends when the host revokes any of our channels: the core
 * runs our event callback on a rescind, which wakes ed->wait. */
static bool echo_gone(const struct echo_dev *ed)
{
	for (int k = 0; k < ed->nch; k++)
		if (vmbus_chan_rescinded(ed->ch[k].c))
			return true;
	return ed->nch == 0 || !ed->ch[0].open;
}
static bool echo_sub_answered(void *arg)
{
	struct echo_dev *ed = arg;
	return ed->sub_answered || echo_gone(ed);
}
static bool echo_subs_done(void *arg)
{
	struct echo_dev *ed = arg;
	return ed->subs_done >= ed->granted || echo_gone(ed);
}
static bool echo_all_replied(void *arg)
{
	struct echo_dev *ed = arg;
	return ed->ok + ed->bad >= ed->sent || echo_gone(ed);
}

/* Ask for sub-channels and wait until every granted one is open (§4.8). */
static int echo_subchannels(struct echo_dev *ed)
{
	struct echo_msg_subchannels m;
	uint64_t id;
	int err;

	if (echo_lock_gen != vmbus_generation()) {
		kmutex_init(&echo_lock, "echo_shared");
		echo_lock_gen = vmbus_generation();
	}
	err = kmutex_lock(&echo_lock, ECHO_LOCK_TIMEOUT_NS);
	if (err)
		return err;
	/* Offers the host sent before this (held by the core) arrive now. */
	err = vmbus_device_request_subchannels(ed->dev);
	if (err) {
		kmutex_unlock(&echo_lock);
		return err;
	}
	memset(&m, 0, sizeof(m));
	m.hdr.type = ECHO_MSG_CREATE_SUBCHANNELS;
	m.count = (uint16_t)echo_subchannels_wanted;
	err = vmbus_chan_send_request(ed->ch[0].c, &m, sizeof(m), ECHO_CTX_SUBCHANNELS, &id);
	if (!err)
		err = wq_wait_event(&ed->wait, echo_sub_answered, ed, ECHO_TIMEOUT_NS);
	if (!err && echo_gone(ed))
		err = -ENODEV;
	if (!err && ed->sub_status != ECHO_STATUS_SUCCESS)
		err = -EIO;
	if (!err)
		err = wq_wait_event(&ed->wait, echo_subs_done, ed, ECHO_TIMEOUT_NS);
	if (!err && echo_gone(ed))
		err = -ENODEV;
	if (!err && ed->subs_failed)
		err = -EIO;
	kmutex_unlock(&echo_lock);
	return err;
}

static int echo_send_all(struct echo_dev *ed)
{
	struct echo_msg_echo *e = (void *)ed->txbuf;
	uint32_t seq = 0;
	int err;

	for (int k = 0; k < ed->nch; k++) {
		if (!ed->ch[k].open)
			continue;
		for (int j = 0; j < echo_packets_per_channel; j++, seq++) {
			uint32_t len = echo_sizes[seq % 4];
			uint64_t id;

			memset(e, 0, sizeof(*e));
			e->hdr.type = ECHO_MSG_ECHO;
			e->len = len;
			e->seq = seq;
			for (uint32_t i = 0; i < len; i++)
				e->data[i] = echo_pattern(seq, i);
			err = vmbus_chan_send_request(ed->ch[k].c, e, sizeof(*e) + len, seq, &id);
			if (err)
				return err;
			ed->sent++;
		}
	}
	err = wq_wait_event(&ed->wait, echo_all_replied, ed, ECHO_TIMEOUT_NS);
	return !err && echo_gone(ed) ? -ENODEV : err;
}

/*
 * Waits in this driver: ed->wait is woken by echo_on_event (vmbus_event
 * queue: replies, rescinds, the last callback at close) and by
 * echo_subchan_offer (the device's sub-channel queue); echo_lock is released by its
 * holder. Each wait has a timeout, and echo_gone is its rescind path.
 */
static void echo_close_all(struct echo_dev *ed)
{
	for (int k = ed->nch - 1; k >= 0; k--) {
		vmbus_chan_close(ed->ch[k].c);
		ed->ch[k].open = false;
	}
}

static int echo_probe(struct vmbus_device *dev)
{
	struct echo_dev *ed = calloc(1, sizeof(*ed));
	int err;

	if (!ed)
		return -ENOMEM;
	ed->dev = dev;
	waitq_init(&ed->wait, "echo");
	/* The sub-channel opens that end the wait for them run there. */
	waitq_set_completer(&ed->wait, vmbus_device_subchan_queue(dev));
	vmbus_device_set_priv(dev, ed);
	err = echo_open(ed, vmbus_device_channel(dev));
	if (err)
		goto fail;
	if (echo_subchannels_wanted > 0) {
		err = echo_subchannels(ed);
		if (err)
			goto fail;
	}
	err = echo_send_all(ed);
	if (err)
		goto fail;
	if (ed->bad) {
		pr_err("echo: %s: %u of %u replies wrong\n", vmbus_device_name(dev), ed->bad, ed->sent);
		err = -EIO;
		goto fail;
	}
	vmbus_device_set_ready(dev);
	return 0;
fail:
	echo_close_all(ed);
	return err;
}

static void echo_remove(struct vmbus_device *dev)
{
	struct echo_dev *ed = vmbus_device_priv(dev);

	if (ed)
		echo_close_all(ed);
}

/* Every channel is closed and released, the device's queues are idle. */
static void echo_release(struct vmbus_device *dev)
{
	free(vmbus_device_priv(dev));
	vmbus_device_set_priv(dev, NULL);
}

const struct vmbus_driver echo_driver = {
	.class_id = ECHO_CLASS_GUID_INIT,
	.name = "echo",
	.probe = echo_probe,
	.remove = echo_remove,
	.subchan_offer = echo_subchan_offer,
	.release = echo_release,
};

#endif /* KEEL_TEST_HOOKS */

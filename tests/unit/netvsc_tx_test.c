/*
 * Unit tests of the synthetic NIC's send path (drivers/netvsc_tx.c) against a
 * fake channel: frames go into send-buffer sections; a full ring keeps the
 * section in an ordered backlog sent later, never dropped silently; a
 * completion frees its section only with the right generation, once; what
 * cannot be sent is counted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"

/* The channel and the stack, faked (names kept apart from other tests). */
#define vmbus_chan_send_request netvsc_fake_send_request
#define netdev_count_tx_drop netvsc_fake_count_tx_drop
#define netdev_tx_wake netvsc_fake_tx_wake
#include "drivers/netvsc_tx.c"

static uint32_t rd32_tx(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static int fake_full;                 /* sends refused with -EAGAIN */
static int fake_sent;
static uint32_t fake_section[32];
static uint64_t fake_ctx[32];
static struct vmbus_channel *fake_chan[32];
static int fake_drops;
static int fake_wakes;                /* netdev_tx_wake calls */

int netvsc_fake_send_request(struct vmbus_channel *c, const void *data, uint32_t len,
			     uint64_t ctx, uint64_t *trans_id)
{
	struct nvsp_rndis_pkt p;

	(void)c;
	if (fake_full)
		return -EAGAIN;
	if (len < sizeof(p) || fake_sent >= 32)
		return -EIO;
	memcpy(&p, data, sizeof(p));
	fake_section[fake_sent] = p.section_index;
	fake_ctx[fake_sent] = ctx;
	fake_chan[fake_sent] = c;
	fake_sent++;
	*trans_id = (uint64_t)fake_sent;
	return 0;
}

void netvsc_fake_tx_wake(struct netdev *nd)
{
	(void)nd;
	fake_wakes++;
}

void netvsc_fake_count_tx_drop(struct netdev *nd)
{
	(void)nd;
	fake_drops++;
}

static struct netvsc_dev *tx_setup(uint32_t nsections)
{
	struct netvsc_dev *nd = calloc(1, sizeof(*nd));

	if (!nd)
		return NULL;
	nd->state = NV_RUNNING;
	nd->ch[0].state = NCH_OPEN;
	nd->ch[0].c = (struct vmbus_channel *)(void *)nd;    /* never dereferenced */
	nd->nd_stack = (struct netdev *)(void *)nd;
	nd->tx_section_size = 256;
	nd->tx_nsections = nsections;
	nd->tx_buf = calloc(nsections, 256);
	netvsc_tx_init(nd);
	fake_full = fake_sent = fake_drops = fake_wakes = 0;
	return nd;
}

static void tx_free(struct netvsc_dev *nd)
{
	free(nd->tx_buf);
	free(nd);
}

static int t_tx_sections(void)
{
	struct netvsc_dev *nd = tx_setup(3);
	uint8_t frame[60] = { 0xAA };
	struct rndis_packet rp;

	CHECK(nd && nd->tx_buf);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(netvsc_xmit(nd, frame, sizeof(frame)), 0);
	netvsc_tx_done(nd, fake_ctx[0], NVSP_STAT_SUCCESS);
	CHECK_EQ(fake_wakes, 0);                /* nothing was refused: no wake */
	CHECK_EQ(netvsc_xmit(nd, frame, sizeof(frame)), 0);
	CHECK_EQ(netvsc_xmit(nd, frame, sizeof(frame)), -EAGAIN);   /* no section: the stack keeps it */
	CHECK_EQ(fake_sent, 4);
	/* The next freed section wakes the stack, once. */
	netvsc_tx_done(nd, fake_ctx[1], NVSP_STAT_SUCCESS);
	CHECK_EQ(fake_wakes, 1);
	netvsc_tx_done(nd, fake_ctx[2], NVSP_STAT_SUCCESS);
	CHECK_EQ(fake_wakes, 1);
	/* The section holds a PACKET_MSG with the frame right after rndis_packet. */
	CHECK_EQ(rd32_tx(nd->tx_buf), RNDIS_MSG_PACKET);
	memcpy(&rp, nd->tx_buf + 8, sizeof(rp));
	CHECK_EQ(rp.data_offset, 36);
	CHECK_EQ(rp.data_len, 60);
	CHECK_EQ(nd->tx_buf[8 + 36], 0xAA);
	/* Too large for a section: refused and counted. */
	CHECK_EQ(netvsc_xmit(nd, nd->tx_buf, 256), -EMSGSIZE);
	CHECK_EQ(fake_drops, 1);
	tx_free(nd);
	return 0;
}

static int t_tx_generations(void)
{
	struct netvsc_dev *nd = tx_setup(2);
	uint8_t frame[60] = { 0 };
	uint64_t old;

	CHECK(nd && nd->tx_buf);
	CHECK_EQ(netvsc_xmit(nd, frame, sizeof(frame)), 0);
	old = fake_ctx[0];
	netvsc_tx_done(nd, old, NVSP_STAT_SUCCESS);
	CHECK_EQ(nd->tx_busy, 0);
	/* The section is reused with a new generation: the old id (a late
	 * duplicate) must not free it. */
	CHECK_EQ(netvsc_xmit(nd, frame, sizeof(frame)), 0);
	CHECK_EQ(fake_section[1], fake_section[0]);
	netvsc_tx_done(nd, old, NVSP_STAT_SUCCESS);
	CHECK_EQ(nd->tx_busy, 1);
	CHECK_EQ(nd->n_unknown_ids, 1);
	netvsc_tx_done(nd, fake_ctx[1], NVSP_STAT_FAIL);
	CHECK_EQ(nd->tx_busy, 0);
	CHECK_EQ(nd->n_tx_fail, 1);
	netvsc_tx_done(nd, fake_ctx[1], NVSP_STAT_SUCCESS);        /* twice */
	CHECK_EQ(nd->n_unknown_ids, 2);
	netvsc_tx_done(nd, NETVSC_CTX(NETVSC_CTX_TX, 1, 7), 1);   /* no such section */
	CHECK_EQ(nd->n_unknown_ids, 3);
	tx_free(nd);
	return 0;
}

static int t_tx_ring_full(void)
{
	struct netvsc_dev *nd = tx_setup(4);
	uint8_t frame[60] = { 0 };

	CHECK(nd && nd->tx_buf);
	CHECK_EQ(netvsc_xmit(nd, frame, sizeof(frame)), 0);        /* section 0 sent */
	fake_full = 1;
	CHECK_EQ(netvsc_xmit(nd, frame, sizeof(frame)), 0);        /* 1: taken, waits */
	fake_full = 0;
	CHECK_EQ(netvsc_xmit(nd, frame, sizeof(frame)), 0);        /* 2: behind 1, in order */
	CHECK_EQ(fake_sent, 1);
	CHECK_EQ(nd->backlog_n, 2);
	fake_full = 1;
	netvsc_tx_kick(nd);                                         /* still full */
	CHECK_EQ(nd->backlog_n, 2);
	fake_full = 0;
	netvsc_tx_kick(nd);                                         /* the host made room */
	CHECK_EQ(nd->backlog_n, 0);
	CHECK_EQ(fake_sent, 3);
	CHECK(fake_section[1] == 1 && fake_section[2] == 2);
	CHECK_EQ(fake_drops, 0);
	/* A backlog the channel can no longer take is counted, not lost. */
	fake_full = 1;
	CHECK_EQ(netvsc_xmit(nd, frame, sizeof(frame)), 0);
	netvsc_tx_abort(nd);
	CHECK_EQ(fake_drops, 1);
	CHECK_EQ(nd->tx_busy, 0);
	tx_free(nd);
	return 0;
}

/* vRSS: an IPv4 flow goes out on the channel the send table names, ARP on
 * entry 0's; a channel that is not open sends on the primary; sections on a
 * sub-channel that went away are freed and counted. */
static int t_tx_spread(void)
{
	struct netvsc_dev *nd = tx_setup(4);
	uint8_t ip[60] = { 0 }, arp[42] = { 0 };

	CHECK(nd != NULL);
	nd->ch[1].state = NCH_OPEN;
	nd->ch[1].c = (struct vmbus_channel *)(void *)&nd->ch[1];
	memset(nd->send_table, 1, sizeof(nd->send_table));
	nd->send_table[0] = 0;
	ip[12] = 0x08;
	ip[14] = 0x45;
	ip[23] = 1;                             /* ICMP */
	ip[29] = 2;                             /* 0.0.0.2 -> 0.0.0.1 */
	ip[33] = 1;
	arp[12] = 0x08;
	arp[13] = 0x06;
	CHECK_EQ(netvsc_tx_pick(nd->send_table, ip, sizeof(ip)), 1);
	CHECK_EQ(netvsc_tx_pick(nd->send_table, arp, sizeof(arp)), 0);
	CHECK_EQ(netvsc_xmit(nd, ip, sizeof(ip)), 0);
	CHECK_EQ(netvsc_xmit(nd, arp, sizeof(arp)), 0);
	CHECK(fake_chan[0] == nd->ch[1].c);
	CHECK(fake_chan[1] == nd->ch[0].c);
	nd->ch[1].state = NCH_DEAD;
	netvsc_tx_chan_gone(nd, 1);
	CHECK_EQ(nd->tx_busy, 2);               /* section 0 (on channel 1) freed */
	CHECK_EQ(nd->n_tx_fail, 1);
	CHECK_EQ(netvsc_xmit(nd, ip, sizeof(ip)), 0);
	CHECK(fake_chan[2] == nd->ch[0].c);     /* channel 1 closed: the primary */
	tx_free(nd);
	return 0;
}

const struct unit_test netvsc_tx_tests[] = {
	{ "netvsc_tx_sections", t_tx_sections, QUICK },
	{ "netvsc_tx_generations", t_tx_generations, QUICK },
	{ "netvsc_tx_ring_full", t_tx_ring_full, QUICK },
	{ "netvsc_tx_spread", t_tx_spread, QUICK },
	{ NULL, NULL, QUICK },
};

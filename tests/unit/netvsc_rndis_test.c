/*
 * Unit tests of the synthetic NIC's RNDIS teardown (drivers/netvsc_rndis.c,
 * netvsc_rndis_halt) against a fake send path: on an open primary the host
 * is told packet filter 0, then HALT, in that order, even though teardown
 * has already refused new interface work; on a rescinded primary, or when
 * the filter was never set, nothing goes out.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"

/* The send path, the channel and the wait, faked (names kept apart from
 * other tests). */
#define netvsc_tx_rndis netvsc_fake_rh_tx_rndis
#define netvsc_link_event netvsc_fake_rh_link_event
#define vmbus_chan_rescinded netvsc_fake_rh_rescinded
#define completion_wait netvsc_fake_rh_completion_wait
struct completion;
int netvsc_fake_rh_completion_wait(struct completion *c, uint64_t timeout_ns);
#include "drivers/netvsc_rndis.c"

static struct netvsc_dev *rh_nd;
static bool rh_rescinded;
static int rh_sent;
static uint32_t rh_type[4], rh_oid[4], rh_val[4];

int netvsc_fake_rh_tx_rndis(struct netvsc_dev *nd, const void *msg, uint32_t len,
			    uint32_t chantype)
{
	const uint8_t *m = msg;

	(void)nd;
	if (chantype != NVSP_RNDIS_CHANNEL_CONTROL || rh_sent >= 4 || len < 12)
		return -EIO;
	memcpy(&rh_type[rh_sent], m, 4);
	if (len >= RNDIS_HDR_SIZE + sizeof(struct rndis_oid_req) + 4) {
		memcpy(&rh_oid[rh_sent], m + RNDIS_HDR_SIZE + 4, 4);
		memcpy(&rh_val[rh_sent], m + RNDIS_HDR_SIZE + sizeof(struct rndis_oid_req), 4);
	}
	rh_sent++;
	return 0;
}

void netvsc_fake_rh_link_event(struct netvsc_dev *nd, bool up)
{
	(void)nd;
	(void)up;
}

bool netvsc_fake_rh_rescinded(const struct vmbus_channel *c)
{
	(void)c;
	return rh_rescinded;
}

/* The host answers at once: SET_C with success. */
int netvsc_fake_rh_completion_wait(struct completion *c, uint64_t timeout_ns)
{
	(void)c;
	(void)timeout_ns;
	rh_nd->rreq.err = 0;
	return 0;
}

static struct netvsc_dev *rh_setup(bool rescinded, bool filter_on)
{
	struct netvsc_dev *nd = calloc(1, sizeof(*nd));

	if (!nd)
		return NULL;
	nd->ch[0].state = NCH_OPEN;
	nd->ch[0].c = (struct vmbus_channel *)(void *)nd;    /* never dereferenced */
	nd->next_req_id = 1;
	nd->dying = true;                       /* teardown has begun */
	nd->filter_on = filter_on;
	completion_init(&nd->rreq.done, "netvsc test");
	rh_nd = nd;
	rh_rescinded = rescinded;
	rh_sent = 0;
	return nd;
}

static int t_halt_order(void)
{
	struct netvsc_dev *nd = rh_setup(false, true);

	CHECK(nd != NULL);
	netvsc_rndis_halt(nd);
	CHECK_EQ(rh_sent, 2);
	CHECK_EQ(rh_type[0], RNDIS_MSG_SET);
	CHECK_EQ(rh_oid[0], RNDIS_OID_GEN_CURRENT_PACKET_FILTER);
	CHECK_EQ(rh_val[0], 0);
	CHECK_EQ(rh_type[1], RNDIS_MSG_HALT);
	CHECK(!nd->filter_on);
	CHECK(!nd->halting);
	free(nd);
	return 0;
}

static int t_halt_skipped(void)
{
	struct netvsc_dev *nd = rh_setup(true, true);

	CHECK(nd != NULL);
	netvsc_rndis_halt(nd);                  /* rescinded primary */
	CHECK_EQ(rh_sent, 0);
	free(nd);
	nd = rh_setup(false, false);
	CHECK(nd != NULL);
	netvsc_rndis_halt(nd);                  /* the filter was never set */
	CHECK_EQ(rh_sent, 0);
	CHECK_EQ(netvsc_rndis_set(nd, RNDIS_OID_GEN_CURRENT_PACKET_FILTER, &rh_sent, 4), -EBUSY);
	free(nd);
	return 0;
}

const struct unit_test netvsc_rndis_tests[] = {
	{ "netvsc_rndis_halt_order", t_halt_order, QUICK },
	{ "netvsc_rndis_halt_skipped", t_halt_skipped, QUICK },
	{ NULL, NULL, QUICK },
};

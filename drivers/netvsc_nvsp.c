/*
 * NVSP requests of the synthetic NIC: version negotiation newest first, the
 * NDIS config and version messages, the receive and send buffers (one GPADL
 * each, sized from the host's answers) and their revocation.
 *
 * Order and checks follow Linux negotiate_nvsp_ver, netvsc_connect_vsp and
 * netvsc_init_buf: INIT with min = max = one version; SEND_NDIS_CONFIG
 * (version 2 and later) before the receive buffer, because the host derives
 * the receive sub-allocation size from the MTU; a receive-buffer answer must
 * have one section at offset 0 that fits the buffer; a send-buffer answer a
 * section size of at least 68 bytes.
 *
 * One control request is outstanding at a time (probe is sequential). Its
 * waiter is woken by the channel callback (netvsc_ctl_done) or by a rescind
 * or a failed channel (netvsc_ctl_abort); a host that never answers ends it
 * by the wait's timeout.
 */
#include <errno.h>
#include <string.h>

#include "drivers/netvsc.h"
#include "kernel/log.h"
#include "kernel/platform.h"

/* Newest first; version 1 is left out (1500-byte frames, no NDIS config). */
static const uint32_t netvsc_versions[] = {
	NVSP_VERSION_61, NVSP_VERSION_6, NVSP_VERSION_5, NVSP_VERSION_4, NVSP_VERSION_2,
};

static struct vmbus_channel *primary(struct netvsc_dev *nd)
{
	return nd->ch[0].c;
}

/* Every request is NVSP_REQ_SIZE bytes: a host ignores short ones. */
static int nvsp_send(struct netvsc_dev *nd, const void *req, uint32_t len)
{
	uint8_t buf[NVSP_REQ_SIZE] = { 0 };

	memcpy(buf, req, len < sizeof(buf) ? len : sizeof(buf));
	if (nd->ch[0].state != NCH_OPEN)
		return -ENODEV;
	return vmbus_chan_send(primary(nd), buf, sizeof(buf), 0, 0);
}

int netvsc_ctl_call(struct netvsc_dev *nd, const void *req, uint32_t len, uint32_t expect)
{
	uint8_t buf[NVSP_REQ_SIZE] = { 0 };
	struct netvsc_ctl *ctl = &nd->ctl;
	uint64_t id;
	int err;

	if (nd->ch[0].state != NCH_OPEN || nd->dying)
		return -ENODEV;
	memcpy(buf, req, len < sizeof(buf) ? len : sizeof(buf));
	completion_reinit(&ctl->done);
	ctl->gen++;
	ctl->expect = expect;
	ctl->err = -ETIMEDOUT;
	ctl->len = 0;
	ctl->waiting = true;
	err = vmbus_chan_send_request(primary(nd), buf, sizeof(buf),
				      NETVSC_CTX(NETVSC_CTX_CTL, ctl->gen, 0), &id);
	if (err) {
		ctl->waiting = false;
		return err;
	}
	/* Completed by netvsc_ctl_done (vmbus_event) or netvsc_ctl_abort (a
	 * rescind, a failed channel, teardown); else the timeout ends it. */
	err = completion_wait(&ctl->done, NETVSC_CTL_TIMEOUT_NS);
	ctl->waiting = false;
	return err ? err : ctl->err;
}

void netvsc_ctl_done(struct netvsc_dev *nd, uint64_t ctx, const uint8_t *data, uint32_t len)
{
	struct netvsc_ctl *ctl = &nd->ctl;
	uint32_t type;

	if (!ctl->waiting || NETVSC_CTX_GEN(ctx) != (ctl->gen & 0x3FFFFFFFu)) {
		nd->n_unknown_ids++;            /* late answer to an abandoned request */
		return;
	}
	if (len < sizeof(type)) {
		nd->n_bad_comps++;
		ctl->err = -EPROTO;
	} else {
		memcpy(&type, data, sizeof(type));
		if (type != ctl->expect || len < netvsc_nvsp_comp_min(type)) {
			nd->n_bad_comps++;
			ctl->err = -EPROTO;
		} else {
			ctl->len = len < sizeof(ctl->reply) ? len : sizeof(ctl->reply);
			memcpy(ctl->reply, data, ctl->len);
			ctl->err = 0;
		}
	}
	ctl->waiting = false;
	complete_one(&ctl->done);
}

void netvsc_ctl_abort(struct netvsc_dev *nd, int err)
{
	if (!nd->ctl.waiting)
		return;
	nd->ctl.waiting = false;
	nd->ctl.err = err;
	complete_one(&nd->ctl.done);
}

int netvsc_nvsp_negotiate(struct netvsc_dev *nd)
{
	for (unsigned i = 0; i < sizeof(netvsc_versions) / sizeof(netvsc_versions[0]); i++) {
		struct nvsp_init req = { NVSP_MSG_INIT, netvsc_versions[i], netvsc_versions[i] };
		struct nvsp_init_complete ic;
		int err = netvsc_ctl_call(nd, &req, sizeof(req), NVSP_MSG_INIT_COMPLETE);

		if (err)
			return err;
		memcpy(&ic, nd->ctl.reply, sizeof(ic));
		if (ic.status == NVSP_STAT_SUCCESS) {
			nd->nvsp_ver = netvsc_versions[i];
			return 0;
		}
	}
	return -EPROTONOSUPPORT;                /* none of ours */
}

/* NDIS config (v2+) and NDIS version: no completion requested (Linux). */
static int nvsp_ndis(struct netvsc_dev *nd)
{
	struct nvsp_ndis_config cfg = {
		.msg_type = NVSP_MSG2_SEND_NDIS_CONFIG,
		.mtu = nd->mtu + 14,
		.capabilities = NVSP_CAP_IEEE8021Q,     /* no SR-IOV: never offered a VF */
	};
	struct nvsp_ndis_version ver = {
		.msg_type = NVSP_MSG1_SEND_NDIS_VERSION,
		.ndis_major = 6,
		.ndis_minor = nd->nvsp_ver > NVSP_VERSION_4 ? 30 : 1,
	};
	int err = 0;

	if (nd->nvsp_ver >= NVSP_VERSION_2)
		err = nvsp_send(nd, &cfg, sizeof(cfg));
	if (!err)
		err = nvsp_send(nd, &ver, sizeof(ver));
	return err;
}

/* The GPADL owns the pages from here on (vmbus_gpadl_create_owned): they
 * are freed only once the host can no longer write them. */
static int buf_alloc(struct netvsc_dev *nd, uint8_t **mem, uint32_t pages, uint32_t *handle,
		     bool *live)
{
	uint8_t *p = plat_page_alloc(pages);
	int err;

	if (!p)
		return -ENOMEM;
	memset(p, 0, (size_t)pages * PLAT_PAGE_SIZE);
	err = vmbus_gpadl_create_owned(primary(nd), p, pages, handle);
	if (err)
		return err;
	*mem = p;
	*live = true;
	return 0;
}

static int nvsp_recv_buf(struct netvsc_dev *nd)
{
	struct nvsp_send_buf req = { .msg_type = NVSP_MSG1_SEND_RECV_BUF, .id = NETVSC_RX_ID };
	struct nvsp_recv_buf_complete rc;
	const struct nvsp_recv_section *s = &rc.section[0];
	int err;

	nd->rx_size = NETVSC_RX_PAGES * PLAT_PAGE_SIZE;
	err = buf_alloc(nd, &nd->rx_buf, NETVSC_RX_PAGES, &nd->rx_gpadl, &nd->rx_gpadl_live);
	if (err)
		return err;
	req.gpadl_handle = nd->rx_gpadl;
	nd->rx_sent = true;
	err = netvsc_ctl_call(nd, &req, sizeof(req), NVSP_MSG1_SEND_RECV_BUF_COMPLETE);
	if (err)
		return err;
	memcpy(&rc, nd->ctl.reply, sizeof(rc));
	if (rc.status != NVSP_STAT_SUCCESS || rc.num_sections != 1 || s->offset != 0 ||
	    s->sub_alloc_size < NETVSC_MIN_SECTION ||
	    (uint64_t)s->sub_alloc_size * s->num_sub_allocs > nd->rx_size) {
		return -EPROTO;                 /* vmbus reports the probe's failure */
	}
	nd->rx_sub_alloc = s->sub_alloc_size;
	return 0;
}

static int nvsp_send_buf(struct netvsc_dev *nd)
{
	struct nvsp_send_buf req = { .msg_type = NVSP_MSG1_SEND_SEND_BUF, .id = NETVSC_TX_ID };
	struct nvsp_send_buf_complete sc;
	uint32_t n;
	int err;

	nd->tx_size = NETVSC_TX_PAGES * PLAT_PAGE_SIZE;
	err = buf_alloc(nd, &nd->tx_buf, NETVSC_TX_PAGES, &nd->tx_gpadl, &nd->tx_gpadl_live);
	if (err)
		return err;
	req.gpadl_handle = nd->tx_gpadl;
	nd->tx_sent = true;
	err = netvsc_ctl_call(nd, &req, sizeof(req), NVSP_MSG1_SEND_SEND_BUF_COMPLETE);
	if (err)
		return err;
	memcpy(&sc, nd->ctl.reply, sizeof(sc));
	if (sc.status != NVSP_STAT_SUCCESS || sc.section_size < NETVSC_MIN_SECTION ||
	    sc.section_size > nd->tx_size) {
		return -EPROTO;
	}
	n = nd->tx_size / sc.section_size;
	nd->tx_section_size = sc.section_size;
	nd->tx_nsections = n > NETVSC_TX_SECTIONS_MAX ? NETVSC_TX_SECTIONS_MAX : n;
	netvsc_tx_init(nd);
	return 0;
}

int netvsc_nvsp_buffers(struct netvsc_dev *nd)
{
	int err = nvsp_ndis(nd);

	if (!err)
		err = nvsp_recv_buf(nd);
	if (!err)
		err = nvsp_send_buf(nd);
	return err;
}

/* Linux netvsc_revoke_recv_buf / netvsc_revoke_send_buf: no completion. */
void netvsc_nvsp_revoke(struct netvsc_dev *nd)
{
	struct nvsp_revoke_buf rx = { .msg_type = NVSP_MSG1_REVOKE_RECV_BUF, .id = NETVSC_RX_ID };
	struct nvsp_revoke_buf tx = { .msg_type = NVSP_MSG1_REVOKE_SEND_BUF, .id = NETVSC_TX_ID };

	if (!primary(nd) || vmbus_chan_rescinded(primary(nd)))
		return;
	if (nd->rx_sent)
		nvsp_send(nd, &rx, sizeof(rx));
	if (nd->tx_sent)
		nvsp_send(nd, &tx, sizeof(tx));
	nd->rx_sent = nd->tx_sent = false;
}

/* After the channels are closed (Linux netvsc_device_remove on VMBus 4.0
 * and later): tear the buffer GPADLs down; vmbus frees their pages when
 * the host has let go (or at UNLOAD), never before, and reports a teardown
 * the host does not answer. */
static void buf_free(struct netvsc_dev *nd, uint8_t **mem, uint32_t handle, bool *live)
{
	if (*live)
		vmbus_gpadl_destroy(primary(nd), handle);
	*live = false;
	*mem = NULL;
}

void netvsc_buffers_free(struct netvsc_dev *nd)
{
	if (!primary(nd))
		return;
	buf_free(nd, &nd->rx_buf, nd->rx_gpadl, &nd->rx_gpadl_live);
	buf_free(nd, &nd->tx_buf, nd->tx_gpadl, &nd->tx_gpadl_live);
}

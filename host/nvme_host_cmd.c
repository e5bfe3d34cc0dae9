/*
 * The simulated NVMe controller's commands (NVM Express Base Specification
 * 5.15 Identify, 5.21.1.7 Number of Queues, 5.3-5.6 I/O queue creation and
 * deletion, 5.1 Abort; NVM Command Set Read, Write, Flush, Dataset
 * Management) and its data transfers through PRP1/PRP2 and one PRP list
 * (4.3). A write is in the store before its completion is queued. Faults
 * (docs/scenarios.md "NVMe controller") are applied to I/O commands only,
 * counted by the order the controller took them.
 */
#include <stdlib.h>
#include <string.h>

#include "host/backing.h"
#include "host/host_priv.h"
#include "host/nvme_host.h"
#include "host/vpci_host.h"

#define NH_PAGE 4096u

static void nh_done(struct host_dev *d, int slot, uint16_t sqid, uint16_t cqid,
		    const struct nvme_sqe *e, uint16_t sc, uint32_t dw0, uint64_t delay)
{
	struct vh_dev *v = d->priv;
	struct nvme_cqe c = { .dw0 = dw0, .sqid = sqid, .cid = e->cid,
			      .sqhd = (uint16_t)v->nvme->ctrl[slot].sq[sqid].head,
			      .status = (uint16_t)(sc << 1) };

	nh_post(d, slot, cqid, &c, delay);
}

/* Copy len bytes between buf and the guest pages PRP1/PRP2 describe. */
static int nh_xfer(struct host_dev *d, const struct nvme_sqe *e, uint8_t *buf, size_t len,
		   bool to_guest)
{
	size_t first = NH_PAGE - (e->prp1 & (NH_PAGE - 1)), off = 0;
	const uint64_t *list = NULL;
	uint64_t gpa = e->prp1;
	unsigned li = 0;

	if (len > first && len - first > NH_PAGE) {
		if ((e->prp2 & 7) || !(list = host_gmem(d->h, e->prp2, NH_PAGE - (e->prp2 & (NH_PAGE - 1)))))
			return -1;
	}
	while (off < len) {
		size_t n = off ? NH_PAGE : first;
		uint8_t *g;

		if (n > len - off)
			n = len - off;
		if (off && !list)
			gpa = e->prp2;
		else if (off && list) {
			if (li >= (NH_PAGE - (e->prp2 & (NH_PAGE - 1))) / 8)
				return -1;
			gpa = list[li++];
		}
		if (off && (gpa & (NH_PAGE - 1)))
			return -1;
		if (!(g = host_gmem(d->h, gpa, n)))
			return -1;
		if (to_guest)
			memcpy(g, buf + off, n);
		else
			memcpy(buf + off, g, n);
		off += n;
	}
	return 0;
}

/* ---- admin ---- */

static void nh_id_ctrl(struct nh_dev *n, uint8_t *id)
{
	uint32_t nn = n->hostile_id ? 0xFFFFFFFFu : 1;
	uint16_t oncs = n->dsm ? NVME_ONCS_DSM : 0;

	memcpy(id + NVME_IDC_VID, "\x14\x14", 2);
	memcpy(id + NVME_IDC_SN, "KEELSIM0001         ", 20);
	memcpy(id + NVME_IDC_MN, "Keel Simulated NVMe                     ", 40);
	memcpy(id + NVME_IDC_FR, "1.0     ", 8);
	id[NVME_IDC_MDTS] = 8;                      /* 1 MiB */
	id[NVME_IDC_SQES] = 0x66;
	id[NVME_IDC_CQES] = 0x44;
	memcpy(id + NVME_IDC_NN, &nn, 4);
	memcpy(id + NVME_IDC_ONCS, &oncs, 2);
}

static void nh_id_ns(struct nh_dev *n, uint8_t *id)
{
	uint64_t nsze = n->size >> n->lbads;
	uint32_t lbaf = (n->hostile_id ? 40u : n->lbads) << 16;

	memcpy(id + NVME_IDN_NSZE, &nsze, 8);
	memcpy(id + NVME_IDN_NCAP, &nsze, 8);
	memcpy(id + NVME_IDN_NCAP + 8, &nsze, 8);
	memcpy(id + NVME_IDN_LBAF, &lbaf, 4);
}

static uint16_t nh_identify(struct host_dev *d, struct nh_dev *n, const struct nvme_sqe *e)
{
	uint8_t *id = calloc(1, NVME_ID_SIZE);
	uint32_t one = 1;
	uint16_t sc = NVME_SC_SUCCESS;

	if (!id)
		return NVME_SC_INTERNAL;
	switch (e->cdw10 & 0xFF) {
	case NVME_ID_CNS_CTRL: nh_id_ctrl(n, id); break;
	case NVME_ID_CNS_NS:
		if (e->nsid != 1)
			sc = NVME_SC_INVALID_NS;
		else
			nh_id_ns(n, id);
		break;
	case NVME_ID_CNS_NS_LIST:
		if (e->nsid < 1)
			memcpy(id, &one, 4);
		break;
	default: sc = NVME_SC_INVALID_FIELD; break;
	}
	if (!sc && nh_xfer(d, e, id, NVME_ID_SIZE, true))
		sc = NVME_SC_DATA_XFER;
	free(id);
	return sc;
}

static uint16_t nh_create(struct host_dev *d, struct nh_ctrl *c, const struct nvme_sqe *e,
			  uint32_t *dw0)
{
	uint16_t qid = (uint16_t)e->cdw10, size = (uint16_t)((e->cdw10 >> 16) + 1);

	(void)d;
	(void)dw0;
	if (!qid || qid >= NH_MAX_Q || qid > c->nq_granted || size < 2 || size > NH_MQES + 1 ||
	    (e->prp1 & (NH_PAGE - 1)))
		return NVME_SC_INVALID_FIELD;
	if (e->opc == NVME_ADM_CREATE_CQ) {
		if (c->cq[qid].live)
			return NVME_SC_INVALID_FIELD;
		c->cq[qid] = (struct nh_cq){ .live = true, .gpa = e->prp1, .size = size,
					     .phase = 1, .ien = (e->cdw11 & 2) != 0,
					     .iv = (uint16_t)(e->cdw11 >> 16) };
		return NVME_SC_SUCCESS;
	}
	if (c->sq[qid].live || !c->cq[(uint16_t)(e->cdw11 >> 16)].live)
		return NVME_SC_INVALID_FIELD;
	c->sq[qid] = (struct nh_sq){ .live = true, .gpa = e->prp1, .size = size,
				     .cqid = (uint16_t)(e->cdw11 >> 16) };
	return NVME_SC_SUCCESS;
}

void nh_admin(struct host_dev *d, int slot, const struct nvme_sqe *e)
{
	struct vh_dev *v = d->priv;
	struct nh_dev *n = v->nvme;
	struct nh_ctrl *c = &n->ctrl[slot];
	uint32_t dw0 = 0, want;
	uint16_t sc = NVME_SC_SUCCESS, qid = (uint16_t)e->cdw10;

	switch (e->opc) {
	case NVME_ADM_IDENTIFY: sc = nh_identify(d, n, e); break;
	case NVME_ADM_SET_FEATURES:
		if ((e->cdw10 & 0xFF) != NVME_FEAT_NUM_QUEUES) {
			sc = NVME_SC_INVALID_FIELD;
			break;
		}
		want = (e->cdw11 & 0xFFFF) + 1;
		c->nq_granted = want < n->queues ? want : n->queues;
		dw0 = (c->nq_granted - 1) << 16 | (c->nq_granted - 1);
		break;
	case NVME_ADM_CREATE_CQ: case NVME_ADM_CREATE_SQ: sc = nh_create(d, c, e, &dw0); break;
	case NVME_ADM_DELETE_SQ: case NVME_ADM_DELETE_CQ:
		if (!qid || qid >= NH_MAX_Q)
			sc = NVME_SC_INVALID_FIELD;
		else if (e->opc == NVME_ADM_DELETE_SQ)
			c->sq[qid].live = false;
		else
			c->cq[qid].live = false;
		break;
	case NVME_ADM_ABORT: dw0 = 1; break;        /* not aborted: it completes */
	default: sc = NVME_SC_INVALID_OP; break;
	}
	nh_done(d, slot, 0, 0, e, sc, dw0, 0);
}

/* ---- NVM I/O ---- */

static uint16_t nh_rw(struct host_dev *d, struct nh_dev *n, const struct nvme_sqe *e)
{
	uint64_t lba = e->cdw10 | (uint64_t)e->cdw11 << 32;
	uint32_t nlb = (e->cdw12 & 0xFFFF) + 1;
	size_t len = (size_t)nlb << n->lbads;
	uint64_t off = lba << n->lbads;
	uint8_t *buf;
	uint16_t sc = NVME_SC_SUCCESS;

	if (lba >= (n->size >> n->lbads) || nlb > (n->size >> n->lbads) - lba)
		return NVME_SC_LBA_RANGE;
	if (len > (256u << 12))
		return NVME_SC_INVALID_FIELD;       /* over MDTS */
	if (!(buf = malloc(len)))
		return NVME_SC_INTERNAL;
	if (e->opc == NVME_CMD_READ) {
		if (backing_read(n->store, off, buf, len) || nh_xfer(d, e, buf, len, true))
			sc = NVME_SC_DATA_XFER;
		n->n_read++;
	} else {
		if (nh_xfer(d, e, buf, len, false) ||
		    backing_write(n->store, off, buf, len, (e->cdw12 >> 30) & 1))
			sc = NVME_SC_DATA_XFER;
		n->n_write++;
	}
	free(buf);
	return sc;
}

static uint16_t nh_dsm(struct host_dev *d, struct nh_dev *n, const struct nvme_sqe *e)
{
	struct nvme_dsm_range r;
	uint64_t nb = n->size >> n->lbads;

	if (!n->dsm)
		return NVME_SC_INVALID_OP;
	if ((e->cdw10 & 0xFF) != 0 || nh_xfer(d, e, (uint8_t *)&r, sizeof(r), false))
		return NVME_SC_INVALID_FIELD;       /* one range only */
	if (r.slba >= nb || r.nlb > nb - r.slba)
		return NVME_SC_LBA_RANGE;
	n->n_dsm++;
	if (e->cdw11 & NVME_DSM_AD)
		backing_discard(n->store, r.slba << n->lbads, (uint64_t)r.nlb << n->lbads);
	return NVME_SC_SUCCESS;
}

static bool nth(uint32_t every, uint64_t k)
{
	return every && k % every == 0;
}

void nh_io(struct host_dev *d, int slot, uint16_t sqid, const struct nvme_sqe *e)
{
	struct vh_dev *v = d->priv;
	struct nh_dev *n = v->nvme;
	struct nh_ctrl *c = &n->ctrl[slot];
	uint16_t cqid = c->sq[sqid].cqid, sc;
	uint64_t k = ++n->io_seen, delay = 0;
	struct nvme_sqe cmd = *e;

	if (k == n->cfs_nth) {
		c->csts |= NVME_CSTS_CFS;           /* fatal: nothing more completes */
		return;
	}
	if (e->nsid != 1) {
		sc = NVME_SC_INVALID_NS;
	} else {
		switch (e->opc) {
		case NVME_CMD_READ: case NVME_CMD_WRITE: sc = nh_rw(d, n, e); break;
		case NVME_CMD_FLUSH:
			sc = backing_flush(n->store) ? NVME_SC_INTERNAL : NVME_SC_SUCCESS;
			n->n_flush++;
			break;
		case NVME_CMD_DSM: sc = nh_dsm(d, n, e); break;
		default: sc = NVME_SC_INVALID_OP; break;
		}
	}
	if (nth(n->err_nth, k) && !sc)
		sc = NVME_SC_INTERNAL;              /* an error status (the data may be there) */
	if (k == n->drop_nth) {
		n->n_dropped++;
		return;
	}
	if (k == n->badcid_nth)
		cmd.cid = 0xFFF0;                   /* a command id never issued */
	if (n->delay && d->h->env.rand)
		delay = d->h->env.rand(d->h->env.ctx) % (n->delay + 1);
	nh_done(d, slot, sqid, cqid, &cmd, sc, 0, delay);
	if (nth(n->dup_nth, k))
		nh_done(d, slot, sqid, cqid, &cmd, sc, 0, delay + 1000);
}

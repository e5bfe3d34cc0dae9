/*
 * The simulated NVMe controller's registers and queues (NVM Express Base
 * Specification 3.1 registers, 4.1 queue doorbells, 4.6 completion phase
 * tags, 7.6.1 initialization): CC.EN brings the admin queue up from
 * AQA/ASQ/ACQ and sets CSTS.RDY at once; clearing it drops every queue and
 * completion in flight. An SQ tail doorbell runs the new entries at once;
 * their completions are posted now or, with nvme-delay, later from the
 * bus's tick (in any order). A completion raises the CQ's MSI-X vector.
 */
#include <string.h>

#include "host/backing.h"
#include "host/host_priv.h"
#include "host/nvme_host.h"
#include "host/vpci_host.h"

static struct nh_ctrl *nh_ctrl_of(struct nh_dev *n, struct vh_func *f, int slot)
{
	struct nh_ctrl *c = &n->ctrl[slot];

	/* A new function instance (hot add, re-add after eject): power on. */
	if (c->serial != f->serial) {
		memset(c, 0, sizeof(*c));
		c->serial = f->serial;
	}
	return c;
}

static void nh_reset(struct nh_dev *n, struct nh_ctrl *c)
{
	memset(c->sq, 0, sizeof(c->sq));
	memset(c->cq, 0, sizeof(c->cq));
	c->npend = 0;
	c->csts = 0;
	c->nq_granted = 0;
	n->n_resets++;
}

static void nh_enable(struct host_dev *d, struct nh_ctrl *c)
{
	struct vh_dev *v = d->priv;
	uint32_t sqs = (c->aqa & 0xFFF) + 1, cqs = ((c->aqa >> 16) & 0xFFF) + 1;

	if (nh_open_store(v->nvme)) {
		c->csts = NVME_CSTS_CFS;            /* no store: the controller is dead */
		return;
	}
	if (sqs < 2 || cqs < 2 || (c->asq & 0xFFF) || (c->acq & 0xFFF) || !c->asq || !c->acq) {
		host_dev_violation(d, v->c, "nvme: CC.EN with a bad admin queue");
		c->csts = NVME_CSTS_CFS;
		return;
	}
	c->sq[0] = (struct nh_sq){ .live = true, .gpa = c->asq, .size = sqs };
	c->cq[0] = (struct nh_cq){ .live = true, .gpa = c->acq, .size = cqs, .phase = 1,
				   .ien = true };
	c->csts = NVME_CSTS_RDY;
}

static void nh_cc(struct host_dev *d, struct nh_ctrl *c, uint32_t val)
{
	struct nh_dev *n = ((struct vh_dev *)d->priv)->nvme;
	bool was = c->cc & NVME_CC_EN;

	c->cc = val;
	if (was && !(val & NVME_CC_EN))
		nh_reset(n, c);
	else if (!was && (val & NVME_CC_EN))
		nh_enable(d, c);
	if (val & NVME_CC_SHN_NORMAL)
		c->csts |= 2u << 2;                 /* SHST: shutdown complete */
}

/* Write one completion into the CQ; false when the CQ is full. */
static bool nh_cq_put(struct host_dev *d, struct vh_func *f, struct nh_ctrl *c,
		      uint16_t cqid, struct nvme_cqe e)
{
	struct vh_dev *v = d->priv;
	struct nh_cq *q = &c->cq[cqid];
	struct nvme_cqe *slot;

	if (!q->live)
		return true;                        /* queue deleted: dropped */
	if ((q->tail + 1) % q->size == q->head)
		return false;
	slot = host_gmem(d->h, q->gpa + (uint64_t)q->tail * sizeof(e), sizeof(e));
	if (!slot) {
		host_dev_violation(d, v->c, "nvme: completion queue outside guest memory");
		return true;
	}
	e.status = (uint16_t)((e.status & ~NVME_CQE_PHASE) | q->phase);
	memcpy(slot, &e, sizeof(e));
	if (++q->tail == q->size) {
		q->tail = 0;
		if (!v->nvme->stuck_phase)
			q->phase ^= 1;
	}
	if (q->ien)
		vh_fire_msi(d, f, q->iv);
	return true;
}

static void nh_flush(struct host_dev *d, struct vh_func *f, struct nh_ctrl *c, uint64_t now)
{
	uint32_t k = 0;

	for (uint32_t i = 0; i < c->npend; i++) {
		struct nh_pend *p = &c->pend[i];

		if (p->due > now || !nh_cq_put(d, f, c, p->cqid, p->e))
			c->pend[k++] = *p;
	}
	c->npend = k;
}

void nh_post(struct host_dev *d, int slot, uint16_t cqid, const struct nvme_cqe *e,
	     uint64_t delay)
{
	struct vh_dev *v = d->priv;
	struct nh_ctrl *c = &v->nvme->ctrl[slot];
	uint64_t now = host_now(d->h);

	if (c->npend >= NH_MAX_PEND) {
		v->nvme->n_dropped++;
		return;
	}
	c->pend[c->npend++] = (struct nh_pend){ .due = now + delay, .cqid = cqid, .e = *e };
	if (delay)
		host_dev_tick_after(v->c, delay);
	else
		nh_flush(d, &v->func[slot], c, now);
}

uint64_t nh_tick(struct host_dev *d, uint64_t now)
{
	struct vh_dev *v = d->priv;
	uint64_t next = 0;

	for (int s = 0; s < VH_MAX_FUNCS && s < 8; s++) {
		struct nh_ctrl *c = &v->nvme->ctrl[s];

		if (!v->func[s].present || v->func[s].ejected || c->serial != v->func[s].serial)
			continue;
		nh_flush(d, &v->func[s], c, now);
		for (uint32_t i = 0; i < c->npend; i++)
			if (c->pend[i].due > now && (!next || c->pend[i].due < next))
				next = c->pend[i].due;
	}
	return next;
}

/* SQ y's tail moved: run entries head..tail (a controller stopped by a
 * fatal status runs nothing). */
static void nh_sq_ring(struct host_dev *d, int slot, struct nh_ctrl *c, uint16_t y)
{
	struct vh_dev *v = d->priv;
	struct nh_sq *q = &c->sq[y];

	while (q->live && q->head != q->tail && !(c->csts & NVME_CSTS_CFS) &&
	       (c->csts & NVME_CSTS_RDY)) {
		const struct nvme_sqe *g = host_gmem(d->h, q->gpa + (uint64_t)q->head * 64, 64);
		struct nvme_sqe e;

		if (!g) {
			host_dev_violation(d, v->c, "nvme: submission queue outside guest memory");
			return;
		}
		memcpy(&e, g, sizeof(e));
		q->head = (q->head + 1) % q->size;
		if (y == 0)
			nh_admin(d, slot, &e);
		else
			nh_io(d, slot, y, &e);
	}
}

static void nh_doorbell(struct host_dev *d, struct vh_func *f, int slot, struct nh_ctrl *c,
			uint64_t off, uint32_t val)
{
	struct vh_dev *v = d->priv;
	uint32_t idx = (uint32_t)(off - NVME_REG_DBS) / 4;
	uint16_t y = (uint16_t)(idx / 2);

	if (y >= NH_MAX_Q)
		return;
	if (idx & 1) {
		if (!c->cq[y].live || val >= c->cq[y].size) {
			host_dev_violation(d, v->c, "nvme: CQ head doorbell out of range");
			return;
		}
		c->cq[y].head = val;
		nh_flush(d, f, c, host_now(d->h));  /* room for held completions */
		return;
	}
	if (!c->sq[y].live || val >= c->sq[y].size) {
		host_dev_violation(d, v->c, "nvme: SQ tail doorbell out of range");
		return;
	}
	c->sq[y].tail = val;
	nh_sq_ring(d, slot, c, y);
}

static uint64_t nh_cap(void)
{
	return NH_MQES | NVME_CAP_CQR | 2ull << 24 /* TO 1 s */ | NVME_CAP_CSS_NVM;
}

static uint64_t nh_reg_read(struct nh_ctrl *c, uint64_t off)
{
	switch (off) {
	case NVME_REG_CAP: return nh_cap();
	case NVME_REG_CAP + 4: return nh_cap() >> 32;
	case NVME_REG_VS: return 0x00010400;        /* 1.4 */
	case NVME_REG_INTMS: case NVME_REG_INTMC: return c->intms;
	case NVME_REG_CC: return c->cc;
	case NVME_REG_CSTS: return c->csts;
	case NVME_REG_AQA: return c->aqa;
	case NVME_REG_ASQ: return (uint32_t)c->asq;
	case NVME_REG_ASQ + 4: return c->asq >> 32;
	case NVME_REG_ACQ: return (uint32_t)c->acq;
	case NVME_REG_ACQ + 4: return c->acq >> 32;
	default: return 0;
	}
}

static void nh_reg_write(struct host_dev *d, struct nh_ctrl *c, uint64_t off, uint32_t val)
{
	switch (off) {
	case NVME_REG_INTMS: c->intms |= val; break;
	case NVME_REG_INTMC: c->intms &= ~val; break;
	case NVME_REG_CC: nh_cc(d, c, val); break;
	case NVME_REG_AQA: c->aqa = val; break;
	case NVME_REG_ASQ: c->asq = (c->asq & ~0xFFFFFFFFull) | val; break;
	case NVME_REG_ASQ + 4: c->asq = (c->asq & 0xFFFFFFFFull) | (uint64_t)val << 32; break;
	case NVME_REG_ACQ: c->acq = (c->acq & ~0xFFFFFFFFull) | val; break;
	case NVME_REG_ACQ + 4: c->acq = (c->acq & 0xFFFFFFFFull) | (uint64_t)val << 32; break;
	default: break;
	}
}

bool nh_mmio(struct host_dev *d, struct vh_func *f, int slot, uint64_t off, unsigned size,
	     bool write, uint64_t *val)
{
	struct vh_dev *v = d->priv;
	struct nh_ctrl *c;

	if (!v->nvme || slot >= 8 || off >= NH_MSIX_OFF)
		return false;
	c = nh_ctrl_of(v->nvme, f, slot);
	if (size == 8 && !(off & 7)) {              /* two dword accesses */
		uint64_t lo = *val & 0xFFFFFFFFull, hi = *val >> 32;

		if (write) {
			nh_mmio(d, f, slot, off, 4, true, &lo);
			nh_mmio(d, f, slot, off + 4, 4, true, &hi);
		} else {
			nh_mmio(d, f, slot, off, 4, false, &lo);
			nh_mmio(d, f, slot, off + 4, 4, false, &hi);
			*val = lo | hi << 32;
		}
		return true;
	}
	if (size != 4 || (off & 3)) {
		if (!write)
			*val = 0;
		return true;
	}
	if (off >= NVME_REG_DBS) {
		if (write)
			nh_doorbell(d, f, slot, c, off, (uint32_t)*val);
		else
			*val = 0;
		return true;
	}
	if (write)
		nh_reg_write(d, c, off, (uint32_t)*val);
	else
		*val = nh_reg_read(c, off);
	return true;
}

/*
 * NVMe controller registers (NVM Express Base Specification 3.1, 7.6.1
 * initialization): BAR 0 accesses through the platform's mmio seam, and the
 * CC.EN transitions whose CSTS.RDY change is bounded by CAP.TO. A CSTS of
 * all ones is a function that is gone (surprise removal).
 */
#include <errno.h>

#include "drivers/nvme.h"
#include "kernel/log.h"

uint32_t nvme_rd32(struct nvme_ctrl *c, uint32_t off)
{
	return (uint32_t)plat_mmio_read(c->bar + off, 4);
}

uint64_t nvme_rd64(struct nvme_ctrl *c, uint32_t off)
{
	return nvme_rd32(c, off) | (uint64_t)nvme_rd32(c, off + 4) << 32;
}

void nvme_wr32(struct nvme_ctrl *c, uint32_t off, uint32_t v)
{
	plat_mmio_write(c->bar + off, 4, v);
}

void nvme_wr64(struct nvme_ctrl *c, uint32_t off, uint64_t v)
{
	nvme_wr32(c, off, (uint32_t)v);
	nvme_wr32(c, off + 4, (uint32_t)(v >> 32));
}

/* Wait (polling, CAP.TO bound) until CSTS.RDY == rdy. -ENODEV gone,
 * -EIO fatal status, -ETIMEDOUT. */
static int nvme_wait_ready(struct nvme_ctrl *c, uint32_t rdy)
{
	uint64_t end = plat_now_ns() + (uint64_t)c->cap.timeout_ms * 1000000ull;

	for (;;) {
		uint32_t s = nvme_rd32(c, NVME_REG_CSTS);

		if (s == ~0u)
			return -ENODEV;
		if ((s & NVME_CSTS_RDY) == rdy)
			return 0;
		if (rdy && (s & NVME_CSTS_CFS))
			return -EIO;
		if (plat_now_ns() >= end)
			return -ETIMEDOUT;
		wq_sleep(1000000ull);
	}
}

/* CC.EN 0 and wait for RDY 0: after this the controller touches no memory
 * (spec 3.1.6: a reset stops all queues). On -ENODEV it is gone. */
int nvme_ctrl_disable(struct nvme_ctrl *c)
{
	uint32_t cc = nvme_rd32(c, NVME_REG_CC);
	int err;

	if (cc == ~0u) {
		c->stopped = true;              /* gone: it writes nothing more */
		return -ENODEV;
	}
	nvme_wr32(c, NVME_REG_CC, cc & ~NVME_CC_EN);
	err = nvme_wait_ready(c, 0);
	if (err == -ENODEV || !err)
		c->stopped = true;
	return err;
}

int nvme_ctrl_enable(struct nvme_ctrl *c)
{
	c->stopped = false;
	nvme_wr32(c, NVME_REG_AQA, (NVME_AQDEPTH - 1) << 16 | (NVME_AQDEPTH - 1));
	nvme_wr64(c, NVME_REG_ASQ, plat_ptr_to_gpa(c->aq.sq));
	nvme_wr64(c, NVME_REG_ACQ, plat_ptr_to_gpa(c->aq.cq));
	nvme_wr32(c, NVME_REG_CC, NVME_CC_EN | NVME_CC_CSS_NVM | 0u << NVME_CC_MPS_SHIFT |
		  NVME_CC_IOSQES | NVME_CC_IOCQES);
	return nvme_wait_ready(c, NVME_CSTS_RDY);
}

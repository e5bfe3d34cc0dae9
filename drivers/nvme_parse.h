/*
 * Parsers of what an NVMe controller hands the guest (drivers/nvme_parse.c):
 * the capabilities register, Identify Controller, Identify Namespace, the
 * active namespace list and completion entries. Each copies, checks and
 * returns -EPROTO (or -ENODEV for a controller that is not one we drive);
 * nothing here trusts the controller.
 */
#ifndef KEEL_DRIVERS_NVME_PARSE_H
#define KEEL_DRIVERS_NVME_PARSE_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "include/nvme.h"

#define NVME_MAX_NS       16        /* namespaces the driver takes */
#define NVME_TO_MAX_MS    (255u * 500u)

struct nvme_cap {
	uint32_t qmax;          /* entries a queue may hold (MQES + 1) */
	uint32_t timeout_ms;    /* CAP.TO: ready-state change bound */
	uint32_t stride;        /* doorbell stride in bytes */
};

struct nvme_id_ctrl {
	uint32_t nn;
	uint32_t max_xfer;      /* bytes, 0 = no limit */
	bool dsm;
	char model[41];
};

struct nvme_id_ns {
	uint64_t nblocks;
	uint32_t block_size;
};

int nvme_parse_cap(uint64_t reg, struct nvme_cap *out);
int nvme_parse_id_ctrl(const uint8_t *id, struct nvme_id_ctrl *out);
int nvme_parse_id_ns(const uint8_t *id, struct nvme_id_ns *out);
/* Active namespace IDs in ascending order, at most max; returns how many
 * or -EPROTO (zero, out of order, above nn). */
int nvme_parse_ns_list(const uint8_t *id, uint32_t nn, uint32_t *out, int max);
/* A completion entry (a copy) from queue qid against depth: -EPROTO for a
 * command id index (bits 7:0) past the depth, a wrong SQ id or a head out
 * of range. */
static inline int nvme_check_cqe(const struct nvme_cqe *e, uint16_t qid, uint32_t depth)
{
	if (e->sqid != qid || e->sqhd >= depth || (e->cid & 0xFFu) >= depth)
		return -EPROTO;
	return 0;
}

#endif

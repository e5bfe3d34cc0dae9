/*
 * Parsers of controller data (NVM Express Base Specification 3.1.1 CAP,
 * 5.15.2.1 Identify Controller, 5.15.2.2 Identify Namespace, 5.15.2.3 active
 * namespace ID list; the completion entry check, 4.6, is inline in
 * nvme_parse.h: it runs once per I/O). The caller hands a private copy;
 * every field is range checked before the driver uses it.
 */
#include <errno.h>
#include <string.h>

#include "drivers/nvme_parse.h"

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

int nvme_parse_cap(uint64_t reg, struct nvme_cap *out)
{
	/* All ones: the function is gone; MQES 0 (one entry) is reserved. */
	if (reg == ~0ull || NVME_CAP_MQES(reg) < 1 || !(reg & NVME_CAP_CSS_NVM) ||
	    NVME_CAP_MPSMIN(reg) != 0)
		return -ENODEV;
	out->qmax = NVME_CAP_MQES(reg) + 1;
	out->timeout_ms = NVME_CAP_TO(reg) ? NVME_CAP_TO(reg) * 500u : 500u;
	out->stride = 4u << NVME_CAP_DSTRD(reg);
	return 0;
}

int nvme_parse_id_ctrl(const uint8_t *id, struct nvme_id_ctrl *out)
{
	uint8_t mdts = id[NVME_IDC_MDTS];
	uint16_t oncs;

	/* The entry sizes we use (64/16 bytes) must be within the ranges. */
	if ((id[NVME_IDC_SQES] & 0xF) > 6 || (id[NVME_IDC_SQES] >> 4) < 6 ||
	    (id[NVME_IDC_CQES] & 0xF) > 4 || (id[NVME_IDC_CQES] >> 4) < 4)
		return -EPROTO;
	out->nn = rd32(id + NVME_IDC_NN);
	if (!out->nn)
		return -EPROTO;
	if (mdts > 20)
		mdts = 20;                     /* 4 GiB: no real limit for us */
	out->max_xfer = mdts ? 4096u << (mdts > 18 ? 18 : mdts) : 0;
	memcpy(&oncs, id + NVME_IDC_ONCS, 2);
	out->dsm = (oncs & NVME_ONCS_DSM) != 0;
	memcpy(out->model, id + NVME_IDC_MN, 40);
	out->model[40] = 0;
	for (int i = 39; i >= 0 && (out->model[i] == ' ' || !out->model[i]); i--)
		out->model[i] = 0;
	for (int i = 0; out->model[i]; i++)
		if (out->model[i] < 0x20 || out->model[i] > 0x7E)
			out->model[i] = '?';
	return 0;
}

int nvme_parse_id_ns(const uint8_t *id, struct nvme_id_ns *out)
{
	uint8_t fmt = id[NVME_IDN_FLBAS] & 0xF;
	uint32_t lbaf, lbads;

	if (fmt > id[NVME_IDN_NLBAF])
		return -EPROTO;
	lbaf = rd32(id + NVME_IDN_LBAF + 4u * fmt);
	lbads = (lbaf >> 16) & 0xFF;
	/* Metadata inline with data is not a layout the block layer has. */
	if ((lbaf & 0xFFFF) || lbads < 9 || lbads > 12)
		return -EPROTO;
	out->block_size = 1u << lbads;
	out->nblocks = rd64(id + NVME_IDN_NSZE);
	if (!out->nblocks || out->nblocks > (1ull << 48) ||
	    rd64(id + NVME_IDN_NCAP) > out->nblocks)
		return -EPROTO;
	return 0;
}

int nvme_parse_ns_list(const uint8_t *id, uint32_t nn, uint32_t *out, int max)
{
	uint32_t prev = 0;
	int n = 0;

	for (int i = 0; i < NVME_ID_SIZE / 4 && n < max; i++) {
		uint32_t nsid = rd32(id + 4 * i);

		if (!nsid)
			break;
		if (nsid <= prev || nsid > nn)
			return -EPROTO;
		out[n++] = prev = nsid;
	}
	return n;
}

/*
 * Unit tests of the NVMe parsers (drivers/nvme_parse.c) with hostile
 * controller data: a CAP of all ones or with one-entry queues, Identify
 * Controller with entry sizes we cannot use or no namespaces, Identify
 * Namespace with absurd block sizes, formats past NLBAF or zero capacity,
 * active namespace lists out of order or above NN, completion entries for
 * another queue or an id past the depth; and a fuzz loop over all of them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"

#include "drivers/nvme_parse.c"

static int t_nvme_cap(void)
{
	struct nvme_cap cap;
	uint64_t good = 31 | 20ull << 24 | NVME_CAP_CSS_NVM;

	CHECK_EQ(nvme_parse_cap(good, &cap), 0);
	CHECK_EQ(cap.qmax, 32);
	CHECK_EQ(cap.timeout_ms, 10000);
	CHECK_EQ(cap.stride, 4);
	CHECK_EQ(nvme_parse_cap(~0ull, &cap), -ENODEV);
	CHECK_EQ(nvme_parse_cap(good & ~0xFFFFull, &cap), -ENODEV);    /* MQES 0 */
	CHECK_EQ(nvme_parse_cap(good & ~NVME_CAP_CSS_NVM, &cap), -ENODEV);
	CHECK_EQ(nvme_parse_cap(good | 1ull << 48, &cap), -ENODEV);    /* MPSMIN 8K */
	CHECK_EQ(nvme_parse_cap(good | 3ull << 32, &cap), 0);
	CHECK_EQ(cap.stride, 32);
	return 0;
}

static void t_idc(uint8_t *id)
{
	uint32_t nn = 2;
	uint16_t oncs = NVME_ONCS_DSM;

	memset(id, 0, NVME_ID_SIZE);
	id[NVME_IDC_SQES] = 0x66;
	id[NVME_IDC_CQES] = 0x44;
	memcpy(id + NVME_IDC_NN, &nn, 4);
	memcpy(id + NVME_IDC_ONCS, &oncs, 2);
	memcpy(id + NVME_IDC_MN, "Keel NVMe\x01", 10);
	memset(id + NVME_IDC_MN + 10, ' ', 30);
}

static int t_nvme_id_ctrl(void)
{
	uint8_t *id = malloc(NVME_ID_SIZE);
	struct nvme_id_ctrl c;
	uint32_t zero = 0;

	t_idc(id);
	CHECK_EQ(nvme_parse_id_ctrl(id, &c), 0);
	CHECK_EQ(c.nn, 2);
	CHECK(c.dsm);
	CHECK(!strcmp(c.model, "Keel NVMe?"));      /* control byte replaced, spaces cut */
	CHECK_EQ(c.max_xfer, 0);
	id[NVME_IDC_MDTS] = 255;                     /* absurd: capped */
	CHECK_EQ(nvme_parse_id_ctrl(id, &c), 0);
	CHECK(c.max_xfer == 4096u << 18);
	id[NVME_IDC_SQES] = 0x55;                    /* max SQ entry 32 bytes */
	CHECK_EQ(nvme_parse_id_ctrl(id, &c), -EPROTO);
	t_idc(id);
	id[NVME_IDC_CQES] = 0x55;                    /* min CQ entry 32 bytes */
	CHECK_EQ(nvme_parse_id_ctrl(id, &c), -EPROTO);
	t_idc(id);
	memcpy(id + NVME_IDC_NN, &zero, 4);
	CHECK_EQ(nvme_parse_id_ctrl(id, &c), -EPROTO);
	free(id);
	return 0;
}

static void t_idn(uint8_t *id, uint64_t nsze, uint32_t lbaf)
{
	memset(id, 0, NVME_ID_SIZE);
	memcpy(id + NVME_IDN_NSZE, &nsze, 8);
	memcpy(id + NVME_IDN_NCAP, &nsze, 8);
	memcpy(id + NVME_IDN_LBAF, &lbaf, 4);
}

static int t_nvme_id_ns(void)
{
	uint8_t *id = malloc(NVME_ID_SIZE);
	struct nvme_id_ns n;
	uint64_t big = 1000;

	t_idn(id, 512, 9u << 16);
	CHECK_EQ(nvme_parse_id_ns(id, &n), 0);
	CHECK_EQ(n.block_size, 512);
	CHECK_EQ(n.nblocks, 512);
	t_idn(id, 512, 40u << 16);                   /* 2^40-byte blocks */
	CHECK_EQ(nvme_parse_id_ns(id, &n), -EPROTO);
	t_idn(id, 512, 12u << 16 | 8);               /* metadata inline */
	CHECK_EQ(nvme_parse_id_ns(id, &n), -EPROTO);
	t_idn(id, 0, 9u << 16);
	CHECK_EQ(nvme_parse_id_ns(id, &n), -EPROTO);
	t_idn(id, ~0ull, 9u << 16);
	CHECK_EQ(nvme_parse_id_ns(id, &n), -EPROTO);
	t_idn(id, 512, 9u << 16);
	id[NVME_IDN_FLBAS] = 3;                      /* past NLBAF 0 */
	CHECK_EQ(nvme_parse_id_ns(id, &n), -EPROTO);
	t_idn(id, 512, 9u << 16);
	memcpy(id + NVME_IDN_NCAP, &big, 8);         /* capacity above size */
	CHECK_EQ(nvme_parse_id_ns(id, &n), -EPROTO);
	free(id);
	return 0;
}

static int t_nvme_ns_list(void)
{
	uint8_t *id = calloc(1, NVME_ID_SIZE);
	uint32_t l[4] = { 1, 3, 0, 0 }, out[NVME_MAX_NS];

	memcpy(id, l, sizeof(l));
	CHECK_EQ(nvme_parse_ns_list(id, 3, out, NVME_MAX_NS), 2);
	CHECK_EQ(out[1], 3);
	CHECK_EQ(nvme_parse_ns_list(id, 2, out, NVME_MAX_NS), -EPROTO);   /* above NN */
	l[1] = 1;
	memcpy(id, l, sizeof(l));
	CHECK_EQ(nvme_parse_ns_list(id, 3, out, NVME_MAX_NS), -EPROTO);   /* repeated */
	for (uint32_t i = 0; i < NVME_ID_SIZE / 4; i++)
		memcpy(id + 4 * i, &(uint32_t){ i + 1 }, 4);
	CHECK_EQ(nvme_parse_ns_list(id, ~0u, out, NVME_MAX_NS), NVME_MAX_NS);
	free(id);
	return 0;
}

static int t_nvme_cqe(void)
{
	struct nvme_cqe e = { .sqid = 1, .sqhd = 3, .cid = 5 };

	CHECK_EQ(nvme_check_cqe(&e, 1, 32), 0);
	CHECK_EQ(nvme_check_cqe(&e, 2, 32), -EPROTO);
	e.cid = 32;
	CHECK_EQ(nvme_check_cqe(&e, 1, 32), -EPROTO);
	e.cid = 0;
	e.sqhd = 40;
	CHECK_EQ(nvme_check_cqe(&e, 1, 32), -EPROTO);
	return 0;
}

/* Random bytes: every parser returns, and what it accepts is in range. */
static int t_nvme_fuzz(void)
{
	uint8_t *id = malloc(NVME_ID_SIZE);
	uint32_t out[NVME_MAX_NS];

	srand(7);
	for (int it = 0; it < 2000; it++) {
		struct nvme_id_ctrl c;
		struct nvme_id_ns n;
		struct nvme_cap cap;
		uint64_t reg = (uint64_t)rand() << 33 ^ (uint64_t)rand() << 11 ^ (uint64_t)rand();

		for (int i = 0; i < NVME_ID_SIZE; i++)
			id[i] = (uint8_t)rand();
		if (it & 1)
			memset(id + 64, 0, NVME_ID_SIZE - 64);
		if (nvme_parse_cap(reg, &cap) == 0)
			CHECK(cap.qmax >= 2 && cap.timeout_ms <= NVME_TO_MAX_MS);
		if (nvme_parse_id_ctrl(id, &c) == 0)
			CHECK(c.nn && strlen(c.model) <= 40);
		if (nvme_parse_id_ns(id, &n) == 0)
			CHECK(n.block_size >= 512 && n.block_size <= 4096 && n.nblocks);
		CHECK(nvme_parse_ns_list(id, ~0u, out, NVME_MAX_NS) <= NVME_MAX_NS);
	}
	free(id);
	return 0;
}

const struct unit_test nvme_tests[] = {
	{ "nvme_cap", t_nvme_cap, QUICK },
	{ "nvme_id_ctrl", t_nvme_id_ctrl, QUICK },
	{ "nvme_id_ns", t_nvme_id_ns, QUICK },
	{ "nvme_ns_list", t_nvme_ns_list, QUICK },
	{ "nvme_cqe", t_nvme_cqe, QUICK },
	{ "nvme_fuzz", t_nvme_fuzz, QUICK },
	{ NULL, NULL, QUICK },
};

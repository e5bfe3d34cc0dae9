/*
 * Unit tests of the synthetic NIC's checks of host data
 * (drivers/netvsc_parse.c): NVSP completion lengths, transfer-page packet
 * headers and ranges, and RNDIS messages (PACKET with per-packet
 * information, QUERY_C, INDICATE_STATUS), each with hostile lengths,
 * offsets and counts, plus a fuzz loop over exact-size buffers so that
 * AddressSanitizer sees any read past what the host gave (docs/style.md §15).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"

#include "drivers/netvsc_parse.c"

static void w32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static int t_nvsp_comp_min(void)
{
	CHECK_EQ(netvsc_nvsp_comp_min(NVSP_MSG_INIT_COMPLETE), 16);
	CHECK_EQ(netvsc_nvsp_comp_min(NVSP_MSG1_SEND_RECV_BUF_COMPLETE), 28);
	CHECK_EQ(netvsc_nvsp_comp_min(NVSP_MSG1_SEND_SEND_BUF_COMPLETE), 12);
	CHECK_EQ(netvsc_nvsp_comp_min(NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE), 8);
	CHECK_EQ(netvsc_nvsp_comp_min(NVSP_MSG5_SUBCHANNEL), 12);
	CHECK_EQ(netvsc_nvsp_comp_min(NVSP_MSG1_SEND_RNDIS_PKT), 0);
	CHECK_EQ(netvsc_nvsp_comp_min(0xFFFFFFFFu), 0);
	return 0;
}

/* A type-7 packet: descriptor, header, n ranges, NVSP message at off. */
static uint32_t make_xfer(uint8_t *b, uint16_t id, uint32_t n, uint32_t chantype)
{
	struct nvsp_xfer_hdr h = { .xfer_pageset_id = id, .range_cnt = n };
	struct nvsp_rndis_pkt m = { NVSP_MSG1_SEND_RNDIS_PKT, chantype, NVSP_SECTION_NONE, 0 };
	uint32_t off = 24 + 8 * n;

	memset(b, 0, off + sizeof(m));
	memcpy(b + 16, &h, sizeof(h));
	for (uint32_t i = 0; i < n; i++) {
		w32(b + 24 + 8 * i, 100 + i);           /* count */
		w32(b + 28 + 8 * i, 2048 * i);          /* offset */
	}
	memcpy(b + off, &m, sizeof(m));
	return off;
}

static int t_xfer_good(void)
{
	uint8_t b[256];
	uint32_t off = make_xfer(b, 0xCAFE, 3, 1);
	struct netvsc_xfer x;

	CHECK_EQ(netvsc_parse_xfer(b, off + 16, off, 0xCAFE, &x), 0);
	CHECK_EQ(x.nranges, 3);
	CHECK_EQ(x.channel_type, 1);
	CHECK_EQ(x.ranges[2].byte_offset, 4096);
	CHECK_EQ(x.ranges[1].byte_count, 101);
	return 0;
}

static int t_xfer_hostile(void)
{
	uint8_t b[256];
	struct netvsc_xfer x;
	uint32_t off = make_xfer(b, 0xCAFE, 2, 0);

	CHECK_EQ(netvsc_parse_xfer(b, off + 16, off, 0xBEEF, &x), -EINVAL);   /* not our buffer */
	CHECK_EQ(netvsc_parse_xfer(b, off + 15, off, 0xCAFE, &x), -EINVAL);   /* short message */
	CHECK_EQ(netvsc_parse_xfer(b, 20, 16, 0xCAFE, &x), -EINVAL);          /* no header */
	CHECK_EQ(netvsc_parse_xfer(b, off + 16, 16, 0xCAFE, &x), -EINVAL);    /* offset8 too small */
	CHECK_EQ(netvsc_parse_xfer(b, off + 16, off + 24, 0xCAFE, &x), -EINVAL); /* beyond packet */
	/* More ranges than fit between the header and the message. */
	w32(b + 20, 3);
	CHECK_EQ(netvsc_parse_xfer(b, off + 16, off, 0xCAFE, &x), -EINVAL);
	w32(b + 20, 0);
	CHECK_EQ(netvsc_parse_xfer(b, off + 16, off, 0xCAFE, &x), -EINVAL);
	w32(b + 20, 0xFFFFFFFFu);
	CHECK_EQ(netvsc_parse_xfer(b, off + 16, off, 0xCAFE, &x), -EINVAL);
	off = make_xfer(b, 0xCAFE, 1, 2);                                    /* channel type 2 */
	CHECK_EQ(netvsc_parse_xfer(b, off + 16, off, 0xCAFE, &x), -EINVAL);
	off = make_xfer(b, 0xCAFE, 1, 0);
	w32(b + off, NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE);                     /* not 107 */
	CHECK_EQ(netvsc_parse_xfer(b, off + 16, off, 0xCAFE, &x), -EINVAL);
	return 0;
}

static int t_ranges(void)
{
	struct nvsp_xfer_range r;

	r = (struct nvsp_xfer_range){ 1806, 1806 * 3 };
	CHECK(netvsc_range_ok(&r, 65536, 1806, 4148));
	r = (struct nvsp_xfer_range){ 8, 65536 };                 /* offset at the end */
	CHECK(!netvsc_range_ok(&r, 65536, 1806, 4148));
	r = (struct nvsp_xfer_range){ 100, 65500 };               /* runs past the end */
	CHECK(!netvsc_range_ok(&r, 65536, 1806, 4148));
	r = (struct nvsp_xfer_range){ 0x100, 0xFFFFFF80u };       /* would wrap */
	CHECK(!netvsc_range_ok(&r, 65536, 1806, 4148));
	r = (struct nvsp_xfer_range){ 1807, 0 };                  /* over a sub-allocation */
	CHECK(!netvsc_range_ok(&r, 65536, 1806, 4148));
	r = (struct nvsp_xfer_range){ 4000, 0 };                  /* over our copy */
	CHECK(!netvsc_range_ok(&r, 65536, 8192, 2048));
	r = (struct nvsp_xfer_range){ 7, 0 };                     /* shorter than a header */
	CHECK(!netvsc_range_ok(&r, 65536, 1806, 4148));
	return 0;
}

/* An RNDIS PACKET_MSG with one checksum PPI and a frame of flen bytes. */
static uint32_t make_packet(uint8_t *b, uint32_t flen)
{
	struct rndis_packet p = { 0 };
	struct rndis_ppi ppi = { 16, RNDIS_PPI_CHECKSUM, 12 };
	uint32_t len = 8 + 36 + 16 + flen;

	memset(b, 0, len);
	w32(b, RNDIS_MSG_PACKET);
	w32(b + 4, len);
	p.data_offset = 36 + 16;
	p.data_len = flen;
	p.per_pkt_info_offset = 36;
	p.per_pkt_info_len = 16;
	memcpy(b + 8, &p, sizeof(p));
	memcpy(b + 8 + 36, &ppi, sizeof(ppi));
	memset(b + 8 + 52, 0xAB, flen);
	return len;
}

static int t_rndis_packet(void)
{
	uint8_t b[512];
	struct netvsc_rndis_msg m;
	uint32_t len = make_packet(b, 60);

	CHECK_EQ(netvsc_parse_rndis(b, len, &m), 0);
	CHECK_EQ(m.type, RNDIS_MSG_PACKET);
	CHECK_EQ(m.data_off, 8 + 52);
	CHECK_EQ(m.data_len, 60);
	/* OpenVMM: the range and msg_len are the whole sub-allocation. */
	CHECK_EQ(netvsc_parse_rndis(b, sizeof(b), &m), 0);
	CHECK_EQ(netvsc_parse_rndis(b, len - 1, &m), -EINVAL);     /* msg_len > bytes */
	w32(b + 4, 7);
	CHECK_EQ(netvsc_parse_rndis(b, len, &m), -EINVAL);         /* msg_len < header */
	CHECK_EQ(netvsc_parse_rndis(b, 7, &m), -EINVAL);
	len = make_packet(b, 60);
	w32(b + 8 + 4, 61);                                        /* data_len past the end */
	CHECK_EQ(netvsc_parse_rndis(b, len, &m), -EINVAL);
	w32(b + 8 + 4, 0);                                         /* empty frame */
	CHECK_EQ(netvsc_parse_rndis(b, len, &m), -EINVAL);
	len = make_packet(b, 60);
	w32(b + 8, len - 8);                                       /* data_offset at the end */
	CHECK_EQ(netvsc_parse_rndis(b, len, &m), -EINVAL);
	w32(b + 4, 8 + 20);                                        /* body shorter than rndis_packet */
	CHECK_EQ(netvsc_parse_rndis(b, len, &m), -EINVAL);
	return 0;
}

static int t_rndis_ppi(void)
{
	uint8_t b[512];
	struct netvsc_rndis_msg m;
	uint32_t len;

	len = make_packet(b, 60);
	w32(b + 8 + 36, 0);                    /* a zero-size element: must not loop */
	CHECK_EQ(netvsc_parse_rndis(b, len, &m), -EINVAL);
	len = make_packet(b, 60);
	w32(b + 8 + 36, 400);                  /* element larger than the area */
	CHECK_EQ(netvsc_parse_rndis(b, len, &m), -EINVAL);
	len = make_packet(b, 60);
	w32(b + 8 + 36 + 8, 17);               /* data offset beyond the element */
	CHECK_EQ(netvsc_parse_rndis(b, len, &m), -EINVAL);
	len = make_packet(b, 60);
	w32(b + 8 + 20, 12);                   /* area inside rndis_packet */
	CHECK_EQ(netvsc_parse_rndis(b, len, &m), -EINVAL);
	len = make_packet(b, 60);
	w32(b + 8 + 24, 1000);                 /* area past the message */
	CHECK_EQ(netvsc_parse_rndis(b, len, &m), -EINVAL);
	len = make_packet(b, 60);
	w32(b + 8 + 24, 10);                   /* area shorter than an element */
	CHECK_EQ(netvsc_parse_rndis(b, len, &m), -EINVAL);
	return 0;
}

static uint32_t make_query_c(uint8_t *b, uint32_t status, uint32_t off, uint32_t n)
{
	uint32_t len = 8 + 16 + 6;

	memset(b, 0, 64);
	w32(b, RNDIS_MSG_QUERY_C);
	w32(b + 4, len);
	w32(b + 8, 7);
	w32(b + 12, status);
	w32(b + 16, n);
	w32(b + 20, off);
	memcpy(b + 24, "\x00\x15\x5d\x01\x02\x03", 6);
	return len;
}

static int t_rndis_query(void)
{
	uint8_t b[64];
	struct netvsc_rndis_msg m;
	uint32_t len = make_query_c(b, 0, 16, 6);

	CHECK_EQ(netvsc_parse_rndis(b, len, &m), 0);
	CHECK_EQ(m.req_id, 7);
	CHECK_EQ(m.data_off, 24);
	CHECK_EQ(m.data_len, 6);
	len = make_query_c(b, 0, 16, 7);                           /* one byte too many */
	CHECK_EQ(netvsc_parse_rndis(b, len, &m), -EINVAL);
	len = make_query_c(b, 0, 8, 6);                            /* inside the body header */
	CHECK_EQ(netvsc_parse_rndis(b, len, &m), -EINVAL);
	len = make_query_c(b, 0, 0xFFFFFFF0u, 0x20);               /* wraps */
	CHECK_EQ(netvsc_parse_rndis(b, len, &m), -EINVAL);
	len = make_query_c(b, RNDIS_STATUS_NOT_SUPPORTED, 9999, 9999);  /* failure: no data */
	CHECK_EQ(netvsc_parse_rndis(b, len, &m), 0);
	CHECK_EQ(m.status, RNDIS_STATUS_NOT_SUPPORTED);
	CHECK_EQ(m.data_len, 0);
	w32(b, RNDIS_MSG_SET_C);
	w32(b + 4, 12);                                            /* SET_C needs 8 body bytes */
	CHECK_EQ(netvsc_parse_rndis(b, 12, &m), -EINVAL);
	w32(b, RNDIS_MSG_INIT_C);
	w32(b + 4, 8 + 40);                                        /* INIT_C needs 44 */
	CHECK_EQ(netvsc_parse_rndis(b, 64, &m), -EINVAL);
	w32(b, 0x12345678u);                                       /* unknown type */
	w32(b + 4, 16);
	CHECK_EQ(netvsc_parse_rndis(b, 64, &m), -EINVAL);
	return 0;
}

static int t_rndis_indicate(void)
{
	uint8_t b[64] = { 0 };
	struct netvsc_rndis_msg m;

	w32(b, RNDIS_MSG_INDICATE);
	w32(b + 4, 20);
	w32(b + 8, RNDIS_STATUS_MEDIA_CONNECT);
	CHECK_EQ(netvsc_parse_rndis(b, 20, &m), 0);
	CHECK_EQ(m.status, RNDIS_STATUS_MEDIA_CONNECT);
	CHECK_EQ(m.data_len, 0);
	/* Link speed: an old vSwitch leaves the buffer out of msg_len; it is
	 * checked against the bytes received (24 here). */
	w32(b + 8, RNDIS_STATUS_LINK_SPEED_CHANGE);
	w32(b + 12, 4);
	w32(b + 16, 12);
	CHECK_EQ(netvsc_parse_rndis(b, 24, &m), 0);
	CHECK_EQ(m.data_off, 20);
	CHECK_EQ(m.data_len, 4);
	CHECK_EQ(netvsc_parse_rndis(b, 23, &m), -EINVAL);           /* buffer cut short */
	w32(b + 16, 4);                                             /* inside the body header */
	CHECK_EQ(netvsc_parse_rndis(b, 24, &m), -EINVAL);
	w32(b + 4, 16);                                             /* body of 8 < 12 */
	CHECK_EQ(netvsc_parse_rndis(b, 24, &m), -EINVAL);
	return 0;
}

/* Random bytes in exact-size heap buffers: no crash, no read outside (ASan),
 * and whatever is accepted lies inside what was given. */
static int t_fuzz(void)
{
	uint64_t x = 0x6e657476u;

	for (int round = 0; round < 20000; round++) {
		uint32_t len, off;
		uint8_t *b;
		struct netvsc_rndis_msg m;
		struct netvsc_xfer xf;
		uint8_t t[16];

		x = x * 6364136223846793005ull + 1442695040888963407ull;
		len = (uint32_t)(x >> 33) % 300;
		b = malloc(len ? len : 1);
		CHECK(b);
		for (uint32_t i = 0; i < len; i++) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			b[i] = (uint8_t)(x >> 56);
			/* Small values make the structure checks pass more often. */
			if ((x >> 20) & 1)
				b[i] &= 0x3F;
		}
		if (len >= 8 && (round & 1)) {
			w32(b, (round & 2) ? RNDIS_MSG_PACKET : RNDIS_MSG_QUERY_C);
			w32(b + 4, len - (uint32_t)(x & 7) % (len - 7));
		}
		if (!netvsc_parse_rndis(b, len, &m)) {
			CHECK(m.len <= len);
			CHECK((uint64_t)m.data_off + m.data_len <= len);
		}
		off = len ? (uint32_t)(x >> 13) % len : 0;
		if (!netvsc_parse_xfer(b, len, off, (uint16_t)(x >> 40), &xf))
			CHECK(24 + 8ull * xf.nranges <= off && off + 16 <= len);
		if (len >= 12 && (round & 4)) {
			w32(b + 4, 16);                 /* reach the table checks */
			w32(b + 8, (uint32_t)(x >> 24) % (len + 8));
		}
		if (!netvsc_parse_send_table(b, len, (round & 8) ? NVSP_VERSION_6 : NVSP_VERSION_61,
					     3, t))
			for (int i = 0; i < 16; i++)
				CHECK(t[i] < 3);
		free(b);
	}
	return 0;
}

/* SEND_INDIRECTION_TABLE: type, count, offset, then the table at b + at. */
static void make_table(uint8_t *b, uint32_t len, uint32_t offset, uint32_t at, uint32_t mod)
{
	memset(b, 0xEE, len);
	w32(b, NVSP_MSG5_SEND_INDIRECTION_TABLE);
	w32(b + 4, 16);
	w32(b + 8, offset);
	for (uint32_t i = 0; i < 16; i++)
		w32(b + at + 4 * i, i % mod);
}

static int t_send_table(void)
{
	uint8_t b[128], t[16];

	/* OpenVMM: right after the 12-byte body, any version. */
	make_table(b, 76, 12, 12, 3);
	CHECK_EQ(netvsc_parse_send_table(b, 76, NVSP_VERSION_5, 3, t), 0);
	CHECK_EQ(t[4], 1);
	CHECK_EQ(netvsc_parse_send_table(b, 76, NVSP_VERSION_61, 3, t), 0);
	/* NVSP <= 6 and long enough: at 40 whatever offset says. */
	make_table(b, 104, 12, 40, 2);
	CHECK_EQ(netvsc_parse_send_table(b, 104, NVSP_VERSION_6, 2, t), 0);
	CHECK_EQ(t[5], 1);
	CHECK_EQ(netvsc_parse_send_table(b, 104, NVSP_VERSION_61, 2, t), -EINVAL);  /* 0xEE.. at 12 */
	/* Hostile: count, offset past the end or into the header, entries, length. */
	make_table(b, 76, 12, 12, 3);
	w32(b + 4, 17);
	CHECK_EQ(netvsc_parse_send_table(b, 76, NVSP_VERSION_5, 3, t), -EINVAL);
	make_table(b, 76, 13, 12, 3);
	CHECK_EQ(netvsc_parse_send_table(b, 76, NVSP_VERSION_5, 3, t), -EINVAL);
	make_table(b, 76, 0xFFFFFFF0u, 12, 3);
	CHECK_EQ(netvsc_parse_send_table(b, 76, NVSP_VERSION_5, 3, t), -EINVAL);
	make_table(b, 76, 4, 12, 3);
	CHECK_EQ(netvsc_parse_send_table(b, 76, NVSP_VERSION_5, 3, t), -EINVAL);
	make_table(b, 76, 12, 12, 3);
	CHECK_EQ(netvsc_parse_send_table(b, 76, NVSP_VERSION_5, 2, t), -EINVAL);
	CHECK_EQ(netvsc_parse_send_table(b, 75, NVSP_VERSION_5, 3, t), -EINVAL);
	CHECK_EQ(netvsc_parse_send_table(b, 8, NVSP_VERSION_5, 3, t), -EINVAL);
	return 0;
}

const struct unit_test netvsc_parse_tests[] = {
	{ "netvsc_nvsp_comp_min", t_nvsp_comp_min, QUICK },
	{ "netvsc_xfer_good", t_xfer_good, QUICK },
	{ "netvsc_xfer_hostile", t_xfer_hostile, QUICK },
	{ "netvsc_ranges", t_ranges, QUICK },
	{ "netvsc_rndis_packet", t_rndis_packet, QUICK },
	{ "netvsc_rndis_ppi", t_rndis_ppi, QUICK },
	{ "netvsc_rndis_query", t_rndis_query, QUICK },
	{ "netvsc_rndis_indicate", t_rndis_indicate, QUICK },
	{ "netvsc_send_table", t_send_table, QUICK },
	{ "netvsc_parse_fuzz", t_fuzz, QUICK },
	{ NULL, NULL, QUICK },
};

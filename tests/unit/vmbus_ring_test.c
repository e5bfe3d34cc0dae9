/*
 * Unit tests of the VMBus ring buffer (vmbus/ring.c), the requestor table
 * (vmbus/requestor.c) and GUID helpers (lib/guid.c), against hand-made rings
 * in private memory: round trips, wrap-around, the full-ring and signalling
 * rules (docs/protocols/vmbus.md §5.5-5.6), every hostile field of §7.2-7.4, and a
 * fuzz loop over random control fields and packet bytes (docs/style.md §15).
 *
 * The code under test is not in the hosted library, so it is compiled into
 * this file. The table is vmbus_tests (to be listed in tests/unit/main.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"

#include "lib/guid.c"
#include "vmbus/requestor.c"
#include "vmbus/ring.c"

extern const struct unit_test vmbus_tests[];

#define RT_PAGES 3      /* control page + 2 data pages: 8 KiB of data */

static _Alignas(4096) uint8_t rt_mem[RT_PAGES * 4096];

/* A writer and a reader over the same memory, as guest and host would be. */
static void rt_setup(struct vmbus_ring *w, struct vmbus_ring *r)
{
	memset(rt_mem, 0xA5, sizeof(rt_mem));   /* stale bytes must not matter */
	vmbus_ring_init(w, rt_mem, RT_PAGES);
	*r = *w;
}

static int rt_send(struct vmbus_ring *w, const void *p, uint32_t len, uint64_t id, bool *sig)
{
	struct vmbus_iov iov = { p, len };
	return vmbus_ring_write(w, VMBUS_PKT_DATA_INBAND, VMBUS_PKT_FLAG_COMPLETION_REQUESTED,
				id, NULL, 0, &iov, 1, sig);
}

static int t_ring_roundtrip(void)
{
	struct vmbus_ring w, r;
	struct vmbus_ring_iter it;
	struct vmbus_pkt p;
	uint64_t buf[600];
	uint8_t data[4096];
	bool sig;

	rt_setup(&w, &r);
	CHECK_EQ(w.data_size, 8192);
	CHECK_EQ(w.ctl->feature_bits, 1);
	for (int round = 0; round < 50; round++) {
		uint32_t len = round % 2 ? 64 : 4000 + (uint32_t)round;

		for (uint32_t i = 0; i < len; i++)
			data[i] = (uint8_t)(i * 13 + round);
		CHECK_EQ(rt_send(&w, data, len, 1000 + round, &sig), 0);
		CHECK(sig);                     /* the reader had emptied the ring */
		vmbus_ring_iter_begin(&it, &r);
		CHECK_EQ(r.ctl->interrupt_mask, 1);
		CHECK_EQ(vmbus_ring_iter_next(&it, buf, sizeof(buf), &p), 1);
		CHECK_EQ(p.type, VMBUS_PKT_DATA_INBAND);
		CHECK_EQ(p.flags, VMBUS_PKT_FLAG_COMPLETION_REQUESTED);
		CHECK_EQ(p.trans_id, 1000 + round);
		CHECK(p.data_len >= len && p.data_len < len + 8);
		CHECK(memcmp(p.data, data, len) == 0);
		for (uint32_t i = len; i < p.data_len; i++)
			CHECK_EQ(p.data[i], 0);         /* padding zeroed (§7.5) */
		CHECK_EQ(vmbus_ring_iter_next(&it, buf, sizeof(buf), &p), 0);
		CHECK(!vmbus_ring_iter_end(&it, &sig));
		CHECK_EQ(r.ctl->interrupt_mask, 0);
		CHECK_EQ(r.ctl->read_index, r.priv_read);
	}
	CHECK(w.priv_write != 0);       /* it wrapped several times */
	return 0;
}

/* §5.5 step 5: signal only on empty -> non-empty, never when masked. */
static int t_ring_signal_rule(void)
{
	struct vmbus_ring w, r;
	uint8_t d[32] = { 1 };
	bool sig;

	rt_setup(&w, &r);
	CHECK_EQ(rt_send(&w, d, sizeof(d), 1, &sig), 0);
	CHECK(sig);
	CHECK_EQ(rt_send(&w, d, sizeof(d), 2, &sig), 0);
	CHECK(!sig);                    /* host has not read: it is busy already */
	rt_setup(&w, &r);
	w.ctl->interrupt_mask = 1;
	CHECK_EQ(rt_send(&w, d, sizeof(d), 3, &sig), 0);
	CHECK(!sig);
	return 0;
}

/* A full ring: -EAGAIN, counted, pending_send_sz asked; the reader then
 * signals exactly when it freed what was asked for (§5.6 step 6). */
static int t_ring_full_and_pss(void)
{
	struct vmbus_ring w, r;
	struct vmbus_ring_iter it;
	struct vmbus_pkt p;
	uint64_t buf[600];
	uint8_t d[1000];
	bool sig;
	int n = 0, err;

	rt_setup(&w, &r);
	memset(d, 7, sizeof(d));
	while ((err = rt_send(&w, d, sizeof(d), (uint64_t)n + 1, &sig)) == 0)
		n++;
	CHECK_EQ(err, -EAGAIN);
	CHECK_EQ(n, 7);                 /* the 8th would leave the ring exactly full */
	CHECK_EQ(w.full_events, 1);
	CHECK_EQ(w.ctl->pending_send_sz, 1024);  /* 16 + 1000 padded, + trailer */
	vmbus_ring_iter_begin(&it, &r);
	CHECK_EQ(vmbus_ring_iter_next(&it, buf, sizeof(buf), &p), 1);
	vmbus_ring_iter_end(&it, &sig);
	CHECK(sig);                     /* freed 1024: now > pending_send_sz */
	CHECK_EQ(rt_send(&w, d, sizeof(d), 99, &sig), 0);
	CHECK_EQ(w.ctl->pending_send_sz, 0);
	/* Reading without a pending request signals nothing. */
	vmbus_ring_iter_begin(&it, &r);
	CHECK_EQ(vmbus_ring_iter_next(&it, buf, sizeof(buf), &p), 1);
	vmbus_ring_iter_end(&it, &sig);
	CHECK(!sig);
	/* Never fits: -EMSGSIZE, not -EAGAIN. */
	static uint8_t big[8192];
	CHECK_EQ(rt_send(&w, big, sizeof(big), 5, &sig), -EMSGSIZE);
	return 0;
}

/* Write a raw descriptor (and len bytes) at the reader's position, as a
 * hostile host would, and publish write_index. */
static void rt_host_put(struct vmbus_ring *r, uint16_t type, uint16_t off8, uint16_t len8,
			uint16_t flags, uint32_t advance)
{
	struct vmbus_pkt_desc d = { type, off8, len8, flags, 42 };

	memcpy(r->data + r->priv_read, &d, sizeof(d));
	r->ctl->write_index = (r->priv_read + advance) % r->data_size;
}

static int rt_expect(uint16_t type, uint16_t off8, uint16_t len8, uint16_t flags,
		     uint32_t advance, int want)
{
	struct vmbus_ring w, r;
	struct vmbus_ring_iter it;
	struct vmbus_pkt p;
	uint64_t buf[64];

	rt_setup(&w, &r);
	rt_host_put(&r, type, off8, len8, flags, advance);
	vmbus_ring_iter_begin(&it, &r);
	return vmbus_ring_iter_next(&it, buf, sizeof(buf), &p) == want ? 0 : 1;
}

/* §7.3: every host-controlled descriptor field, with >= against its bound. */
static int t_ring_hostile_packets(void)
{
	CHECK_EQ(rt_expect(6, 2, 4, 0, 40, 1), 0);       /* good: 32 B + trailer */
	CHECK_EQ(rt_expect(6, 2, 4, 0, 32, -EIO), 0);    /* trailer missing */
	CHECK_EQ(rt_expect(6, 2, 1, 0, 40, -EIO), 0);    /* len8 * 8 < 16 */
	CHECK_EQ(rt_expect(6, 1, 4, 0, 40, -EIO), 0);    /* offset8 < 2 */
	CHECK_EQ(rt_expect(6, 5, 4, 0, 40, -EIO), 0);    /* offset beyond length */
	CHECK_EQ(rt_expect(6, 2, 4, 2, 40, -EIO), 0);    /* reserved flag bit */
	CHECK_EQ(rt_expect(1, 2, 4, 0, 40, -EIO), 0);    /* type never on the wire */
	CHECK_EQ(rt_expect(0xB, 2, 4, 0, 40, 1), 0);     /* completion ok */
	CHECK_EQ(rt_expect(6, 2, 200, 0, 40, -EIO), 0);  /* longer than available */
	CHECK_EQ(rt_expect(6, 2, 4, 0, 8, -EIO), 0);     /* 8 bytes: not a packet */
	CHECK_EQ(rt_expect(6, 2, 100, 0, 808, -EMSGSIZE), 0); /* valid, > buffer */
	return 0;
}

/* §7.2: host indices unaligned or out of range stop the ring. */
static int t_ring_hostile_indices(void)
{
	struct vmbus_ring w, r;
	struct vmbus_ring_iter it;
	struct vmbus_pkt p;
	uint64_t buf[64];
	uint8_t d[8] = { 0 };
	bool sig;

	rt_setup(&w, &r);
	r.ctl->write_index = 12;        /* not a multiple of 8 */
	vmbus_ring_iter_begin(&it, &r);
	CHECK_EQ(vmbus_ring_iter_next(&it, buf, sizeof(buf), &p), -EIO);
	CHECK(r.broken);
	rt_setup(&w, &r);
	rt_host_put(&r, 6, 2, 4, 0, 40);        /* a valid packet is there... */
	r.ctl->write_index = 8192;      /* ...but the index == data_size: out of range */
	vmbus_ring_iter_begin(&it, &r);
	CHECK_EQ(vmbus_ring_iter_next(&it, buf, sizeof(buf), &p), -EIO);
	CHECK_EQ(r.bad_packets, 0);     /* refused for the index, not the packet */
	rt_setup(&w, &r);
	w.ctl->read_index = 9000;       /* host's read index on our outbound ring */
	CHECK_EQ(rt_send(&w, d, sizeof(d), 1, &sig), -EIO);
	CHECK(w.broken);
	CHECK_EQ(rt_send(&w, d, sizeof(d), 1, &sig), -EIO);  /* stays stopped */
	return 0;
}

/* §7.4: ids the host cannot forge. */
static int t_requestor(void)
{
	struct vmbus_requestor q;
	uint64_t id[4], ctx, extra;

	CHECK_EQ(vmbus_rqst_init(&q, 4), 0);
	for (int i = 0; i < 4; i++) {
		CHECK_EQ(vmbus_rqst_get(&q, 100 + (uint64_t)i, &id[i]), 0);
		CHECK(id[i] >= 1 && id[i] <= 4);
	}
	CHECK_EQ(vmbus_rqst_get(&q, 9, &extra), -EBUSY);
	CHECK_EQ(vmbus_rqst_put(&q, 0, &ctx), -EINVAL);
	CHECK_EQ(vmbus_rqst_put(&q, 5, &ctx), -EINVAL);
	CHECK_EQ(vmbus_rqst_put(&q, UINT64_MAX, &ctx), -EINVAL);
	CHECK_EQ(vmbus_rqst_put(&q, id[2], &ctx), 0);
	CHECK_EQ(ctx, 102);
	CHECK_EQ(vmbus_rqst_put(&q, id[2], &ctx), -EINVAL);   /* repeated */
	CHECK_EQ(vmbus_rqst_get(&q, 7, &extra), 0);
	/* The slot is reused under a new id: a late duplicate of the old
	 * completion must not complete the new request (lost-write bug). */
	CHECK_EQ((uint32_t)extra, (uint32_t)id[2]);
	CHECK(extra != id[2]);
	CHECK_EQ(vmbus_rqst_put(&q, id[2], &ctx), -EINVAL);
	CHECK_EQ(q.outstanding, 4);
	CHECK_EQ(vmbus_rqst_put(&q, extra, &ctx), 0);
	CHECK_EQ(ctx, 7);
	vmbus_rqst_fini(&q);
	CHECK_EQ(vmbus_rqst_init(&q, 0), 0);
	CHECK_EQ(vmbus_rqst_get(&q, 1, &extra), -ENODEV);
	return 0;
}

/* §0: the NIC class GUID's text and byte forms. */
static int t_guid(void)
{
	static const struct vmbus_guid nic = VMBUS_GUID_INIT(0xf8615163, 0xdf3e, 0x46c5,
		0x91, 0x3f, 0xf2, 0xd2, 0xf9, 0x65, 0xed, 0x0e);
	static const uint8_t bytes[16] = { 0x63, 0x51, 0x61, 0xf8, 0x3e, 0xdf, 0xc5, 0x46,
					   0x91, 0x3f, 0xf2, 0xd2, 0xf9, 0x65, 0xed, 0x0e };
	struct vmbus_guid g;
	char s[GUID_STR_LEN];

	CHECK(memcmp(nic.b, bytes, 16) == 0);
	CHECK(strcmp(guid_format(&nic, s), "f8615163-df3e-46c5-913f-f2d2f965ed0e") == 0);
	CHECK_EQ(guid_parse(s, &g), 0);
	CHECK(guid_equal(&g, &nic));
	CHECK_EQ(guid_parse("f8615163-df3e-46c5-913f-f2d2f965ed0", &g), -EINVAL);
	CHECK_EQ(guid_parse("f8615163xdf3e-46c5-913f-f2d2f965ed0e", &g), -EINVAL);
	CHECK(!guid_is_zero(&nic));
	return 0;
}

/* Random control words and packet bytes: the iterator must never read
 * outside the ring or the buffer (ASan checks), never loop, and every packet
 * it returns must satisfy §7.3. */
static int t_ring_fuzz(void)
{
	uint64_t s = 0x9E3779B97F4A7C15ull, buf[128];
	struct vmbus_ring w, r;
	struct vmbus_ring_iter it;
	struct vmbus_pkt p;
	int got = 0;

	for (int iter = 0; iter < 20000; iter++) {
		rt_setup(&w, &r);
		for (size_t i = 0; i < 256; i++) {
			s ^= s << 13; s ^= s >> 7; s ^= s << 17;
			((uint64_t *)r.data)[(s >> 20) % (r.data_size / 8)] = s;
		}
		s ^= s << 13; s ^= s >> 7; s ^= s << 17;
		r.priv_read = (uint32_t)(s % (r.data_size / 8)) * 8;
		r.ctl->write_index = (iter & 1) ? (uint32_t)(s >> 32) :
				     (uint32_t)((s >> 32) % r.data_size) & ~7u;
		r.ctl->pending_send_sz = (uint32_t)s;
		if (iter & 2) {
			/* A near-valid descriptor: small random fields, so the
			 * checks are exercised on both sides of each bound. */
			static const uint16_t types[] = { 6, 7, 9, 11, 0, 5, 12 };
			s ^= s << 13; s ^= s >> 7; s ^= s << 17;
			rt_host_put(&r, types[s % 7], (uint16_t)((s >> 8) % 6),
				    (uint16_t)((s >> 16) % 140), (uint16_t)((s >> 24) % 4),
				    (uint32_t)((s >> 32) % 1200) & ~7u);
		}
		vmbus_ring_iter_begin(&it, &r);
		for (int k = 0; k < 64; k++) {
			int rc = vmbus_ring_iter_next(&it, buf, sizeof(buf), &p);
			if (rc <= 0 && rc != -EMSGSIZE)
				break;
			if (rc == 1) {
				got++;
				CHECK(p.raw_len >= 16 && p.raw_len <= sizeof(buf));
				CHECK(p.data >= p.raw && p.data + p.data_len == p.raw + p.raw_len);
				CHECK((p.flags & ~1u) == 0);
			}
		}
		bool sig;
		vmbus_ring_iter_end(&it, &sig);
	}
	CHECK(got > 0);         /* the fuzz reached the parser's accept path */
	return 0;
}

/*
 * The two ways of writing a packet agree: one piece without a header
 * (written by vmbus_ring_write itself) and the same bytes as two pieces
 * (ring_write_any) leave identical shared memory, descriptor, zeroed
 * padding and trailer included; mid-ring, ending exactly at the end of the
 * data area (next index 0), and wrapping. The reader gets the packet back.
 */
static int t_ring_send_paths(void)
{
	static _Alignas(4096) uint8_t mem2[RT_PAGES * 4096];
	static const uint32_t lens[] = { 1, 8, 13, 64, 100, 200 };
	static const uint32_t starts[] = { 0, 4096, 8192 - 88, 8192 - 40, 8192 - 8 };
	struct vmbus_ring a, b, ra;
	struct vmbus_ring_iter it;
	struct vmbus_pkt p;
	uint64_t buf[64];
	uint8_t data[200];
	bool sig;

	for (uint32_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 1);
	for (size_t si = 0; si < sizeof(starts) / sizeof(starts[0]); si++) {
		for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]); li++) {
			uint32_t start = starts[si], len = lens[li];
			uint32_t total = ((16 + len + 7) & ~7u) + 8;
			struct vmbus_iov one = { data, len };
			struct vmbus_iov two[2] = { { data, len / 2 }, { data + len / 2, len - len / 2 } };

			rt_setup(&a, &ra);
			memset(mem2, 0xA5, sizeof(mem2));
			vmbus_ring_init(&b, mem2, RT_PAGES);
			a.priv_write = a.ctl->write_index = a.ctl->read_index = start;
			b.priv_write = b.ctl->write_index = b.ctl->read_index = start;
			ra.priv_read = start;
			CHECK_EQ(vmbus_ring_write(&a, VMBUS_PKT_DATA_INBAND, 1, 77, NULL, 0,
						  &one, 1, &sig), 0);
			CHECK_EQ(vmbus_ring_write(&b, VMBUS_PKT_DATA_INBAND, 1, 77, NULL, 0,
						  two, 2, &sig), 0);
			CHECK(memcmp(rt_mem, mem2, sizeof(mem2)) == 0);
			CHECK_EQ(a.ctl->write_index, (start + total) % 8192);
			CHECK_EQ(a.priv_write, b.priv_write);
			vmbus_ring_iter_begin(&it, &ra);
			CHECK_EQ(vmbus_ring_iter_next(&it, buf, sizeof(buf), &p), 1);
			CHECK_EQ(p.trans_id, 77);
			CHECK_EQ(p.flags, 1);
			CHECK(memcmp(p.data, data, len) == 0);
			vmbus_ring_iter_end(&it, &sig);
		}
	}
	return 0;
}

const struct unit_test vmbus_tests[] = {
	{ "vmbus_ring_roundtrip", t_ring_roundtrip, QUICK },
	{ "vmbus_ring_signal_rule", t_ring_signal_rule, QUICK },
	{ "vmbus_ring_full_and_pss", t_ring_full_and_pss, QUICK },
	{ "vmbus_ring_send_paths", t_ring_send_paths, QUICK },
	{ "vmbus_ring_hostile_packets", t_ring_hostile_packets, QUICK },
	{ "vmbus_ring_hostile_indices", t_ring_hostile_indices, QUICK },
	{ "vmbus_requestor", t_requestor, QUICK },
	{ "vmbus_guid", t_guid, QUICK },
	{ "vmbus_ring_fuzz", t_ring_fuzz, SLOW },
	{ NULL, NULL, QUICK },
};

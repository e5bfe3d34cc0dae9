/*
 * Unit tests of the KVP service (drivers/ic_kvp.c) and the UTF-8/UTF-16
 * conversions (lib/utf16.c) with hostile input: every operation on every pool,
 * the record's sizes at and past their limits, full pools, the intrinsic
 * items, the application API (kvp_get, kvp_guest_set), and a fuzz loop of
 * mutated requests (docs/style.md §15).
 *
 * The code under test is compiled into this file; the IC framework's
 * probe and remove are not needed here and are replaced.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"

/* ic_msg_test.c links the real ones */
#define ic_probe  ickt_probe
#define ic_remove ickt_remove

#include "drivers/ic_kvp.c"
#include "lib/utf16.c"

int ic_probe(struct vmbus_device *dev, const struct ic_service *svc, void *priv)
{
	(void)dev;
	(void)svc;
	(void)priv;
	return 0;
}
void ic_remove(struct vmbus_device *dev) { (void)dev; }

static struct ic_kvp_enumerate req;   /* the largest request */

/* A GET/SET/DELETE/ENUMERATE body for key (UTF-8) and a string value. */
static uint32_t mk_req(uint8_t op, uint8_t pool, const char *key, const char *val,
		       uint32_t index)
{
	struct ic_kvp_getset *gs = (struct ic_kvp_getset *)&req;
	struct ic_kvp_delete *del = (struct ic_kvp_delete *)&req;
	uint16_t k[256], v[1024];
	int kn = key ? utf8_to_utf16(key, k, 256) : 0;
	int vn = val ? utf8_to_utf16(val, v, 1024) : 0;

	memset(&req, 0, sizeof(req));
	req.h.op = op;
	req.h.pool = pool;
	switch (op) {
	case IC_KVP_DELETE:
		del->key_size = 2u * ((uint32_t)kn + 1);
		memcpy(del->key, k, del->key_size);
		return sizeof(*del);
	case IC_KVP_ENUMERATE:
		req.index = index;
		return sizeof(req);
	default:
		gs->v.type = IC_KVP_REG_SZ;
		gs->v.key_size = 2u * ((uint32_t)kn + 1);
		memcpy(gs->v.key, k, gs->v.key_size);
		if (val) {
			gs->v.value_size = 2u * ((uint32_t)vn + 1);
			memcpy(gs->v.value, v, gs->v.value_size);
		}
		return sizeof(*gs);
	}
}

static int64_t run(struct kvp_store *st, uint32_t len)
{
	uint32_t out = 0;
	int64_t r = kvp_handle(st, (uint8_t *)&req, len, &out);

	if (out != len)
		return -1000;
	return r;
}

/* The value of the record in req (GET: after the header; ENUMERATE: +4). */
static const char *value_utf8(bool enumerate, char *buf, size_t cap)
{
	const struct ic_kvp_value *v = enumerate ? &req.v : &((struct ic_kvp_getset *)&req)->v;
	uint16_t u[1024];

	memcpy(u, v->value, sizeof(u));
	utf16_to_utf8(u, v->value_size / 2, buf, cap);
	return buf;
}

static int t_kvp_ops(void)
{
	static struct kvp_store st;
	char buf[256];

	kvp_store_reset(&st);
	CHECK_EQ(run(&st, mk_req(IC_KVP_SET, IC_KVP_POOL_EXTERNAL, "A", "one", 0)), IC_S_OK);
	CHECK_EQ(run(&st, mk_req(IC_KVP_SET, IC_KVP_POOL_EXTERNAL, "Motto",
				 "gr\xc3\xbc\xc3\x9f" "e \xf0\x9f\x98\x80", 0)), IC_S_OK);
	CHECK_EQ(run(&st, mk_req(IC_KVP_SET, IC_KVP_POOL_EXTERNAL, "A", "two", 0)), IC_S_OK);
	CHECK_EQ(st.pools[0].n, 2);                         /* SET replaces */
	CHECK_EQ(run(&st, mk_req(IC_KVP_GET, IC_KVP_POOL_EXTERNAL, "Motto", NULL, 0)), IC_S_OK);
	CHECK(!strcmp(value_utf8(false, buf, sizeof(buf)),
		      "gr\xc3\xbc\xc3\x9f" "e \xf0\x9f\x98\x80"));
	CHECK_EQ(run(&st, mk_req(IC_KVP_GET, IC_KVP_POOL_GUEST, "Motto", NULL, 0)),
		 IC_E_NOT_FOUND);                           /* pools are apart */
	CHECK_EQ(run(&st, mk_req(IC_KVP_ENUMERATE, IC_KVP_POOL_EXTERNAL, NULL, NULL, 0)), IC_S_OK);
	CHECK(!strcmp(value_utf8(true, buf, sizeof(buf)), "two"));
	CHECK_EQ(run(&st, mk_req(IC_KVP_ENUMERATE, IC_KVP_POOL_EXTERNAL, NULL, NULL, 2)),
		 IC_E_NO_MORE_ITEMS);
	CHECK_EQ(run(&st, mk_req(IC_KVP_ENUMERATE, IC_KVP_POOL_EXTERNAL, NULL, NULL, 0xFFFFFFFFu)),
		 IC_E_NO_MORE_ITEMS);
	CHECK_EQ(run(&st, mk_req(IC_KVP_DELETE, IC_KVP_POOL_EXTERNAL, "A", NULL, 0)), IC_S_OK);
	CHECK_EQ(run(&st, mk_req(IC_KVP_DELETE, IC_KVP_POOL_EXTERNAL, "A", NULL, 0)),
		 IC_E_NOT_FOUND);
	CHECK_EQ(run(&st, mk_req(IC_KVP_GET, IC_KVP_POOL_EXTERNAL, "A", NULL, 0)), IC_E_NOT_FOUND);
	CHECK_EQ(run(&st, mk_req(IC_KVP_SET, IC_KVP_POOL_AUTO, "OSName", "x", 0)), IC_E_FAIL);
	CHECK_EQ(run(&st, mk_req(IC_KVP_DELETE, IC_KVP_POOL_AUTO_EXTERNAL, "x", NULL, 0)),
		 IC_E_FAIL);
	return 0;
}

static void fake_ips(char *v4, size_t v4cap, char *v6, size_t v6cap)
{
	snprintf(v4, v4cap, "10.0.0.5;192.168.1.9");
	snprintf(v6, v6cap, "fe80::1");
}

static int t_kvp_auto_pool(void)
{
	static struct kvp_store st;
	char buf[256];
	int n = 0;

	kvp_reset();
	kvp_set_ip_hook(fake_ips);
	kvp_set_fqdn("vm1.example.com");
	while (run(&st, mk_req(IC_KVP_ENUMERATE, IC_KVP_POOL_AUTO, NULL, NULL, (uint32_t)n)) ==
	       IC_S_OK) {
		CHECK_EQ(req.v.type, IC_KVP_REG_SZ);
		CHECK_EQ(req.v.key[req.v.key_size / 2 - 1], 0);     /* terminator counted */
		n++;
		CHECK(n <= 64);
	}
	CHECK_EQ(n, 10);
	/* the items by index, in kvp_auto_keys order */
	static const struct { unsigned i; const char *key, *val; } want[] = {
		{ 0, "FullyQualifiedDomainName", "vm1.example.com" },
		{ 2, "NetworkAddressIPv4", "10.0.0.5;192.168.1.9" },
		{ 3, "NetworkAddressIPv6", "fe80::1" },
		{ 5, "OSName", "Keel" },
		{ 9, "ProcessorArchitecture", "x86_64" },
	};
	for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
		uint16_t u[256];
		char key[64];

		CHECK_EQ(run(&st, mk_req(IC_KVP_ENUMERATE, IC_KVP_POOL_AUTO, NULL, NULL, want[k].i)),
			 IC_S_OK);
		memcpy(u, req.v.key, sizeof(u));
		utf16_to_utf8(u, req.v.key_size / 2, key, sizeof(key));
		CHECK(!strcmp(key, want[k].key));
		CHECK(!strcmp(value_utf8(true, buf, sizeof(buf)), want[k].val));
	}
	/* the auto pool is read by ENUMERATE only: GET, SET, DELETE refused */
	CHECK_EQ(run(&st, mk_req(IC_KVP_GET, IC_KVP_POOL_AUTO, "OSName", NULL, 0)), IC_E_FAIL);
	kvp_reset();
	return 0;
}

static int t_kvp_hostile(void)
{
	static struct kvp_store st;
	struct ic_kvp_getset *gs = (struct ic_kvp_getset *)&req;
	uint32_t len;
	char name[16];

	kvp_store_reset(&st);
	/* shorter than the header, than each operation's record */
	CHECK_EQ(run(&st, 3), -EINVAL);
	len = mk_req(IC_KVP_SET, IC_KVP_POOL_EXTERNAL, "K", "v", 0);
	CHECK_EQ(run(&st, len - 1), -EINVAL);
	len = mk_req(IC_KVP_DELETE, IC_KVP_POOL_EXTERNAL, "K", NULL, 0);
	CHECK_EQ(run(&st, len - 1), -EINVAL);
	len = mk_req(IC_KVP_ENUMERATE, IC_KVP_POOL_EXTERNAL, NULL, NULL, 0);
	CHECK_EQ(run(&st, len - 1), -EINVAL);
	/* unknown pool, unknown operation */
	len = mk_req(IC_KVP_GET, 4, "K", NULL, 0);
	CHECK_EQ(run(&st, len), -EINVAL);
	len = mk_req(IC_KVP_GET, IC_KVP_POOL_EXTERNAL, "K", NULL, 0);
	req.h.op = 4;                                         /* GET_IP_ADDRESS_INFO */
	CHECK_EQ(run(&st, len), IC_E_NOT_SUPPORTED);
	req.h.op = 0xFF;
	CHECK_EQ(run(&st, len), IC_E_NOT_SUPPORTED);
	/* key sizes: odd, only a terminator, past the record, empty key */
	static const uint32_t bad_keys[] = { 3, 2, 0, 514, 0xFFFFFFFFu };
	for (size_t i = 0; i < sizeof(bad_keys) / sizeof(bad_keys[0]); i++) {
		len = mk_req(IC_KVP_SET, IC_KVP_POOL_EXTERNAL, "Key", "v", 0);
		gs->v.key_size = bad_keys[i];
		CHECK_EQ(run(&st, len), -EINVAL);
	}
	len = mk_req(IC_KVP_SET, IC_KVP_POOL_EXTERNAL, "Key", "v", 0);
	gs->v.key[0] = 0;                                     /* NUL first: empty */
	CHECK_EQ(run(&st, len), -EINVAL);
	/* a value past the record */
	len = mk_req(IC_KVP_SET, IC_KVP_POOL_EXTERNAL, "Key", "v", 0);
	gs->v.value_size = IC_KVP_VAL_BYTES + 1;
	CHECK_EQ(run(&st, len), -EINVAL);
	/* 256 units fill the record: no room for the terminator an answer carries */
	len = mk_req(IC_KVP_SET, IC_KVP_POOL_EXTERNAL, "K", "v", 0);
	for (int i = 0; i < 256; i++)
		gs->v.key[i] = 'k';
	gs->v.key_size = IC_KVP_KEY_BYTES;
	CHECK_EQ(run(&st, len), -EINVAL);
	/* the largest: a 255-unit key and its terminator, a full value */
	gs->v.key[255] = 0;
	gs->v.value_size = IC_KVP_VAL_BYTES;
	memset(gs->v.value, 0x41, IC_KVP_VAL_BYTES);
	CHECK_EQ(run(&st, len), IC_S_OK);
	CHECK_EQ(st.pools[0].items[0].key_units, 255);
	len = mk_req(IC_KVP_ENUMERATE, IC_KVP_POOL_EXTERNAL, NULL, NULL, 0);
	CHECK_EQ(run(&st, len), IC_S_OK);
	CHECK_EQ(req.v.key_size, IC_KVP_KEY_BYTES);          /* inside the record */
	CHECK_EQ(req.v.key[254], 'k');
	CHECK_EQ(req.v.key[255], 0);
	/* a full pool refuses more */
	kvp_store_reset(&st);
	for (int i = 0; i < KVP_MAX_ITEMS; i++) {
		snprintf(name, sizeof(name), "k%d", i);
		CHECK_EQ(run(&st, mk_req(IC_KVP_SET, IC_KVP_POOL_GUEST, name, "v", 0)), IC_S_OK);
	}
	CHECK_EQ(run(&st, mk_req(IC_KVP_SET, IC_KVP_POOL_GUEST, "more", "v", 0)), IC_E_FAIL);
	return 0;
}

/* The application's side: host-set values as UTF-8, guest values for the host. */
static int t_kvp_api(void)
{
	char buf[64];
	uint32_t out;

	kvp_reset();
	CHECK_EQ(kvp_get("HostName", buf, sizeof(buf)), -ENOENT);
	mk_req(IC_KVP_SET, IC_KVP_POOL_EXTERNAL, "HostName", "hyperv-h\xc3\xb6st", 0);
	CHECK_EQ(kvp_handle(&kvp_main, (uint8_t *)&req, sizeof(struct ic_kvp_getset), &out),
		 IC_S_OK);
	CHECK_EQ(kvp_get("HostName", buf, sizeof(buf)), 0);
	CHECK(!strcmp(buf, "hyperv-h\xc3\xb6st"));
	CHECK_EQ(kvp_get("HostName", buf, 5), 0);            /* truncated, terminated */
	CHECK(!strcmp(buf, "hype"));
	((struct ic_kvp_getset *)&req)->v.type = IC_KVP_REG_U32;
	kvp_handle(&kvp_main, (uint8_t *)&req, sizeof(struct ic_kvp_getset), &out);
	CHECK_EQ(kvp_get("HostName", buf, sizeof(buf)), -EINVAL);
	CHECK_EQ(kvp_guest_set("Status", "running"), 0);
	mk_req(IC_KVP_GET, IC_KVP_POOL_GUEST, "Status", NULL, 0);
	CHECK_EQ(kvp_handle(&kvp_main, (uint8_t *)&req, sizeof(struct ic_kvp_getset), &out),
		 IC_S_OK);
	CHECK(!strcmp(value_utf8(false, buf, sizeof(buf)), "running"));
	kvp_reset();
	return 0;
}

static int t_utf16(void)
{
	uint16_t u[8];
	char s[16];

	CHECK_EQ(utf8_to_utf16("\xf0\x9f\x98\x80", u, 8), 2);      /* surrogate pair */
	CHECK_EQ(u[0], 0xD83D);
	CHECK_EQ(u[1], 0xDE00);
	CHECK_EQ(utf8_to_utf16("abcdefgh", u, 8), -1);            /* no room for NUL */
	CHECK_EQ(utf8_to_utf16("\xc3", u, 8), 1);                 /* truncated sequence */
	CHECK_EQ(u[0], 0xFFFD);
	CHECK_EQ(utf8_to_utf16("\xc0\xaf", u, 8), 1);             /* overlong '/' */
	CHECK_EQ(u[0], 0xFFFD);
	u[0] = 0xDC00;                                            /* lone low surrogate */
	u[1] = 'x';
	CHECK_EQ(utf16_to_utf8(u, 2, s, sizeof(s)), 4);
	CHECK(!strcmp(s, "\xef\xbf\xbdx"));
	u[0] = 0xD83D;                                            /* high at the end */
	CHECK_EQ(utf16_to_utf8(u, 1, s, sizeof(s)), 3);
	u[0] = 0xD83D;
	u[1] = 0xDE00;
	CHECK_EQ(utf16_to_utf8(u, 2, s, 4), 0);                   /* does not fit: cut */
	CHECK_EQ(s[0], 0);
	return 0;
}

static int t_kvp_fuzz(void)
{
	static struct kvp_store st;
	uint32_t seed = 777;

	kvp_store_reset(&st);
	for (int round = 0; round < 20000; round++) {
		uint32_t len = mk_req((uint8_t)(round % 4), (uint8_t)(round % 5), "Key", "value",
				      (uint32_t)round % 40);
		uint8_t *b = (uint8_t *)&req;
		int64_t r;

		for (int k = 0; k < 1 + round % 6; k++) {
			seed = seed * 1103515245u + 12345u;
			b[(seed >> 8) % 32] = (uint8_t)(seed >> 20);   /* header and sizes */
		}
		seed = seed * 1103515245u + 12345u;
		if (round % 5 == 0)
			len = (seed >> 8) % (len + 1);
		r = run(&st, len);
		CHECK(r == -EINVAL || r == IC_S_OK || r == IC_E_FAIL || r == IC_E_NOT_FOUND ||
		      r == IC_E_NO_MORE_ITEMS || r == IC_E_NOT_SUPPORTED);
		CHECK(st.pools[0].n <= KVP_MAX_ITEMS && st.pools[1].n <= KVP_MAX_ITEMS);
	}
	return 0;
}

const struct unit_test ic_kvp_tests[] = {
	{ "ic_kvp_ops", t_kvp_ops, QUICK },
	{ "ic_kvp_auto_pool", t_kvp_auto_pool, QUICK },
	{ "ic_kvp_hostile", t_kvp_hostile, QUICK },
	{ "ic_kvp_api", t_kvp_api, QUICK },
	{ "ic_utf16", t_utf16, QUICK },
	{ "ic_kvp_fuzz", t_kvp_fuzz, QUICK },
	{ NULL, NULL, QUICK },
};

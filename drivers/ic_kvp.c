/*
 * The KVP ("data exchange") IC (docs/protocols/ic.md "KVP"). The host
 * asks, the guest answers, one request at a time:
 *   SET / DELETE    on the external and guest pools (the host's values);
 *   GET             on the external and guest pools (E_FAIL elsewhere);
 *   ENUMERATE i     the ith item of a pool; past the end NO_MORE_ITEMS
 *                   (the auto pool's intrinsic items are read this way).
 * The auto pool is computed on demand (the intrinsic items), never stored.
 *
 * The request is copied into st->scratch (copy, then check, then use):
 * key_size and value_size are checked against the record before either
 * is used, and keys are compared as UTF-16 units.
 */
#include <errno.h>
#include <string.h>

#include "drivers/ic.h"
#include "drivers/kvp.h"
#include "include/hyperv/vmbus_guids.h"
#include "kernel/log.h"
#include "lib/utf16.h"
#include "vmbus/vmbus.h"

static const struct ic_version kvp_versions[] = { IC_VER(5, 0), IC_VER(4, 0), IC_VER(3, 0) };

/* ---- the store ---- */

void kvp_store_reset(struct kvp_store *st)
{
	st->pools[0].n = 0;
	st->pools[1].n = 0;
}

static struct kvp_pool *kvp_pool(struct kvp_store *st, uint8_t pool)
{
	if (pool == IC_KVP_POOL_EXTERNAL)
		return &st->pools[0];
	if (pool == IC_KVP_POOL_GUEST)
		return &st->pools[1];
	return NULL;
}

static int kvp_find(const struct kvp_pool *p, const uint16_t *key, uint32_t units)
{
	for (int i = 0; i < p->n; i++)
		if (p->items[i].key_units == units &&
		    !memcmp(p->items[i].key, key, units * sizeof(key[0])))
			return i;
	return -1;
}

/* A key of key_size bytes (terminator included): its units without the
 * terminator, or -EINVAL (odd, empty, longer than the record). A NUL inside
 * the key ends it, as the host's own string functions would; a shorter key
 * without one is taken whole, but 256 units leave the record no room for
 * the terminator the answers carry (kvp_fill_item): malformed. */
static int kvp_key_units(const uint16_t *key, uint32_t key_size)
{
	uint32_t n;

	if (key_size < 4 || key_size > IC_KVP_KEY_BYTES || key_size % 2)
		return -EINVAL;
	for (n = 0; n < key_size / 2 && key[n]; n++)
		;
	return n && n < IC_KVP_KEY_BYTES / 2 ? (int)n : -EINVAL;
}

/* ---- the intrinsic items (auto pool) ---- */

static void (*kvp_ip_hook)(char *v4, size_t v4cap, char *v6, size_t v6cap);
static char kvp_fqdn[64] = "keel";

void kvp_set_ip_hook(void (*fn)(char *v4, size_t v4cap, char *v6, size_t v6cap))
{
	kvp_ip_hook = fn;
}

void kvp_set_fqdn(const char *fqdn)
{
	strncpy(kvp_fqdn, fqdn, sizeof(kvp_fqdn) - 1);
	kvp_fqdn[sizeof(kvp_fqdn) - 1] = 0;
}

static const char *const kvp_auto_keys[] = {
	"FullyQualifiedDomainName", "IntegrationServicesVersion", "NetworkAddressIPv4",
	"NetworkAddressIPv6", "OSBuildNumber", "OSName", "OSMajorVersion",
	"OSMinorVersion", "OSVersion", "ProcessorArchitecture",
};
#define KVP_NAUTO (sizeof(kvp_auto_keys) / sizeof(kvp_auto_keys[0]))

static const char *kvp_auto_value(unsigned i, char *buf, size_t cap)
{
	static const char *const fixed[] = {
		NULL, KVP_IC_VERSION, NULL, NULL, KVP_OS_BUILD, KVP_OS_NAME, KVP_OS_MAJOR,
		KVP_OS_MINOR, KVP_OS_VERSION, "x86_64",
	};
	char v4[256] = "", v6[256] = "";

	if (i == 0)
		return kvp_fqdn;
	if (fixed[i])
		return fixed[i];
	if (kvp_ip_hook)
		kvp_ip_hook(v4, sizeof(v4), v6, sizeof(v6));
	strncpy(buf, i == 2 ? v4 : v6, cap - 1);
	buf[cap - 1] = 0;
	return buf;
}

/* ASCII into UTF-16 units with the terminator: the intrinsic items' keys
 * and values are ASCII (and this keeps the UTF-8 decoder out of the image
 * when no application publishes values). Returns bytes, terminator
 * included, or 0 when it does not fit. */
static uint32_t kvp_widen(uint16_t *out, const char *s, size_t max_units)
{
	size_t n = strlen(s);

	if (n + 1 > max_units)
		return 0;
	for (size_t i = 0; i <= n; i++)
		out[i] = (uint8_t)s[i];
	return 2u * ((uint32_t)n + 1);
}

/* An intrinsic item into a record: IC_S_OK, or IC_E_FAIL when too long. */
static int64_t kvp_fill_auto(struct ic_kvp_value *v, unsigned i)
{
	uint16_t tmp[IC_KVP_VAL_BYTES / 2];
	char buf[256];

	v->type = IC_KVP_REG_SZ;
	v->key_size = kvp_widen(v->key, kvp_auto_keys[i], IC_KVP_KEY_BYTES / 2);
	v->value_size = kvp_widen(tmp, kvp_auto_value(i, buf, sizeof(buf)), IC_KVP_VAL_BYTES / 2);
	if (!v->key_size || !v->value_size)
		return IC_E_FAIL;
	memcpy(v->value, tmp, v->value_size);
	return IC_S_OK;
}

static void kvp_fill_item(struct ic_kvp_value *v, const struct kvp_item *it)
{
	v->type = it->type;
	v->key_size = 2u * (it->key_units + 1);
	memcpy(v->key, it->key, it->key_units * 2u);
	v->key[it->key_units] = 0;
	v->value_size = it->value_size;
	memcpy(v->value, it->value, it->value_size);
}

/* ---- the operations: each returns the status, -EINVAL when malformed ---- */

static int64_t kvp_op_set(struct kvp_store *st, struct ic_kvp_getset *m)
{
	struct kvp_pool *p = kvp_pool(st, m->h.pool);
	int units = kvp_key_units(m->v.key, m->v.key_size), i;
	struct kvp_item *it;

	if (units < 0 || m->v.value_size > IC_KVP_VAL_BYTES)
		return -EINVAL;
	if (!p)
		return IC_E_FAIL;                 /* the auto pools are the guest's */
	i = kvp_find(p, m->v.key, (uint32_t)units);
	if (i < 0) {
		if (p->n >= KVP_MAX_ITEMS)
			return IC_E_FAIL;
		i = p->n++;
	}
	it = &p->items[i];
	it->type = m->v.type;
	it->key_units = (uint32_t)units;
	memcpy(it->key, m->v.key, (size_t)units * 2u);
	it->value_size = m->v.value_size;
	memcpy(it->value, m->v.value, m->v.value_size);
	return IC_S_OK;
}

static int64_t kvp_op_get(struct kvp_store *st, struct ic_kvp_getset *m)
{
	struct kvp_pool *p = kvp_pool(st, m->h.pool);
	int units = kvp_key_units(m->v.key, m->v.key_size), i;
	if (units < 0)
		return -EINVAL;
	if (!p)
		return IC_E_FAIL;
	i = kvp_find(p, m->v.key, (uint32_t)units);
	if (i < 0)
		return IC_E_NOT_FOUND;
	kvp_fill_item(&m->v, &p->items[i]);
	return IC_S_OK;
}

static int64_t kvp_op_delete(struct kvp_store *st, struct ic_kvp_delete *m)
{
	struct kvp_pool *p = kvp_pool(st, m->h.pool);
	int units = kvp_key_units(m->key, m->key_size), i;

	if (units < 0)
		return -EINVAL;
	if (!p)
		return IC_E_FAIL;
	i = kvp_find(p, m->key, (uint32_t)units);
	if (i < 0)
		return IC_E_NOT_FOUND;
	p->items[i] = p->items[--p->n];
	return IC_S_OK;
}

static int64_t kvp_op_enumerate(struct kvp_store *st, struct ic_kvp_enumerate *m)
{
	struct kvp_pool *p = kvp_pool(st, m->h.pool);

	memset(&m->v, 0, sizeof(m->v));
	if (m->h.pool == IC_KVP_POOL_AUTO) {
		if (m->index >= KVP_NAUTO)
			return IC_E_NO_MORE_ITEMS;
		return kvp_fill_auto(&m->v, m->index);
	}
	if (!p || m->index >= (uint32_t)p->n)
		return IC_E_NO_MORE_ITEMS;
	kvp_fill_item(&m->v, &p->items[m->index]);
	return IC_S_OK;
}

/* The body size each operation needs (the record's full size). */
static const struct {
	uint8_t op;
	uint32_t min_len;
} kvp_ops[] = {
	{ IC_KVP_GET, sizeof(struct ic_kvp_getset) },
	{ IC_KVP_SET, sizeof(struct ic_kvp_getset) },
	{ IC_KVP_DELETE, sizeof(struct ic_kvp_delete) },
	{ IC_KVP_ENUMERATE, sizeof(struct ic_kvp_enumerate) },
};

int64_t kvp_handle(struct kvp_store *st, uint8_t *body, uint32_t len, uint32_t *out_len)
{
	struct ic_kvp_hdr h;
	uint32_t need = 0;
	int64_t r;

	*out_len = len;
	if (len < sizeof(h))
		return -EINVAL;
	memcpy(&h, body, sizeof(h));
	for (size_t i = 0; i < sizeof(kvp_ops) / sizeof(kvp_ops[0]); i++)
		if (kvp_ops[i].op == h.op)
			need = kvp_ops[i].min_len;
	if (!need)
		return IC_E_NOT_SUPPORTED;        /* IP address injection and friends */
	if (len < need || h.pool >= IC_KVP_NPOOLS)
		return -EINVAL;
	memcpy(&st->scratch, body, need);
	switch (h.op) {
	case IC_KVP_GET:
		r = kvp_op_get(st, (struct ic_kvp_getset *)&st->scratch);
		break;
	case IC_KVP_SET:
		r = kvp_op_set(st, (struct ic_kvp_getset *)&st->scratch);
		break;
	case IC_KVP_DELETE:
		r = kvp_op_delete(st, (struct ic_kvp_delete *)&st->scratch);
		break;
	default:
		r = kvp_op_enumerate(st, &st->scratch);
		break;
	}
	if (r == IC_S_OK)
		memcpy(body, &st->scratch, need);   /* GET and ENUMERATE fill the record */
	return r;
}

/* ---- the application API over the one store ---- */

/* The machine's KVP store: a named singleton (one KVP device per VM). */
static struct kvp_store kvp_main;

int kvp_get(const char *key, char *out, size_t cap)
{
	uint16_t k[IC_KVP_KEY_BYTES / 2];
	const struct kvp_item *it;
	int units = utf8_to_utf16(key, k, IC_KVP_KEY_BYTES / 2), i;

	if (units <= 0)
		return -ENOENT;
	i = kvp_find(&kvp_main.pools[0], k, (uint32_t)units);
	if (i < 0)
		return -ENOENT;
	it = &kvp_main.pools[0].items[i];
	if (it->type != IC_KVP_REG_SZ)
		return -EINVAL;
	uint16_t v[IC_KVP_VAL_BYTES / 2];

	memcpy(v, it->value, it->value_size);
	utf16_to_utf8(v, it->value_size / 2, out, cap);
	return 0;
}

int kvp_guest_set(const char *key, const char *value)
{
	struct kvp_pool *p = &kvp_main.pools[1];
	uint16_t k[IC_KVP_KEY_BYTES / 2], v[IC_KVP_VAL_BYTES / 2];
	int units = utf8_to_utf16(key, k, IC_KVP_KEY_BYTES / 2);
	int vn = utf8_to_utf16(value, v, IC_KVP_VAL_BYTES / 2), i;

	if (units <= 0 || vn < 0)
		return -E2BIG;
	i = kvp_find(p, k, (uint32_t)units);
	if (i < 0) {
		if (p->n >= KVP_MAX_ITEMS)
			return -ENOSPC;
		i = p->n++;
	}
	p->items[i].type = IC_KVP_REG_SZ;
	p->items[i].key_units = (uint32_t)units;
	memcpy(p->items[i].key, k, (size_t)units * 2u);
	p->items[i].value_size = 2u * ((uint32_t)vn + 1);
	memcpy(p->items[i].value, v, p->items[i].value_size);
	return 0;
}

/* ---- the driver ---- */

static int64_t kvp_ic_handle(struct ic_dev *ic, uint8_t *body, uint32_t len, uint32_t *out_len)
{
	return kvp_handle(ic->svc_priv, body, len, out_len);
}

static const struct ic_service ic_kvp = {
	.name = "kvp",
	.msg_type = IC_MSG_KVP,
	.versions = kvp_versions,
	.nversions = 3,
	.handle = kvp_ic_handle,
};

static int kvp_probe(struct vmbus_device *dev)
{
	return ic_probe(dev, &ic_kvp, &kvp_main);
}

const struct vmbus_driver ic_kvp_driver = {
	.class_id = VMBUS_CLASS_KVP,
	.name = "kvp",
	.probe = kvp_probe,
	.remove = ic_remove,
};

#ifdef KEEL_TEST_HOOKS
void kvp_reset(void)
{
	kvp_store_reset(&kvp_main);
	kvp_ip_hook = NULL;
	kvp_set_fqdn("keel");
}
#endif

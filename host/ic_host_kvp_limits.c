/*
 * The KVP limits script (`device kvp kvp script=limits`): the host sends
 * requests at and past the record's limits and with bad encodings
 * (docs/protocols/ic.md "KVP"), one at a time, and checks each answer's
 * status; a GET or ENUMERATE that succeeds must give back, byte for byte,
 * the item an earlier SET stored, with sizes inside the record. A wrong
 * status or item is a violation; every step that passes counts in
 * kvp-steps.
 *
 * What the guest must do (the reference's rules, Keel's choices marked):
 *   key size: even, 4..512 bytes, terminator included; a key that starts
 *     with NUL, or 256 units with no room left for the NUL: malformed
 *     (E_FAIL). A shorter key whose NUL is missing is taken whole (Keel).
 *   value size: at most 2048 bytes; odd sizes and a missing NUL are kept
 *     as sent (values are bytes to the host).
 *   pool: 0..3; 2 and 3 are not the host's to write (E_FAIL), pool 3 has
 *     no items (NO_MORE_ITEMS); 4 and above: malformed (E_FAIL).
 *   index past the end, up to 0xFFFFFFFF: NO_MORE_ITEMS.
 *   a body shorter than its operation's record: malformed (E_FAIL);
 *   operations 4 and above (IP injection): NOT_SUPPORTED.
 */
#include <stdio.h>
#include <string.h>

#include "host/ic_host.h"

#define KL_AUTO 0xFFFFFFFEu         /* a key size computed from the units */
#define KL_NONUL 1u                 /* a value without its terminator */
#define KL_CHECK 2u                 /* an S_OK answer must carry the item */

static const struct kvpl_step {
	const char *what;
	uint8_t op, pool;
	uint32_t key_units;         /* key: units 'a'.. then NULs */
	uint32_t key_size;          /* bytes on the wire, KL_AUTO: 2 * (units + 1) */
	uint32_t value_size;        /* bytes on the wire (SET; for KL_CHECK the stored size) */
	uint32_t index;             /* ENUMERATE */
	uint32_t cut;               /* bytes cut from the end of the body */
	uint32_t flags;
	uint32_t status;            /* expected */
} kvpl_script[] = {
	/* at the limits: accepted, and given back whole */
	{ "largest key and value", IC_KVP_SET, 0, 255, KL_AUTO, 2048, 0, 0, 0, IC_S_OK },
	{ "GET largest", IC_KVP_GET, 0, 255, KL_AUTO, 2048, 0, 0, KL_CHECK, IC_S_OK },
	{ "ENUMERATE largest", IC_KVP_ENUMERATE, 0, 255, KL_AUTO, 2048, 0, 0, KL_CHECK, IC_S_OK },
	{ "largest in the guest pool", IC_KVP_SET, 1, 255, KL_AUTO, 2048, 0, 0, 0, IC_S_OK },
	{ "ENUMERATE guest pool", IC_KVP_ENUMERATE, 1, 255, KL_AUTO, 2048, 0, 0, KL_CHECK, IC_S_OK },
	/* past the limits and bad encodings: malformed */
	{ "key size past the record", IC_KVP_SET, 0, 255, 514, 4, 0, 0, 0, IC_E_FAIL },
	{ "key size 0xFFFFFFFF", IC_KVP_SET, 0, 4, 0xFFFFFFFFu, 4, 0, 0, 0, IC_E_FAIL },
	{ "256 units, no room for NUL", IC_KVP_SET, 0, 256, 512, 4, 0, 0, 0, IC_E_FAIL },
	{ "odd key size", IC_KVP_SET, 0, 4, 9, 4, 0, 0, 0, IC_E_FAIL },
	{ "key of a NUL only", IC_KVP_SET, 0, 0, 2, 4, 0, 0, 0, IC_E_FAIL },
	{ "key that starts with NUL", IC_KVP_SET, 0, 0, 8, 4, 0, 0, 0, IC_E_FAIL },
	{ "key size 0", IC_KVP_SET, 0, 4, 0, 4, 0, 0, 0, IC_E_FAIL },
	{ "value past the record", IC_KVP_SET, 0, 4, KL_AUTO, 2050, 0, 0, 0, IC_E_FAIL },
	{ "odd value past the record", IC_KVP_SET, 0, 4, KL_AUTO, 2049, 0, 0, 0, IC_E_FAIL },
	{ "DELETE odd key size", IC_KVP_DELETE, 0, 4, 7, 0, 0, 0, 0, IC_E_FAIL },
	{ "DELETE 256 units, no NUL", IC_KVP_DELETE, 0, 256, 512, 0, 0, 0, 0, IC_E_FAIL },
	{ "GET key size past the record", IC_KVP_GET, 0, 255, 516, 0, 0, 0, 0, IC_E_FAIL },
	/* accepted as sent */
	{ "key without its NUL", IC_KVP_SET, 0, 5, 10, 8, 0, 0, 0, IC_S_OK },
	{ "GET it with its NUL", IC_KVP_GET, 0, 5, KL_AUTO, 8, 0, 0, KL_CHECK, IC_S_OK },
	{ "odd value size", IC_KVP_SET, 0, 6, KL_AUTO, 7, 0, 0, 0, IC_S_OK },
	{ "GET odd value", IC_KVP_GET, 0, 6, KL_AUTO, 7, 0, 0, KL_CHECK, IC_S_OK },
	{ "value without its NUL", IC_KVP_SET, 0, 7, KL_AUTO, 2048, 0, 0, KL_NONUL, IC_S_OK },
	{ "GET value without NUL", IC_KVP_GET, 0, 7, KL_AUTO, 2048, 0, 0, KL_CHECK | KL_NONUL,
	  IC_S_OK },
	{ "empty value", IC_KVP_SET, 0, 8, KL_AUTO, 0, 0, 0, 0, IC_S_OK },
	{ "GET empty value", IC_KVP_GET, 0, 8, KL_AUTO, 0, 0, 0, KL_CHECK, IC_S_OK },
	/* pools and indexes out of range */
	{ "GET pool 3", IC_KVP_GET, 3, 4, KL_AUTO, 0, 0, 0, 0, IC_E_FAIL },
	{ "SET pool 3", IC_KVP_SET, 3, 4, KL_AUTO, 4, 0, 0, 0, IC_E_FAIL },
	{ "DELETE pool 2", IC_KVP_DELETE, 2, 4, KL_AUTO, 0, 0, 0, 0, IC_E_FAIL },
	{ "ENUMERATE pool 3", IC_KVP_ENUMERATE, 3, 0, 0, 0, 0, 0, 0, IC_E_NO_MORE_ITEMS },
	{ "GET pool 4", IC_KVP_GET, 4, 4, KL_AUTO, 0, 0, 0, 0, IC_E_FAIL },
	{ "ENUMERATE pool 255", IC_KVP_ENUMERATE, 255, 0, 0, 0, 0, 0, 0, IC_E_FAIL },
	{ "ENUMERATE past the end", IC_KVP_ENUMERATE, 0, 0, 0, 0, 5, 0, 0, IC_E_NO_MORE_ITEMS },
	{ "ENUMERATE index 0xFFFFFFFF", IC_KVP_ENUMERATE, 0, 0, 0, 0, 0xFFFFFFFFu, 0, 0,
	  IC_E_NO_MORE_ITEMS },
	{ "ENUMERATE auto past the end", IC_KVP_ENUMERATE, 2, 0, 0, 0, 10, 0, 0, IC_E_NO_MORE_ITEMS },
	{ "ENUMERATE auto 0x80000000", IC_KVP_ENUMERATE, 2, 0, 0, 0, 0x80000000u, 0, 0,
	  IC_E_NO_MORE_ITEMS },
	/* short bodies, other operations */
	{ "SET one byte short", IC_KVP_SET, 0, 4, KL_AUTO, 4, 0, 1, 0, IC_E_FAIL },
	{ "ENUMERATE without its record", IC_KVP_ENUMERATE, 0, 0, 0, 0, 0, 2572, 0, IC_E_FAIL },
	{ "DELETE header only", IC_KVP_DELETE, 0, 4, KL_AUTO, 0, 0, 516, 0, IC_E_FAIL },
	{ "three bytes", IC_KVP_GET, 0, 4, KL_AUTO, 0, 0, 2573, 0, IC_E_FAIL },
	{ "operation 4 (IP info)", 4, 0, 4, KL_AUTO, 0, 0, 0, 0, IC_E_NOT_SUPPORTED },
	{ "operation 255", 255, 0, 4, KL_AUTO, 0, 0, 0, 0, IC_E_NOT_SUPPORTED },
	/* after all that, the store is intact */
	{ "DELETE largest", IC_KVP_DELETE, 0, 255, KL_AUTO, 0, 0, 0, 0, IC_S_OK },
	{ "DELETE it again", IC_KVP_DELETE, 0, 255, KL_AUTO, 0, 0, 0, 0, IC_E_NOT_FOUND },
	{ "GET odd value again", IC_KVP_GET, 0, 6, KL_AUTO, 7, 0, 0, KL_CHECK, IC_S_OK },
	{ "ENUMERATE the last item", IC_KVP_ENUMERATE, 0, 0, 0, 0, 3, 0, 0, IC_S_OK },
	{ "ENUMERATE 4 items' end", IC_KVP_ENUMERATE, 0, 0, 0, 0, 4, 0, 0, IC_E_NO_MORE_ITEMS },
};
#define KVPL_NSTEPS (int)(sizeof(kvpl_script) / sizeof(kvpl_script[0]))

/* The step's key: units 'a', 'b', ... in a zeroed record (a key of 256
 * units fills it: no NUL); its size as the guest gives it back. */
static uint32_t kvpl_key(const struct kvpl_step *s, uint16_t *key)
{
	memset(key, 0, IC_KVP_KEY_BYTES);
	for (uint32_t i = 0; i < s->key_units && i < IC_KVP_KEY_BYTES / 2; i++)
		key[i] = (uint16_t)('a' + i % 26);
	return 2u * (s->key_units + 1);
}

/* The step's value: size bytes of UTF-16 units from U+0101 up (never
 * NUL), the last unit a NUL unless KL_NONUL; an odd size ends in 'A'. */
static void kvpl_value(const struct kvpl_step *s, uint8_t *value)
{
	uint32_t size = s->value_size;

	memset(value, 0, IC_KVP_VAL_BYTES);
	for (uint32_t i = 0; i + 1 < size && i + 1 < IC_KVP_VAL_BYTES; i += 2) {
		uint16_t u = (uint16_t)(0x101 + i / 2);

		value[i] = (uint8_t)u;
		value[i + 1] = (uint8_t)(u >> 8);
	}
	if (size % 2)
		value[size - 1] = 0x41;
	else if (size >= 2 && !(s->flags & KL_NONUL))
		value[size - 2] = value[size - 1] = 0;
}

int kvpl_steps(void)
{
	return KVPL_NSTEPS;
}

void kvpl_tick(struct ich *x)
{
	static struct ic_kvp_enumerate m;           /* the largest request */
	struct ic_kvp_getset *gs = (struct ic_kvp_getset *)&m;
	struct ic_kvp_delete *del = (struct ic_kvp_delete *)&m;
	const struct kvpl_step *s = &kvpl_script[x->step];
	uint16_t key[IC_KVP_KEY_BYTES / 2];
	uint32_t ksz = kvpl_key(s, key), len;

	if (s->key_size != KL_AUTO)
		ksz = s->key_size;
	memset(&m, 0, sizeof(m));
	m.h.op = s->op;
	m.h.pool = s->pool;
	if (s->op == IC_KVP_ENUMERATE) {
		m.index = s->index;
		len = sizeof(m);
	} else if (s->op == IC_KVP_DELETE) {
		del->key_size = ksz;
		memcpy(del->key, key, sizeof(del->key));
		len = sizeof(*del);
	} else {
		gs->v.type = IC_KVP_REG_SZ;
		gs->v.key_size = ksz;
		memcpy(gs->v.key, key, sizeof(gs->v.key));
		if (s->op == IC_KVP_SET) {
			gs->v.value_size = s->value_size;
			kvpl_value(s, gs->v.value);
		}
		len = sizeof(*gs);
	}
	ich_describe(x, "limits step %d: %s", x->step, s->what);
	ich_send(x, IC_MSG_KVP, &m, len - s->cut, 0);
}

/* The item of an S_OK GET or ENUMERATE: within the record, the key with
 * its NUL, the value byte for byte. NULL, or what differs. */
static const char *kvpl_item_differs(const struct kvpl_step *s, const struct ic_kvp_value *v)
{
	static uint16_t key[IC_KVP_KEY_BYTES / 2];
	static uint8_t value[IC_KVP_VAL_BYTES];
	uint32_t ksz = kvpl_key(s, key);

	if (v->key_size > IC_KVP_KEY_BYTES || v->value_size > IC_KVP_VAL_BYTES)
		return "sizes past the record";
	if (v->type != IC_KVP_REG_SZ || v->key_size != ksz || memcmp(v->key, key, ksz))
		return "key differs";
	kvpl_value(s, value);
	if (v->value_size != s->value_size || memcmp(v->value, value, s->value_size))
		return "value differs";
	return NULL;
}

void kvpl_reply(struct ich *x, const struct ic_hdr *h, const uint8_t *body, uint32_t len)
{
	static struct ic_kvp_enumerate m;
	const struct kvpl_step *s = &kvpl_script[x->step];
	const char *bad = NULL;
	char why[128];

	memset(&m, 0, sizeof(m));
	memcpy(&m, body, len < sizeof(m) ? len : sizeof(m));
	if (h->status != s->status)
		bad = "status";
	else if (h->status == IC_S_OK && (s->flags & KL_CHECK))
		bad = kvpl_item_differs(s, s->op == IC_KVP_ENUMERATE ? &m.v
						: &((struct ic_kvp_getset *)&m)->v);
	if (bad) {
		snprintf(why, sizeof(why), "KVP limits step %d (%s): %s 0x%x", x->step, s->what,
			 bad, h->status);
		ich_violation(x, why);
		return;
	}
	x->counters[ICC_KVP_STEPS]++;
	x->step++;
	ich_wake_at(x, ich_now(x));
}

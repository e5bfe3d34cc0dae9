/*
 * Key-value pairs shared with the Hyper-V host (the KVP or "data exchange"
 * IC, drivers/ic_kvp.c). Pools (docs/protocols/ic.md "KVP"):
 *   external - values the host sets for the guest (kvp_get reads them)
 *   guest    - values the guest publishes (kvp_guest_set writes them)
 *   auto     - the guest's intrinsic items: FQDN, OS name "Keel", OS
 *              version and build, processor architecture, IC version and
 *              the IP addresses (filled by the network stack's hook)
 * Keys and values travel as UTF-16; this API speaks UTF-8.
 */
#ifndef KEEL_DRIVERS_KVP_H
#define KEEL_DRIVERS_KVP_H

#include <stddef.h>
#include <stdint.h>

#include "include/hyperv/ic.h"

#define KVP_MAX_ITEMS 32                /* per pool */
#define KVP_OS_NAME "Keel"
#define KVP_OS_MAJOR "0"
#define KVP_OS_MINOR "1"
#define KVP_OS_VERSION "0.1"
#define KVP_OS_BUILD "1"
#define KVP_IC_VERSION "1.0"

/* A host-set (external pool) value as UTF-8 into out[0..cap): 0, -ENOENT,
 * or -EINVAL for a value that is not a string. */
int kvp_get(const char *key, char *out, size_t cap);
/* Publish key = value in the guest pool (the host reads it): 0, -ENOSPC,
 * -E2BIG (longer than the wire allows). */
int kvp_guest_set(const char *key, const char *value);

/* The network stack's hook for the address items: fill v4 and v6 with
 * ';'-separated addresses (UTF-8, NUL-terminated). NULL: none. */
void kvp_set_ip_hook(void (*fn)(char *v4, size_t v4cap, char *v6, size_t v6cap));
/* The FQDN item (default "keel"). */
void kvp_set_fqdn(const char *fqdn);

/* ---- the message handler (unit-tested with hostile input) ---- */

struct kvp_item {
	uint32_t type;                  /* IC_KVP_REG_* as the host sent it */
	uint32_t key_units;             /* without the terminator */
	uint32_t value_size;            /* bytes, as on the wire */
	uint16_t key[IC_KVP_KEY_BYTES / 2];
	uint8_t value[IC_KVP_VAL_BYTES];
};

struct kvp_pool {
	int n;
	struct kvp_item items[KVP_MAX_ITEMS];
};

struct kvp_store {
	struct kvp_pool pools[2];       /* IC_KVP_POOL_EXTERNAL, IC_KVP_POOL_GUEST */
	struct ic_kvp_enumerate scratch;   /* the request's private copy */
};

/* One KVP request body (len bytes, answered in place): the reply status,
 * or -EINVAL when the body is malformed. *out_len = len. */
int64_t kvp_handle(struct kvp_store *st, uint8_t *body, uint32_t len, uint32_t *out_len);
/* Forget every item (a new keelsim run, unit tests). */
void kvp_store_reset(struct kvp_store *st);
#ifdef KEEL_TEST_HOOKS
/* The machine's store, hook and FQDN back to boot state. */
void kvp_reset(void);
#endif

#endif

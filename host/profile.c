/*
 * Host profiles: each documented difference between real hosts is a switch
 * in struct host_profile, and the named profiles bundle them. A scenario
 * picks a profile ("profile ws2019") and may flip single switches
 * ("switch subchan-offers-first no").
 *
 * Facts: docs/protocols/vmbus.md §3.3 (which host speaks which version; connection 4
 * from 5.0; msg_conn_id), §3.4 (monitor pages), §4.8 and docs/protocols/storage.md §11
 * (sub-channel offers before the CREATE_SUB_CHANNELS completion on the
 * storage host, after it on the network host), §5.5 / §8.7 (OpenVMM honours
 * pending_send_sz unconditionally), §4.2 (OpenVMM sorts offers), §7.1.8
 * (MU's GPADL bound), §9.1 (connection 1 at 6.0 from the Gen2 firmware).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/host_priv.h"

#define V(maj, min) VMBUS_VERSION(maj, min)

/* What every profile shares; the rest is spelled out per profile. */
#define PROFILE_COMMON .conn_id_base = 0x2000, .max_gpadls = 256
#define PROFILE_DEFAULTS PROFILE_COMMON, .msg_conn_id = 1,                   \
	.subchan_offers_before_completion = true, .monitor_pages = true,      \
	.port_queue_depth = 16

static const struct host_profile profiles[] = {
	{ .name = "old-2012r2", .desc = "WS2012 R2: protocol up to 3.0, no connection 4",
	  .versions = { V(0, 13), V(1, 1), V(2, 4), V(3, 0) }, .nversions = 4,
	  PROFILE_DEFAULTS },
	{ .name = "ws2016", .desc = "WS2016: up to 4.0",
	  .versions = { V(0, 13), V(1, 1), V(2, 4), V(3, 0), V(4, 0) }, .nversions = 5,
	  PROFILE_DEFAULTS },
	{ .name = "ws2019", .desc = "WS2019 (RS5): up to 5.2, INITIATE_CONTACT on 4 from 5.0",
	  .versions = { V(2, 4), V(3, 0), V(4, 0), V(4, 1), V(5, 0), V(5, 1), V(5, 2) },
	  .nversions = 7, PROFILE_DEFAULTS },
	{ .name = "ws2022", .desc = "WS2022 (Iron): up to 5.3, MODIFYCHANNEL_RESPONSE",
	  .versions = { V(2, 4), V(3, 0), V(4, 0), V(4, 1), V(5, 0), V(5, 1), V(5, 2),
			V(5, 3) },
	  .nversions = 8, PROFILE_DEFAULTS },
	{ .name = "azure", .desc = "Azure host: up to 5.3; 6.0 on connection 1 for the firmware",
	  .versions = { V(3, 0), V(4, 0), V(4, 1), V(5, 0), V(5, 1), V(5, 2), V(5, 3),
			V(6, 0) },
	  .nversions = 8, .fw_conn1_v6 = true, PROFILE_DEFAULTS },
	{ .name = "openvmm", .desc = "OpenVMM vmbus_server: 6.0, accepts 1 or 4, sorts offers",
	  .versions = { V(2, 4), V(3, 0), V(4, 0), V(4, 1), V(5, 0), V(5, 1), V(5, 2),
			V(5, 3), V(6, 0) },
	  .nversions = 9, .conn1_for_v5 = true, .fw_conn1_v6 = true, .pss_unconditional = true,
	  .sort_offers = true, PROFILE_DEFAULTS },
	{ .name = "only-5.2", .desc = "test host that speaks only 5.2 (§8.3 fallback test)",
	  .versions = { V(5, 2) }, .nversions = 1, PROFILE_DEFAULTS },
	{ .name = "netvsp", .desc = "WS2022 with the network host's order: sub-channel offers "
				    "after the completion",
	  .versions = { V(3, 0), V(4, 0), V(4, 1), V(5, 0), V(5, 1), V(5, 2), V(5, 3) },
	  .nversions = 7, PROFILE_COMMON, .msg_conn_id = 1, .monitor_pages = true,
	  .port_queue_depth = 16, .subchan_offers_before_completion = false },
	{ .name = "hostile", .desc = "WS2022 versions, odd msg_conn_id, tiny port queue, "
				     "no monitor pages",
	  .versions = { V(3, 0), V(4, 0), V(4, 1), V(5, 0), V(5, 1), V(5, 2), V(5, 3) },
	  .nversions = 7, PROFILE_COMMON, .msg_conn_id = 0x2A, .port_queue_depth = 2,
	  .subchan_offers_before_completion = true, .monitor_pages = false },
};

#define NPROFILES (sizeof(profiles) / sizeof(profiles[0]))

const struct host_profile *host_profile_find(const char *name)
{
	for (size_t i = 0; i < NPROFILES; i++)
		if (!strcmp(profiles[i].name, name))
			return &profiles[i];
	return NULL;
}

const char *host_profile_name(const struct host_profile *p)
{
	return p->name;
}

size_t host_profile_size(void)
{
	return sizeof(struct host_profile);
}

void host_profile_list(char *buf, size_t cap)
{
	size_t n = 0;

	buf[0] = 0;
	for (size_t i = 0; i < NPROFILES && n < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n, "  %-11s %s\n", profiles[i].name,
				      profiles[i].desc);
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "on") || !strcmp(v, "1"))
		*out = true;
	else if (!strcmp(v, "no") || !strcmp(v, "off") || !strcmp(v, "0"))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

static int parse_u32(const char *v, uint32_t *out)
{
	char *end;
	unsigned long n = strtoul(v, &end, 0);

	if (*end || !*v || n > 0xFFFFFFFFul)
		return -EINVAL;
	*out = (uint32_t)n;
	return 0;
}

/* "5.3,5.2,3.0" -> version list */
static int parse_versions(const char *v, struct host_profile *p)
{
	int n = 0;

	while (*v) {
		char *end;
		unsigned long maj = strtoul(v, &end, 10), min;

		if (*end != '.')
			return -EINVAL;
		min = strtoul(end + 1, &end, 10);
		if ((*end && *end != ',') || n >= HOST_MAX_VERSIONS)
			return -EINVAL;
		p->versions[n++] = V(maj, min);
		v = *end ? end + 1 : end;
	}
	if (!n)
		return -EINVAL;
	p->nversions = n;
	return 0;
}

struct profile_switch {
	const char *key;
	enum { SW_BOOL, SW_U32, SW_VERSIONS } kind;
	size_t off;
};

#define SWB(k, f) { k, SW_BOOL, offsetof(struct host_profile, f) }
#define SWU(k, f) { k, SW_U32, offsetof(struct host_profile, f) }

static const struct profile_switch switches[] = {
	{ "versions", SW_VERSIONS, 0 },
	SWB("conn1-for-v5", conn1_for_v5),
	SWB("fw-conn1-v6", fw_conn1_v6),
	SWU("msg-conn-id", msg_conn_id),
	SWB("subchan-offers-first", subchan_offers_before_completion),
	SWB("monitor-pages", monitor_pages),
	SWU("port-queue-depth", port_queue_depth),
	SWU("conn-id-base", conn_id_base),
	SWB("pss-unconditional", pss_unconditional),
	SWB("sort-offers", sort_offers),
	SWB("shuffle-offers", shuffle_offers),
	SWU("max-gpadls", max_gpadls),
	SWB("host-masks-interrupts", host_masks_interrupts),
	SWB("strict-unload", strict_unload),
};

int host_profile_switch(struct host_profile *p, const char *key, const char *val)
{
	for (size_t i = 0; i < sizeof(switches) / sizeof(switches[0]); i++) {
		const struct profile_switch *s = &switches[i];

		if (strcmp(s->key, key))
			continue;
		switch (s->kind) {
		case SW_BOOL:
			return parse_bool(val, (bool *)((char *)p + s->off));
		case SW_U32:
			return parse_u32(val, (uint32_t *)((char *)p + s->off));
		case SW_VERSIONS:
			return parse_versions(val, p);
		}
	}
	return -EINVAL;
}

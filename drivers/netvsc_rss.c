/*
 * Receive-side scaling of the synthetic NIC (docs/protocols/network.md §11.1,
 * §11.2 and §14; Linux rndis_filter_device_add, rndis_set_rss_param_msg):
 * before asking for sub-channels the guest learns how many receive queues
 * the host has (QUERY of the RSS capabilities); once sub-channels were
 * granted it sets the RSS parameters: a Toeplitz hash over IPv4, IPv6 and
 * TCP, the standard RSS key, and an indirection table whose entry i names
 * channel i mod n over the primary and its granted sub-channels. The host
 * then delivers each flow's frames on that flow's channel.
 */
#include <errno.h>
#include <string.h>

#include "drivers/netvsc.h"
#include "kernel/log.h"

/* The RSS specification's verification key, which Windows and Linux use
 * by default. */
static const uint8_t netvsc_rss_key[RNDIS_RSS_KEY_BYTES] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
	0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
	0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
	0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

uint32_t netvsc_rss_queues(struct netvsc_dev *nd)
{
	struct rndis_rss_caps in = { RNDIS_RSS_CAPS_TYPE, 2, sizeof(in), 0, 0, 0, 0 };
	struct rndis_rss_caps caps = { 0 };
	uint32_t len = sizeof(caps);

	if (netvsc_rndis_query_in(nd, RNDIS_OID_GEN_RSS_CAPABILITIES, &in, sizeof(in), &caps,
				  &len) || len < offsetof(struct rndis_rss_caps, n_table_entries) ||
	    caps.type != RNDIS_RSS_CAPS_TYPE || caps.n_queues == 0)
		return 1;                       /* no RSS: the primary only */
	/* Linux: the host's table size if 1..256, else 128; ours holds 128. */
	nd->rss_entries = len == sizeof(caps) && caps.n_table_entries >= 1 &&
			  caps.n_table_entries < RNDIS_RSS_TABLE_MAX ?
			  caps.n_table_entries : RNDIS_RSS_TABLE_MAX;
	return caps.n_queues;
}

int netvsc_rss_set(struct netvsc_dev *nd, uint32_t nchan)
{
	uint8_t buf[NETVSC_RNDIS_SET_MAX];
	uint32_t n = nd->rss_entries ? nd->rss_entries : RNDIS_RSS_TABLE_MAX;
	struct rndis_rss_params p = {
		.type = RNDIS_RSS_PARAMS_TYPE, .revision = 2, .size = sizeof(p),
		.hash_info = RNDIS_RSS_HASH_DEFAULT, .table_bytes = (uint16_t)(4 * n),
		.table_offset = sizeof(p), .key_bytes = RNDIS_RSS_KEY_BYTES,
		.key_offset = (uint32_t)sizeof(p) + 4 * n,
	};

	if (nchan < 2)
		return 0;                       /* one channel: nothing to spread */
	memcpy(buf, &p, sizeof(p));
	for (uint32_t i = 0; i < n; i++) {
		uint32_t q = i % nchan;

		memcpy(buf + sizeof(p) + 4 * i, &q, 4);
	}
	memcpy(buf + p.key_offset, netvsc_rss_key, sizeof(netvsc_rss_key));
	return netvsc_rndis_set(nd, RNDIS_OID_GEN_RSS_PARAMETERS, buf,
				p.key_offset + RNDIS_RSS_KEY_BYTES);
}

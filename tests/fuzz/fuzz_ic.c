/*
 * Fuzz target "ic": the integration-service parsers and handlers
 * (drivers/ic.c, ic_heartbeat.c, ic_kvp.c) over a sequence of host
 * packets: the pipe and IC headers (ic_msg_check), then by the IC message
 * type a NEGOTIATE version list (ic_negotiate_pick against the framework
 * and KVP version lists), a heartbeat, or a KVP request (kvp_handle on one
 * store kept across the input, so a SET is seen by a later GET, DELETE or
 * ENUMERATE; keys and values are UTF-16 from the host).
 *
 * Input: records of a 16-bit little-endian length and that many bytes
 * (the last record takes what is left). Each record is a packet payload
 * in an exact-size copy, and its body is copied again to exactly the
 * length the headers claim, so AddressSanitizer sees any read past it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/ic.h"
#include "drivers/kvp.h"

/* drivers/ic_heartbeat.c's handler (its service table is private). */
int64_t ic_heartbeat_handle(struct ic_dev *ic, uint8_t *body, uint32_t len, uint32_t *out_len);

/* The KVP driver's message versions (drivers/ic_kvp.c). */
static const struct ic_version kvp_pref[] = { { 5, 0 }, { 4, 0 }, { 3, 0 } };
static struct kvp_store store;

static void body_one(uint16_t type, const uint8_t *b, uint32_t blen)
{
	uint8_t *c = malloc(blen ? blen : 1);
	struct ic_version fw, msg;
	uint32_t out_len = 0;

	memcpy(c, b, blen);
	switch (type) {
	case IC_MSG_NEGOTIATE:
		(void)ic_negotiate_pick(c, blen, ic_fw_versions, ic_nfw_versions,
					kvp_pref, 3, &fw, &msg);
		break;
	case IC_MSG_HEARTBEAT:
		if (ic_heartbeat_handle(NULL, c, blen, &out_len) >= 0 && out_len > blen)
			__builtin_trap();
		break;
	case IC_MSG_KVP:
		if (kvp_handle(&store, c, blen, &out_len) >= 0 && out_len > blen)
			__builtin_trap();   /* a reply longer than the request's bytes */
		break;
	default:
		break;
	}
	free(c);
}

static void packet_one(const uint8_t *p, uint32_t len)
{
	uint8_t *c = malloc(len ? len : 1);
	struct ic_msg m;
	uint32_t blen;

	memcpy(c, p, len);
	if (!ic_msg_check(c, len, &blen)) {
		if (blen > len - sizeof(m))
			__builtin_trap();   /* a checked body past the payload */
		memcpy(&m, c, sizeof(m));
		body_one(m.ic.type, c + sizeof(m), blen);
	}
	free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	if (n > 65536)
		return 0;
	kvp_store_reset(&store);
	while (n >= 2) {
		size_t len = d[0] | (size_t)d[1] << 8;

		d += 2, n -= 2;
		if (len > n)
			len = n;
		packet_one(d, (uint32_t)len);
		d += len, n -= len;
	}
	return 0;
}

/*
 * The echo test device: a Keel-specific VMBus device that exists only in the
 * simulated host (host/echo_dev.c) and is driven by a guest-side echo driver.
 * It exercises the channel machinery end to end: in-band packets with
 * completions, and sub-channels requested through the device protocol.
 *
 * Protocol (all little-endian, packed):
 * - Every guest->host request is a VMBUS_PKT_DATA_INBAND packet with
 *   VMBUS_PKT_FLAG_COMPLETION_REQUESTED and a non-zero trans_id; its payload
 *   starts with struct echo_msg_hdr.
 * - The host answers each request with exactly one VMBUS_PKT_COMP packet
 *   carrying the same trans_id and a response payload (below). Requests on a
 *   sub-channel are answered on that sub-channel.
 * - ECHO_MSG_ECHO: payload bytes (len <= ECHO_MAX_PAYLOAD) come back unchanged
 *   in ECHO_MSG_ECHO_COMPLETE.
 * - ECHO_MSG_CREATE_SUBCHANNELS, modelled on storvsc's CREATE_SUB_CHANNELS
 *   (docs/protocols/storage.md §4, §11): valid on the primary channel only, at most once per
 *   open. The host offers `count` sub-channels (same class and instance GUIDs,
 *   sub_channel_index 1..n) either before or after sending the completion,
 *   depending on the host profile switch `subchan_offers_before_completion`
 *   (storage host: before; network host: after). The completion reports how
 *   many sub-channels were granted (capped by the device's max_subchannels).
 *   A count of 0 or a request on a sub-channel gets status
 *   ECHO_STATUS_INVALID_PARAMETER and no offers.
 *
 * Class GUID: 9917ce35-978b-4185-9ba0-a011f15b9229 (generated for Keel).
 */
#ifndef KEEL_HYPERV_ECHO_WIRE_H
#define KEEL_HYPERV_ECHO_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "include/hyperv/vmbus_wire.h"

#define ECHO_CLASS_GUID_INIT                                                \
	VMBUS_GUID_INIT(0x9917ce35, 0x978b, 0x4185, 0x9b, 0xa0, 0xa0, 0x11,  \
			0xf1, 0x5b, 0x92, 0x29)

#define ECHO_MAX_PAYLOAD   1024u   /* bytes of echo data per request */

enum echo_msg_type {
	ECHO_MSG_ECHO                  = 1,  /* guest->host */
	ECHO_MSG_ECHO_COMPLETE         = 2,  /* host->guest, in a COMP packet */
	ECHO_MSG_CREATE_SUBCHANNELS    = 3,  /* guest->host, primary only */
	ECHO_MSG_SUBCHANNELS_COMPLETE  = 4,  /* host->guest, in a COMP packet */
};

/* Status values (storvsc-style NTSTATUS subset). */
#define ECHO_STATUS_SUCCESS            0x00000000u
#define ECHO_STATUS_INVALID_PARAMETER  0xC000000Du
#define ECHO_STATUS_UNSUCCESSFUL       0xC0000001u

struct echo_msg_hdr {
	uint32_t type;          /* @0 enum echo_msg_type */
	uint32_t status;        /* @4 0 in requests; ECHO_STATUS_* in completions */
} __attribute__((packed));
_Static_assert(sizeof(struct echo_msg_hdr) == 8, "echo hdr");

/* ECHO_MSG_ECHO and ECHO_MSG_ECHO_COMPLETE: header, length, data. */
struct echo_msg_echo {
	struct echo_msg_hdr hdr;
	uint32_t len;           /* @8 bytes of data that follow, <= ECHO_MAX_PAYLOAD */
	uint32_t seq;           /* @12 guest's sequence number, echoed */
	uint8_t data[];         /* @16 */
} __attribute__((packed));
_Static_assert(sizeof(struct echo_msg_echo) == 16, "echo msg");
_Static_assert(offsetof(struct echo_msg_echo, data) == 16, "echo data at 16");

/* ECHO_MSG_CREATE_SUBCHANNELS and ECHO_MSG_SUBCHANNELS_COMPLETE. */
struct echo_msg_subchannels {
	struct echo_msg_hdr hdr;
	uint16_t count;         /* @8 requested / granted */
	uint16_t reserved;      /* @10 */
	uint32_t reserved2;     /* @12 */
} __attribute__((packed));
_Static_assert(sizeof(struct echo_msg_subchannels) == 16, "subchannels msg");

#endif

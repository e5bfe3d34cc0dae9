/*
 * Checks of what a NetVSP host writes (drivers/netvsc_parse.c): the NVSP
 * completion lengths, the transfer-page packet header and its ranges, RNDIS
 * messages and the send indirection table. Pure functions over private copies, so they can be fed
 * hostile input in unit tests (tests/unit/netvsc_parse_test.c). Each
 * returns 0 or -EINVAL and never reads outside the bytes it was given.
 *
 * The checks are those of Linux's Confidential-VM hardening of
 * drivers/net/hyperv (netvsc_receive, rndis_filter_receive_data,
 * rndis_filter_receive_response, rndis_filter_query_device,
 * netvsc_linkstatus_callback), with one addition: a per-packet information
 * element of a size below its header stops the walk instead of looping.
 */
#ifndef KEEL_DRIVERS_NETVSC_PARSE_H
#define KEEL_DRIVERS_NETVSC_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#include "include/hyperv/nvsp.h"

/* Minimum payload of an NVSP completion of `type`; 0 for a type a guest
 * never expects in a completion. */
uint32_t netvsc_nvsp_comp_min(uint32_t type);

/* A transfer-page packet (VMBus type 7), checked. ranges point into the
 * caller's private packet copy. */
struct netvsc_xfer {
	uint16_t pageset_id;
	uint32_t nranges;
	const struct nvsp_xfer_range *ranges;
	uint32_t channel_type;            /* NVSP_RNDIS_CHANNEL_* */
};

/* raw/raw_len: the whole packet (descriptor first); data_off = offset8 * 8. */
int netvsc_parse_xfer(const uint8_t *raw, uint32_t raw_len, uint32_t data_off,
		      uint16_t want_id, struct netvsc_xfer *x);
/* One range inside a receive buffer of buf_size bytes cut into sub_alloc-byte
 * sub-allocations, and no larger than copy_max (our private copy). */
bool netvsc_range_ok(const struct nvsp_xfer_range *r, uint32_t buf_size,
		     uint32_t sub_alloc, uint32_t copy_max);

/* An RNDIS message, checked; offsets count from the message start. */
struct netvsc_rndis_msg {
	uint32_t type;
	uint32_t len;                     /* msg_len, <= the bytes given */
	uint32_t req_id, status;          /* completions; status for INDICATE */
	uint32_t data_off, data_len;      /* PACKET frame; QUERY_C info; INDICATE buffer */
};

int netvsc_parse_rndis(const uint8_t *msg, uint32_t count, struct netvsc_rndis_msg *m);

/* SEND_INDIRECTION_TABLE (msg: the NVSP message, len its bytes): the 16
 * entries, each a channel index below nchan, into table. */
int netvsc_parse_send_table(const uint8_t *msg, uint32_t len, uint32_t nvsp_ver,
			    uint32_t nchan, uint8_t *table);

#endif

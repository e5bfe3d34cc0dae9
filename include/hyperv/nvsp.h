/*
 * NVSP, the Hyper-V network VSP protocol carried in VMBus ring packets
 * between the synthetic NIC driver (drivers/netvsc*.c) and NetVSP (the
 * simulated host, host/netvsc_host.c). Wire formats only; the driver's state
 * lives in drivers/netvsc.h.
 *
 * Names and values follow Linux drivers/net/hyperv/hyperv_net.h
 * (NVSP_PROTOCOL_VERSION_*, enum nvsp_msg_type, struct nvsp_message) and
 * OpenVMM vm/devices/net/netvsp/src/protocol.rs. Every integer is
 * little-endian; every structure is packed.
 *
 * Message size: below version 6.1 a host sends 28-byte messages (the header
 * plus the largest version-1 body), from 6.1 on 40 bytes. A guest request is
 * never shorter than NVSP_REQ_SIZE (Hyper-V ignores requests under 32 bytes,
 * FreeBSD HN_NVS_REQSIZE_MIN); Linux sends sizeof(struct nvsp_message) = 40.
 */
#ifndef KEEL_HYPERV_NVSP_H
#define KEEL_HYPERV_NVSP_H

#include <stddef.h>
#include <stdint.h>

#define NVSP_PACKED __attribute__((packed))

/* ---- protocol versions: (major << 16) | minor ---- */

#define NVSP_VERSION_1   0x00000002u
#define NVSP_VERSION_2   0x00030002u   /* NDIS config message, jumbo frames */
#define NVSP_VERSION_4   0x00040000u
#define NVSP_VERSION_5   0x00050000u   /* sub-channels, send indirection table */
#define NVSP_VERSION_6   0x00060000u
#define NVSP_VERSION_61  0x00060001u   /* 40-byte messages */

/* ---- message types ---- */

enum nvsp_msg_type {
	NVSP_MSG_NONE                 = 0,
	NVSP_MSG_INIT                 = 1,
	NVSP_MSG_INIT_COMPLETE        = 2,
	NVSP_MSG1_SEND_NDIS_VERSION   = 100,
	NVSP_MSG1_SEND_RECV_BUF       = 101,
	NVSP_MSG1_SEND_RECV_BUF_COMPLETE = 102,
	NVSP_MSG1_REVOKE_RECV_BUF     = 103,
	NVSP_MSG1_SEND_SEND_BUF       = 104,
	NVSP_MSG1_SEND_SEND_BUF_COMPLETE = 105,
	NVSP_MSG1_REVOKE_SEND_BUF     = 106,
	NVSP_MSG1_SEND_RNDIS_PKT      = 107,
	NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE = 108,
	NVSP_MSG2_SEND_NDIS_CONFIG    = 125,
	NVSP_MSG4_SEND_VF_ASSOCIATION = 128,
	NVSP_MSG4_SWITCH_DATA_PATH    = 129,
	NVSP_MSG5_OID_QUERY_EX        = 131,
	NVSP_MSG5_OID_QUERY_EX_COMPLETE = 132,
	NVSP_MSG5_SUBCHANNEL          = 133,
	NVSP_MSG5_SEND_INDIRECTION_TABLE = 134,
};

enum nvsp_status {
	NVSP_STAT_NONE    = 0,
	NVSP_STAT_SUCCESS = 1,
	NVSP_STAT_FAIL    = 2,
	NVSP_STAT_PROTOCOL_TOO_NEW = 3,
	NVSP_STAT_PROTOCOL_TOO_OLD = 4,
	NVSP_STAT_INVALID_RNDIS_PKT = 5,
	NVSP_STAT_BUSY    = 6,
};

#define NVSP_MSG_SIZE_V1   28u   /* host messages below 6.1 */
#define NVSP_MSG_SIZE_V61  40u   /* from 6.1 on; also Linux's request size */
#define NVSP_REQ_SIZE      40u   /* what the guest sends (>= 32) */

#define NVSP_RNDIS_CHANNEL_DATA    0u
#define NVSP_RNDIS_CHANNEL_CONTROL 1u
#define NVSP_SECTION_NONE          0xFFFFFFFFu   /* not in the send buffer */
#define NVSP_SUBCHANNEL_ALLOCATE   1u

/* NDIS config capability bits (hyperv_net.h nvsp_2_vsc_capability). */
#define NVSP_CAP_SRIOV      (1ull << 2)
#define NVSP_CAP_IEEE8021Q  (1ull << 3)
#define NVSP_CAP_TEAMING    (1ull << 5)

/* ---- bodies (offsets are from the start of the message) ---- */

struct nvsp_hdr {
	uint32_t msg_type;
} NVSP_PACKED;

struct nvsp_init {
	uint32_t msg_type;             /* 1 */
	uint32_t min_protocol_ver;
	uint32_t max_protocol_ver;
} NVSP_PACKED;

struct nvsp_init_complete {
	uint32_t msg_type;             /* 2 */
	uint32_t negotiated_protocol_ver;   /* deprecated */
	uint32_t max_mdl_chain_len;
	uint32_t status;
} NVSP_PACKED;

struct nvsp_ndis_version {
	uint32_t msg_type;             /* 100 */
	uint32_t ndis_major;
	uint32_t ndis_minor;
} NVSP_PACKED;

struct nvsp_ndis_config {
	uint32_t msg_type;             /* 125 */
	uint32_t mtu;                  /* frame size: IP MTU + 14 */
	uint32_t reserved;
	uint64_t capabilities;
} NVSP_PACKED;

struct nvsp_send_buf {                 /* 101 receive buffer, 104 send buffer */
	uint32_t msg_type;
	uint32_t gpadl_handle;
	uint16_t id;
	uint16_t reserved;
} NVSP_PACKED;

struct nvsp_recv_section {
	uint32_t offset;
	uint32_t sub_alloc_size;
	uint32_t num_sub_allocs;
	uint32_t end_offset;
} NVSP_PACKED;

struct nvsp_recv_buf_complete {
	uint32_t msg_type;             /* 102 */
	uint32_t status;
	uint32_t num_sections;
	struct nvsp_recv_section section[1];   /* only ever one (OpenVMM) */
} NVSP_PACKED;

struct nvsp_send_buf_complete {
	uint32_t msg_type;             /* 105 */
	uint32_t status;
	uint32_t section_size;
} NVSP_PACKED;

struct nvsp_revoke_buf {               /* 103, 106 */
	uint32_t msg_type;
	uint16_t id;
	uint16_t reserved;
} NVSP_PACKED;

struct nvsp_rndis_pkt {
	uint32_t msg_type;             /* 107 */
	uint32_t channel_type;         /* NVSP_RNDIS_CHANNEL_* */
	uint32_t section_index;        /* NVSP_SECTION_NONE: page list / xfer pages */
	uint32_t section_size;         /* bytes used in that section */
} NVSP_PACKED;

struct nvsp_rndis_pkt_complete {
	uint32_t msg_type;             /* 108 */
	uint32_t status;
} NVSP_PACKED;

struct nvsp_subchannel {
	uint32_t msg_type;             /* 133 */
	uint32_t op_or_status;         /* request: op (1 = allocate); completion: status */
	uint32_t num_subchannels;
} NVSP_PACKED;

struct nvsp_indirection_table {
	uint32_t msg_type;             /* 134 */
	uint32_t count;                /* 16 */
	uint32_t offset;               /* from the start of the message */
} NVSP_PACKED;

#define NVSP_SEND_TABLE_ENTRIES 16u
/* Where hosts of NVSP 6 and older really put the table (Linux netvsc_send_table). */
#define NVSP_SEND_TABLE_OFFSET_V6 40u

_Static_assert(sizeof(struct nvsp_init) == 12, "nvsp_init");
_Static_assert(offsetof(struct nvsp_init_complete, status) == 12, "init_complete.status");
_Static_assert(sizeof(struct nvsp_ndis_config) == 20, "ndis_config");
_Static_assert(offsetof(struct nvsp_ndis_config, capabilities) == 12, "ndis_config caps");
_Static_assert(offsetof(struct nvsp_send_buf, id) == 8, "send_buf.id");
_Static_assert(sizeof(struct nvsp_recv_section) == 16, "recv section");
_Static_assert(offsetof(struct nvsp_recv_buf_complete, section) == 12, "recv_buf_complete");
_Static_assert(sizeof(struct nvsp_recv_buf_complete) == 28, "recv_buf_complete size");
_Static_assert(offsetof(struct nvsp_send_buf_complete, section_size) == 8, "send_buf_complete");
_Static_assert(sizeof(struct nvsp_rndis_pkt) == 16, "rndis_pkt");
_Static_assert(sizeof(struct nvsp_rndis_pkt_complete) == 8, "rndis_pkt_complete");
_Static_assert(sizeof(struct nvsp_subchannel) == 12, "subchannel");
_Static_assert(sizeof(struct nvsp_indirection_table) == 12, "indirection table");

/* ---- transfer-page packets (VMBus type 7, Linux vmtransfer_page_packet_header) ---- */

struct nvsp_xfer_range {
	uint32_t byte_count;           /* count first, then offset */
	uint32_t byte_offset;          /* into the receive buffer */
} NVSP_PACKED;

/* What follows the 16-byte VMBus descriptor in a type-7 packet. */
struct nvsp_xfer_hdr {
	uint16_t xfer_pageset_id;      /* the receive buffer's id */
	uint8_t  sender_owns_set;
	uint8_t  reserved;
	uint32_t range_cnt;
	/* struct nvsp_xfer_range ranges[range_cnt]; then, at offset8 * 8, the NVSP message */
} NVSP_PACKED;

#define NVSP_XFER_HDR_OFFSET 16u       /* after the VMBus descriptor */
#define NVSP_XFER_MAX_RANGES 375u      /* Linux NVSP_RSC_MAX without RSC */

_Static_assert(sizeof(struct nvsp_xfer_range) == 8, "xfer range");
_Static_assert(sizeof(struct nvsp_xfer_hdr) == 8, "xfer hdr");

#endif

/*
 * RNDIS as Hyper-V's synthetic NIC carries it inside NVSP SEND_RNDIS_PKT
 * messages: message types, status codes, OIDs, the packet message and
 * per-packet information. Wire formats only (drivers/netvsc.h has the
 * driver's state).
 *
 * Names and values follow Linux include/linux/rndis.h and
 * drivers/net/hyperv/hyperv_net.h (struct rndis_message and its bodies) and
 * OpenVMM vm/devices/net/netvsp/src/rndisprot.rs. All fields are
 * little-endian u32 unless noted; every offset inside a body counts from the
 * first byte after the 8-byte message header.
 */
#ifndef KEEL_HYPERV_RNDIS_H
#define KEEL_HYPERV_RNDIS_H

#include <stddef.h>
#include <stdint.h>

#define RNDIS_PACKED __attribute__((packed))

/* ---- message types ---- */

#define RNDIS_MSG_PACKET          0x00000001u
#define RNDIS_MSG_INIT            0x00000002u
#define RNDIS_MSG_INIT_C          0x80000002u
#define RNDIS_MSG_HALT            0x00000003u
#define RNDIS_MSG_QUERY           0x00000004u
#define RNDIS_MSG_QUERY_C         0x80000004u
#define RNDIS_MSG_SET             0x00000005u
#define RNDIS_MSG_SET_C           0x80000005u
#define RNDIS_MSG_RESET_C         0x80000006u
#define RNDIS_MSG_INDICATE        0x00000007u
#define RNDIS_MSG_KEEPALIVE_C     0x80000008u

/* ---- status codes ---- */

#define RNDIS_STATUS_SUCCESS            0x00000000u
#define RNDIS_STATUS_MEDIA_CONNECT      0x4001000Bu
#define RNDIS_STATUS_MEDIA_DISCONNECT   0x4001000Cu
#define RNDIS_STATUS_LINK_SPEED_CHANGE  0x40010013u
#define RNDIS_STATUS_NETWORK_CHANGE     0x40010018u
#define RNDIS_STATUS_NOT_SUPPORTED      0xC00000BBu
#define RNDIS_STATUS_INVALID_DATA       0xC0010015u

/* ---- OIDs ---- */

#define RNDIS_OID_GEN_MAXIMUM_FRAME_SIZE    0x00010106u
#define RNDIS_OID_GEN_LINK_SPEED            0x00010107u   /* units of 100 bit/s */
#define RNDIS_OID_GEN_CURRENT_PACKET_FILTER 0x0001010Eu
#define RNDIS_OID_GEN_MEDIA_CONNECT_STATUS  0x00010114u   /* 0 connected, 1 not */
#define RNDIS_OID_802_3_PERMANENT_ADDRESS   0x01010101u
#define RNDIS_OID_TCP_OFFLOAD_PARAMETERS    0xFC01020Cu
#define RNDIS_OID_GEN_RSS_CAPABILITIES      0x00010203u
#define RNDIS_OID_GEN_RSS_PARAMETERS        0x00010204u

#define RNDIS_MEDIA_CONNECTED     0u
#define RNDIS_MEDIA_DISCONNECTED  1u

/* Packet filter bits. Linux sets DIRECTED | ALL_MULTICAST | BROADCAST. */
#define RNDIS_FILTER_DIRECTED      0x01u
#define RNDIS_FILTER_ALL_MULTICAST 0x04u
#define RNDIS_FILTER_BROADCAST     0x08u
#define RNDIS_FILTER_DEFAULT       0x0Du

/* ---- the common header ---- */

struct rndis_hdr {
	uint32_t msg_type;
	uint32_t msg_len;            /* whole message, header included */
} RNDIS_PACKED;

#define RNDIS_HDR_SIZE 8u

/* ---- bodies ---- */

struct rndis_init_req {
	uint32_t req_id;
	uint32_t major_ver;          /* 1 */
	uint32_t minor_ver;          /* 0 */
	uint32_t max_xfer_size;
} RNDIS_PACKED;

struct rndis_init_cmplt {
	uint32_t req_id;
	uint32_t status;
	uint32_t major_ver;
	uint32_t minor_ver;
	uint32_t device_flags;
	uint32_t medium;
	uint32_t max_pkt_per_msg;
	uint32_t max_xfer_size;
	uint32_t pkt_alignment_factor;
	uint32_t af_list_offset;
	uint32_t af_list_size;
} RNDIS_PACKED;

/* QUERY and SET requests share this body; the value follows it. */
struct rndis_oid_req {
	uint32_t req_id;
	uint32_t oid;
	uint32_t info_buflen;
	uint32_t info_buf_offset;    /* 20: right after this body */
	uint32_t dev_vc_handle;
} RNDIS_PACKED;

struct rndis_query_cmplt {
	uint32_t req_id;
	uint32_t status;
	uint32_t info_buflen;
	uint32_t info_buf_offset;    /* >= 16 */
} RNDIS_PACKED;

struct rndis_set_cmplt {
	uint32_t req_id;
	uint32_t status;
} RNDIS_PACKED;

struct rndis_halt_req {
	uint32_t req_id;
} RNDIS_PACKED;

struct rndis_indicate {
	uint32_t status;
	uint32_t status_buflen;
	uint32_t status_buf_offset;
} RNDIS_PACKED;

/* PACKET_MSG body (Linux struct rndis_packet). */
struct rndis_packet {
	uint32_t data_offset;
	uint32_t data_len;
	uint32_t oob_data_offset;
	uint32_t oob_data_len;
	uint32_t num_oob_data_elements;
	uint32_t per_pkt_info_offset;
	uint32_t per_pkt_info_len;
	uint32_t vc_handle;
	uint32_t reserved;
} RNDIS_PACKED;

/* One per-packet information element (Linux rndis_per_packet_info). */
struct rndis_ppi {
	uint32_t size;               /* header + data */
	uint32_t type;               /* bit 31: internal */
	uint32_t ppi_offset;         /* data offset from the element's start (12) */
} RNDIS_PACKED;

#define RNDIS_PPI_CHECKSUM 0u

/*
 * OID_TCP_OFFLOAD_PARAMETERS value: the public NDIS_OFFLOAD_PARAMETERS
 * (Linux struct ndis_offload_params), natural alignment. Revision 2 ends
 * after ipsec_v2_ip4 (22 bytes, NVSP 4 and older), revision 3 is whole.
 * A field of 0 leaves the setting alone; 1 turns it off (TX_RX_DISABLED,
 * LSO_DISABLED, RSC_DISABLED).
 */
struct rndis_offload_params {
	uint8_t type, revision;               /* 0x80 (NDIS default object), 2 or 3 */
	uint16_t size;
	uint8_t ip4_csum, tcp4_csum, udp4_csum, tcp6_csum, udp6_csum;
	uint8_t lso_v1, ipsec_v1, lso_v2_ip4, lso_v2_ip6, tcp_conn_ip4, tcp_conn_ip6;
	uint8_t pad0;
	uint32_t flags;
	uint8_t ipsec_v2, ipsec_v2_ip4;
	uint8_t rsc_ip4, rsc_ip6, encap_offload, encap_types;
	uint8_t pad1[2];
} RNDIS_PACKED;

/* docs/protocols/network.md §11.1: RSS capabilities (QUERY; the input
 * buffer carries the object header). */
struct rndis_rss_caps {
	uint8_t type, revision;               /* 0x88, 2 */
	uint16_t size;                        /* 18 */
	uint32_t flags;
	uint32_t n_interrupts;
	uint32_t n_queues;
	uint16_t n_table_entries;
} RNDIS_PACKED;

/* §11.2: RSS parameters (SET), followed by the table and the key. */
struct rndis_rss_params {
	uint8_t type, revision;               /* 0x89, 2 */
	uint16_t size;                        /* 40 */
	uint16_t flags;
	uint16_t base_cpu;
	uint32_t hash_info;
	uint16_t table_bytes;
	uint16_t pad0;
	uint32_t table_offset;
	uint16_t key_bytes;
	uint16_t pad1;
	uint32_t key_offset;
	uint32_t proc_masks_offset, n_proc_masks, proc_mask_size;
} RNDIS_PACKED;

#define RNDIS_RSS_CAPS_TYPE     0x88u
#define RNDIS_RSS_PARAMS_TYPE   0x89u
#define RNDIS_RSS_HASH_DEFAULT  0x00001701u   /* Toeplitz, IPv4, TCP/IPv4, IPv6, TCP/IPv6 */
#define RNDIS_RSS_KEY_BYTES     40u
#define RNDIS_RSS_TABLE_MAX     128u

#define RNDIS_OFFLOAD_OBJECT_TYPE 0x80u
#define RNDIS_OFFLOAD_SIZE_REV2   22u
#define RNDIS_OFFLOAD_OFF         1u

_Static_assert(offsetof(struct rndis_offload_params, flags) == 16, "offload flags");
_Static_assert(offsetof(struct rndis_offload_params, rsc_ip4) == 22, "offload rsc");
_Static_assert(sizeof(struct rndis_offload_params) == 28, "offload params");
_Static_assert(sizeof(struct rndis_rss_caps) == 18, "rss caps");
_Static_assert(sizeof(struct rndis_rss_params) == 40, "rss params");
_Static_assert(offsetof(struct rndis_rss_params, key_offset) == 24, "rss key offset");
_Static_assert(sizeof(struct rndis_hdr) == 8, "rndis hdr");
_Static_assert(sizeof(struct rndis_init_req) == 16, "init req");
_Static_assert(sizeof(struct rndis_init_cmplt) == 44, "init cmplt");
_Static_assert(sizeof(struct rndis_oid_req) == 20, "oid req");
_Static_assert(sizeof(struct rndis_query_cmplt) == 16, "query cmplt");
_Static_assert(sizeof(struct rndis_indicate) == 12, "indicate");
_Static_assert(sizeof(struct rndis_packet) == 36, "rndis_packet");
_Static_assert(offsetof(struct rndis_packet, per_pkt_info_offset) == 20, "ppi offset");
_Static_assert(sizeof(struct rndis_ppi) == 12, "ppi");

/* The largest response the guest accepts: header, the largest body (44)
 * and 4 KiB of data (Linux rndis_filter_receive_response, RNDIS_EXT_LEN). */
#define RNDIS_RESP_MAX (8u + 44u + 4096u)

#endif

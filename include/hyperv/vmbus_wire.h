/*
 * VMBus wire formats: the channel messages carried in SynIC message payloads,
 * the protocol versions, the ring buffer control page, packet descriptors and
 * GPA ranges. Shared by the guest (vmbus/) and the simulated host (host/).
 *
 * Follows docs/protocols/vmbus.md §3 (channel messages), §5 (rings
 * and packets) and §6 (monitor pages). Offsets in the comments are from the
 * start of the VMBus message, i.e. they include the 8-byte header (§3.1).
 * Everything is little-endian and packed; every struct has its size and key
 * offsets asserted so a typo cannot silently change the wire.
 *
 * Hypervisor-level constants (MSRs, hypercall codes, status codes, the SynIC
 * message slot) live in hv_wire.h, not here.
 */
#ifndef KEEL_VMBUS_WIRE_H
#define KEEL_VMBUS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define VMBUS_PACKED __attribute__((packed))

/* ---- GUIDs (§0 conventions): Microsoft mixed-endian, compared as bytes ---- */

struct vmbus_guid {
	uint8_t b[16];  /* data1 LE u32, data2 LE u16, data3 LE u16, data4[8] */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_guid) == 16, "guid");

/*
 * Build a GUID from its text form "d1-d2-d3-d4a-d4b" fields, e.g.
 * VMBUS_GUID_INIT(0xf8615163, 0xdf3e, 0x46c5, 0x91, 0x3f, 0xf2, 0xd2, 0xf9,
 * 0x65, 0xed, 0x0e) is the synthetic NIC class.
 */
#define VMBUS_GUID_INIT(d1, d2, d3, a, b_, c, d, e, f, g, h)                \
	{ { (uint8_t)(d1), (uint8_t)((d1) >> 8), (uint8_t)((d1) >> 16),     \
	    (uint8_t)((uint32_t)(d1) >> 24), (uint8_t)(d2),                \
	    (uint8_t)((d2) >> 8), (uint8_t)(d3), (uint8_t)((d3) >> 8),     \
	    (a), (b_), (c), (d), (e), (f), (g), (h) } }

/* ---- §3.1 connection ids, SINT, sizes ---- */

#define VMBUS_MESSAGE_CONNECTION_ID   1u  /* control messages, < 5.0 (and MU always) */
#define VMBUS_EVENT_CONNECTION_ID     2u  /* 0.13 signalling */
#define VMBUS_MONITOR_CONNECTION_ID   3u
#define VMBUS_MESSAGE_CONNECTION_ID_4 4u  /* INITIATE_CONTACT for versions >= 5.0 */
#define VMBUS_CONNECTION_ID_MASK      0x00FFFFFFu /* 24 bits (§3.1, §9 item 3) */

#define VMBUS_MESSAGE_SINT            2u  /* SINT for control messages and events */
#define VMBUS_SYNIC_MESSAGE_TYPE      1u  /* SynIC MessageType of every VMBus message */
#define VMBUS_MAX_MESSAGE_SIZE        240u
#define VMBUS_MAX_USER_DEFINED_BYTES  120u
#define VMBUS_MAX_RELIDS              2048u /* relid < 2048 (§7.1 item 6); 0 unused */

/* ---- §3.3 protocol versions: (major << 16) | minor ---- */

#define VMBUS_VERSION(maj, min) (((uint32_t)(maj) << 16) | (uint32_t)(min))
#define VMBUS_VERSION_WS2008     0x0000000Du  /* 0.13 */
#define VMBUS_VERSION_WIN7       0x00010001u  /* 1.1 */
#define VMBUS_VERSION_WIN8       0x00020004u  /* 2.4 */
#define VMBUS_VERSION_WIN8_1     0x00030000u  /* 3.0: the floor for Gen2 */
#define VMBUS_VERSION_WIN10      0x00040000u  /* 4.0 */
#define VMBUS_VERSION_WIN10_V4_1 0x00040001u  /* 4.1: MODIFYCHANNEL */
#define VMBUS_VERSION_WIN10_V5   0x00050000u  /* 5.0: INITIATE_CONTACT on conn 4, msg_conn_id */
#define VMBUS_VERSION_WIN10_V5_1 0x00050001u  /* 5.1: msg_vtl */
#define VMBUS_VERSION_WIN10_V5_2 0x00050002u  /* 5.2 */
#define VMBUS_VERSION_WIN10_V5_3 0x00050003u  /* 5.3: MODIFYCHANNEL_RESPONSE */
#define VMBUS_VERSION_COPPER     0x00060000u  /* 6.0: feature flags, extended forms */

#define VMBUS_VERSION_MAJOR(v) ((uint32_t)(v) >> 16)
#define VMBUS_VERSION_MINOR(v) ((uint32_t)(v) & 0xFFFFu)

/* §3.4 6.0 feature flags (INITIATE_CONTACT feature_flags / VERSION_RESPONSE). */
#define VMBUS_FEATURE_GUEST_SIGNAL_PARAMS   0x01u
#define VMBUS_FEATURE_INTERRUPT_REDIRECT    0x02u
#define VMBUS_FEATURE_MODIFY_CONNECTION     0x04u
#define VMBUS_FEATURE_CLIENT_ID             0x08u
#define VMBUS_FEATURE_CONFIDENTIAL_CHANNELS 0x10u
#define VMBUS_FEATURE_PAUSE_RESUME          0x20u
#define VMBUS_FEATURE_SERVER_MONITOR_PAGES  0x40u
#define VMBUS_FEATURE_GPA_PINNING           0x80u

/* ---- §3.2 channel message types ---- */

enum vmbus_msgtype {
	VMBUS_MSG_INVALID                 = 0,
	VMBUS_MSG_OFFERCHANNEL            = 1,  /* host->guest */
	VMBUS_MSG_RESCIND_CHANNELOFFER    = 2,  /* host->guest */
	VMBUS_MSG_REQUESTOFFERS           = 3,  /* guest->host */
	VMBUS_MSG_ALLOFFERS_DELIVERED     = 4,  /* host->guest */
	VMBUS_MSG_OPENCHANNEL             = 5,  /* guest->host */
	VMBUS_MSG_OPENCHANNEL_RESULT      = 6,  /* host->guest */
	VMBUS_MSG_CLOSECHANNEL            = 7,  /* guest->host */
	VMBUS_MSG_GPADL_HEADER            = 8,  /* guest->host */
	VMBUS_MSG_GPADL_BODY              = 9,  /* guest->host */
	VMBUS_MSG_GPADL_CREATED           = 10, /* host->guest */
	VMBUS_MSG_GPADL_TEARDOWN          = 11, /* guest->host */
	VMBUS_MSG_GPADL_TORNDOWN          = 12, /* host->guest */
	VMBUS_MSG_RELID_RELEASED          = 13, /* guest->host */
	VMBUS_MSG_INITIATE_CONTACT        = 14, /* guest->host */
	VMBUS_MSG_VERSION_RESPONSE        = 15, /* host->guest */
	VMBUS_MSG_UNLOAD                  = 16, /* guest->host */
	VMBUS_MSG_UNLOAD_RESPONSE         = 17, /* host->guest, >= 1.1 */
	VMBUS_MSG_OPEN_RESERVED_CHANNEL   = 18, /* guest->host, >= 4.0 */
	VMBUS_MSG_CLOSE_RESERVED_CHANNEL  = 19, /* guest->host */
	VMBUS_MSG_CLOSE_RESERVED_RESPONSE = 20, /* host->guest, >= 4.0 */
	VMBUS_MSG_TL_CONNECT_REQUEST      = 21, /* guest->host, >= 4.0 */
	VMBUS_MSG_MODIFYCHANNEL           = 22, /* guest->host, >= 4.1 */
	VMBUS_MSG_TL_CONNECT_RESULT       = 23, /* host->guest, >= 4.1 */
	VMBUS_MSG_MODIFYCHANNEL_RESPONSE  = 24, /* host->guest, >= 5.3 */
	VMBUS_MSG_MODIFY_CONNECTION       = 25, /* guest->host, 6.0 + feature 0x4 */
	VMBUS_MSG_MODIFY_CONNECTION_RESP  = 26, /* host->guest, 6.0 + feature 0x4 */
	VMBUS_MSG_PAUSE                   = 27, /* 6.0 + feature 0x20 (OpenVMM) */
	VMBUS_MSG_PAUSE_RESPONSE          = 28,
	VMBUS_MSG_RESUME                  = 29,
	VMBUS_MSG_COUNT                   = 30,
};

/* §3.1: every VMBus message starts with this header. */
struct vmbus_msg_header {
	uint32_t msgtype;       /* enum vmbus_msgtype */
	uint32_t padding;
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_header) == 8, "msg header");

/* §3.4 INITIATE_CONTACT (14): 40 bytes (56 with the 6.0 client id). */
struct vmbus_msg_initiate_contact {
	struct vmbus_msg_header hdr;
	uint32_t version_requested;     /* @8 */
	uint32_t target_vcpu;           /* @12 VP index receiving control messages */
	union {
		uint64_t interrupt_page; /* @16 versions < 5.0: GPA */
		struct {
			uint8_t msg_sint;   /* @16 versions >= 5.0: must be 2 */
			uint8_t msg_vtl;    /* @17 >= 5.1: 0 */
			uint16_t reserved;  /* @18 */
			uint32_t feature_flags; /* @20 6.0 only */
		} VMBUS_PACKED;
	};
	uint64_t monitor_page1;         /* @24 parent->child */
	uint64_t monitor_page2;         /* @32 child->parent */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_initiate_contact) == 40, "initiate");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, target_vcpu) == 12, "");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, interrupt_page) == 16, "");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, msg_sint) == 16, "");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, feature_flags) == 20, "");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, monitor_page1) == 24, "");

/* 6.0 with feature 0x8: the 56-byte form with a client id GUID at @40. */
struct vmbus_msg_initiate_contact2 {
	struct vmbus_msg_initiate_contact base;
	struct vmbus_guid client_id;    /* @40 */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_initiate_contact2) == 56, "initiate2");

/* §3.4 VERSION_RESPONSE (15): 16 bytes (20 / 40 with 6.0). */
struct vmbus_msg_version_response {
	struct vmbus_msg_header hdr;
	uint8_t version_supported;      /* @8 1 accepted, 0 try lower */
	uint8_t connection_state;       /* @9 0 ok, 1 low resources, 2 unknown failure */
	uint16_t padding;               /* @10 */
	uint32_t msg_conn_id;           /* @12 >= 5.0: connection id for later posts */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_version_response) == 16, "version resp");
_Static_assert(offsetof(struct vmbus_msg_version_response, msg_conn_id) == 12, "");

/* The 6.0 extended forms (only sent when 6.0 was accepted). */
struct vmbus_msg_version_response2 {
	struct vmbus_msg_version_response base;
	uint32_t supported_features;    /* @16 */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_version_response2) == 20, "version resp2");

struct vmbus_msg_version_response3 {
	struct vmbus_msg_version_response2 base;
	uint32_t padding;               /* @20 */
	uint64_t parent_to_child_monitor; /* @24 */
	uint64_t child_to_parent_monitor; /* @32 */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_version_response3) == 40, "version resp3");

enum vmbus_connection_state {
	VMBUS_CONNECTION_OK = 0,
	VMBUS_CONNECTION_LOW_RESOURCES = 1,
	VMBUS_CONNECTION_FAILED = 2,
};

/* §3.5 OFFERCHANNEL (1): 196 bytes. */
#define VMBUS_OFFER_FLAG_ENUMERATE_DEVICE_INTERFACE 0x0001u
#define VMBUS_OFFER_FLAG_CONFIDENTIAL_RING          0x0002u /* 6.0 + 0x10 only */
#define VMBUS_OFFER_FLAG_CONFIDENTIAL_EXTERNAL      0x0004u /* 6.0 + 0x10 only */
#define VMBUS_OFFER_FLAG_REQUIRE_PINNED             0x0008u
#define VMBUS_OFFER_FLAG_NAMED_PIPE_MODE            0x0010u
#define VMBUS_OFFER_FLAG_LOOPBACK                   0x0100u
#define VMBUS_OFFER_FLAG_PARENT                     0x0200u
#define VMBUS_OFFER_FLAG_REQUEST_MONITORED_NOTIFY   0x0400u
#define VMBUS_OFFER_FLAG_TLNPI_PROVIDER             0x2000u

struct vmbus_msg_offer {
	struct vmbus_msg_header hdr;
	struct vmbus_guid if_type;      /* @8 device class */
	struct vmbus_guid if_instance;  /* @24 unique per device; sub-channels repeat it */
	uint64_t reserved1;             /* @40 ignore */
	uint32_t reserved2_lo;          /* @48 ignore */
	uint32_t reserved2_hi;          /* @52 ignore */
	uint16_t chn_flags;             /* @56 VMBUS_OFFER_FLAG_* */
	uint16_t mmio_megabytes;        /* @58 */
	uint8_t user_def[VMBUS_MAX_USER_DEFINED_BYTES]; /* @60 */
	uint16_t sub_channel_index;     /* @180 0 = primary */
	uint16_t mmio_megabytes_optional; /* @182 */
	uint32_t child_relid;           /* @184 */
	uint8_t monitorid;              /* @188 valid if monitor_allocated */
	uint8_t monitor_allocated;      /* @189 bit 0 */
	uint16_t is_dedicated_interrupt; /* @190 bit 0 */
	uint32_t connection_id;         /* @192 HvSignalEvent target */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_offer) == 196, "offer");
_Static_assert(offsetof(struct vmbus_msg_offer, if_instance) == 24, "");
_Static_assert(offsetof(struct vmbus_msg_offer, chn_flags) == 56, "");
_Static_assert(offsetof(struct vmbus_msg_offer, user_def) == 60, "");
_Static_assert(offsetof(struct vmbus_msg_offer, sub_channel_index) == 180, "");
_Static_assert(offsetof(struct vmbus_msg_offer, child_relid) == 184, "");
_Static_assert(offsetof(struct vmbus_msg_offer, monitorid) == 188, "");
_Static_assert(offsetof(struct vmbus_msg_offer, connection_id) == 192, "");

/* §3.6: RESCIND_CHANNELOFFER (2), CLOSECHANNEL (7), RELID_RELEASED (13),
 * CLOSE_RESERVED_RESPONSE (20): 12 bytes. */
struct vmbus_msg_relid {
	struct vmbus_msg_header hdr;
	uint32_t child_relid;           /* @8 */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_relid) == 12, "relid msg");
typedef struct vmbus_msg_relid vmbus_msg_rescind_t;
typedef struct vmbus_msg_relid vmbus_msg_close_t;
typedef struct vmbus_msg_relid vmbus_msg_relid_released_t;

/* §3.6: REQUESTOFFERS (3), ALLOFFERS_DELIVERED (4), UNLOAD (16),
 * UNLOAD_RESPONSE (17): header only. */
typedef struct vmbus_msg_header vmbus_msg_empty_t;

/* §3.7 OPENCHANNEL (5): 148 bytes (156 with the 6.0 extension). */
#define VMBUS_VP_INDEX_DISABLE_INTERRUPT 0xFFFFFFFFu

struct vmbus_msg_open_channel {
	struct vmbus_msg_header hdr;
	uint32_t child_relid;           /* @8 */
	uint32_t openid;                /* @12 echoed in the result */
	uint32_t ring_gpadl;            /* @16 GPADL covering both rings */
	uint32_t target_vp;             /* @20 */
	uint32_t downstream_ring_pageoffset; /* @24 first page of the inbound ring */
	uint8_t userdata[VMBUS_MAX_USER_DEFINED_BYTES]; /* @28 */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_open_channel) == 148, "open");
_Static_assert(offsetof(struct vmbus_msg_open_channel, ring_gpadl) == 16, "");
_Static_assert(offsetof(struct vmbus_msg_open_channel, downstream_ring_pageoffset) == 24, "");
_Static_assert(offsetof(struct vmbus_msg_open_channel, userdata) == 28, "");

struct vmbus_msg_open_channel2 {
	struct vmbus_msg_open_channel base;
	uint32_t connection_id;         /* @148 6.0 + 0x1 */
	uint16_t event_flag;            /* @152 6.0 + 0x1 */
	uint16_t flags;                 /* @154 6.0 + 0x2: bit 0 redirect */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_open_channel2) == 156, "open2");

/* §3.6 OPENCHANNEL_RESULT (6): 20 bytes. */
struct vmbus_msg_open_result {
	struct vmbus_msg_header hdr;
	uint32_t child_relid;           /* @8 */
	uint32_t openid;                /* @12 */
	uint32_t status;                /* @16 0 = opened */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_open_result) == 20, "open result");
_Static_assert(offsetof(struct vmbus_msg_open_result, status) == 16, "");

/* NTSTATUS-style failures the hosts use (§3.6, §8). Any non-zero is failure. */
#define VMBUS_STATUS_UNSUCCESSFUL       0x8000FFFFu
#define VMBUS_STATUS_CONNECTION_REFUSED 0xC0000236u

/* §3.8 GPA range: byte_count, byte_offset, then ceil((off+count)/4096) PFNs. */
struct vmbus_gpa_range {
	uint32_t byte_count;            /* > 0 */
	uint32_t byte_offset;           /* <= 0xFFF */
	uint64_t pfn[];
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_gpa_range) == 8, "gpa range");

/* §3.8 GPADL_HEADER (8): 28 + 8*n bytes, n <= 26 (single range). */
#define VMBUS_GPADL_HEADER_MAX_PFNS 26u /* (240 - 28) / 8 */
#define VMBUS_GPADL_BODY_MAX_PFNS   28u /* (240 - 16) / 8 */
#define VMBUS_GPADL_MAX_PENDING     256u /* MU bound on GPADLs (§7.1 item 8) */

struct vmbus_msg_gpadl_header {
	struct vmbus_msg_header hdr;
	uint32_t child_relid;           /* @8 */
	uint32_t gpadl;                 /* @12 guest-chosen, non-zero, unique */
	uint16_t range_buflen;          /* @16 all range headers + PFNs, bytes */
	uint16_t rangecount;            /* @18 */
	struct vmbus_gpa_range range;   /* @20 range[0]; PFNs follow at @28 */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_gpadl_header) == 28, "gpadl header");
_Static_assert(offsetof(struct vmbus_msg_gpadl_header, range_buflen) == 16, "");
_Static_assert(offsetof(struct vmbus_msg_gpadl_header, range) == 20, "");

/* §3.8 GPADL_BODY (9): 16 + 8*n bytes, n <= 28. */
struct vmbus_msg_gpadl_body {
	struct vmbus_msg_header hdr;
	uint32_t msgnumber;             /* @8 unused by hosts */
	uint32_t gpadl;                 /* @12 */
	uint64_t pfn[];                 /* @16 */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_gpadl_body) == 16, "gpadl body");

/* §3.6 GPADL_CREATED (10): 20 bytes. */
struct vmbus_msg_gpadl_created {
	struct vmbus_msg_header hdr;
	uint32_t child_relid;           /* @8 */
	uint32_t gpadl;                 /* @12 */
	uint32_t creation_status;       /* @16 0 = success */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_gpadl_created) == 20, "gpadl created");

/* §3.6 GPADL_TEARDOWN (11): 16 bytes. */
struct vmbus_msg_gpadl_teardown {
	struct vmbus_msg_header hdr;
	uint32_t child_relid;           /* @8 */
	uint32_t gpadl;                 /* @12 */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_gpadl_teardown) == 16, "gpadl teardown");

/* §3.6 GPADL_TORNDOWN (12): 12 bytes. */
struct vmbus_msg_gpadl_torndown {
	struct vmbus_msg_header hdr;
	uint32_t gpadl;                 /* @8 */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_gpadl_torndown) == 12, "gpadl torndown");

/* §3.6 MODIFYCHANNEL (22) and MODIFYCHANNEL_RESPONSE (24): 16 bytes. */
struct vmbus_msg_modify_channel {
	struct vmbus_msg_header hdr;
	uint32_t child_relid;           /* @8 */
	uint32_t target_vp;             /* @12 */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_modify_channel) == 16, "modify");

struct vmbus_msg_modify_channel_response {
	struct vmbus_msg_header hdr;
	uint32_t child_relid;           /* @8 */
	uint32_t status;                /* @12 */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_modify_channel_response) == 16, "modify resp");

/* §3.10 TL_CONNECT_REQUEST (21): 40 bytes (56 from 5.2); TL_CONNECT_RESULT (23): 44. */
struct vmbus_msg_tl_connect_request {
	struct vmbus_msg_header hdr;
	struct vmbus_guid guest_endpoint_id; /* @8 */
	struct vmbus_guid host_service_id;   /* @24 */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_tl_connect_request) == 40, "tl req");

struct vmbus_msg_tl_connect_request2 {
	struct vmbus_msg_tl_connect_request base;
	struct vmbus_guid silo_id;           /* @40 */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_tl_connect_request2) == 56, "tl req2");

struct vmbus_msg_tl_connect_result {
	struct vmbus_msg_header hdr;
	struct vmbus_guid endpoint_id;       /* @8 */
	struct vmbus_guid service_id;        /* @24 */
	int32_t status;                      /* @40 */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_tl_connect_result) == 44, "tl result");

/* §3.11 reserved-channel messages (not used by Keel; sizes for the host). */
struct vmbus_msg_open_reserved {
	struct vmbus_msg_header hdr;
	uint32_t child_relid, target_vp, target_sint, ring_gpadl, downstream_page_offset;
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_open_reserved) == 28, "open reserved");

struct vmbus_msg_close_reserved {
	struct vmbus_msg_header hdr;
	uint32_t child_relid, target_vp, target_sint;
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_close_reserved) == 20, "close reserved");

/*
 * §7.1 item 4: the minimum payload size of every host->guest message, header
 * included (0 for types the guest never receives). Indexed by msgtype.
 */
#define VMBUS_MSG_MIN_SIZE_INIT {                                          \
	[VMBUS_MSG_OFFERCHANNEL] = sizeof(struct vmbus_msg_offer),          \
	[VMBUS_MSG_RESCIND_CHANNELOFFER] = sizeof(struct vmbus_msg_relid),  \
	[VMBUS_MSG_ALLOFFERS_DELIVERED] = sizeof(struct vmbus_msg_header),  \
	[VMBUS_MSG_OPENCHANNEL_RESULT] = sizeof(struct vmbus_msg_open_result), \
	[VMBUS_MSG_GPADL_CREATED] = sizeof(struct vmbus_msg_gpadl_created), \
	[VMBUS_MSG_GPADL_TORNDOWN] = sizeof(struct vmbus_msg_gpadl_torndown), \
	[VMBUS_MSG_VERSION_RESPONSE] = sizeof(struct vmbus_msg_version_response), \
	[VMBUS_MSG_UNLOAD_RESPONSE] = sizeof(struct vmbus_msg_header),      \
	[VMBUS_MSG_MODIFYCHANNEL_RESPONSE] = sizeof(struct vmbus_msg_modify_channel_response), \
}

/* ---- §5.1 ring buffer control page ---- */

#define VMBUS_RING_FEATURE_PENDING_SEND_SZ 0x1u

struct vmbus_ring_control {
	volatile uint32_t write_index;     /* @0 producer-owned, byte offset in data */
	volatile uint32_t read_index;      /* @4 consumer-owned */
	volatile uint32_t interrupt_mask;  /* @8 consumer: non-zero = don't signal me */
	volatile uint32_t pending_send_sz; /* @12 producer: signal me at this much free */
	uint32_t reserved1[12];            /* @16 */
	volatile uint32_t feature_bits;    /* @64 bit 0 pending_send_sz supported */
	uint8_t reserved2[4096 - 68];      /* pad to the page; data follows at 4096 */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_ring_control) == 4096, "ring control");
_Static_assert(offsetof(struct vmbus_ring_control, interrupt_mask) == 8, "");
_Static_assert(offsetof(struct vmbus_ring_control, pending_send_sz) == 12, "");
_Static_assert(offsetof(struct vmbus_ring_control, feature_bits) == 64, "");

/* ---- §5.3 packets ---- */

enum vmbus_pkt_type {
	VMBUS_PKT_INVALID             = 0x0,
	VMBUS_PKT_SYNCH               = 0x1,
	VMBUS_PKT_ADD_XFER_PAGESET    = 0x2,
	VMBUS_PKT_RM_XFER_PAGESET     = 0x3,
	VMBUS_PKT_ESTABLISH_GPADL     = 0x4,
	VMBUS_PKT_TEARDOWN_GPADL      = 0x5,
	VMBUS_PKT_DATA_INBAND         = 0x6, /* both directions */
	VMBUS_PKT_DATA_USING_XFER_PAGES = 0x7, /* host->guest (netvsc rx) */
	VMBUS_PKT_DATA_USING_GPADL    = 0x8,
	VMBUS_PKT_DATA_USING_GPA_DIRECT = 0x9, /* guest->host */
	VMBUS_PKT_CANCEL_REQUEST      = 0xA,
	VMBUS_PKT_COMP                = 0xB, /* both directions */
	VMBUS_PKT_DATA_USING_ADDITIONAL_PKT = 0xC,
	VMBUS_PKT_ADDITIONAL_DATA     = 0xD,
};

#define VMBUS_PKT_FLAG_COMPLETION_REQUESTED 0x1u

struct vmbus_pkt_desc {
	uint16_t type;          /* @0 enum vmbus_pkt_type */
	uint16_t offset8;       /* @2 payload offset / 8, >= 2 */
	uint16_t len8;          /* @4 packet length / 8, trailer excluded */
	uint16_t flags;         /* @6 bit 0 completion requested */
	uint64_t trans_id;      /* @8 */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_pkt_desc) == 16, "pkt desc");
_Static_assert(offsetof(struct vmbus_pkt_desc, trans_id) == 8, "");

/* After every packet: bits 63:32 = the write_index where the packet started. */
typedef uint64_t vmbus_pkt_trailer_t;
#define VMBUS_PKT_TRAILER_SIZE 8u

/* §5.4 transfer-page packet header (type 7), after the descriptor. */
struct vmbus_xfer_page_range {
	uint32_t byte_count;
	uint32_t byte_offset;
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_xfer_page_range) == 8, "xfer range");

struct vmbus_xfer_page_header {
	struct vmbus_pkt_desc desc;
	uint16_t xfer_pageset_id;       /* @16 */
	uint8_t sender_owns_set;        /* @18 */
	uint8_t reserved;               /* @19 */
	uint32_t range_cnt;             /* @20 */
	struct vmbus_xfer_page_range ranges[]; /* @24 */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_xfer_page_header) == 24, "xfer header");

/* §5.4 GPA-direct packet header (type 9), after the descriptor. */
struct vmbus_gpa_direct_header {
	struct vmbus_pkt_desc desc;
	uint32_t reserved;              /* @16 */
	uint32_t rangecount;            /* @20 >= 1 */
	/* @24: struct vmbus_gpa_range entries, each with its PFNs */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_gpa_direct_header) == 24, "gpa direct header");

/* ---- §6 monitor page (guest only allocates and zeroes it) ---- */

struct vmbus_monitor_trigger_group {
	uint32_t pending;
	uint32_t armed;
} VMBUS_PACKED;

struct vmbus_monitor_parameter {
	uint32_t connection_id;
	uint16_t flag_number;
	uint16_t reserved;
} VMBUS_PACKED;

struct vmbus_monitor_page {
	uint32_t trigger_state;                          /* 0x000 */
	uint32_t reserved0;                              /* 0x004 */
	struct vmbus_monitor_trigger_group trigger_group[4]; /* 0x008 */
	uint64_t reserved1[3];                           /* 0x028 */
	int32_t next_checktime[4][32];                   /* 0x040 */
	uint16_t latency[4][32];                         /* 0x240 */
	uint64_t reserved2[32];                          /* 0x340 */
	struct vmbus_monitor_parameter parameter[4][32]; /* 0x440 */
	uint8_t reserved3[1984];                         /* 0x840 */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_monitor_page) == 4096, "monitor page");
_Static_assert(offsetof(struct vmbus_monitor_page, latency) == 0x240, "");
_Static_assert(offsetof(struct vmbus_monitor_page, parameter) == 0x440, "");

#define VMBUS_MAX_MONITORS 128u

#endif

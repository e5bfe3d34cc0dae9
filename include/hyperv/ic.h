/*
 * Hyper-V integration components (ICs): heartbeat, shutdown, time sync and
 * KVP. The wire formats, shared by the guest drivers (drivers/ic*.c) and the
 * simulated host (host/ic_host*.c). docs/protocols/ic.md has the exchanges.
 *
 * Every IC message is one VMBus in-band packet whose payload is an 8-byte
 * pipe header, the 20-byte IC header and the message body
 * (docs/protocols/ic.md "Framing"). All integers little-endian, all structures packed.
 * Names follow Linux's include/linux/hyperv.h (icmsg_hdr, icmsg_negotiate,
 * shutdown_msg_data, ictimesync_ref_data) and hv_kvp_* of its uapi header.
 */
#ifndef KEEL_HYPERV_IC_H
#define KEEL_HYPERV_IC_H

#include <stddef.h>
#include <stdint.h>

/* ---- framing ---- */

#define IC_PIPE_DATA 1u                 /* the only pipe packet type on an IC */

struct ic_pipe_hdr {
	uint32_t type;                  /* @0 IC_PIPE_DATA */
	uint32_t size;                  /* @4 bytes after this header */
} __attribute__((packed));
_Static_assert(sizeof(struct ic_pipe_hdr) == 8, "pipe hdr");

struct ic_version {
	uint16_t major;
	uint16_t minor;
} __attribute__((packed));
_Static_assert(sizeof(struct ic_version) == 4, "ic version");

#define IC_VER(ma, mi) ((struct ic_version){ (ma), (mi) })

enum ic_msg_type {
	IC_MSG_NEGOTIATE = 0,
	IC_MSG_HEARTBEAT = 1,
	IC_MSG_KVP = 2,
	IC_MSG_SHUTDOWN = 3,
	IC_MSG_TIMESYNC = 4,
	IC_MSG_VSS = 5,
};

#define IC_FLAG_TRANSACTION 0x01u
#define IC_FLAG_REQUEST     0x02u
#define IC_FLAG_RESPONSE    0x04u
#define IC_FLAGS_REQUEST    (IC_FLAG_TRANSACTION | IC_FLAG_REQUEST)   /* host */
#define IC_FLAGS_RESPONSE   (IC_FLAG_TRANSACTION | IC_FLAG_RESPONSE)  /* guest */

/* HRESULT-style statuses in ic_hdr.status */
#define IC_S_OK             0x00000000u
#define IC_E_FAIL           0x80004005u
#define IC_E_NO_MORE_ITEMS  0x80070103u
#define IC_E_NOT_SUPPORTED  0x80070032u
#define IC_E_NOT_FOUND      0x80041002u

struct ic_hdr {
	struct ic_version fw;           /* @0 framework version */
	uint16_t type;                  /* @4 enum ic_msg_type */
	struct ic_version msg;          /* @6 service message version */
	uint16_t size;                  /* @10 body bytes after this header */
	uint32_t status;                /* @12 IC_S_OK or an IC_E_* */
	uint8_t trans_id;               /* @16 echoed */
	uint8_t flags;                  /* @17 IC_FLAG_* */
	uint16_t reserved;              /* @18 */
} __attribute__((packed));
_Static_assert(sizeof(struct ic_hdr) == 20, "ic hdr");
_Static_assert(offsetof(struct ic_hdr, size) == 10, "ic hdr size");
_Static_assert(offsetof(struct ic_hdr, flags) == 17, "ic hdr flags");

/* The pipe and IC headers together: every body starts at payload offset 28. */
struct ic_msg {
	struct ic_pipe_hdr pipe;
	struct ic_hdr ic;
} __attribute__((packed));
_Static_assert(sizeof(struct ic_msg) == 28, "ICMSG_HDR");

/* Linux reads at most one page per IC packet; so do we. */
#define IC_MAX_PACKET 4096u

/* ---- version negotiation ---- */

#define IC_NEG_MAX_COUNT 100u           /* Linux IC_VERSION_NEGOTIATION_MAX_VER_COUNT */

struct ic_negotiate {
	uint16_t fw_count;              /* @0 framework versions listed */
	uint16_t msg_count;             /* @2 message versions listed */
	uint32_t reserved;              /* @4 */
	/* @8: fw_count framework versions, then msg_count message versions */
} __attribute__((packed));
_Static_assert(sizeof(struct ic_negotiate) == 8, "negotiate");

/* The guest's answer: one framework and one message version. */
struct ic_negotiate_resp {
	struct ic_negotiate n;
	struct ic_version fw;
	struct ic_version msg;
} __attribute__((packed));
_Static_assert(sizeof(struct ic_negotiate_resp) == 16, "negotiate resp");

/* ---- heartbeat ---- */

struct ic_heartbeat {
	uint64_t seq;                   /* @0 the guest answers seq + 1 */
	uint32_t app_state;             /* @8 left as received */
	uint8_t reserved[28];           /* @12 the host may send fewer bytes */
} __attribute__((packed));
_Static_assert(sizeof(struct ic_heartbeat) == 40, "heartbeat");
#define IC_HEARTBEAT_MIN 8u             /* only seq must be present */

/* ---- shutdown ---- */

#define IC_SHUTDOWN_FORCE     0x1u
#define IC_SHUTDOWN_RESTART   0x2u
#define IC_SHUTDOWN_HIBERNATE 0x4u
#define IC_SHUTDOWN_REASON_PLANNED 0x80000000u   /* SHTDN_REASON_FLAG_PLANNED */
#define IC_SHUTDOWN_MSG_BYTES 2048u

struct ic_shutdown {
	uint32_t reason;                /* @0 Windows shutdown reason code */
	uint32_t timeout_s;             /* @4 */
	uint32_t flags;                 /* @8 IC_SHUTDOWN_* */
	uint8_t message[IC_SHUTDOWN_MSG_BYTES]; /* @12 display text */
} __attribute__((packed));
_Static_assert(sizeof(struct ic_shutdown) == 2060, "shutdown");

/* ---- time sync ---- */

#define IC_TS_PROBE  0x0u
#define IC_TS_SYNC   0x1u
#define IC_TS_SAMPLE 0x2u
/* 100 ns units between 1601-01-01 and 1970-01-01 (Linux WLTIMEDELTA) */
#define IC_TS_1601_TO_1970 116444736000000000ull

/* Message versions below 4.0 */
struct ic_timesync_v1 {
	uint64_t parent_time;           /* @0 host UTC, 100 ns since 1601 */
	uint64_t child_time;            /* @8 unused */
	uint64_t round_trip;            /* @16 */
	uint8_t flags;                  /* @24 IC_TS_* */
} __attribute__((packed));
_Static_assert(sizeof(struct ic_timesync_v1) == 25, "timesync v1");

/* Version 4.0: the host's reference time at the sample, for the latency
 * correction. The trailing reserved length differs between sources; only
 * the 19 bytes below are read, and 22 are required (Linux's minimum). */
struct ic_timesync_v4 {
	uint64_t parent_time;           /* @0 host UTC, 100 ns since 1601 */
	uint64_t vm_ref_time;           /* @8 partition reference time at the sample */
	uint8_t flags;                  /* @16 IC_TS_* */
	uint8_t leap_flags;             /* @17 */
	uint8_t stratum;                /* @18 */
	uint8_t reserved[3];            /* @19 */
} __attribute__((packed));
_Static_assert(sizeof(struct ic_timesync_v4) == 22, "timesync v4");

/* ---- KVP (data exchange) ---- */

enum ic_kvp_op {
	IC_KVP_GET = 0,
	IC_KVP_SET = 1,
	IC_KVP_DELETE = 2,
	IC_KVP_ENUMERATE = 3,
};

enum ic_kvp_pool {
	IC_KVP_POOL_EXTERNAL = 0,       /* host-set values the guest reads */
	IC_KVP_POOL_GUEST = 1,          /* guest-set values the host reads */
	IC_KVP_POOL_AUTO = 2,           /* the guest's intrinsic items */
	IC_KVP_POOL_AUTO_EXTERNAL = 3,  /* host-published, read-only */
	IC_KVP_NPOOLS = 4,
};

#define IC_KVP_REG_SZ    1u             /* UTF-16 string */
#define IC_KVP_REG_U32   4u
#define IC_KVP_KEY_BYTES 512u           /* 256 UTF-16 units, terminator included */
#define IC_KVP_VAL_BYTES 2048u

struct ic_kvp_value {
	uint32_t type;                  /* @0 IC_KVP_REG_* */
	uint32_t key_size;              /* @4 bytes of key, terminator included */
	uint32_t value_size;            /* @8 bytes of value, terminator included */
	uint16_t key[IC_KVP_KEY_BYTES / 2];     /* @12 UTF-16LE */
	uint8_t value[IC_KVP_VAL_BYTES];        /* @524 UTF-16LE for REG_SZ */
} __attribute__((packed));
_Static_assert(sizeof(struct ic_kvp_value) == 2572, "kvp value");
_Static_assert(offsetof(struct ic_kvp_value, value) == 524, "kvp value offset");

struct ic_kvp_hdr {
	uint8_t op;                     /* @0 enum ic_kvp_op */
	uint8_t pool;                   /* @1 enum ic_kvp_pool */
	uint16_t pad;                   /* @2 */
} __attribute__((packed));
_Static_assert(sizeof(struct ic_kvp_hdr) == 4, "kvp hdr");

/* GET and SET: the value record. */
struct ic_kvp_getset {
	struct ic_kvp_hdr h;
	struct ic_kvp_value v;
} __attribute__((packed));
_Static_assert(sizeof(struct ic_kvp_getset) == 2576, "kvp get/set");

struct ic_kvp_delete {
	struct ic_kvp_hdr h;
	uint32_t key_size;
	uint16_t key[IC_KVP_KEY_BYTES / 2];
} __attribute__((packed));
_Static_assert(sizeof(struct ic_kvp_delete) == 520, "kvp delete");

struct ic_kvp_enumerate {
	struct ic_kvp_hdr h;
	uint32_t index;                 /* @4 */
	struct ic_kvp_value v;          /* @8 */
} __attribute__((packed));
_Static_assert(sizeof(struct ic_kvp_enumerate) == 2580, "kvp enumerate");
_Static_assert(sizeof(struct ic_msg) + sizeof(struct ic_kvp_enumerate) <= IC_MAX_PACKET,
	       "largest KVP message fits a packet");

#endif

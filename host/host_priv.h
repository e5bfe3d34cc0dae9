/*
 * The host library's internal state: one struct host holding the hypervisor
 * (hv.c), the SynIC (synic.c), the VMBus host (vmbus_host*.c), GPADLs
 * (gpadl.c), rings (ring_host.c) and device instances (device.h). Only files
 * in host/ include this. Everything runs in the embedder's single thread.
 */
#ifndef KEEL_HOST_PRIV_H
#define KEEL_HOST_PRIV_H

#include <stdarg.h>

#include "host/host.h"
#include "host/device.h"
#include "include/hyperv/hv_wire.h"

#define HOST_MAX_VERSIONS   16
#define HOST_MAX_DEVICES    128
#define HOST_MAX_RELID      512        /* relids 1..511 (< VMBUS_MAX_RELIDS) */
#define HOST_MAX_TRIGGERS   64
#define HOST_RECENT_MSGS    16
#define HOST_MAX_GPADL_PFNS 4096       /* 16 MiB per GPADL */

/* A host profile: every documented host difference is a switch (profile.c). */
struct host_profile {
	const char *name;
	const char *desc;
	uint32_t versions[HOST_MAX_VERSIONS];   /* supported, any order */
	int nversions;
	bool conn1_for_v5;        /* accept INITIATE_CONTACT >= 5.0 on connection 1 */
	bool fw_conn1_v6;         /* accept 6.0 on connection 1 (Gen2 firmware, MU) */
	uint32_t msg_conn_id;     /* returned in VERSION_RESPONSE for >= 5.0 */
	bool subchan_offers_before_completion; /* storage host: before; network: after */
	bool monitor_pages;       /* allocate monitor ids when the guest gives pages */
	uint32_t port_queue_depth;  /* guest->host messages queued before 0x13 */
	uint32_t conn_id_base;    /* channel connection id = relid | base */
	bool pss_unconditional;   /* honour guest pending_send_sz without its feature bit (OpenVMM) */
	bool sort_offers;         /* offers by class then instance (OpenVMM) */
	bool shuffle_offers;      /* boot offers in an order drawn from the seed */
	uint32_t max_gpadls;      /* live GPADLs per connection (MU bound 256) */
	bool host_masks_interrupts; /* host keeps interrupt_mask = 1 in the guest->host
				       ring and polls it (the guest should not signal) */
	bool strict_unload;       /* any guest post after UNLOAD is a violation */
};

/* ---- hypervisor (hv.c) ---- */
struct host_hv {
	uint64_t guest_os_id;
	uint64_t hypercall;
	uint64_t scontrol;
	uint64_t simp;
	uint64_t siefp;
	uint64_t sint[HV_SINT_COUNT];
	uint64_t stimer_config;
	uint64_t stimer_count;
	uint64_t reftsc;
	uint32_t reftsc_seq;
};

/* ---- SynIC (synic.c) ---- */
struct host_msgbuf {
	uint32_t size;
	uint32_t conn;              /* connection id it was posted to (port queue) */
	uint8_t data[HV_MESSAGE_PAYLOAD_BYTES];
};

struct host_msgq {              /* growable FIFO of messages */
	struct host_msgbuf *buf;
	uint32_t cap, head, count;
};

struct host_synic {
	struct host_msgq q;         /* host->guest SINT2 messages waiting for the slot */
	bool wait_eom;              /* pending flag set; delivery waits for EOM */
	uint32_t eoms;
	uint32_t delivered;
};

/* ---- GPADLs (gpadl.c) ---- */
/* FAILED: creation failed by a rescind while bodies may still be in flight. */
enum host_gpadl_state { HG_BUILDING, HG_CREATED, HG_FAILED };

struct host_gpadl {
	struct host_gpadl *next;
	uint32_t handle;
	uint32_t relid;
	int state;                  /* enum host_gpadl_state */
	uint32_t range_buflen;      /* bytes of range data expected */
	uint32_t received;          /* bytes of range data received */
	uint32_t byte_count, byte_offset;
	uint32_t npfns, pfn_cap;
	uint64_t *pfns;
	bool ring_in_use;           /* the ring GPADL of an open channel */
	/* answer shaping from a trigger on the header, applied to GPADL_CREATED */
	uint64_t ans_delay;
	int ans_dup;
	bool ans_never, ans_status_set;
	uint32_t ans_status;
};

/* ---- rings (ring_host.c) ---- */
struct host_ring {
	struct host *h;
	const struct host_gpadl *g;
	uint32_t first_page;        /* GPADL page index of the control page */
	uint32_t data_size;         /* bytes in the data area */
	uint32_t priv_write;        /* host-side producer index (out ring) */
	uint32_t priv_read;         /* host-side consumer index (in ring) */
};

/* ---- channels (vmbus_host*.c) ---- */
/*
 * Host channel states:
 *
 *   UNOFFERED --offer--> OFFERED --OPENCHANNEL--> OPENING --result 0--> OPEN
 *       ^                  ^  ^                     |  (result != 0)      |
 *       |                  |  +---------------------+                    |
 *       |                  +------------------CLOSECHANNEL---------------+
 *   (re-offer after release; UNLOAD resets everything to UNOFFERED)
 *
 *   OFFERED/OPENING --rescind--> REVOKED --RELID_RELEASED--> (relid free)
 *   OPEN --rescind--> REVOKED_OPEN --CLOSECHANNEL--> REVOKED
 */
enum host_chan_state {
	HCS_UNOFFERED,
	HCS_OFFERED,
	HCS_OPENING,
	HCS_OPEN,
	HCS_REVOKED,
	HCS_REVOKED_OPEN,
	HCS_COUNT
};

struct host_chan {
	struct host_dev *dev;
	int state;                  /* enum host_chan_state */
	uint32_t relid;             /* 0 = none assigned */
	uint16_t subidx;
	uint8_t monitorid;
	bool monitor_allocated;
	uint32_t openid;
	uint32_t target_vp;
	uint32_t ring_gpadl;
	struct host_ring in;        /* guest -> host */
	struct host_ring out;       /* host -> guest */
	bool kicked;                /* guest signalled; service pending */
	bool blocked;               /* out ring full, waiting for the guest */
	uint64_t hold_until;        /* the device stopped reading the guest's ring until then */
	uint32_t blocked_need;
	uint64_t open_result_due;   /* delayed OPENCHANNEL_RESULT */
	/* counters for expectations */
	uint32_t opens, packets, releases, rescinds;
	uint32_t masked_signals;    /* guest signalled although the host had masked */
	void *devpriv;              /* device-host state for this channel */
};

/* ---- timed events ---- */
enum host_timed_kind { HTE_MSG, HTE_STIMER, HTE_DEVICE, HTE_OPEN_RESULT, HTE_OFFER,
		       HTE_RESCIND };

struct host_timed {
	struct host_timed *next;
	uint64_t when;
	uint64_t seq;
	int kind;
	uint32_t arg;
	struct host_msgbuf msg;
};

/* ---- the host ---- */
enum host_conn_state { HCONN_DISCONNECTED, HCONN_CONNECTED };

struct host_recent {
	uint32_t conn_id;
	uint32_t size;
	uint8_t head[24];
	uint64_t t;
};

struct host {
	struct host_env env;
	struct host_profile prof;
	struct host_hv hv;
	struct host_synic synic;

	/* guest -> host port queue (PostMessage) */
	struct host_msgq port;

	/* connection */
	int conn;                   /* enum host_conn_state */
	bool contacted;
	uint32_t version;
	uint32_t target_vcpu;
	uint64_t interrupt_page, monitor1, monitor2;
	bool offers_requested;
	bool unloaded;
	uint8_t next_monitor;

	/* channels and devices */
	struct host_chan *relid_map[HOST_MAX_RELID];
	struct host_dev *devs[HOST_MAX_DEVICES];
	int ndevs;
	struct host_gpadl *gpadls;
	uint32_t ngpadls;

	/* triggers and answer shaping while handling one message */
	struct host_trigger trig[HOST_MAX_TRIGGERS];
	int ntrig;
	uint64_t ans_delay;
	int ans_dup;
	bool ans_never;
	bool ans_status_set;
	uint32_t ans_status;
	unsigned post_fail_pm;
	uint32_t ibuf_left;         /* refuse this many posts with 0x13 */

	/* timed events */
	struct host_timed *timed;
	uint64_t timed_seq;

	/* strictness */
	char violation[512];
	bool violated;
	struct host_recent recent[HOST_RECENT_MSGS];
	uint32_t nrecent;
};

/* ---- cross-file internals ---- */

void host_trace(struct host *h, int kind, uint32_t a, uint32_t b, uint64_t c);
void host_violate(struct host *h, uint32_t relid, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void *host_gmem(struct host *h, uint64_t gpa, size_t len);
uint64_t host_now(struct host *h);

/* hv.c */
void hv_reset(struct host *h);

/* synic.c */
void synic_reset(struct host *h);
void synic_fini(struct host *h);
void synic_post(struct host *h, const void *msg, uint32_t size);
bool synic_can_deliver(struct host *h);
void synic_deliver(struct host *h);
void synic_eom(struct host *h);
void synic_signal_event(struct host *h, uint32_t relid);
int msgq_push(struct host_msgq *q, const void *data, uint32_t size, uint32_t conn);
struct host_msgbuf *msgq_peek(struct host_msgq *q);
void msgq_pop(struct host_msgq *q);
void msgq_free(struct host_msgq *q);

/* gpadl.c */
struct host_gpadl *gpadl_find(struct host *h, uint32_t handle);
void gpadl_header(struct host *h, const uint8_t *msg, uint32_t size);
void gpadl_body(struct host *h, const uint8_t *msg, uint32_t size);
void gpadl_teardown(struct host *h, const uint8_t *msg, uint32_t size);
void gpadl_free_all(struct host *h);
void gpadl_fail_building(struct host *h, uint32_t relid);
void gpadl_drop_for(struct host *h, uint32_t relid);
uint32_t gpadl_count_for(struct host *h, uint32_t relid);
int gpadl_copy(struct host *h, const struct host_gpadl *g, uint64_t off,
	       void *buf, size_t len, bool write);

/* ring_host.c */
int ring_host_init(struct host_ring *r, struct host *h, const struct host_gpadl *g,
		   uint32_t first_page, uint32_t npages);
int ring_host_recv(struct host_ring *r, uint32_t relid, uint8_t *buf, uint32_t cap,
		   uint32_t *len);
/* The same with the first hdr_len payload bytes before the data offset
 * (offset8), e.g. a transfer-page packet's header and ranges. */
int ring_host_send_hdr(struct host_ring *r, uint32_t relid, uint16_t type, uint16_t flags,
		       uint64_t trans_id, uint32_t hdr_len, const void *payload, uint32_t len);
int ring_host_send(struct host_ring *r, uint32_t relid, uint16_t type, uint16_t flags,
		   uint64_t trans_id, const void *payload, uint32_t len);
void ring_host_open(struct host_chan *c);
bool ring_host_pending(struct host_ring *r);
uint32_t ring_host_u32(struct host_ring *r, uint32_t off);
int64_t ring_host_unread_unmasked(struct host_ring *r);
void ring_host_set_u32(struct host_ring *r, uint32_t off, uint32_t v);

/* vmbus_host.c / vmbus_host_chan.c */
void vmbus_host_reset(struct host *h);
void vmbus_host_handle(struct host *h, uint32_t conn_id, const uint8_t *msg, uint32_t size);
void vmbus_host_send(struct host *h, const void *msg, uint32_t size);
void vmbus_host_send_offer(struct host *h, struct host_chan *c);
struct host_chan *vmbus_host_chan(struct host *h, uint32_t relid);
void vmbus_host_chan_set(struct host *h, struct host_chan *c, int state);
void chan_open(struct host *h, const uint8_t *msg, uint32_t size);
void chan_close(struct host *h, const uint8_t *msg, uint32_t size);
void chan_relid_released(struct host *h, const uint8_t *msg, uint32_t size);
void chan_modify(struct host *h, const uint8_t *msg, uint32_t size);
void chan_service(struct host *h, uint32_t relid);
void chan_open_due(struct host *h, uint32_t relid, uint32_t status);
const char *host_chan_state_name(int s);
int vmbus_host_offer_dev(struct host *h, struct host_dev *d);
void chan_reset_all(struct host *h);
void chan_rescind(struct host *h, struct host_chan *c);
uint32_t chan_alloc_relid(struct host *h);
void host_timed_add(struct host *h, uint64_t when, int kind, uint32_t arg,
		    const void *msg, uint32_t size);
void host_timed_drop_connection(struct host *h);   /* the connection's own events */
int host_trigger_match(struct host *h, uint32_t key, struct host_chan *c, uint64_t *arg);
void host_answer_reset(struct host *h);

#endif

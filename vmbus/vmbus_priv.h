/*
 * The VMBus core's own state: the connection object, channels, GPADLs,
 * devices. Only the vmbus/ sources include this; drivers use vmbus/vmbus.h.
 *
 * Context rules (single CPU, cooperative work queues, no locks):
 *  - the message loop (queue vmbus_msg, vmbus/msg.c) copies messages out of
 *    the SynIC slot, validates them and records results in the objects
 *    below; it completes waiters and queues work, it never waits (rule 1);
 *  - channel work (offers, the rescind of an unbound channel, freeing what
 *    was released) runs on vmbus_chan; a bound sub-channel's open (the
 *    driver's callback) and its rescind run on its device's sub-channel
 *    queue; open/close run on the caller's queue (device queue for
 *    primaries, the device's sub-channel queue for sub-channels);
 *  - interrupt context only queues the message and event work items.
 */
#ifndef KEEL_VMBUS_PRIV_H
#define KEEL_VMBUS_PRIV_H

#include "include/hyperv/hv_wire.h"
#include "kernel/wq.h"
#include "vmbus/requestor.h"
#include "vmbus/vmbus.h"

/* Timeouts (virtual time in keelsim). Linux waits forever; we do not (docs/style.md §7). */
#define VMBUS_VERSION_TIMEOUT_NS  (1000ull * WQ_NS_PER_MS)
#define VMBUS_GPADL_TIMEOUT_NS    (2000ull * WQ_NS_PER_MS)
#define VMBUS_OPEN_TIMEOUT_NS     (2000ull * WQ_NS_PER_MS)
#define VMBUS_UNLOAD_TIMEOUT_NS   (2000ull * WQ_NS_PER_MS)
/* A CLOSECHANNEL that vmbus_post could not send is tried once more after
 * this pause (docs/protocols/vmbus.md §1.5: the host's queue drains). */
#define VMBUS_POST_RETRY_NS       (10ull * WQ_NS_PER_MS)

#define VMBUS_IRQ_VECTOR 0xF3   /* SINT2's vector (docs/protocols/gen2-platform.md §8) */

/* Why a host message was dropped (counted, logged once per reason). */
enum vmbus_drop {
	VMBUS_DROP_SIZE,        /* payload size out of range for its type */
	VMBUS_DROP_TYPE,        /* unknown or guest->host message type */
	VMBUS_DROP_RELID,       /* unknown relid or relid out of range */
	VMBUS_DROP_RELID_BUSY,  /* offer for a relid in use */
	VMBUS_DROP_UNSOLICITED, /* a reply nobody waits for (late, duplicate) */
	VMBUS_DROP_BAD_OFFER,   /* sub-channel without primary, bad monitor id */
	VMBUS_DROP_SYNIC,       /* not a VMBus SynIC message */
	VMBUS_DROP_NR,
};

/*
 * Channel states (one transition function: chan_transition in channel.c).
 *
 *              open              GPADL_CREATED ok            result ok
 *   OFFERED ---------> GPADL -------------------> OPENING -------------> OPEN
 *    ^   |               |                         |                     |
 *    |   |               | refused, rescinded,     | refused, rescinded, | close
 *    |   |               | no answer               | no answer (timeout) |
 *    |   |               v                         v                     v
 *    |   |            CLOSING <--------------------+---------------------+
 *    |   |               |  CLOSECHANNEL if the host may hold it open,
 *    |   |               |  GPADL_TEARDOWN of the ring, GPADL_TORNDOWN
 *    +---|---------------+
 *        | release (only after a rescind, only from OFFERED, exactly once)
 *        v
 *     RELEASED   RELID_RELEASED posted; relid free for a new offer
 *
 * `rescinded` is kept beside the state on purpose: a rescind can arrive in
 * any state and is a fact about the host, not a step of ours. Every wait
 * wakes on it and every exit path checks it; the release work then drives
 * the channel back to OFFERED and on to RELEASED.
 */
enum vmbus_chan_state {
	CHAN_OFFERED,
	CHAN_GPADL,
	CHAN_OPENING,
	CHAN_OPEN,
	CHAN_CLOSING,
	CHAN_RELEASED,
};

enum vmbus_chan_event {
	CEV_OPEN,          /* OFFERED -> GPADL */
	CEV_GPADL_OK,      /* GPADL -> OPENING */
	CEV_OPEN_OK,       /* OPENING -> OPEN */
	CEV_FAIL,          /* GPADL/OPENING -> CLOSING (teardown) */
	CEV_CLOSE,         /* OPEN -> CLOSING */
	CEV_CLOSED,        /* CLOSING -> OFFERED */
	CEV_RELEASE,       /* OFFERED (rescinded) -> RELEASED */
};

enum vmbus_gpadl_state {
	GPADL_CREATING,    /* header/bodies posted, waiting for GPADL_CREATED */
	GPADL_CREATED,
	GPADL_FAILED,      /* host refused; nothing to tear down */
	GPADL_TEARING,     /* GPADL_TEARDOWN posted, waiting for TORNDOWN */
	GPADL_GONE,        /* torn down: memory may be reused */
	GPADL_UNKNOWN,     /* creation not answered in time: may exist; a late
			    * GPADL_CREATED still counts, release tears it down */
	GPADL_LOST,        /* teardown not answered, or the host may still use
			    * it (CLOSECHANNEL not sent): memory kept until fini */
	GPADL_STATE_NR,
};

struct vmbus_conn;

struct vmbus_gpadl {
	struct vmbus_conn *conn;
	uint32_t handle;
	uint32_t relid;
	enum vmbus_gpadl_state state;
	uint32_t status;             /* creation_status from the host */
	void *mem;
	size_t pages;
	bool owns_mem;               /* free mem when gone (ring GPADLs) */
	struct waitq wait;           /* completed by the message loop */
	struct vmbus_gpadl *next;    /* conn->gpadls */
};

struct vmbus_channel {
	struct vmbus_conn *conn;
	struct vmbus_msg_offer offer;        /* private copy */
	uint32_t relid;
	enum vmbus_chan_state state;
	bool rescinded;                      /* set by the message loop */
	struct vmbus_device *dev;            /* owning device (primary and subs) */
	struct vmbus_channel *primary;       /* NULL for a primary */
	struct vmbus_channel *next;          /* conn->channels, offer order */
	struct vmbus_channel *sub_next;      /* primary's sub-channel list */
	struct vmbus_channel *subs;          /* primary only */

	/* open: written by the opener, result recorded by the message loop */
	uint32_t openid;
	bool open_answered;
	uint32_t open_status;
	struct waitq wait;                   /* open result, rescind */
	struct vmbus_gpadl *ring_gpadl;
	void *ring_mem;
	size_t ring_pages;
	struct vmbus_ring out, in;
	struct vmbus_requestor rqst;
	vmbus_chan_cb cb;
	void *cb_arg;
	bool closing_cb;                     /* the last callback, at close */
	/* Rule 6: since the open, the host may use the rings and the memory
	 * the channel's requests name; cleared by a close the host confirmed
	 * (CLOSECHANNEL sent, ring GPADL_TORNDOWN). Opener/closer only. */
	bool host_may_hold;

	bool sub_held;                       /* offered before the driver asked */

	struct work w_offer;                 /* vmbus_chan */
	struct work w_rescind;               /* vmbus_chan_queue(c) */
	struct work w_subopen;               /* device's sub-channel queue */
	struct work w_event;                 /* vmbus_event: runs cb */
	struct vmbus_chan_counters n;
	char name[24];
};

/* Device states: the diagram and the one transition function are in driver.c. */
enum vmbus_dev_state {
	DEV_NEW,           /* created, probe queued */
	DEV_NO_DRIVER,
	DEV_PROBING,
	DEV_BOUND,
	DEV_PROBE_FAILED,
	DEV_REMOVING,
	DEV_GONE,          /* removed; freed once every channel is released */
	DEV_STATE_NR,
};

struct vmbus_device {
	struct vmbus_conn *conn;
	struct vmbus_channel *chan;          /* primary; NULL after release */
	const struct vmbus_driver *drv;
	enum vmbus_dev_state state;
	bool ready;
	bool subs_requested;                 /* vmbus_device_request_subchannels called */
	bool owns_queues;                    /* queue/subq are this device's own */
	struct wq *queue;                    /* per-device queue: probe, remove (rule 3) */
	struct wq *subq;                     /* per-device sub-channel queue (rule 2) */
	struct work w_probe, w_remove;
	void *priv;
	struct vmbus_guid class_id, instance;
	uint32_t relid;                      /* primary relid at offer */
	struct vmbus_device *next;           /* conn->devices, offer order */
	char name[32];                       /* also the queue's name */
	char subq_name[40];
};

enum vmbus_conn_state {
	CONN_DOWN,
	CONN_HV_UP,        /* hypervisor and SynIC set up */
	CONN_CONTACTING,   /* INITIATE_CONTACT posted */
	CONN_CONNECTED,    /* version agreed, offers requested */
	CONN_CLOSING,      /* vmbus_stop: devices removed, GPADLs torn down */
	CONN_UNLOADING,    /* UNLOAD posted: nothing else goes out */
	CONN_UNLOADED,
	CONN_FAILED,
	CONN_STATE_NR,
};

/* The connection: every piece of vmbus state hangs off this one object. */
struct vmbus_conn {
	enum vmbus_conn_state state;
	uint32_t version, msg_conn_id, vp_index;
	uint32_t features;                   /* CPUID 0x40000003 EAX */
	bool auto_eoi;

	/* shared pages (plat_page_alloc) */
	struct hv_message_page *simp;
	struct hv_synic_event_flags_page *siefp;
	void *post_page;                     /* HvPostMessage input block */
	void *hypercall_page;                /* only if we enabled it */
	void *int_page, *monitor1, *monitor2;

	struct wq *q_msg, *q_chan, *q_event, *q_conn;
	struct work w_msg, w_events, w_connect, w_unload;
	struct work w_reap;                  /* vmbus_chan: frees released objects */

	/* negotiation: recorded by the message loop */
	struct waitq wait;
	struct waitq wait_removed;           /* a device reached GONE (vmbus_stop) */
	bool vresp_valid;
	struct vmbus_msg_version_response vresp;
	bool unload_done;
	bool all_offers;

	struct vmbus_channel *relid_map[VMBUS_MAX_RELIDS];
	struct vmbus_channel *channels;      /* offer order */
	struct vmbus_device *devices;        /* offer order */
	struct vmbus_gpadl *gpadls;
	uint32_t next_gpadl;
	uint32_t next_openid;

	struct vmbus_stats st;
	bool drop_logged[VMBUS_DROP_NR];
};

/* The one named singleton: the live connection, NULL when none. */
extern struct vmbus_conn *vmbus_conn;

/* hv.c */
int vmbus_hv_init(struct vmbus_conn *vc);
void vmbus_hv_fini(struct vmbus_conn *vc, bool regs);
int vmbus_post_msg(struct vmbus_conn *vc, uint32_t conn_id, const void *msg,
		   uint32_t len, bool initiate);
int vmbus_post(struct vmbus_conn *vc, const void *msg, uint32_t len);
void vmbus_signal_event(struct vmbus_conn *vc, uint32_t conn_id);

/* msg.c */
void vmbus_isr(void *arg);
void vmbus_msg_work(struct work *w);
void vmbus_events_work(struct work *w);
void vmbus_drop(struct vmbus_conn *vc, enum vmbus_drop why, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* channel.c */
struct vmbus_channel *vmbus_chan_create(struct vmbus_conn *vc,
					const struct vmbus_msg_offer *o);
void vmbus_chan_on_rescind(struct vmbus_channel *c);
void vmbus_chan_on_open_result(struct vmbus_conn *vc, const struct vmbus_msg_open_result *m);
void vmbus_chan_release(struct vmbus_channel *c);
void vmbus_chan_free(struct vmbus_channel *c);
const char *vmbus_chan_state_name(enum vmbus_chan_state s);
struct wq *vmbus_chan_queue(struct vmbus_channel *c);

/* gpadl.c */
int vmbus_gpadl_establish(struct vmbus_channel *c, void *mem, size_t pages,
			  bool owns_mem, struct vmbus_gpadl **out);
int vmbus_gpadl_teardown(struct vmbus_channel *c, struct vmbus_gpadl *g);
void vmbus_gpadl_on_created(struct vmbus_conn *vc, const struct vmbus_msg_gpadl_created *m);
void vmbus_gpadl_on_torndown(struct vmbus_conn *vc, const struct vmbus_msg_gpadl_torndown *m);
bool vmbus_gpadl_any_live(struct vmbus_conn *vc, uint32_t relid);
int vmbus_gpadl_teardown_all(struct vmbus_channel *c);
void vmbus_gpadl_keep(struct vmbus_gpadl *g);
void vmbus_gpadl_teardown_conn(struct vmbus_conn *vc);
void vmbus_gpadl_free_all(struct vmbus_conn *vc);

/* driver.c */
void vmbus_device_offer(struct vmbus_channel *c);
void vmbus_device_rescind(struct vmbus_channel *c);
void vmbus_subchan_offer(struct vmbus_channel *sc);
void vmbus_device_free_all(struct vmbus_conn *vc);
void vmbus_reap_work(struct work *w);
const char *vmbus_dev_state_name(enum vmbus_dev_state s);

/* connection.c */
const char *vmbus_conn_state_name(enum vmbus_conn_state s);
void vmbus_conn_on_version(struct vmbus_conn *vc, const void *msg, uint32_t len);
void vmbus_conn_on_alloffers(struct vmbus_conn *vc);
void vmbus_conn_on_unload_response(struct vmbus_conn *vc);

#endif

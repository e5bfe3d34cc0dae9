/*
 * The simulated Hyper-V host: public interface of the host library.
 *
 * The host is a set of event-driven state machines (hypervisor, SynIC, VMBus
 * host, device hosts) with no threads and no blocking calls. Its embedder
 * (keelsim's deterministic scheduler today, keel-host's real-time loop later)
 * supplies a struct host_env: guest memory by guest-physical address, the
 * clock, the interrupt line, a random source and a trace sink. The embedder
 * then forwards the guest's CPUID/MSR/hypercall exits (host_cpuid, host_rdmsr,
 * host_wrmsr, host_hypercall) and repeatedly asks which host work is ready
 * (host_ready) and runs one item of its choosing (host_run). Nothing in the
 * host happens on its own: that is what makes runs reproducible.
 *
 * References: docs/protocols/vmbus.md §1-§8 (§8 "Notes for the
 * simulated host" is the checklist this library follows).
 */
#ifndef KEEL_HOST_H
#define KEEL_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "include/hyperv/vmbus_wire.h"

struct host;
struct host_profile;

/* What the host needs from whoever embeds it. */
struct host_env {
	void *ctx;
	/* Guest memory: pointer to [gpa, gpa+len) or NULL if not guest RAM. */
	void *(*gmem)(void *ctx, uint64_t gpa, size_t len);
	uint64_t (*now_ns)(void *ctx);
	/* Raise an interrupt vector on the (single) VP. */
	void (*raise_irq)(void *ctx, int vector);
	/* Deterministic randomness for injected faults (may be NULL: none). */
	uint64_t (*rand)(void *ctx);
	/* Compact trace record; formatted later by host_trace_format. */
	void (*trace)(void *ctx, int kind, uint32_t a, uint32_t b, uint64_t c);
	/* Optional: one readable line per integration-service exchange
	 * (host/ic_host.c); detail 1 marks the routine ones (heartbeats). */
	void (*log)(void *ctx, int detail, const char *line);
	/* Optional: the real UTC clock (ns since 1970) the time-sync device
	 * sends; NULL: the scenario's scripted clock (keelsim). */
	uint64_t (*wall_ns)(void *ctx);
};

/* Trace record kinds the host emits (a, b, c as noted). */
enum host_trace_kind {
	HT_GUEST_MSG = 1,   /* a msgtype, b relid/handle, c size  : guest posted */
	HT_HOST_MSG,        /* a msgtype, b relid/handle, c delay : host queued for the guest */
	HT_DELIVER,         /* a msgtype, b relid, c pending flag  : written to the SIMP slot */
	HT_EOM,             /* a queued                            */
	HT_HCALL_FAIL,      /* a code, b status, c connection id   */
	HT_SIGNAL_HOST,     /* a relid                             : guest -> host signal */
	HT_SIGNAL_GUEST,    /* a relid                             : host -> guest signal */
	HT_PKT_RX,          /* a relid, b type, c len              : host read a packet */
	HT_PKT_TX,          /* a relid, b type, c len              : host wrote a packet */
	HT_RING_FULL,       /* a relid, b needed                   */
	HT_CHAN_STATE,      /* a relid, b new state                */
	HT_TRIGGER,         /* a msgtype/step, b relid, c action   */
	HT_OFFER,           /* a relid, b device index, c sub index */
	HT_RESCIND,         /* a relid, b device index             */
	HT_VIOLATION,       /* a relid or 0                        */
	HT_DEVICE,          /* a relid, b device event, c value    */
	HT_KIND_COUNT
};

/* Format one trace record into buf (returns chars written). */
int host_trace_format(char *buf, size_t cap, int kind, uint32_t a, uint32_t b,
		      uint64_t c);

/* Names, for traces and reports. */
const char *host_msgtype_name(uint32_t msgtype);

/* ---- lifetime ---- */

struct host *host_create(const struct host_env *env, const struct host_profile *p);
void host_destroy(struct host *h);

/* ---- guest exits (forwarded by the platform) ---- */

void host_cpuid(struct host *h, uint32_t leaf, uint32_t sub, uint32_t out[4]);
uint64_t host_rdmsr(struct host *h, uint32_t msr);
void host_wrmsr(struct host *h, uint32_t msr, uint64_t val);
uint64_t host_hypercall(struct host *h, uint64_t control, uint64_t in, uint64_t out);
/* Device MMIO (host/host_mmio.c): served by the device that claimed the
 * range (a vPCI config window or BAR); elsewhere reads are all ones. */
uint64_t host_mmio_read(struct host *h, uint64_t gpa, unsigned size);
void host_mmio_write(struct host *h, uint64_t gpa, unsigned size, uint64_t val);

/* ---- scheduling ---- */

enum host_work_kind {
	HW_GUEST_MSG,      /* process the oldest message the guest posted */
	HW_DELIVER,        /* write the next queued message into the SIMP slot */
	HW_CHANNEL,        /* service a signalled channel (arg = relid) */
	HW_TIMED,          /* run timed host events that are due */
	HW_DEVICE,         /* device-internal work (arg = relid): retry a blocked send */
};

struct host_work {
	uint8_t kind;      /* enum host_work_kind */
	uint32_t arg;
};

/* Fill up to max ready work items; returns how many. Deterministic order. */
int host_ready(struct host *h, struct host_work *w, int max);
void host_run(struct host *h, const struct host_work *w);
/* Earliest future timed event (ns), or 0 when none. */
uint64_t host_next_deadline(const struct host *h);

/* ---- devices (configuration, before or during a run) ---- */

struct host_dev_params;   /* host/device.h */

/* Whether `type` names a device host ("echo", "storage"). */
bool host_device_type_valid(const char *type);
/* Every device type, "echo, storage, ..." into buf (for messages); the length. */
size_t host_device_types(char *buf, size_t cap);
/* Whether a device of `type` takes parameter `key` (the keys of every device
 * included), and all of them, "boot, open-delay, ..." into buf. */
bool host_device_key_valid(const char *type, const char *key);
size_t host_device_keys(const char *type, char *buf, size_t cap);
/* Add a device instance of `type` ("echo"); returns its index or -errno. */
int host_device_add(struct host *h, const char *type, const char *name);
/* Set a device parameter (key=value from the scenario): 0, -ENOENT for a key
 * the type does not take, -EINVAL for a bad value, or -errno when the file a
 * value names cannot be read (storage image=, vpci file=/config=/...). */
int host_device_param(struct host *h, int dev, const char *key, const char *val);
int host_device_count(const struct host *h);
/* A device host's named counter (expect host DEV KEY N): 0, -ENOENT. */
int host_device_counter(struct host *h, int dev, const char *key, uint64_t *out);
/* The bytes a device stores (storage: LUN 0), read outside the protocol for
 * end-of-run checks; 0, -ENOTSUP (stores none), -ERANGE, -ENODEV (no LUN). */
int host_device_read(struct host *h, int dev, uint64_t off, void *buf, size_t len);
int host_device_find(const struct host *h, const char *name);
const char *host_device_name(const struct host *h, int dev);
/* The instance GUID the device's offers carry. */
int host_device_instance(const struct host *h, int dev, struct vmbus_guid *out);
/* Whether the device is offered automatically at REQUESTOFFERS (default yes). */
void host_device_set_boot(struct host *h, int dev, bool offered_at_boot);

/* ---- a network device's wire (keel-host --tap) ----
 * By default a "network" device's frames go to the simulated L2 peer
 * (host/netpeer.c). An attached port takes the guest's frames instead, and
 * frames from outside reach the guest through host_net_receive, queued
 * behind the device's own packets and delivered through the receive buffer
 * like the peer's answers. */
struct host_net_port {
	void *ctx;
	void (*send)(void *ctx, const uint8_t *frame, uint32_t len);   /* guest -> wire */
};
int host_net_attach(struct host *h, int dev, const struct host_net_port *port);
/* Flow control: whether the device takes another frame now (the guest's
 * receive path is up and few frames wait); a caller that hears no leaves
 * the frame where it is (the TAP's own queue) and asks again later. */
bool host_net_can_receive(struct host *h, int dev);
/* One frame for the guest (copied); 0, -EAGAIN (no room), -EINVAL. */
int host_net_receive(struct host *h, int dev, const uint8_t *frame, uint32_t len);

/* ---- integration services on demand (host/ic_host_control.c) ----
 * What an operator asks of a running guest (keel-host --control): one
 * request per IC device at a time, sent once the channel is negotiated and
 * the device's own request is answered; its end is read back later. */
enum host_ic_req { HIR_SHUTDOWN, HIR_RESTART, HIR_KVP_PUSH, HIR_KVP_LIST };
enum host_ic_state {
	HIS_IDLE,          /* nothing asked yet */
	HIS_PENDING,       /* queued or sent, no answer yet */
	HIS_DONE,          /* answered: the status is the guest's */
	HIS_FAILED,        /* no answer before the timeout, or the channel closed */
};
#define HOST_KVP_MAX_ITEMS 32
struct host_kvp_item {
	uint8_t pool;                   /* IC_KVP_POOL_AUTO or IC_KVP_POOL_GUEST */
	char key[64];                   /* ASCII; other characters read as '?' */
	char value[192];
};
struct host_ic_heartbeat {
	bool negotiated;
	uint64_t last_seq;              /* the guest's last answer */
	uint64_t count, lost;
	uint64_t last_at;               /* host time of the last answer, 0: none */
};
/* The first device of an IC type ("shutdown", "kvp", ...), or -ENOENT. */
int host_ic_find(const struct host *h, const char *type);
/* Queue a request. a, b: shutdown/restart reason; kvp-push key and value.
 * 0, -ENODEV (not that IC), -EBUSY (one pending), -EINVAL (text too long). */
int host_ic_request(struct host *h, int dev, int req, const char *a, const char *b);
/* How the last request ended (enum host_ic_state); *status the answer's. */
int host_ic_result(struct host *h, int dev, uint32_t *status);
/* The items the last kvp-list read, in order; returns their count. */
int host_ic_kvp_items(struct host *h, int dev, const struct host_kvp_item **items);
int host_ic_heartbeat(struct host *h, int dev, struct host_ic_heartbeat *out);
/* An IC status as its name ("S_OK", "E_FAIL", ...) or NULL. */
const char *host_ic_status_name(uint32_t status);

/* ---- scenario actions ---- */

int host_offer(struct host *h, int dev);                 /* (re-)offer a device */
int host_rescind(struct host *h, int dev, int subidx);   /* subidx -1: all channels */
/* Send a deliberately malformed message (kind names in host/vmbus_host.c). */
int host_inject_malformed(struct host *h, const char *kind);
bool host_malformed_kind_valid(const char *kind);

/* Triggers: keyed on a guest message (or device step) for a device. */
enum host_trig_action {
	HTA_RESCIND,       /* rescind the channel, then handle the message as revoked */
	HTA_DELAY,         /* handle it, delay the host's answers by arg ns */
	HTA_DROP,          /* ignore the message entirely */
	HTA_DUPLICATE,     /* handle it, send every answer twice */
	HTA_STATUS,        /* handle it, answer with status arg */
	HTA_NEVER_ANSWER,  /* handle it, send no answer */
	HTA_INSUFFICIENT_BUFFERS, /* refuse the post with HV_STATUS_INSUFFICIENT_BUFFERS, arg times */
	HTA_OFFER_SUBCHANNELS, /* handle it, and offer arg sub-channels of the device first
				  (unasked: the guest did not request them) */
	HTA_OFFER,         /* handle it, and offer the device again arg ns later */
	HTA_RESCIND_AFTER, /* handle it, and rescind the whole device arg ns later */
};

struct host_trigger {
	uint32_t msgtype;       /* VMBus msgtype, or HOST_STEP_* for device steps */
	int dev;                /* device index, -1 any */
	int subidx;             /* channel sub index, -1 any */
	uint32_t nth;           /* fire on the nth match (1-based) */
	bool every;             /* fire on every match from nth on */
	uint32_t max;           /* fire at most this often (0: no limit) */
	int action;             /* enum host_trig_action */
	uint64_t arg;
	/* state */
	uint32_t seen;
	uint32_t fired;
};

/* Device steps usable as trigger keys (above the VMBus msgtype range). */
#define HOST_STEP_PACKET      0x100u   /* a device request packet */
#define HOST_STEP_SUBCHANNELS 0x101u   /* a CREATE_SUBCHANNELS-style request */

int host_trigger_add(struct host *h, const struct host_trigger *t);
uint32_t host_trigger_fired(const struct host *h, int idx);
/* Probability (0..1000 per mille) of refusing any post with INSUFFICIENT_BUFFERS. */
void host_set_post_fail_permille(struct host *h, unsigned pm);
/* Refuse the next n posts with HV_STATUS_INSUFFICIENT_BUFFERS. */
void host_set_insufficient_buffers(struct host *h, uint32_t n);
/* Parse a duration: 1500, 250us, 10ms, 2s -> ns. */
int host_parse_ns(const char *s, uint64_t *out);

/* ---- results and introspection (expectations, invariants) ---- */

/* First host-side violation, or NULL. */
const char *host_violation(const struct host *h);
/* Print the recent guest messages (the violation context) into buf. */
size_t host_recent_guest_msgs(const struct host *h, char *buf, size_t cap);

/* Final checks at the end of a run (unreleased rescinds, lost signals...). */
int host_check_final(struct host *h, char *why, size_t cap);

enum host_chan_query {
	HQ_STATE,          /* enum host_chan_state */
	HQ_RELID,
	HQ_OPENS,          /* successful opens */
	HQ_PACKETS,        /* requests served */
	HQ_RELEASES,       /* RELID_RELEASED received after rescind */
	HQ_RESCINDS,
	HQ_SUBCHANNELS,    /* sub-channels offered for this device (primary only) */
	HQ_GPADLS,         /* live GPADLs on the channel */
	HQ_EXISTS,
	HQ_MASKED_SIGNALS, /* guest signals while the host had interrupt_mask set */
	HQ_UNREAD_UNMASKED, /* the guest's read_index while host->guest data waits
			       unread with its interrupts unmasked, else -1 */
};
/* Query a device's channel (subidx 0 = primary). Returns -1 if none. */
int64_t host_chan_query(const struct host *h, int dev, int subidx, int what);

bool host_connected(const struct host *h);
uint32_t host_version(const struct host *h);
bool host_unloaded(const struct host *h);     /* UNLOAD_RESPONSE sent */
uint32_t host_gpadl_pages(const struct host *h);   /* pages under live GPADLs */
uint32_t host_pending_guest_msgs(const struct host *h);
/* Host->guest messages still waiting for the SIMP slot. */
uint32_t host_pending_host_msgs(const struct host *h);
bool host_contacted(const struct host *h);  /* any INITIATE_CONTACT seen */

/* Profiles (host/profile.c). */
const struct host_profile *host_profile_find(const char *name);
const char *host_profile_name(const struct host_profile *p);
/* Set a single profile switch on a private copy (scenario "switch"). */
int host_profile_switch(struct host_profile *copy, const char *key, const char *val);
size_t host_profile_size(void);
void host_profile_list(char *buf, size_t cap);

#endif

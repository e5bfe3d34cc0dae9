/*
 * The VMBus API: what drivers (drivers/), the kernel (kmain) and the
 * simulator (keelsim) use. The wire formats are in include/hyperv/vmbus_wire.h;
 * the core's own state in vmbus/vmbus_priv.h.
 *
 * Model (docs/architecture.md "Queues"):
 *  - vmbus_start() queues bring-up and connect work and returns at once;
 *  - every primary channel the host offers becomes a struct vmbus_device; a
 *    driver from the const table in vmbus/driver.c is matched on the class
 *    GUID bytes; its probe runs asynchronously on the device's own queue;
 *  - sub-channel offers are handed to the driver's subchan_offer callback on
 *    the device's own sub-channel queue, the only place sub-channels are
 *    opened (rule 2), and only once the driver asked for them with
 *    vmbus_device_request_subchannels (offers that come earlier are held);
 *  - when the primary is rescinded the device is removed on its queue; once
 *    every channel of it is released the driver's release frees its state
 *    and the core frees the device, its channels and its queues;
 *  - channel event callbacks run on the vmbus_event queue and must not wait.
 */
#ifndef KEEL_VMBUS_H
#define KEEL_VMBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "include/hyperv/vmbus_wire.h"
#include "vmbus/ring.h"

struct vmbus_device;
struct vmbus_channel;
struct vmbus_gpadl;

/* ---- entry points ---- */

/* Queue hypervisor bring-up and the VMBus connection; returns 0 or -errno
 * (-EALREADY when started). Needs wq_init()/timer_init() done. */
int vmbus_start(void);
/* Queue UNLOAD (docs/protocols/vmbus.md §4.9): drivers removed, channels closed,
 * UNLOAD sent, SynIC disabled. Returns at once; vmbus_stopped() tells. */
void vmbus_stop(void);
bool vmbus_stopped(void);
/* Counts vmbus_start calls (never 0 after the first): drivers re-initialise
 * their process-wide state when it changes (a new simulation run). */
uint32_t vmbus_generation(void);
/* Free everything vmbus allocated (memory and shared pages). Queues and
 * fibers belong to the work-queue core: call before wq_init()/wq_fini(). */
void vmbus_fini(void);

#ifdef KEEL_TEST_HOOKS
/*
 * Switches that restore broken designs, so scenarios can show that the rule
 * they break is needed (docs/architecture.md "Queues"). Set before vmbus_start.
 *  legacy_single_queue: offer, rescind and sub-channel work run on the single
 *    vmbus_msg queue; a sub-channel open then waits inside the message loop
 *    for a reply only that loop can deliver (rule 1).
 *  subchan_on_device_queue: a device's sub-channel work runs on the device
 *    queue, where its probe waits for the sub-channels (rule 2).
 *  shared_device_queue: every device's work (probe, remove, sub-channel
 *    opens) shares one two-slot queue (rule 3).
 */
extern bool vmbus_legacy_single_queue;
extern bool vmbus_test_subchan_on_device_queue;
extern bool vmbus_test_shared_device_queue;
#endif

/* ---- drivers ---- */

struct vmbus_driver {
	struct vmbus_guid class_id;     /* matched on bytes */
	const char *name;
	/* Device queue; may wait. 0 = bound. */
	int (*probe)(struct vmbus_device *dev);
	/* Device queue; may wait. Close every channel the driver opened. */
	void (*remove)(struct vmbus_device *dev);
	/* The device's sub-channel queue; may wait. The only place to open a
	 * sub-channel; called only after vmbus_device_request_subchannels. */
	void (*subchan_offer)(struct vmbus_device *dev, struct vmbus_channel *sc);
	/* vmbus_chan queue, once: remove has run and every channel of the
	 * device is closed and released; free the driver's state (priv). The
	 * device's queues are idle and destroyed right after. */
	void (*release)(struct vmbus_device *dev);
};

/* The table (vmbus/driver.c). */
extern const struct vmbus_driver *const vmbus_drivers[];
extern const unsigned vmbus_ndrivers;

struct vmbus_channel *vmbus_device_channel(struct vmbus_device *dev);
void *vmbus_device_priv(struct vmbus_device *dev);
void vmbus_device_set_priv(struct vmbus_device *dev, void *priv);
const char *vmbus_device_name(const struct vmbus_device *dev);
/* The instance GUID of the device's offer. */
const struct vmbus_guid *vmbus_device_instance(const struct vmbus_device *dev);
/* The driver says the device is fully up (introspection's ready flag). */
void vmbus_device_set_ready(struct vmbus_device *dev);
/* The driver is about to ask the host for sub-channels (the primary must be
 * open): from now on their offers, including those the host sent earlier,
 * reach subchan_offer. Returns 0 or -ENOTCONN. */
int vmbus_device_request_subchannels(struct vmbus_device *dev);
/* The queue subchan_offer runs on (a waiter for sub-channels names it as
 * its completer, for the deadlock check). */
struct wq *vmbus_device_subchan_queue(struct vmbus_device *dev);
/* Sub-channels offered so far for the device (open or not). */
int vmbus_device_subchannels(struct vmbus_device *dev, struct vmbus_channel **out, int max);

/* ---- channels ---- */

/* Runs on the vmbus_event queue when the host signalled, when an open channel
 * is rescinded (check vmbus_chan_rescinded), and a last time from the closer
 * while the rings still exist (drain, wake waiters). Must not wait. */
typedef void (*vmbus_chan_cb)(struct vmbus_channel *c, void *arg);

struct vmbus_chan_open_args {
	uint32_t out_pages;     /* outbound data pages (>= 1) */
	uint32_t in_pages;      /* inbound data pages (>= 1) */
	uint32_t max_requests;  /* requestor table slots (0: none) */
	vmbus_chan_cb cb;
	void *cb_arg;
	const void *userdata;   /* OPENCHANNEL userdata, may be NULL */
	uint32_t userdata_len;  /* <= 120 */
};

/*
 * Create the ring GPADL, post OPENCHANNEL and wait for the result (docs/protocols/vmbus.md
 * §4.4). May wait (device or sub-channel queue). Returns 0, -ENODEV
 * (rescinded), -ETIMEDOUT (host did not answer), -EIO (host refused), -EBUSY.
 */
int vmbus_chan_open(struct vmbus_channel *c, const struct vmbus_chan_open_args *a);
/* Close and tear the ring GPADL down (§4.5). May wait. Returns 0 once the
 * host can no longer write the memory the channel's requests name (it
 * confirmed the close, rescinded the channel or answered UNLOAD), -EBUSY
 * while it still may: CLOSECHANNEL could not be sent, the teardown was not
 * answered, or UNLOAD is not answered yet. Then that memory must be kept,
 * never reused (rule 6). */
int vmbus_chan_close(struct vmbus_channel *c);

bool vmbus_chan_is_open(const struct vmbus_channel *c);
/* Every wait on c must end: the host rescinded c, or vmbus_stop is taking
 * the connection down. */
bool vmbus_chan_rescinded(const struct vmbus_channel *c);
/* The host rescinded c (docs/protocols/vmbus.md §4.7): it stopped using the
 * channel and the memory its requests name. Not true for vmbus_stop alone:
 * then the host owns that memory until the channel is closed (CLOSECHANNEL,
 * ring GPADL torn down) or UNLOAD is answered (rule 6). */
bool vmbus_chan_revoked(const struct vmbus_channel *c);
/* The host has read everything we sent (or the channel is not open):
 * a last answer has reached it before the channel closes. */
bool vmbus_chan_out_drained(struct vmbus_channel *c);
uint32_t vmbus_chan_relid(const struct vmbus_channel *c);
uint16_t vmbus_chan_subidx(const struct vmbus_channel *c);

/* In-band packet (§5.3). trans_id 0 and no completion unless flags say so. */
int vmbus_chan_send(struct vmbus_channel *c, const void *data, uint32_t len,
		    uint64_t trans_id, uint16_t flags);
/* A completion packet (type 11) answering the host's packet trans_id, e.g.
 * netvsc's receive completions (§5.3). */
int vmbus_chan_send_comp(struct vmbus_channel *c, const void *data, uint32_t len,
			 uint64_t trans_id);
/* In-band request with a completion: the id comes from the requestor table
 * and maps back to ctx (§5.8, §7.4). */
int vmbus_chan_send_request(struct vmbus_channel *c, const void *data, uint32_t len,
			    uint64_t ctx, uint64_t *trans_id);
/* GPA-direct request (§5.4): one range over [gpa, gpa+len) plus payload. */
int vmbus_chan_send_gpa(struct vmbus_channel *c, uint64_t gpa, uint32_t gpa_len,
			const void *data, uint32_t len, uint64_t ctx, uint64_t *trans_id);
/* A completion's trans_id: 0 with *ctx if it was ours and outstanding,
 * -EINVAL for unknown, zero or repeated ids (counted as dropped). */
int vmbus_chan_complete(struct vmbus_channel *c, uint64_t trans_id, uint64_t *ctx);

/* Drain: read the next inbound packet into buf (see vmbus_ring_iter_next). */
void vmbus_chan_recv_begin(struct vmbus_channel *c, struct vmbus_ring_iter *it);
int vmbus_chan_recv_next(struct vmbus_channel *c, struct vmbus_ring_iter *it,
			 void *buf, uint32_t bufsz, struct vmbus_pkt *pkt);
/* Returns true when more arrived: call begin/next again. Signals the host
 * when it waits for space. */
bool vmbus_chan_recv_end(struct vmbus_channel *c, struct vmbus_ring_iter *it);

/* Extra GPADLs for device buffers (§4.3, §4.6). May wait. */
int vmbus_gpadl_create(struct vmbus_channel *c, void *mem, size_t pages, uint32_t *handle);
int vmbus_gpadl_destroy(struct vmbus_channel *c, uint32_t handle);
/* The same, but the GPADL owns mem (from plat_page_alloc) from the call on,
 * whatever the result: the pages are freed when the GPADL is gone (teardown
 * answered, rescind release, UNLOAD, vmbus_fini), never while the host may
 * still write them. */
int vmbus_gpadl_create_owned(struct vmbus_channel *c, void *mem, size_t pages,
			     uint32_t *handle);

/* ---- introspection (lsvmbus, keelsim) ---- */

struct vmbus_chan_counters {
	uint64_t pkts_out, bytes_out, pkts_in, bytes_in;
	uint64_t interrupts;    /* host signals seen */
	uint64_t signals;       /* HvSignalEvent we made */
	uint64_t ring_full;     /* sends that found the ring full */
	uint64_t dropped;       /* messages/packets for it we dropped */
};

struct vmbus_chan_info {
	uint32_t relid;
	uint16_t subidx;
	const char *state;      /* vmbus_chan_state_name */
	bool rescinded;
	struct vmbus_chan_counters n;
};

struct vmbus_dev_info {
	const char *class_name; /* driver name, or "unknown" */
	struct vmbus_guid class_id, instance;
	uint32_t relid;
	const char *state;      /* device state name */
	bool ready;
	int nsub;               /* sub-channels known */
	struct vmbus_chan_info chan;
};

struct vmbus_stats {
	uint32_t version;       /* negotiated, 0 before */
	const char *conn_state;
	bool all_offers;        /* ALLOFFERS_DELIVERED seen */
	uint64_t msgs;          /* host messages taken from the slot */
	uint64_t dropped;       /* malformed / unsolicited / unknown */
	uint64_t drop_reason[8]; /* by enum vmbus_drop (vmbus_priv.h) */
	uint64_t post_retries;  /* PostMessage retries (INSUFFICIENT_BUFFERS, ...) */
	uint64_t open_timeouts, releases;
	uint64_t subchan_held;  /* sub-channel offers held until the driver asked */
	uint64_t rings_leaked;  /* rings kept because CLOSECHANNEL could not be sent */
	uint64_t freed_devices; /* devices freed after their release */
	int ndevices, nchannels;
	/* Objects the core holds (also gone or released ones not yet freed). */
	int held_devices, held_channels, held_gpadls;
};

/* Fill up to max devices in offer order; returns how many exist. */
int vmbus_list_devices(struct vmbus_dev_info *out, int max);
/* Channel counters by relid; -ENOENT if none. */
int vmbus_chan_info_get(uint32_t relid, struct vmbus_chan_info *out);
void vmbus_get_stats(struct vmbus_stats *out);
/* The class's name as Linux's lsvmbus prints it (vmbus/classes.c). */
const char *vmbus_class_name(const struct vmbus_guid *class_id);
/* Print the lsvmbus-style listing (klog). */
void vmbus_lsvmbus(void);
/* All offered devices that have a driver are ready. */
bool vmbus_all_ready(void);

#endif

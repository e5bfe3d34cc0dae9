/*
 * The device-host interface: how a device host (echo today; storage,
 * network, vPCI and the integration services later) plugs into the VMBus
 * host. The VMBus host owns offers, GPADLs, open/close, rescind and the
 * rings; a device host sees only its channels' packets.
 *
 * Every op runs in the host's single thread and must not block: a device
 * that cannot answer now returns and is called again (tick) when the
 * guest frees ring space or a timed event it asked for falls due.
 *
 * A device instance is created from the scenario ("device echo e0
 * max-subchannels=4"); its parameters arrive as key/value strings through
 * ops->param before the first offer.
 */
#ifndef KEEL_HOST_DEVICE_H
#define KEEL_HOST_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "include/hyperv/vmbus_wire.h"

struct host;
struct host_chan;
struct host_dev;

struct host_dev_ops {
	const char *type;                   /* scenario name, e.g. "echo" */
	struct vmbus_guid class_guid;
	size_t priv_size;                   /* per-device state, zeroed */
	/* Set defaults after priv is allocated; 0 or -errno. */
	int (*init)(struct host_dev *d);
	/* The keys param takes, separated by blanks ("image size ..."); the
	 * keys every device takes are host.c's. host_device_param refuses any
	 * other key, so this list is the one the scenario parser checks and
	 * prints, and a key missing here is refused even if param knows it. */
	const char *keys;
	/* key=value from the scenario; -EINVAL for a bad value, -errno when
	 * a file it names cannot be read */
	int (*param)(struct host_dev *d, const char *key, const char *val);
	/* The guest opened channel c; return 0 or an OPENCHANNEL_RESULT status. */
	uint32_t (*on_open)(struct host_dev *d, struct host_chan *c);
	/* One packet from the guest (a private copy; len = len8 * 8). */
	void (*on_packet)(struct host_dev *d, struct host_chan *c,
			  const struct vmbus_pkt_desc *desc, const uint8_t *pkt,
			  uint32_t len);
	/* Channel closed by the guest, revoked, or reset by UNLOAD. */
	void (*on_close)(struct host_dev *d, struct host_chan *c);
	/* The host rescinded channel c (before on_close if it was open). */
	void (*on_rescind)(struct host_dev *d, struct host_chan *c);
	/* Ring space freed or a timed event fired: retry pending sends. */
	void (*tick)(struct host_dev *d, struct host_chan *c);
	void (*destroy)(struct host_dev *d);
	/* End of a run: 0, or -1 with the reason in why (optional). */
	int (*check_final)(struct host_dev *d, char *why, size_t cap);
	/* A named counter for scenario expectations (expect host DEV KEY N);
	 * -ENOENT for unknown keys. May be NULL. */
	int (*counter)(struct host_dev *d, const char *key, uint64_t *out);
	/* Read the device's stored bytes (storage: LUN 0) for end-of-run
	 * checks; -ENOTSUP when it stores none. May be NULL. */
	int (*read)(struct host_dev *d, uint64_t off, void *buf, size_t len);
	/*
	 * Device MMIO (optional; host/host_mmio.c asks every device in turn):
	 * return true when gpa lies in a range the device decodes, after
	 * serving the access (*val in for writes, out for reads).
	 */
	bool (*mmio)(struct host_dev *d, uint64_t gpa, unsigned size, bool write,
		     uint64_t *val);
};

struct host_dev {
	const struct host_dev_ops *ops;
	struct host *h;
	int index;
	char name[32];
	struct vmbus_guid instance;
	bool boot;                          /* offered at REQUESTOFFERS */
	bool reoffer;                       /* offer again once the primary is released */
	uint64_t open_delay_ns;             /* device parameter open-delay (64-bit: > 4.3 s) */
	uint32_t open_status;               /* device parameter open-status */
	/* channels: [0] primary, [1..nsub] sub-channels */
	struct host_chan *chan[1 + 64];
	int nsub;
	void *priv;
};

/* Services the VMBus host offers to device hosts. */

/* Send a packet to the guest on channel c; -EAGAIN when the ring is full
 * (the device is ticked when space appears), -EPIPE when not open. */
int host_dev_send(struct host_chan *c, uint16_t type, uint16_t flags,
		  uint64_t trans_id, const void *payload, uint32_t len);
/* The same, the first hdr_len payload bytes lying before the packet's data
 * offset (a transfer-page packet's header and ranges). */
int host_dev_send_hdr(struct host_chan *c, uint16_t type, uint16_t flags, uint64_t trans_id,
		      uint32_t hdr_len, const void *payload, uint32_t len);
/* Offer n sub-channels of d (indices nsub+1..); returns how many. */
int host_dev_offer_subchannels(struct host_dev *d, int n);
/* Ask for a tick on channel c after delay_ns. */
void host_dev_tick_after(struct host_chan *c, uint64_t delay_ns);
/* Stop reading the guest's ring of c for ns (a fault key: the guest's ring
 * fills); it is read again afterwards. */
void host_dev_hold_reads(struct host_chan *c, uint64_t ns);
/* Channel accessors for device hosts. */
uint16_t host_chan_subidx(const struct host_chan *c);
uint32_t host_chan_relid(const struct host_chan *c);
void **host_chan_priv(struct host_chan *c);
/* Report a protocol violation by the guest (fails the run). */
void host_dev_violation(struct host_dev *d, struct host_chan *c, const char *what);
/* Trace a device event. */
void host_dev_trace(struct host_dev *d, struct host_chan *c, uint32_t ev, uint64_t val);
/* Consult the scenario's triggers for a device step (HOST_STEP_*):
 * returns the action (enum host_trig_action) or -1 and its argument. */
int host_dev_trigger(struct host_dev *d, struct host_chan *c, uint32_t step, uint64_t *arg);
/* Whether sub-channel offers precede the request's completion (profile). */
bool host_dev_subchan_offers_first(const struct host_dev *d);

/* The device types (device table in vmbus_host.c). */
extern const struct host_dev_ops echo_dev_ops;
extern const struct host_dev_ops storvsc_dev_ops;   /* host/storvsc_host.c */
extern const struct host_dev_ops netvsc_dev_ops;    /* host/netvsc_host.c */
extern const struct host_dev_ops ic_heartbeat_dev_ops, ic_shutdown_dev_ops,
	ic_timesync_dev_ops, ic_kvp_dev_ops;         /* host/ic_host.c */
/* Offered, never driven: gen2-network, gen2-mouse, ... (host/gen2_plain.c) */
extern const struct host_dev_ops gen2_plain_types[];
extern const unsigned gen2_plain_ntypes;
extern const struct host_dev_ops vpci_dev_ops;      /* host/vpci_host.c */

#endif

/*
 * The synthetic SCSI driver's state and its internal API (wire formats are in
 * include/hyperv/storvsc_wire.h). Files:
 *   storvsc.c       probe/remove, the VSTOR init sequence, sub-channels
 *   storvsc_req.c   request slots (ids), handing a result to its owner
 *   storvsc_chan.c  channel states, opening, the rotation, failing a channel
 *   storvsc_send.c  building and posting request packets
 *   storvsc_blk.c   block-layer entry: the pending FIFO, split, submit
 *   storvsc_recv.c  the channel callback: copy, check, use completions
 *   storvsc_sync.c  synchronous commands (init sequence, scan)
 *   storvsc_watchdog.c  requests the host is slow to answer
 *   storvsc_reset.c close, fail and reopen a channel the host stopped serving
 *   storvsc_scsi.c  CDB builders, SRB status and sense decoding, parsers of
 *                   INQUIRY / READ CAPACITY / REPORT LUNS data (pure code)
 *   storvsc_scan.c  LUN discovery, rescan on ENUMERATE_BUS, disk add/remove
 *
 * Contexts (who may touch what):
 *  - probe, remove and the scan run on work items that may wait (the vmbus
 *    device queue, and this device's own queue sd->q);
 *  - the channel callback (storvsc_recv.c) runs on the shared vmbus_event
 *    queue and never waits: it validates completions, finishes requests and
 *    starts pending ones; completions that may wait are deferred to sd->q
 *    (rule 5) unless storvsc_inline_completions is set (pre-fix design);
 *  - the sub-channel callback runs on the device's sub-channel queue and is
 *    the only place sub-channels are opened (docs/protocols/storage.md §11.1).
 * One CPU, cooperative: code between waits runs alone, no locks needed.
 *
 * Memory the host may write (a request's data buffer, the scan buffer) is
 * never handed back while the host may still write it (rule 6): a request
 * ends only when the host answers it, or after its channel was closed
 * (CLOSECHANNEL sent, ring GPADL torn down), or after a rescind. vmbus_stop
 * is not a rescind: the callback then only ends synchronous waits; what is
 * in flight fails in remove, after the close. The watchdog logs a slow
 * request at 30 s and waits on (the host guarantees an answer, as Linux's
 * storvsc_eh_timed_out relies on); after storvsc_io_limit_ns it resets the
 * channel (storvsc_reset.c): close, then fail what was in flight, then
 * reopen. A corrupt inbound ring resets its channel the same way.
 *
 * Guest switches (keelsim `guest-switch`, see storvsc_guest_switch; reset
 * by storvsc_knobs_reset at the end of every run):
 *   storvsc-inline-completions   run may-block completions inline (pre-fix
 *                                design: the rule-5 deadlock report)
 *   storvsc-io-limit=T           reset a channel whose request is not answered
 *                                within T (default 180s; Ns or Nms)
 * (these two only in KEEL_TEST_HOOKS builds: keel.efi keeps the defaults)
 *   storvsc-subchannels=N        sub-channels to request (default 2; 0: none)
 *   storvsc-depth=N              outstanding SRBs per channel (default 32)
 *   disk-report=no               diskinfo: do not print partitions
 *   disk-hash                    diskinfo: SHA-256 of every disk
 *   disk-pattern=LBA,COUNT       diskinfo: write + read back a pattern
 *   disk-unmap=LBA,COUNT         diskinfo: UNMAP, then the range reads zero
 *   disk-strict                  diskinfo: a failed hash/pattern/unmap panics
 * (drivers/diskinfo.h has the output lines and the pattern formula.)
 */
#ifndef KEEL_DRIVERS_STORVSC_H
#define KEEL_DRIVERS_STORVSC_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/block.h"
#include "include/hyperv/storvsc_wire.h"
#include "kernel/timer.h"
#include "kernel/wq.h"
#include "vmbus/vmbus.h"

/* ---- knobs (set before vmbus_start; reset by storvsc_knobs_reset) ---- */

/* Rule 5 switch: true runs completions that may wait inline in the channel
 * callback (the pre-fix design; ends in a deadlock report). */
extern bool storvsc_inline_completions;
/* Sub-channels to ask for, capped by the host's max_channel_cnt and
 * STORVSC_MAX_SUBCHANNELS. Linux asks min(cpus - 1, max); Keel has one CPU
 * but uses channels as independent queues, so it asks for a few. */
extern int storvsc_subchannels_wanted;
/* Outstanding SRBs per channel (queue depth), <= STORVSC_CHAN_DEPTH_MAX. */
extern int storvsc_chan_depth;
/* A request older than this resets its channel (STORVSC_IO_LIMIT_NS; a
 * switch only in KEEL_TEST_HOOKS builds, so scenarios stay fast). */
extern uint64_t storvsc_io_limit_ns;
void storvsc_knobs_reset(void);
/* keelsim/cmdline switches of storvsc and diskinfo: 0, or -1 if unknown. */
int storvsc_guest_switch(const char *name);

/* ---- limits ---- */

#define STORVSC_MAX_SUBCHANNELS   8
#define STORVSC_MAX_CHANNELS      (1 + STORVSC_MAX_SUBCHANNELS)
#define STORVSC_CHAN_DEPTH_MAX    32
#define STORVSC_MAX_REQS          160    /* pool per device */
#define STORVSC_MAX_LUNS          8      /* disks per controller we track */
#define STORVSC_RING_PAGES        16     /* each direction, primary */
#define STORVSC_SUB_RING_PAGES    8
/* One GPA-direct packet carries at most 32 PFNs (vmbus_chan_send_gpa):
 * with page-aligned buffers that is 128 KiB per SRB. */
#define STORVSC_MAX_XFER_CAP      (32u * 4096u)
#define STORVSC_DEFAULT_XFER      (64u * 1024u)  /* host said 0 (§14 item 8) */
#define STORVSC_CTL_TIMEOUT_NS    (5ull * WQ_NS_PER_S)   /* init steps (§6) */
#define STORVSC_IO_SLOW_NS        (30ull * WQ_NS_PER_S)  /* logged, waited on */
#define STORVSC_IO_LIMIT_NS       (180ull * WQ_NS_PER_S) /* channel reset */
/* Packets one channel callback handles before it requeues itself, so a
 * host flooding one ring cannot hold the shared vmbus_event queue. */
#define STORVSC_RECV_BUDGET       64
#define STORVSC_WATCHDOG_NS       (1ull * WQ_NS_PER_S)

struct storvsc_dev;

/*
 * A channel's life in this driver (vmbus keeps its own state machine);
 * storvsc_chan_transition is the only writer:
 *
 *   FREE --open starts--> OPENING --opened--> OPEN --rescind/close--> DEAD
 *    ^                         |                |                       ^
 *    |                         +----failed------|-----------------------+
 *    |                                          | no answer by the limit,
 *    |                                          | bad packet, send refused
 *    |                                          v    (storvsc_chan_reset)
 *    +--closed, in flight failed (reset)---- RESET ----rescind/close-----+
 */
enum storvsc_chan_state {
	SCH_FREE,       /* slot unused */
	SCH_OPENING,    /* vmbus_chan_open in progress (guards a double open) */
	SCH_OPEN,       /* usable for I/O */
	SCH_DEAD,       /* rescinded or closed: no new I/O */
	SCH_RESET,      /* out of the rotation; the reset work closes it */
};

struct storvsc_chan {
	struct vmbus_channel *c;
	struct storvsc_dev *sd;
	enum storvsc_chan_state state;
	uint16_t subidx;
	uint32_t outstanding;            /* SRBs sent, not completed */
	uint64_t n_sent, n_done, n_dropped, n_resets;
	struct work w_more;              /* the rest of a drain past the budget */
	uint64_t rxbuf[64];              /* private copy of one packet (512 B) */
};

enum storvsc_req_state {
	SRQ_FREE,
	SRQ_INFLIGHT,    /* sent; trans_id outstanding on ch; its buffer is the host's */
};

/* Result of one SRB (copied out of the completion after validation). */
struct storvsc_result {
	uint32_t nt_status;              /* vstor_packet.status */
	uint8_t srb_status;              /* raw, flags included */
	uint8_t scsi_status;
	uint8_t sense_len;               /* clamped to STORVSC_SENSE_MAX */
	uint8_t sense[STORVSC_SENSE_MAX];
	uint32_t xfer_len;               /* clamped to the buffer length */
	uint8_t props[24];               /* QUERY_PROPERTIES reply payload */
};

/* One request on the wire: a control operation or an SRB (a piece of a
 * block request, or a SCSI command of the scan). */
struct storvsc_req {
	enum storvsc_req_state state;
	uint16_t idx;
	struct storvsc_chan *ch;
	uint64_t trans_id;
	uint64_t started_ns;
	uint32_t op;                     /* enum storvsc_op sent */
	uint32_t buf_len;
	uint8_t retries;
	bool slow_logged;                /* the 30 s line was printed */
	uint32_t seq;                    /* bumped on every get: detects reuse */
	uint32_t sent_size;              /* vstor_packet bytes sent */
	struct storvsc_packet pkt;       /* what we sent (resent on retry) */
	uint64_t gpa;
	int err;                         /* 0 or -errno when finished */
	struct storvsc_result res;
	/* owner: a block request piece, or a waiter */
	struct blk_req *parent;
	struct storvsc_lun *lun;
	struct completion *waiter;       /* woken when finished */
	struct storvsc_result *out;      /* copied here for the waiter */
	int *out_err;
};

struct storvsc_lun {
	struct storvsc_dev *sd;
	bool present;                    /* seen by the last scan */
	bool registered;                 /* disk handed to the block layer */
	uint8_t lun;
	uint8_t periph_type;
	char vendor[9], product[17], revision[5];
	char serial[33];
	char devid[40];                  /* VPD 0x83 first designator, hex */
	uint32_t bl_max_xfer_blocks;     /* VPD 0xB0 (0: none) */
	uint32_t bl_max_unmap_blocks;
	bool lbpme;                      /* READ CAPACITY(16) byte 14 bit 7 */
	bool use16;                      /* READ/WRITE(16) needed */
	struct blk_disk disk;
};

/*
 * Device states (storvsc.c storvsc_transition):
 *
 *   INIT --begin/version/props/end ok--> READY --scan--> RUNNING
 *     |                                    |                |
 *     +--------- error/timeout/rescind ----+----------------+--> DEAD
 */
enum storvsc_state {
	SD_INIT,
	SD_READY,        /* protocol up, scanning */
	SD_RUNNING,      /* disks registered */
	SD_DEAD,         /* removed or failed: every request fails */
};

struct storvsc_dev {
	struct vmbus_device *dev;
	enum storvsc_state state;
	struct wq *q;                    /* own queue: deferred completions, rescan */
	struct wq *event_q;              /* the channel callback's queue (learnt) */
	/* negotiated (§3, §5.3) */
	const struct storvsc_version_info *ver;
	uint32_t pkt_size;               /* 64 or 48 */
	uint16_t max_channel_cnt;
	uint32_t props_flags;
	uint32_t max_xfer;               /* bytes per SRB, 4 KiB multiple */
	uint16_t subs_requested;         /* accepted sub_channel_index 1..this */
	bool rescan_pending;             /* ENUMERATE_BUS before the scan finished */
	/* channels: [0] is the primary */
	struct storvsc_chan ch[STORVSC_MAX_CHANNELS];
	struct storvsc_chan *act[STORVSC_MAX_CHANNELS]; /* the OPEN ones */
	uint32_t nact;
	uint32_t rr;                     /* round-robin cursor into act[] */
	/* requests */
	struct storvsc_req reqs[STORVSC_MAX_REQS];
	uint16_t free_stack[STORVSC_MAX_REQS];
	uint32_t free_top;
	struct blk_req *pend_head, *pend_tail;
	struct delayed_work w_kick;      /* retry sending after a full ring */
	struct work w_rescan;            /* ENUMERATE_BUS / INVALID_LUN */
	struct work w_reset;             /* channels in SCH_RESET (storvsc_reset.c) */
	bool resetting;                  /* the reset work runs: nothing new is sent */
	struct timer watchdog;
	bool watchdog_on;
	uint8_t *scan_buf;               /* a scan buffer parked until the close */
	bool scan_abandoned;             /* a scan command was given up unanswered */
	/* LUNs */
	struct storvsc_lun luns[STORVSC_MAX_LUNS];
	/* counters */
	uint64_t n_bad_pkts, n_unknown_ids, n_enumerate, n_slow, n_deferred;
	uint64_t n_rescans, n_resets;
	struct storvsc_dev *retired_next;   /* released, kept for its disks */
};

/* storvsc.c */
extern const struct vmbus_driver storvsc_driver;
/* The controller is gone (rescind of the primary): the state machine's
 * FAIL event, from any context. */
void storvsc_mark_dead(struct storvsc_dev *sd);
/* The VSTOR init sequence on the open primary (§6): probe and a reset. */
int storvsc_init_protocol(struct storvsc_dev *sd);

/* storvsc_req.c */
void storvsc_io_init(struct storvsc_dev *sd);
struct storvsc_req *storvsc_req_get(struct storvsc_dev *sd);
void storvsc_req_put(struct storvsc_dev *sd, struct storvsc_req *rq);
/* rq is over with err (answered, or its channel is closed): its owner gets
 * the result and the slot is freed. */
void storvsc_req_finish(struct storvsc_dev *sd, struct storvsc_req *rq, int err);

/* storvsc_chan.c */
int storvsc_open_chan(struct storvsc_dev *sd, struct storvsc_chan *ch,
		      struct vmbus_channel *c);
void storvsc_chan_transition(struct storvsc_chan *ch, enum storvsc_chan_state to);
/* Channels open (in the driver's view), and open and not rescinded. */
int storvsc_open_channels(const struct storvsc_dev *sd);
bool storvsc_chan_usable(const struct storvsc_chan *ch);
int storvsc_usable_channels(const struct storvsc_dev *sd);
/* The next channel of the rotation with room below the depth, or NULL. */
struct storvsc_chan *storvsc_pick_chan(struct storvsc_dev *sd);
/* Fail everything in flight on ch: only after a rescind or a close. */
void storvsc_fail_chan(struct storvsc_chan *ch, int err);
/* Close ch (CLOSECHANNEL, ring GPADL torn down; may wait), then fail what
 * was in flight on it with err. -EBUSY: the host did not confirm the close;
 * what was in flight stays so, its buffers kept (rule 6). */
int storvsc_chan_close(struct storvsc_chan *ch, int err);
/* The device is dead: fail the pending FIFO (channels closed first). */
void storvsc_fail_pending(struct storvsc_dev *sd);

/* storvsc_send.c */
/* Put rq on the wire on ch; rq->pkt, gpa and buf_len are filled. */
int storvsc_req_send(struct storvsc_dev *sd, struct storvsc_chan *ch, struct storvsc_req *rq);
/* Fill the SRB of rq (cdb: a whole STORVSC_CDB_MAX buffer). */
void storvsc_srb_fill(struct storvsc_dev *sd, struct storvsc_req *rq, uint8_t lun,
		      const uint8_t cdb[STORVSC_CDB_MAX], uint8_t cdb_len, uint8_t data_in,
		      uint32_t len);

/* storvsc_blk.c */
/* The block layer's submit. */
int storvsc_blk_submit(struct blk_disk *d, struct blk_req *r);
/* Start pending block requests while channels and slots allow; never waits. */
void storvsc_kick(struct storvsc_dev *sd);
/* The whole block request is over: run done() where it may run (rule 5). */
void storvsc_blk_finish(struct storvsc_dev *sd, struct blk_req *r);

/* storvsc_recv.c */
void storvsc_on_channel(struct vmbus_channel *c, void *arg);

/* storvsc_sync.c */
/* Send a control operation on the primary and wait (init sequence). */
int storvsc_ctl(struct storvsc_dev *sd, uint32_t op, const void *payload, uint32_t len,
		struct storvsc_result *res);
/* A SCSI command with a buffer from blk_buf_alloc (or NULL), waiting. */
int storvsc_scsi_sync(struct storvsc_dev *sd, uint8_t lun, const uint8_t *cdb,
		      uint8_t cdb_len, uint8_t data_in, void *buf, uint32_t len,
		      struct storvsc_result *res);
/* End the waits of ch's synchronous commands with err; their requests stay
 * in flight until answered or failed after the close (rule 6). */
void storvsc_sync_release(struct storvsc_chan *ch, int err);

/* storvsc_watchdog.c */
void storvsc_watchdog_arm(struct storvsc_dev *sd);

/* storvsc_reset.c */
/* Take ch out of the rotation and queue its reset (any context; queueing
 * twice is harmless). */
void storvsc_chan_reset(struct storvsc_chan *ch, const char *why);
void storvsc_reset_work(struct work *w);

/* storvsc_scan.c */
/* Returns 0, -ENODEV when the controller went away, or the first error of
 * a LUN that answered but could not be handed to the block layer. */
int storvsc_scan(struct storvsc_dev *sd);
/* After the channels are closed: frees the scan buffer (kept while a
 * request is still in flight: the host may still write it). */
void storvsc_scan_fini(struct storvsc_dev *sd);
void storvsc_rescan_work(struct work *w);
void storvsc_lun_gone(struct storvsc_lun *l);

#endif

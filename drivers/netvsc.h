/*
 * The Hyper-V synthetic NIC driver's state and internal API (wire formats in
 * include/hyperv/nvsp.h and include/hyperv/rndis.h). Files:
 *   netvsc.c        probe/remove/release, the device state machine, the interface
 *                   work queue, link changes towards the stack
 *   netvsc_nvsp.c   NVSP requests: version negotiation, NDIS config and
 *                   version, receive and send buffer GPADLs, revoke
 *   netvsc_rndis.c  RNDIS requests (INITIALIZE, QUERY, SET) and their
 *                   responses, status indications
 *   netvsc_rx.c     the channel callback: transfer-page receive, completions
 *   netvsc_tx.c     send-buffer sections, sending frames, send completions
 *   netvsc_chan.c   channel open/close and vRSS sub-channels
 *   netvsc_rss.c    RSS capabilities and parameters (receive spreading)
 *   netvsc_parse.c  checks of host data (pure functions, unit tested)
 *
 * Contexts (who may touch what):
 *  - probe and remove run on the vmbus device queue and may wait;
 *  - the channel callbacks (netvsc_rx.c) run on vmbus_event and never wait:
 *    they copy, check, deliver frames to the stack, finish requests, and
 *    queue work on the interface's own queue nd->q;
 *  - nd->q (one per interface, rule 3) runs link changes; they may wait;
 *  - xmit runs on the stack's queue and never waits;
 *  - the sub-channel offer callback runs on vmbus_subchan and is the only
 *    place a sub-channel is opened.
 * One CPU, cooperative: code between waits runs alone, no locks needed
 * except netvsc_cfg_lock, which orders changes of interfaces towards the
 * stack (the role of Linux's RTNL).
 *
 * Guest switches (keelsim `guest-switch`, KEEL_TEST_HOOKS builds only; reset
 * by netvsc_knobs_reset):
 *   netvsc-subchannels=N   sub-channels to ask for (default 0)
 *   netvsc-shared-queue    every interface's work on one queue (the pre-fix
 *                          design)
 *   netvsc-ring-pages=N    ring pages each direction (a small ring fills)
 */
#ifndef KEEL_DRIVERS_NETVSC_H
#define KEEL_DRIVERS_NETVSC_H

#include <stdbool.h>
#include <stdint.h>

#include "include/hyperv/nvsp.h"
#include "include/hyperv/rndis.h"
#include "drivers/netvsc_parse.h"
#include "kernel/timer.h"
#include "kernel/wq.h"
#include "net/netdev.h"
#include "vmbus/vmbus.h"

/* ---- knobs ---- */

extern int netvsc_subchannels_wanted;
#ifdef KEEL_TEST_HOOKS
extern bool netvsc_shared_queue;
extern uint32_t netvsc_ring_pages;
#endif
void netvsc_knobs_reset(void);
int netvsc_guest_switch(const char *name);

/* ---- limits ---- */

#define NETVSC_MAX_SUBCHANNELS  4
#define NETVSC_MAX_CHANNELS     (1 + NETVSC_MAX_SUBCHANNELS)
#define NETVSC_RING_PAGES       8          /* each direction */
#define NETVSC_RX_PAGES         64         /* 256 KiB receive buffer */
#define NETVSC_TX_PAGES         24         /* 96 KiB send buffer */
#define NETVSC_TX_SECTIONS_MAX  64
#define NETVSC_RX_ID            0xCAFE     /* our receive buffer's id (Linux's) */
#define NETVSC_TX_ID            0
/* The largest MTU we ask for: a receive sub-allocation (256 + frame + 36
 * bytes as OpenVMM lays it out) must fit our private copy. */
#define NETVSC_MTU_MAX          (RNDIS_RESP_MAX - 256 - 36 - 14)
#define NETVSC_MIN_SECTION      68         /* Linux: smaller answers are refused */
#define NETVSC_RX_COPY_MAX      RNDIS_RESP_MAX   /* one RNDIS message, private copy */
#define NETVSC_PENDING_COMPS    64         /* receive completions owed, per channel */
#define NETVSC_TX_BACKLOG       NETVSC_TX_SECTIONS_MAX
#define NETVSC_CTL_TIMEOUT_NS   (5ull * WQ_NS_PER_S)
#define NETVSC_RNDIS_SET_MAX    (sizeof(struct rndis_rss_params) + 4 * RNDIS_RSS_TABLE_MAX + \
				 RNDIS_RSS_KEY_BYTES)

/* Request-id contexts (vmbus requestor): kind in bits 62-63, generation in
 * bits 32-61, slot in bits 0-31. A completion for an old generation of a
 * slot is refused. */
#define NETVSC_CTX_CTL   (1ull << 62)
#define NETVSC_CTX_TX    (2ull << 62)
#define NETVSC_CTX_KIND(c) ((c) & (3ull << 62))
#define NETVSC_CTX_GEN(c)  ((uint32_t)(((c) >> 32) & 0x3FFFFFFFu))
#define NETVSC_CTX_SLOT(c) ((uint32_t)(c))
#define NETVSC_CTX(kind, gen, slot) \
	((kind) | ((uint64_t)((gen) & 0x3FFFFFFFu) << 32) | (uint32_t)(slot))

struct netvsc_dev;

/*
 * A channel in this driver (vmbus keeps its own state machine);
 * netvsc_chan_transition is the only writer:
 *
 *   FREE --open--> OPENING --ok--> OPEN --bad host data--> FAILED
 *                     |              |                       |
 *                     +--error-------+--rescind/close--------+--> DEAD
 */
enum netvsc_chan_state {
	NCH_FREE,
	NCH_OPENING,
	NCH_OPEN,
	NCH_FAILED,      /* host broke the protocol: packets completed FAIL, dropped */
	NCH_DEAD,
};

struct netvsc_chan {
	struct vmbus_channel *c;
	struct netvsc_dev *nd;
	enum netvsc_chan_state state;
	uint16_t subidx;
	/* receive completions the ring had no room for, oldest first */
	uint64_t comp_id[NETVSC_PENDING_COMPS];
	uint32_t comp_status[NETVSC_PENDING_COMPS];
	uint32_t comp_head, comp_n;
	uint64_t n_rx, n_bad_ranges, n_bad_pkts;
	uint64_t pkt[NETVSC_RX_COPY_MAX / 8 + 1];     /* private copy of one ring packet */
	uint8_t msg[NETVSC_RX_COPY_MAX];              /* private copy of one RNDIS message */
};

/* The one outstanding NVSP control request (probe is sequential). */
struct netvsc_ctl {
	struct completion done;
	uint32_t gen;
	bool waiting;
	uint32_t expect;              /* completion type we wait for */
	int err;
	uint32_t len;
	uint8_t reply[64];
};

/* The one outstanding RNDIS request. */
struct netvsc_rreq {
	struct completion done;
	uint32_t req_id;              /* 0: none outstanding */
	uint32_t expect;              /* RNDIS_MSG_*_C */
	int err;
	uint32_t len;
	uint8_t resp[64];             /* the response, header included */
};

/*
 * Device states (netvsc.c netvsc_transition):
 *
 *   PROBING --nvsp+buffers+rndis up--> RUNNING --remove/rescind--> DEAD
 *      +--------------- error/timeout/rescind ----------------------^
 */
enum netvsc_state {
	NV_PROBING,
	NV_RUNNING,
	NV_DEAD,
};

struct netvsc_dev {
	struct vmbus_device *dev;
	enum netvsc_state state;
	struct wq *q;                 /* this interface's work queue (rule 3) */
	bool own_q;                   /* q was created for this interface */
	struct netdev *nd_stack;      /* NULL until attached */
	/* negotiated */
	uint32_t nvsp_ver;
	uint8_t mac[NETDEV_MAC_LEN];
	uint32_t mtu;
	uint64_t speed_bps;
	bool link_up;
	/* receive buffer (host writes, guest reads) */
	uint8_t *rx_buf;
	uint32_t rx_size, rx_gpadl;
	uint32_t rx_sub_alloc;        /* bytes per sub-allocation */
	bool rx_gpadl_live, rx_sent;  /* GPADL exists / host was told */
	/* send buffer (guest writes, host reads) */
	uint8_t *tx_buf;
	uint32_t tx_size, tx_gpadl;
	uint32_t tx_section_size, tx_nsections;
	bool tx_gpadl_live, tx_sent;
	uint64_t tx_busy;             /* bitmap of sections in flight */
	bool tx_stopped;              /* xmit refused a frame: wake the stack on a free section */
	uint32_t tx_gen[NETVSC_TX_SECTIONS_MAX];
	uint32_t tx_len[NETVSC_TX_SECTIONS_MAX];
	uint8_t tx_chantype[NETVSC_TX_SECTIONS_MAX];
	uint8_t tx_chan[NETVSC_TX_SECTIONS_MAX];      /* channel index it went out on */
	/* vRSS: frames of flow hash h go out on channel send_table[h % 16]
	 * (the host's SEND_INDIRECTION_TABLE, else i mod open channels) */
	uint8_t send_table[NVSP_SEND_TABLE_ENTRIES];
	bool send_table_host;         /* the host sent one: keep it */
	/* sections written but not yet on the ring (ring full), oldest first */
	uint8_t backlog[NETVSC_TX_BACKLOG];
	uint32_t backlog_head, backlog_n;
	/* requests */
	struct netvsc_ctl ctl;
	struct netvsc_rreq rreq;
	uint32_t next_req_id;
	/* channels: [0] is the primary */
	struct netvsc_chan ch[NETVSC_MAX_CHANNELS];
	uint16_t subs_requested;
	uint16_t rss_entries;         /* indirection table size (RSS capabilities) */
	/* link changes: recorded by the callback, applied by w_link */
	struct work w_link;
	bool link_event;              /* a change is waiting for w_link */
	bool link_event_up;
	bool link_down_seen;          /* a down came since the last pass (a bounce) */
	bool dying;                   /* remove started: no new interface work */
	bool filter_on;               /* the host delivers frames (packet filter set) */
	bool halting;                 /* teardown's own RNDIS requests */
	/* counters */
	uint64_t n_tx, n_tx_full, n_tx_done, n_tx_fail, n_unknown_ids, n_bad_comps;
	uint64_t n_rx_drop, n_link_events;
};

extern struct kmutex netvsc_cfg_lock;

/* netvsc.c */
extern const struct vmbus_driver netvsc_driver;
void netvsc_fail(struct netvsc_dev *nd);             /* state machine FAIL, any context */
void netvsc_link_event(struct netvsc_dev *nd, bool up);   /* callback: queue w_link */
const char *netvsc_name(const struct netvsc_dev *nd);

/* netvsc_nvsp.c */
int netvsc_nvsp_negotiate(struct netvsc_dev *nd);
int netvsc_nvsp_buffers(struct netvsc_dev *nd);
void netvsc_nvsp_revoke(struct netvsc_dev *nd);
void netvsc_buffers_free(struct netvsc_dev *nd);
/* Send one NVSP request on the primary and wait for its completion of type
 * `expect` (copied into nd->ctl.reply). */
int netvsc_ctl_call(struct netvsc_dev *nd, const void *req, uint32_t len, uint32_t expect);
void netvsc_ctl_done(struct netvsc_dev *nd, uint64_t ctx, const uint8_t *data, uint32_t len);
void netvsc_ctl_abort(struct netvsc_dev *nd, int err);

/* netvsc_rndis.c */
int netvsc_rndis_init(struct netvsc_dev *nd);
int netvsc_rndis_query(struct netvsc_dev *nd, uint32_t oid, void *out, uint32_t len);
int netvsc_rndis_query_in(struct netvsc_dev *nd, uint32_t oid, const void *in, uint32_t inlen,
			  void *out, uint32_t *len);
/* SET values up to NETVSC_RNDIS_SET_MAX bytes (the RSS parameters). */
int netvsc_rndis_set(struct netvsc_dev *nd, uint32_t oid, const void *val, uint32_t len);
/* A control message from the host (private copy, checked by netvsc_parse_rndis). */
void netvsc_rndis_control(struct netvsc_dev *nd, const uint8_t *msg,
			  const struct netvsc_rndis_msg *m);
void netvsc_rndis_abort(struct netvsc_dev *nd, int err);
/* Teardown: packet filter 0 and HALT while the primary is open. */
void netvsc_rndis_halt(struct netvsc_dev *nd);

/* netvsc_rx.c */
void netvsc_on_channel(struct vmbus_channel *c, void *arg);

/* netvsc_tx.c */
void netvsc_tx_init(struct netvsc_dev *nd);
int netvsc_xmit(void *drv, const void *frame, size_t len);
/* Copy an RNDIS message into a free section and send it (channel_type 0 or 1). */
int netvsc_tx_rndis(struct netvsc_dev *nd, const void *msg, uint32_t len, uint32_t chantype);
void netvsc_tx_done(struct netvsc_dev *nd, uint64_t ctx, uint32_t status);
/* Ring space came back: send the backlog. */
void netvsc_tx_kick(struct netvsc_dev *nd);
/* Everything in flight is finished (channel gone). */
void netvsc_tx_abort(struct netvsc_dev *nd);
/* Sub-channel idx is gone: its sections will never complete; free them. */
void netvsc_tx_chan_gone(struct netvsc_dev *nd, uint32_t idx);
/* The channel a frame goes out on (pure: send table and flow hash). */
uint32_t netvsc_tx_pick(const uint8_t *table, const uint8_t *frame, size_t len);

/* netvsc_rss.c */
/* Receive queues the host offers (RSS capabilities); 1 when it says none. */
uint32_t netvsc_rss_queues(struct netvsc_dev *nd);
/* RSS parameters spreading receive over nchan channels. */
int netvsc_rss_set(struct netvsc_dev *nd, uint32_t nchan);

/* netvsc_chan.c */
int netvsc_chan_open(struct netvsc_dev *nd, struct netvsc_chan *ch, struct vmbus_channel *c);
void netvsc_chan_transition(struct netvsc_chan *ch, enum netvsc_chan_state to);
void netvsc_chan_close_all(struct netvsc_dev *nd);
void netvsc_request_subchannels(struct netvsc_dev *nd);
void netvsc_subchan_offer(struct vmbus_device *dev, struct vmbus_channel *sc);
int netvsc_open_channels(const struct netvsc_dev *nd);
void netvsc_channels_changed(struct netvsc_dev *nd);
/* The host's SEND_INDIRECTION_TABLE (callback; private copy). */
void netvsc_send_table(struct netvsc_dev *nd, const uint8_t *msg, uint32_t len);

#endif

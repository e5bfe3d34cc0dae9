/*
 * The simulated NetVSP's device state, shared by host/netvsc_host.c (NVSP,
 * buffers, delivery through transfer pages) and host/rndis_host.c (RNDIS
 * answers). Not used outside host/.
 */
#ifndef KEEL_HOST_NETVSC_HOST_H
#define KEEL_HOST_NETVSC_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "host/device.h"
#include "host/host.h"
#include "host/netpeer.h"

#define NVH_MAX_VERSIONS  8
#define NVH_MAX_LINK_EV   8
#define NVH_SECTION       6144u     /* send-buffer section (OpenVMM) */
#define NVH_MAX_SLOTS     512       /* receive sub-allocations tracked */
#define NVH_BATCH         8         /* data frames per transfer-page packet */
#define NVH_FRAME_OFFSET  256u      /* a frame's place in its sub-allocation (OpenVMM) */
#define NVH_PPI_SIZE      16u       /* the checksum PPI: header + u32 */
#define NVH_WIRE_QUEUE    32u       /* frames from an attached port waiting */

/*
 * Init state of the primary (OpenVMM initialize; one transition function,
 * nvh_transition):
 *
 *   WAIT_INIT --INIT accepted--> WAIT_BUFFERS --recv buffer--> READY
 *   (a refused version stays in WAIT_INIT; an open goes back to WAIT_INIT)
 */
enum nvh_init { NVH_WAIT_INIT, NVH_WAIT_BUFFERS, NVH_READY };

struct nvh_link_ev {
	uint64_t at;
	uint32_t status;               /* RNDIS_STATUS_MEDIA_* or NETWORK_CHANGE */
	bool done;
};

struct nvh_dev {
	/* parameters */
	uint32_t versions[NVH_MAX_VERSIONS];
	int nversions;
	uint8_t mac[6];
	bool link_up;
	uint32_t speed;                /* 100 bit/s units */
	uint32_t max_sub;
	uint32_t max_frame;
	uint32_t section;              /* send-buffer section size granted */
	uint64_t read_stall;           /* reads of the guest's rings stop this long at ready */            /* largest frame (MTU + 14) granted, 0: 9216 */
	uint32_t bad_range;            /* the Nth transfer-page packet gets a bad range */
	uint64_t query_delay;          /* QUERY answers after init come this late */
	uint32_t pings_wanted;         /* end-of-run check */
	uint32_t dup_frames;           /* each answer of the peer delivered this often */
	struct nvh_link_ev link[NVH_MAX_LINK_EV];
	int nlink;
	/* protocol state (primary) */
	enum nvh_init init;
	uint32_t version;
	bool ndis_config, ndis_version, rndis_init, subchannels_done;
	uint32_t frame_mtu;
	uint32_t rx_gpadl, rx_size, sub_alloc, nslots;
	uint16_t rx_id;                /* the guest's id for its receive buffer */
	bool rx_known, rx_revoked;
	uint32_t tx_gpadl, tx_size;
	bool tx_known;
	uint32_t filter;
	bool filter_was_set, halted;   /* teardown order check */
	uint32_t granted, sub_opened;
	bool table_sent;
	/* receive sub-allocations in the guest's hands, by slot */
	uint64_t slot_id[NVH_MAX_SLOTS];     /* trans_id of the packet using it, 0 free */
	bool slot_bad[NVH_MAX_SLOTS];        /* it carried a bad range */
	bool bad_pending;                    /* that packet is not completed yet */
	uint64_t xfer_seq;
	struct netpeer peer;
	struct host_net_port port;     /* attached wire; peer when port.send is NULL */
	/* counters */
	uint64_t rndis_msgs, frames_in, frames_out, bad_completions;
	uint64_t offload_off_sets;
	uint64_t rss_sets;                   /* valid SETs of the RSS parameters */           /* SETs turning every checksum offload off */
	uint64_t tx_chan_mask;               /* channels the guest's frames came on */
	uint32_t tx_channels_wanted;         /* end-of-run check */
	/* receive side: data frames go round the open channels (a queue each) */
	uint64_t sub_open;                   /* sub-channels the guest has open */
	uint32_t rx_rr;
	uint8_t slot_sub[NVH_MAX_SLOTS];     /* channel each sub-allocation went on */
	uint64_t rx_chan_mask;               /* channels the guest completed frames on */
	uint32_t rx_channels_wanted;
	/* bench load: frames the host still sends unasked, and their length */
	uint32_t flood_left, flood_size;
};

/* rndis_host.c: one RNDIS control message from the guest (private copy). */
void nvh_rndis_control(struct host_dev *d, struct host_chan *c, const uint8_t *msg,
		       uint32_t len);
/* netvsc_host.c: queue an RNDIS message for the guest after delay ns. */
void nvh_queue(struct host_dev *d, uint32_t chantype, const void *msg, uint32_t len,
	       uint64_t delay);

#endif

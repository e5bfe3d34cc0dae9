/*
 * The simulated NVMe controller behind a vPCI function (host/nvme_host.c
 * registers, doorbells and queues; host/nvme_host_cmd.c admin and NVM
 * commands; host/nvme_host_params.c the scenario keys, docs/scenarios.md
 * "NVMe controller"). A vpci device with nvme=yes gives each function one
 * controller; the namespace store (memory or a raw image file) is shared by
 * the bus's functions and outlives an eject, as a disk does.
 */
#ifndef KEEL_HOST_NVME_HOST_H
#define KEEL_HOST_NVME_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "include/nvme.h"

#define NH_MAX_Q     9          /* admin + 8 I/O pairs */
#define NH_MAX_PEND  256        /* delayed completions in flight */
#define NH_MQES      63         /* CAP.MQES: 64 entries per queue */
#define NH_MSIX_OFF  0x2000u    /* MSI-X table offset in BAR 0 (registers first) */

struct host_dev;
struct vh_func;
struct backing;

struct nh_sq { bool live; uint64_t gpa; uint32_t size, head, tail; uint16_t cqid; };
struct nh_cq { bool live; uint64_t gpa; uint32_t size, tail, head; uint8_t phase;
	       uint16_t iv; bool ien; };

struct nh_pend {
	uint64_t due;
	uint16_t cqid;
	struct nvme_cqe e;
};

struct nh_ctrl {
	uint32_t serial;        /* the function instance this state is for */
	uint32_t cc, csts, aqa, intms;
	uint64_t asq, acq;
	struct nh_sq sq[NH_MAX_Q];
	struct nh_cq cq[NH_MAX_Q];
	uint32_t nq_granted;
	struct nh_pend pend[NH_MAX_PEND];
	uint32_t npend;
};

struct nh_dev {
	struct backing *store;
	char file[24];
	uint64_t size;
	uint32_t lbads;         /* log2 block size */
	uint32_t queues;        /* I/O pairs granted at most */
	bool dsm;
	uint64_t delay;         /* completions late by up to this (random) */
	uint32_t drop_nth, dup_nth, err_nth, cfs_nth, badcid_nth;
	bool hostile_id, stuck_phase;
	uint64_t io_seen;       /* I/O commands taken */
	struct nh_ctrl ctrl[8];
	/* counters for expectations */
	uint64_t n_read, n_write, n_flush, n_dsm, n_resets, n_dropped;
};

/* host/nvme_host_params.c: the keys nh_param takes (part of the vpci keys) */
#define NH_KEYS "nvme file nvme-dsm nvme-hostile-id nvme-stuck-phase nvme-delay nvme-drop " \
		"nvme-dup nvme-error nvme-fatal nvme-bad-cid nvme-size nvme-bs nvme-queues"
int nh_param(struct host_dev *d, struct nh_dev **pn, const char *key, const char *val);
int nh_open_store(struct nh_dev *n);
void nh_destroy(struct nh_dev *n);

/* host/nvme_host.c: BAR 0 accesses below the MSI-X table; false if not ours */
bool nh_mmio(struct host_dev *d, struct vh_func *f, int slot, uint64_t off, unsigned size,
	     bool write, uint64_t *val);
/* Post due delayed completions; returns the next due time or 0. */
uint64_t nh_tick(struct host_dev *d, uint64_t now);
/* Queue a completion for the guest (faults applied by the caller). */
void nh_post(struct host_dev *d, int slot, uint16_t cqid, const struct nvme_cqe *e,
	     uint64_t delay);

/* host/nvme_host_cmd.c */
void nh_admin(struct host_dev *d, int slot, const struct nvme_sqe *e);
void nh_io(struct host_dev *d, int slot, uint16_t sqid, const struct nvme_sqe *e);

#endif

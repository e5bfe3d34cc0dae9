/*
 * SCSI target emulation for the simulated storage host: one disk (LUN) over
 * a backing store, answering the commands of docs/protocols/storage.md §8 with the
 * identity Hyper-V presents ("Msft    " / "Virtual Disk    ") and OpenVMM's
 * error mapping (§7: illegal request -> SRB INVALID_REQUEST, medium / write
 * protect / unit attention -> SRB ERROR, each with fixed-format sense and
 * AUTOSENSE_VALID; buffer too small -> DATA_OVERRUN).
 *
 * The caller (host/storvsc_host.c) moves data between guest memory and the
 * command's buffer: it fills buf from the guest before a data-out command
 * and copies xfer bytes back after a data-in command. Controller-level
 * answers (REPORT LUNS, a LUN with no disk) are here too.
 */
#ifndef KEEL_HOST_SCSI_DISK_H
#define KEEL_HOST_SCSI_DISK_H

#include <stdbool.h>
#include <stdint.h>

#include "include/hyperv/storvsc_wire.h"

struct backing;

struct scsi_disk_cfg {
	uint8_t lun;
	uint32_t block_size;         /* 512 or 4096 */
	uint32_t max_transfer;       /* bytes, reported in VPD 0xB0 */
	bool unmap;                  /* UNMAP + VPD 0xB2 + LBPME */
	bool read_only;
	uint8_t uid[8];              /* makes the serial and NAA id unique */
};

struct scsi_disk {
	struct scsi_disk_cfg cfg;
	struct backing *b;
	uint64_t nblocks;
	char serial[24];
	uint8_t naa[16];
	bool unit_attention;         /* report capacity-changed once (§10) */
	uint64_t cmds, errors;
};

/* One command: inputs from the SRB, outputs for the completion. */
struct scsi_cmd {
	const uint8_t *cdb;
	uint8_t cdb_len;
	uint8_t dir;                 /* STORVSC_DATA_* */
	uint8_t *buf;                /* data buffer of len bytes */
	uint32_t len;                /* the SRB's data_transfer_length */
	/* results */
	uint8_t srb_status;          /* incl. AUTOSENSE_VALID */
	uint8_t scsi_status;
	uint8_t sense[STORVSC_SENSE_MAX];
	uint8_t sense_len;
	uint32_t xfer;               /* bytes transferred */
	bool is_write;               /* a data write that reached the store */
	uint64_t lba;                /* for READ/WRITE: first block and count */
	uint32_t blocks;
};

/* The disk takes ownership of b (closed by scsi_disk_destroy). */
int scsi_disk_create(struct scsi_disk **out, struct backing *b, const struct scsi_disk_cfg *cfg);
void scsi_disk_destroy(struct scsi_disk *d);

/*
 * Execute one command. Returns 0 (the results say how it went) or -EPROTO
 * when the guest broke the transport contract (data direction disagreeing
 * with the CDB): the caller reports a violation.
 */
int scsi_disk_execute(struct scsi_disk *d, struct scsi_cmd *c);

/* Controller-level: INQUIRY to an empty LUN (type 0x7F, GOOD), every other
 * command there (SRB INVALID_LUN, §10). */
void scsi_no_lun(struct scsi_cmd *c);
/* REPORT LUNS over the LUN numbers present (§8). */
void scsi_report_luns(struct scsi_cmd *c, const uint8_t *luns, int n);

/* Fill c as CHECK CONDITION with fixed-format sense (srb = SRB status code). */
void scsi_check(struct scsi_cmd *c, uint8_t srb, uint8_t key, uint8_t asc, uint8_t ascq);
/* NTSTATUS for the completion header from an SRB status (§5.1). */
uint32_t scsi_srb_to_ntstatus(uint8_t srb_status);

#endif

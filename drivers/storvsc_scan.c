/*
 * LUN discovery of the storvsc driver (docs/protocols/storage.md §8, §9, §10): REPORT LUNS
 * at path 0 target 0 (INQUIRY probing of LUNs 0..7 when it fails), then per
 * LUN: standard INQUIRY, VPD pages 0x00 / 0x80 / 0x83 / 0xB0 (a failing VPD
 * page means "not supported", §7), TEST UNIT READY (unit attention retried),
 * READ CAPACITY(16) with READ CAPACITY(10) as the fallback, and the disk is
 * handed to the block layer. A rescan (ENUMERATE_BUS, or INVALID_LUN on an
 * I/O) re-runs the same steps: LUNs no longer reported, or whose TEST UNIT
 * READY fails with "no device", are removed; new ones are added. A LUN that
 * answers but cannot be handed to the block layer (blk_disk_add fails) is
 * an error of that LUN, logged, and the scan returns it: the probe does not
 * call such a controller ready.
 *
 * The scan's data buffer is freed when the scan ends, unless a command on
 * it was abandoned unanswered (storvsc_scsi_sync gave up waiting): then the
 * host may still write it, and it is parked in sd->scan_buf until
 * storvsc_scan_fini, after the channels are closed. While one is parked no
 * new scan runs.
 *
 * Runs in work items that may wait: probe (vmbus device queue) and
 * storvsc_rescan_work (the device's own queue sd->q).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "drivers/storvsc.h"
#include "drivers/storvsc_scsi.h"
#include "kernel/log.h"

#define SCAN_BUF 4096u

static const struct blk_disk_ops storvsc_blk_ops = {
	.submit = storvsc_blk_submit,
};

static int scsi_cmd(struct storvsc_dev *sd, uint8_t lun, const uint8_t *cdb, uint8_t cdb_len,
		    void *buf, uint32_t len, struct storvsc_result *res)
{
	memset(res, 0, sizeof(*res));
	if (buf)
		memset(buf, 0, len);
	return storvsc_scsi_sync(sd, lun, cdb, cdb_len, STORVSC_DATA_IN, buf, len, res);
}

static void log_failure(struct storvsc_dev *sd, uint8_t lun, const char *what,
			const struct storvsc_result *res, int err)
{
	char why[160];

	if (!res->srb_status || storvsc_decode_result(res->srb_status, res->scsi_status, res->sense,
						      res->sense_len, why, sizeof(why)) == 0)
		snprintf(why, sizeof(why), "%s (%d)", err == -EOVERFLOW ?
			 "more than 2^32 blocks and no READ CAPACITY(16)" :
			 err == -EINVAL ? "malformed data" : blk_strerror(err), err);
	pr_info("storvsc: %s: lun %u: %s: %s\n", vmbus_device_name(sd->dev), lun, what, why);
}

/* REPORT LUNS, or probing when the host does not answer it (§9). */
static int scan_report_luns(struct storvsc_dev *sd, uint8_t *buf, uint8_t *luns, int *n)
{
	struct storvsc_result res;
	uint8_t cdb[16], len = scsi_cdb_report_luns(cdb, SCAN_BUF);
	int err = scsi_cmd(sd, 0, cdb, len, buf, SCAN_BUF, &res);

	if (!err)
		err = scsi_parse_report_luns(buf, res.xfer_len, luns, STORVSC_MAX_LUNS, n);
	if (err == -ENODEV && !storvsc_open_channels(sd))
		return err;
	if (err) {
		log_failure(sd, 0, "REPORT LUNS failed; probing LUNs", &res, err);
		*n = STORVSC_MAX_LUNS;
		for (int i = 0; i < *n; i++)
			luns[i] = (uint8_t)i;
	}
	return 0;
}

static int lun_inquiry(struct storvsc_dev *sd, struct storvsc_lun *l, uint8_t *buf)
{
	struct storvsc_result res;
	struct scsi_inquiry inq;
	uint8_t cdb[16], len, pages[64];
	int err, np = 0;

	len = scsi_cdb_inquiry(cdb, false, 0, 96);
	err = scsi_cmd(sd, l->lun, cdb, len, buf, 96, &res);
	if (err)
		return err;
	err = scsi_parse_inquiry(buf, res.xfer_len, &inq);
	if (err)
		return err;
	/* §8: type 0x7F (qualifier 3) is "no logical unit here". */
	if (inq.qualifier == 3 || inq.type == 0x1F)
		return -ENODEV;
	if (inq.type != SCSI_PERIPH_DISK) {
		pr_info("storvsc: %s: lun %u: peripheral type 0x%x is not a disk; ignored\n",
			vmbus_device_name(sd->dev), l->lun, inq.type);
		return -ENODEV;
	}
	l->periph_type = inq.type;
	memcpy(l->vendor, inq.vendor, sizeof(l->vendor));
	memcpy(l->product, inq.product, sizeof(l->product));
	memcpy(l->revision, inq.revision, sizeof(l->revision));

	/* VPD 0x00, then the pages it lists (§7: a failure is "unsupported"). */
	len = scsi_cdb_inquiry(cdb, true, SCSI_VPD_SUPPORTED_PAGES, 255);
	if (scsi_cmd(sd, l->lun, cdb, len, buf, 255, &res) == 0)
		scsi_parse_vpd_pages(buf, res.xfer_len, pages, (int)sizeof(pages), &np);
	l->serial[0] = l->devid[0] = '\0';
	l->bl_max_xfer_blocks = l->bl_max_unmap_blocks = 0;
	if (scsi_vpd_has(pages, np, SCSI_VPD_UNIT_SERIAL)) {
		len = scsi_cdb_inquiry(cdb, true, SCSI_VPD_UNIT_SERIAL, 255);
		if (scsi_cmd(sd, l->lun, cdb, len, buf, 255, &res) == 0)
			scsi_parse_vpd_serial(buf, res.xfer_len, l->serial, sizeof(l->serial));
	}
	if (scsi_vpd_has(pages, np, SCSI_VPD_DEVICE_ID)) {
		len = scsi_cdb_inquiry(cdb, true, SCSI_VPD_DEVICE_ID, 255);
		if (scsi_cmd(sd, l->lun, cdb, len, buf, 255, &res) == 0)
			scsi_parse_vpd_devid(buf, res.xfer_len, l->devid, sizeof(l->devid));
	}
	if (scsi_vpd_has(pages, np, SCSI_VPD_BLOCK_LIMITS)) {
		len = scsi_cdb_inquiry(cdb, true, SCSI_VPD_BLOCK_LIMITS, 64);
		if (scsi_cmd(sd, l->lun, cdb, len, buf, 64, &res) == 0)
			scsi_parse_vpd_block_limits(buf, res.xfer_len, &l->bl_max_xfer_blocks,
						    &l->bl_max_unmap_blocks);
	}
	return 0;
}

/* TEST UNIT READY; unit attention / not ready are retried a few times. */
static int lun_ready(struct storvsc_dev *sd, struct storvsc_lun *l)
{
	struct storvsc_result res;
	uint8_t cdb[16], len = scsi_cdb_test_unit_ready(cdb);
	int err = -EIO;

	for (int i = 0; i < 4; i++) {
		err = scsi_cmd(sd, l->lun, cdb, len, NULL, 0, &res);
		if (err != -EAGAIN)
			break;
	}
	if (err)
		log_failure(sd, l->lun, "TEST UNIT READY", &res, err);
	return err;
}

static int lun_capacity(struct storvsc_dev *sd, struct storvsc_lun *l, uint8_t *buf,
			struct scsi_capacity *cap)
{
	struct storvsc_result res;
	uint8_t cdb[16], len;
	int err;

	len = scsi_cdb_read_capacity16(cdb, SCSI_RC16_LEN);
	err = scsi_cmd(sd, l->lun, cdb, len, buf, SCSI_RC16_LEN, &res);
	if (!err)
		err = scsi_parse_capacity16(buf, res.xfer_len, cap);
	if (!err)
		return 0;
	if (err == -ENODEV)
		return err;
	log_failure(sd, l->lun, "READ CAPACITY(16) failed; trying (10)", &res, err);
	len = scsi_cdb_read_capacity10(cdb);
	err = scsi_cmd(sd, l->lun, cdb, len, buf, SCSI_RC10_LEN, &res);
	if (!err)
		err = scsi_parse_capacity10(buf, res.xfer_len, cap);
	if (!err && cap->saturated)
		err = -EOVERFLOW;        /* > 2^32 blocks and no (16): unusable */
	if (err)
		log_failure(sd, l->lun, "READ CAPACITY(10)", &res, err);
	return err;
}

/* A known LUN's capacity again (unit attention "capacity data has
 * changed", §10): a new size is taken over; a new block size means a new
 * disk (the old one goes, the next scan adds it). */
static void lun_recheck_capacity(struct storvsc_dev *sd, struct storvsc_lun *l, uint8_t *buf)
{
	struct scsi_capacity cap;
	struct blk_disk *d = &l->disk;

	if (lun_capacity(sd, l, buf, &cap))
		return;
	if (cap.block_size != d->block_size) {
		pr_info("storvsc: %s: lun %u block size %u -> %u\n", vmbus_device_name(sd->dev),
			l->lun, d->block_size, cap.block_size);
		storvsc_lun_gone(l);
		return;
	}
	if (cap.nblocks != d->nblocks) {
		pr_info("storvsc: %s: %s capacity %llu -> %llu blocks\n", vmbus_device_name(sd->dev),
			d->name, (unsigned long long)d->nblocks, (unsigned long long)cap.nblocks);
		d->nblocks = cap.nblocks;
		l->use16 = cap.nblocks > 0xFFFFFFFFull;
	}
}

static struct storvsc_lun *lun_slot(struct storvsc_dev *sd, uint8_t lun)
{
	struct storvsc_lun *free_slot = NULL;

	for (int i = 0; i < STORVSC_MAX_LUNS; i++) {
		struct storvsc_lun *l = &sd->luns[i];

		if (l->registered && l->lun == lun)
			return l;
		if (!l->registered && !free_slot)
			free_slot = l;
	}
	return free_slot;
}

void storvsc_lun_gone(struct storvsc_lun *l)
{
	struct storvsc_dev *sd = l->sd;

	l->present = false;
	if (l->registered) {
		pr_info("storvsc: %s: lun %u (%s) removed\n", vmbus_device_name(sd->dev), l->lun,
			l->disk.name);
		blk_disk_remove(&l->disk);
		l->registered = false;
	}
	if (sd->state == SD_RUNNING && sd->q)
		wq_queue(sd->q, &sd->w_rescan);
}

/* Returns 0 or the error; *blk_err gets blk_disk_add's error if it was
 * the block layer that refused the disk. */
static int lun_add(struct storvsc_dev *sd, struct storvsc_lun *l, uint8_t *buf, int *blk_err)
{
	struct scsi_capacity cap;
	struct blk_disk *d = &l->disk;
	int err;

	err = lun_inquiry(sd, l, buf);
	if (!err)
		err = lun_ready(sd, l);
	if (!err)
		err = lun_capacity(sd, l, buf, &cap);
	if (err)
		return err;
	l->lbpme = cap.lbpme;
	l->use16 = cap.nblocks > 0xFFFFFFFFull;
	memset(d, 0, sizeof(*d));
	d->block_size = cap.block_size;
	d->nblocks = cap.nblocks;
	/* UNMAP only when the device advertises thin provisioning. */
	d->can_unmap = cap.lbpme;
	d->ops = &storvsc_blk_ops;
	d->priv = l;
	d->completer = sd->event_q;
	snprintf(d->model, sizeof(d->model), "%s %s %s", l->vendor, l->product, l->revision);
	l->present = true;
	l->registered = true;
	err = blk_disk_add(d);
	if (err) {
		l->registered = false;
		l->present = false;
		*blk_err = err;
		pr_err("storvsc: %s: lun %u: the block layer refused the disk: %s\n",
		       vmbus_device_name(sd->dev), l->lun, blk_strerror(err));
		return err;
	}
	pr_info("storvsc: %s: lun %u is %s: \"%s\", %llu blocks of %u bytes (%llu MiB), "
		"serial \"%s\", id %s, unmap %s, %d channel(s)\n", vmbus_device_name(sd->dev),
		l->lun, d->name, d->model, (unsigned long long)d->nblocks, d->block_size,
		(unsigned long long)((d->nblocks * d->block_size) >> 20), l->serial,
		l->devid[0] ? l->devid : "-", d->can_unmap ? "yes" : "no",
		storvsc_open_channels(sd));
	return 0;
}

int storvsc_scan(struct storvsc_dev *sd)
{
	uint8_t *buf, luns[STORVSC_MAX_LUNS];
	int n = 0, err, first_err = 0;

	if (sd->scan_buf)
		return -EBUSY;          /* a parked buffer: wait for the close */
	buf = blk_buf_alloc(SCAN_BUF);
	if (!buf)
		return -ENOMEM;
	sd->scan_abandoned = false;
	err = scan_report_luns(sd, buf, luns, &n);
	if (err)
		goto out;
	/* Known LUNs: still reported and ready? (§10, Linux's host scan) */
	for (int i = 0; i < STORVSC_MAX_LUNS; i++) {
		struct storvsc_lun *l = &sd->luns[i];
		bool reported = false;

		if (!l->registered)
			continue;
		for (int k = 0; k < n; k++)
			reported |= luns[k] == l->lun;
		if (!reported || lun_ready(sd, l) == -ENODEV) {
			storvsc_lun_gone(l);
			continue;
		}
		lun_recheck_capacity(sd, l, buf);
	}
	/* New LUNs. */
	for (int k = 0; k < n && sd->state != SD_DEAD; k++) {
		struct storvsc_lun *l = lun_slot(sd, luns[k]);
		int blk_err = 0;

		if (!l) {
			pr_err("storvsc: %s: more than %d LUNs; lun %u ignored\n",
			       vmbus_device_name(sd->dev), STORVSC_MAX_LUNS, luns[k]);
			continue;
		}
		if (l->registered)
			continue;
		l->sd = sd;
		l->lun = luns[k];
		err = lun_add(sd, l, buf, &blk_err);
		if (err == -ENODEV && !storvsc_open_channels(sd))
			goto out;
		if (err && err != -ENODEV && !blk_err)
			pr_err("storvsc: %s: lun %u not added: %s\n", vmbus_device_name(sd->dev),
			       luns[k], blk_strerror(err));
		if (blk_err && !first_err)
			first_err = blk_err;
	}
	err = first_err;
out:
	if (sd->scan_abandoned)
		sd->scan_buf = buf;
	else
		blk_buf_free(buf, SCAN_BUF);
	return err;
}

void storvsc_scan_fini(struct storvsc_dev *sd)
{
	/* A slot still taken is a request whose close the host did not
	 * confirm: it may be the abandoned scan command, whose buffer the
	 * host may still write. Kept, never reused (rule 6). */
	if (sd->scan_buf && sd->free_top == STORVSC_MAX_REQS)
		blk_buf_free(sd->scan_buf, SCAN_BUF);
	sd->scan_buf = NULL;
}

/* sd->q: ENUMERATE_BUS or a LUN that answered INVALID_LUN. */
void storvsc_rescan_work(struct work *w)
{
	struct storvsc_dev *sd = wq_container_of(w, struct storvsc_dev, w_rescan);

	if (sd->state != SD_RUNNING)
		return;
	sd->n_rescans++;
	pr_info("storvsc: %s: rescanning the bus\n", vmbus_device_name(sd->dev));
	storvsc_scan(sd);
}

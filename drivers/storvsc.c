/*
 * The Hyper-V synthetic SCSI controller driver: probe (open the primary, the
 * VSTOR initialization sequence with protocol versions newest first, channel
 * properties, CREATE_SUB_CHANNELS, the LUN scan), the sub-channel callback
 * (the only place sub-channels are opened), and remove.
 *
 * Follows docs/protocols/storage.md §3 (versions and the request-size
 * difference), §5.3 (channel properties), §6 (init sequence), §11 and §11.1
 * (sub-channels: the handler is installed before CREATE_SUB_CHANNELS and is
 * the only opener; both host orders work because the accepted index range
 * is set before the request goes out and nothing waits for the offers),
 * §13 (teardown). The request path is storvsc_{req,chan,send,blk,recv,sync,watchdog}.c
 * (listed in storvsc.h), the scan storvsc_scan.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/diskinfo.h"
#include "drivers/storvsc.h"
#include "include/hyperv/vmbus_guids.h"
#include "kernel/log.h"
#include "kernel/platform.h"

int storvsc_subchannels_wanted = 2;

/* §3: newest first; the WIN7 row makes the guest send 48-byte packets with
 * a 36-byte SRB and 18 bytes of sense to a pre-Win8 host. */
static const struct storvsc_version_info storvsc_versions[STORVSC_VERSION_TABLE_LEN] =
	STORVSC_VERSION_TABLE_INIT;

void storvsc_knobs_reset(void)
{
	storvsc_inline_completions = false;
	storvsc_subchannels_wanted = 2;
	storvsc_chan_depth = STORVSC_CHAN_DEPTH_MAX;
	storvsc_io_limit_ns = STORVSC_IO_LIMIT_NS;
	diskinfo_knobs_reset();
}

#ifdef KEEL_TEST_HOOKS
/* storvsc-io-limit=T: T in s (default) or ms; 0 is refused. */
static int io_limit_switch(const char *v)
{
	char *end;
	unsigned long long n = strtoull(v, &end, 10);
	uint64_t unit = WQ_NS_PER_S;

	if (!strcmp(end, "ms"))
		unit = WQ_NS_PER_MS;
	else if (*end && strcmp(end, "s"))
		return -1;
	if (n == 0 || end == v)
		return -1;
	storvsc_io_limit_ns = n * unit;
	return 0;
}
#endif

/* Guest switches (keelsim `guest-switch`, kernel command line). The ones
 * that restore an old design or shorten a protocol limit exist only in
 * KEEL_TEST_HOOKS builds. */
int storvsc_guest_switch(const char *name)
{
#ifdef KEEL_TEST_HOOKS
	if (!strcmp(name, "storvsc-inline-completions")) {
		storvsc_inline_completions = true;
		return 0;
	}
	if (!strncmp(name, "storvsc-io-limit=", 17))
		return io_limit_switch(name + 17);
#endif
	if (!strncmp(name, "storvsc-subchannels=", 20)) {
		storvsc_subchannels_wanted = atoi(name + 20);
		return 0;
	}
	if (!strncmp(name, "storvsc-depth=", 14)) {
		storvsc_chan_depth = atoi(name + 14);
		return 0;
	}
	return diskinfo_guest_switch(name);
}

/*
 * The device state machine (drawn in storvsc.h). One transition function;
 * an impossible move is a bug in this file, reported loudly.
 */
enum storvsc_event { SEV_INIT_OK, SEV_SCAN_OK, SEV_FAIL };

static void storvsc_transition(struct storvsc_dev *sd, enum storvsc_event ev)
{
	enum storvsc_state from = sd->state;

	switch (ev) {
	case SEV_INIT_OK:
		if (from == SD_INIT) {
			sd->state = SD_READY;
			return;
		}
		break;
	case SEV_SCAN_OK:
		if (from == SD_READY) {
			sd->state = SD_RUNNING;
			return;
		}
		if (from == SD_DEAD)
			return;         /* removed while scanning */
		break;
	case SEV_FAIL:
		sd->state = SD_DEAD;
		return;
	}
	pr_err("storvsc: bug: event %d in state %d\n", ev, from);
}

void storvsc_mark_dead(struct storvsc_dev *sd)
{
	storvsc_transition(sd, SEV_FAIL);
}

/* ---- §6 initialization ---- */

static int storvsc_negotiate(struct storvsc_dev *sd)
{
	struct storvsc_result res = { 0 };
	int err;

	for (unsigned i = 0; i < STORVSC_VERSION_TABLE_LEN; i++) {
		const struct storvsc_version_info *v = &storvsc_versions[i];
		struct storvsc_proto_version pv = { .major_minor = v->version, .revision = 0 };

		memset(&res, 0, sizeof(res));
		err = storvsc_ctl(sd, STORVSC_OP_QUERY_PROTOCOL_VERSION, &pv, sizeof(pv), &res);
		if (!err) {
			sd->ver = v;
			sd->pkt_size = v->pkt_size;
			pr_info("storvsc: %s: protocol %u.%u (%u-byte packets)\n",
				vmbus_device_name(sd->dev), v->version >> 8, v->version & 0xFF,
				sd->pkt_size);
			return 0;
		}
		/* A status other than success: try the next (older) one. Any
		 * other failure (wrong operation, timeout, rescind) is fatal. */
		if (err != -EIO)
			return err;
		pr_debug("storvsc: version 0x%04x refused (0x%08x)\n", v->version, res.nt_status);
	}
	pr_err("storvsc: %s: the host accepts none of our protocol versions\n",
	       vmbus_device_name(sd->dev));
	return -EPROTONOSUPPORT;
}

static int storvsc_query_props(struct storvsc_dev *sd)
{
	struct storvsc_channel_props p;
	struct storvsc_result res = { 0 };
	uint32_t mtb;
	int err;

	err = storvsc_ctl(sd, STORVSC_OP_QUERY_PROPERTIES, NULL, 0, &res);
	if (err)
		return err;
	memcpy(&p, res.props, sizeof(p));
	sd->max_channel_cnt = p.max_channel_cnt;
	sd->props_flags = p.flags;
	/* §14 item 8: round down to 4 KiB; 0 means a small safe default;
	 * one GPA packet carries at most STORVSC_MAX_XFER_CAP. */
	mtb = p.max_transfer_bytes & ~(PLAT_PAGE_SIZE - 1);
	if (mtb == 0)
		mtb = STORVSC_DEFAULT_XFER;
	if (mtb > STORVSC_MAX_XFER_CAP)
		mtb = STORVSC_MAX_XFER_CAP;
	sd->max_xfer = mtb;
	pr_info("storvsc: %s: max transfer %u bytes (host %u), sub-channels up to %u, flags 0x%x\n",
		vmbus_device_name(sd->dev), sd->max_xfer, p.max_transfer_bytes, p.max_channel_cnt,
		p.flags);
	return 0;
}

/* §11: ask for sub-channels; they are opened by storvsc_subchan_offer as
 * their offers arrive, before or after this completion. */
static void storvsc_request_subchannels(struct storvsc_dev *sd)
{
	struct storvsc_subchannel_req req;
	struct storvsc_result res = { 0 };
	int n = storvsc_subchannels_wanted, err;

	if (!sd->ver->multichannel || !(sd->props_flags & STORVSC_PROP_MULTI_CHANNEL))
		return;
	if (n > sd->max_channel_cnt)
		n = sd->max_channel_cnt;
	if (n > STORVSC_MAX_SUBCHANNELS)
		n = STORVSC_MAX_SUBCHANNELS;
	if (n <= 0)
		return;
	/* The handler accepts indices 1..n from now on (§11.1: installed
	 * before the request). */
	sd->subs_requested = (uint16_t)n;
	vmbus_device_request_subchannels(sd->dev);
	req.sub_channel_count = (uint16_t)n;
	err = storvsc_ctl(sd, STORVSC_OP_CREATE_SUB_CHANNELS, &req, sizeof(req), &res);
	if (err)
		pr_err("storvsc: %s: CREATE_SUB_CHANNELS(%d) failed (%d, status 0x%08x); "
		       "using the channels offered so far\n", vmbus_device_name(sd->dev), n, err,
		       res.nt_status);
}

/* §13: sub-channels first, then the primary; each is closed before what
 * was in flight on it fails (storvsc_chan_close), then the pending FIFO
 * fails (the device is DEAD by now). May wait. */
static void storvsc_close_all(struct storvsc_dev *sd)
{
	for (int k = STORVSC_MAX_CHANNELS - 1; k >= 0; k--)
		storvsc_chan_close(&sd->ch[k], -ENODEV);
	storvsc_fail_pending(sd);
}

/* §6: BEGIN, versions newest first, QUERY_PROPERTIES, END on the open
 * primary. The probe runs it once; a reset of the primary again. */
int storvsc_init_protocol(struct storvsc_dev *sd)
{
	struct storvsc_result res = { 0 };
	const char *step = "BEGIN_INITIALIZATION";
	int err;

	err = storvsc_ctl(sd, STORVSC_OP_BEGIN_INITIALIZATION, NULL, 0, &res);
	if (err)
		goto fail;
	err = storvsc_negotiate(sd);
	if (err)
		return err;             /* logged there */
	step = "QUERY_PROPERTIES";
	err = storvsc_query_props(sd);
	if (err)
		goto fail;
	step = "END_INITIALIZATION";
	memset(&res, 0, sizeof(res));
	err = storvsc_ctl(sd, STORVSC_OP_END_INITIALIZATION, NULL, 0, &res);
	if (err)
		goto fail;
	return 0;
fail:
	/* res.nt_status stays 0 when the request never got an answer. */
	pr_err("storvsc: %s: %s failed (%d, status 0x%08x)\n", vmbus_device_name(sd->dev), step,
	       err, res.nt_status);
	return err;
}

static void storvsc_retired_gc(void);

static int storvsc_probe(struct vmbus_device *dev)
{
	struct storvsc_dev *sd = calloc(1, sizeof(*sd));
	int err;

	if (!sd)
		return -ENOMEM;
	storvsc_retired_gc();
	sd->dev = dev;
	sd->state = SD_INIT;
	/* Until a version is accepted, packets have the pre-Win8 size (§3). */
	sd->ver = &storvsc_versions[STORVSC_VERSION_TABLE_LEN - 1];
	sd->pkt_size = STORVSC_PKT_SIZE_PRE_WIN8;
	sd->max_xfer = STORVSC_DEFAULT_XFER;
	storvsc_io_init(sd);
	work_init(&sd->w_rescan, storvsc_rescan_work, "storvsc_rescan");
	work_init(&sd->w_reset, storvsc_reset_work, "storvsc_reset");
	vmbus_device_set_priv(dev, sd);
	diskinfo_attach();
	/* Own queue: deferred completions (rule 5), rescans and resets;
	 * several slots so a waiting done() does not hold up the next. */
	sd->q = wq_create("storvsc", 4);
	if (!sd->q) {
		err = -ENOMEM;
		goto fail;
	}
	err = storvsc_open_chan(sd, &sd->ch[0], vmbus_device_channel(dev));
	if (err)
		goto fail;
	err = storvsc_init_protocol(sd);
	if (err)
		goto fail;
	storvsc_transition(sd, SEV_INIT_OK);
	storvsc_request_subchannels(sd);
	err = storvsc_scan(sd);
	if (err)
		goto fail;
	storvsc_transition(sd, SEV_SCAN_OK);
	if (sd->state != SD_RUNNING) {
		err = -ENODEV;
		goto fail;
	}
	if (sd->rescan_pending) {
		sd->rescan_pending = false;
		wq_queue(sd->q, &sd->w_rescan);
	}
	vmbus_device_set_ready(dev);
	return 0;
fail:
	/* Not "ready": a controller whose disks could not all be handed to
	 * the block layer fails as a whole (its disks go first). */
	pr_err("storvsc: %s: probe failed (%d)\n", vmbus_device_name(dev), err);
	storvsc_transition(sd, SEV_FAIL);
	for (int i = 0; i < STORVSC_MAX_LUNS; i++)
		if (sd->luns[i].registered)
			storvsc_lun_gone(&sd->luns[i]);
	storvsc_close_all(sd);
	storvsc_scan_fini(sd);
	return err;
}

/* The device's sub-channel queue: the only path that opens a sub-channel
 * (§11.1); called only after vmbus_device_request_subchannels. */
static void storvsc_subchan_offer(struct vmbus_device *dev, struct vmbus_channel *sc)
{
	struct storvsc_dev *sd = vmbus_device_priv(dev);
	uint16_t idx = vmbus_chan_subidx(sc);
	int err;

	if (!sd || sd->state == SD_DEAD)
		return;
	/* §14 item 11: only indices we asked for, each once. */
	if (idx == 0 || idx > sd->subs_requested || idx > STORVSC_MAX_SUBCHANNELS) {
		pr_err("storvsc: %s: unexpected sub-channel index %u (asked for %u); ignored\n",
		       vmbus_device_name(dev), idx, sd->subs_requested);
		return;
	}
	if (sd->ch[idx].state != SCH_FREE) {
		pr_err("storvsc: %s: duplicate sub-channel %u ignored\n", vmbus_device_name(dev), idx);
		return;
	}
	err = storvsc_open_chan(sd, &sd->ch[idx], sc);
	if (err)
		pr_err("storvsc: %s: sub-channel %u open failed (%d)\n", vmbus_device_name(dev),
		       idx, err);
	else
		pr_info("storvsc: %s: sub-channel %u open (%d channels)\n", vmbus_device_name(dev),
			idx, storvsc_open_channels(sd));
}

/* Device queue: the controller goes away (§13). */
static void storvsc_remove(struct vmbus_device *dev)
{
	struct storvsc_dev *sd = vmbus_device_priv(dev);

	if (!sd)
		return;
	storvsc_transition(sd, SEV_FAIL);
	wq_cancel(&sd->w_rescan);
	wq_cancel(&sd->w_reset);
	wq_cancel_delayed(&sd->w_kick);
	for (int i = 0; i < STORVSC_MAX_LUNS; i++)
		if (sd->luns[i].registered)
			storvsc_lun_gone(&sd->luns[i]);
	storvsc_close_all(sd);
	storvsc_scan_fini(sd);
	if (sd->watchdog.fn)
		timer_stop(&sd->watchdog);
	sd->watchdog_on = false;
}

/*
 * A released controller whose disks the block registry still points at
 * (removed with requests in flight: their completions are on their way) is
 * kept on this list and freed by a later probe or release once the
 * registry lets go. With every channel closed that is at most a deferred
 * completion away.
 */
static struct storvsc_dev *storvsc_retired;

static bool storvsc_disks_held(const struct storvsc_dev *sd)
{
	for (int i = 0; i < STORVSC_MAX_LUNS; i++)
		if (blk_disk_held(&sd->luns[i].disk))
			return true;
	return false;
}

static void storvsc_retired_gc(void)
{
	struct storvsc_dev **pp = &storvsc_retired;

	while (*pp) {
		struct storvsc_dev *sd = *pp;

		if (storvsc_disks_held(sd)) {
			pp = &sd->retired_next;
			continue;
		}
		*pp = sd->retired_next;
		free(sd);
	}
}

/* vmbus_chan, once: remove has run (or the probe failed) and every channel
 * is closed and released. Nothing of the controller may run afterwards:
 * its timer, its kick and its own queue are stopped first. */
static void storvsc_release(struct vmbus_device *dev)
{
	struct storvsc_dev *sd = vmbus_device_priv(dev);

	if (!sd)
		return;
	storvsc_transition(sd, SEV_FAIL);
	wq_cancel_delayed(&sd->w_kick);
	if (sd->watchdog.fn)
		timer_stop(&sd->watchdog);
	sd->watchdog_on = false;
	if (sd->q) {
		wq_cancel(&sd->w_rescan);
		wq_flush(sd->q, STORVSC_CTL_TIMEOUT_NS);
		wq_destroy(sd->q);
		sd->q = NULL;
	}
	vmbus_device_set_priv(dev, NULL);
	sd->retired_next = storvsc_retired;
	storvsc_retired = sd;
	storvsc_retired_gc();
}

const struct vmbus_driver storvsc_driver = {
	.class_id = VMBUS_CLASS_STORAGE,
	.name = "storvsc",
	.probe = storvsc_probe,
	.remove = storvsc_remove,
	.subchan_offer = storvsc_subchan_offer,
	.release = storvsc_release,
};

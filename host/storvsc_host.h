/*
 * The simulated storage host (StorVSP): device type "storage" for the
 * host's device table, plus a few queries tests and keelsim checks use to
 * look at a LUN from the host side. Implementation: host/storvsc_host.c
 * (VSTOR protocol), host/scsi_disk.c (SCSI target), host/backing.c (store).
 */
#ifndef KEEL_HOST_STORVSC_HOST_H
#define KEEL_HOST_STORVSC_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "host/device.h"

extern const struct host_dev_ops storvsc_dev_ops;

struct storvsc_host_stats {
	uint64_t srbs;              /* EXECUTE_SRB requests handled */
	uint64_t reads, writes;     /* data commands executed */
	uint64_t acked_writes;      /* write completions placed in the ring */
	uint64_t errors;            /* SRB completions other than SUCCESS */
	uint64_t faults;            /* injected (io-error, status triggers) */
	uint64_t dropped_replies;   /* completions lost to a rescind or close */
	uint64_t enumerates;        /* ENUMERATE_BUS sent */
	uint16_t version;           /* negotiated VSTOR version (0: none) */
};

/* Device index dev (host_device_find) of type "storage"; -ENODEV otherwise. */
int storvsc_host_get_stats(struct host *h, int dev, struct storvsc_host_stats *st);
/* Read a LUN's store directly (after a run: what did reach the disk). */
int storvsc_host_lun_read(struct host *h, int dev, int lun, uint64_t off, void *buf,
			  size_t len);

#endif

/*
 * The real guest under keelsim: Keel's work queues, timers and VMBus core
 * (kernel/wq.c and friends, kernel/timer.c, vmbus/, drivers/) as the hosted
 * build runs them. keelsim drives the work queues one item at a time
 * (wq_runnable / wq_run_once) and reads the guest's state through the VMBus
 * introspection API (vmbus_list_devices, vmbus_get_stats).
 */
#include <stdlib.h>
#include <string.h>

#include "kernel/timer.h"
#include "kernel/wq.h"
#include "drivers/block.h"
#include "drivers/echo.h"
#include "drivers/netvsc.h"
#include "drivers/nvme.h"
#include "drivers/kvp.h"
#include "drivers/shutdown.h"
#include "kernel/wallclock.h"
#include "drivers/pci.h"
#include "drivers/vpci.h"
#include "drivers/storvsc.h"
#include "host/vpci_host.h"
#include "sim/blkload.h"
#include "sim/netdev_sim.h"
#include "sim/sim.h"
#include "vmbus/vmbus.h"

bool sim_have_keel_guest = true;

static bool stopped_called;
static bool want_lsvmbus, listed;      /* guest switch "lsvmbus" */

/* The platform power-off and reset as keelsim sees them (drivers/shutdown.h). */
static void keel_power(enum shutdown_action a)
{
	sim_guest_power = a == SHUTDOWN_RESTART ? SIM_POWER_RESET : SIM_POWER_OFF;
	blkload_power_off();
}

static int keel_start(void)
{
	/* wq_init/timer_init per seed: a clean work-queue core (kernel/wq.h). */
	wq_init();
	timer_init();
	wq_set_deadlock_action(WQ_DEADLOCK_RECORD);
	wq_set_may_wake(sim_may_wake, NULL);
	stopped_called = false;
	listed = false;
	shutdown_set_power_handler(keel_power);
	wallclock_reset();
	kvp_reset();
	blk_reset();                    /* a seed that panicked had no keel_fini */
	blkload_start();                /* storage load generator, if switched on */
	/* What firmware tells a Gen2 guest: the VMBus MMIO gaps (ACPI _CRS of
	 * the VMBus module) and the framebuffer (GOP) at the low gap's base. */
	pci_reset();
	nvme_reset();
	pci_mmio_add_range(VH_LOW_GAP_BASE, VH_LOW_GAP_SIZE);
	pci_mmio_add_range(VH_HIGH_GAP_BASE, VH_HIGH_GAP_SIZE);
	pci_mmio_set_framebuffer(VH_FB_BASE, VH_FB_SIZE);
	return vmbus_start();
}

static void keel_stop(void)
{
	stopped_called = true;
	vmbus_stop();
}

static void keel_fini(void)
{
	nvme_fini();                    /* the controllers' pages, before the functions go */
	vpci_fini();                    /* before vmbus_fini frees the devices */
	vmbus_fini();
	blkload_fini();
	blk_reset();                    /* the disks went with the devices */
	storvsc_knobs_reset();
	netvsc_knobs_reset();
	netdev_sim_reset();
	vmbus_legacy_single_queue = false;
	vmbus_test_subchan_on_device_queue = false;
	vmbus_test_shared_device_queue = false;
	echo_subchannels_wanted = 0;
	echo_packets_per_channel = 4;
	want_lsvmbus = false;
	vpci_legacy_survey_noflush = false;
	vpci_legacy_irq_eject_abort = false;
	vpci_legacy_eject_early = false;
	pci_testfn_cfg_reads = 0;
	pci_reset();
	nvme_reset();
	wq_init();                      /* drop queues and fibers of this seed */
	timer_init();
}

/*
 * The trace keeps queue names by pointer and prints them later, but a
 * device's queues (and their names) are freed with the device: keep one
 * copy of every name seen, in a static pool (not on the heap, whose size
 * the churn scenarios compare with a baseline).
 */
static const char *name_keep(const char *name)
{
	static char pool[32 * 1024];
	static size_t used;
	size_t len = strlen(name) + 1;

	for (size_t off = 0; off < used; off += strlen(pool + off) + 1)
		if (!strcmp(pool + off, name))
			return pool + off;
	if (used + len > sizeof(pool))
		return "(queue)";
	memcpy(pool + used, name, len);
	used += len;
	return pool + used - len;
}

static int keel_runnable(void **q, const char **names, int max)
{
	struct wq *qs[64];
	int n;

	/* as keel.efi prints it at boot: once every offered device is up */
	if (want_lsvmbus && !listed && vmbus_all_ready()) {
		listed = true;
		vmbus_lsvmbus();
	}
	n = wq_runnable(qs, max < 64 ? max : 64);

	if (n > max)
		n = max;
	if (n > 64)
		n = 64;
	for (int i = 0; i < n; i++) {
		q[i] = qs[i];
		names[i] = name_keep(wq_name(qs[i]));
	}
	return n;
}

static void keel_run(void *q)
{
	wq_run_once(q);
}

static int keel_list(struct sim_gdev *out, int max)
{
	static struct vmbus_dev_info info[256];
	int n = vmbus_list_devices(info, max < 256 ? max : 256);
	int m = n < max ? n : max;

	if (m > 256)
		m = 256;
	for (int i = 0; i < m; i++) {
		out[i].instance = info[i].instance;
		out[i].ready = info[i].ready;
		out[i].state = info[i].state;
		out[i].nsub = info[i].nsub;
		out[i].relid = info[i].relid;
	}
	return n;
}

static uint64_t keel_dropped(void)
{
	struct vmbus_stats st;

	vmbus_get_stats(&st);
	return st.dropped;
}

static uint32_t keel_version(void)
{
	struct vmbus_stats st;

	vmbus_get_stats(&st);
	return st.version;
}

/* The vPCI driver's switches back to the designs its "Races" retired. */
static int keel_vpci_switch(const char *name)
{
	static const struct {
		const char *name;
		bool *flag;
	} sw[] = {
		{ "vpci-legacy-survey-noflush", &vpci_legacy_survey_noflush },
		{ "vpci-legacy-irq-eject-abort", &vpci_legacy_irq_eject_abort },
		{ "vpci-legacy-eject-early", &vpci_legacy_eject_early },
	};

	for (size_t i = 0; i < sizeof(sw) / sizeof(sw[0]); i++)
		if (!strcmp(name, sw[i].name)) {
			*sw[i].flag = true;
			return 0;
		}
	if (!strncmp(name, "vpci-cfg-reads=", 15)) {
		pci_testfn_cfg_reads = (unsigned)strtoul(name + 15, NULL, 10);
		return 0;
	}
	return -1;
}

static int keel_switch(const char *name)
{
	if (!strcmp(name, "legacy-single-queue")) {
		vmbus_legacy_single_queue = true;
		return 0;
	}
	if (!strcmp(name, "subchan-on-device-queue")) {
		vmbus_test_subchan_on_device_queue = true;
		return 0;
	}
	if (!strcmp(name, "shared-device-queue")) {
		vmbus_test_shared_device_queue = true;
		return 0;
	}
	if (!strncmp(name, "echo-subchannels=", 17)) {
		echo_subchannels_wanted = atoi(name + 17);
		return 0;
	}
	if (!strncmp(name, "echo-packets=", 13)) {
		echo_packets_per_channel = atoi(name + 13);
		return 0;
	}
	if (!strcmp(name, "lsvmbus")) {
		want_lsvmbus = true;
		return 0;
	}
	if (!strncmp(name, "vpci-", 5))
		return keel_vpci_switch(name);
	if (!strncmp(name, "blkload", 7))
		return blkload_switch(name);
	if (!strncmp(name, "netvsc-", 7))
		return netvsc_guest_switch(name);      /* drivers/netvsc.h */
	if (!strncmp(name, "net-", 4))
		return netdev_sim_switch(name);        /* sim/netdev_sim.h */
	return storvsc_guest_switch(name);     /* storvsc-* and disk-* (drivers/storvsc.h) */
}

static int keel_held(uint32_t *objects, uint64_t *freed)
{
	struct vmbus_stats st;

	vmbus_get_stats(&st);
	*objects = (uint32_t)(st.held_devices + st.held_channels + st.held_gpadls);
	*freed = st.freed_devices;
	return 0;
}

static unsigned keel_deadlocks(void)
{
	return wq_deadlock_count();
}

static const char *keel_report(void)
{
	return wq_last_deadlock_report();
}

static bool keel_stall(void)
{
	return wq_check_stall();
}

const struct sim_guest_ops sim_guest_keel = {
	.name = "keel",
	.start = keel_start,
	.stop = keel_stop,
	.fini = keel_fini,
	.runnable = keel_runnable,
	.run = keel_run,
	.list = keel_list,
	.dropped = keel_dropped,
	.version = keel_version,
	.guest_switch = keel_switch,
	.deadlocks = keel_deadlocks,
	.deadlock_report = keel_report,
	.stall_check = keel_stall,
	.held = keel_held,
	.pci_list = pci_list_format,
};

/*
 * Where the layers above the bare-metal core start. kmain (kernel/main.c)
 * calls kernel_start_services() once the core is up and interrupts are on,
 * before it prints the ready line; and, with on_ready=idle, kernel_run() last.
 *
 *   - kernel_start_services: the work queues and timers (kernel/wq.h,
 *     kernel/timer.h); then, when the platform has a VMBus (Hyper-V, or
 *     keel-host through the ivshmem transport), VMBus: its bring-up runs on
 *     the work queues, which run here until every offered device is ready
 *     (or VMBUS_BOOT_WAIT_NS passes), so the ready line comes after the
 *     lsvmbus listing. The network stack (net/net.h) starts before VMBus so
 *     NIC drivers find it; after the devices are ready the boot waits up to
 *     NET_BOOT_WAIT_NS for DHCP, lists the interfaces and starts the
 *     application chosen by app= (apps/conn.h). The glue between layers
 *     that must not know each other is here too: the KVP service reads
 *     the addresses through net_ip_addresses, and the shutdown's
 *     application step runs the applications' stops (app_stop_all).
 *   - kernel_run: the shell when keel.cfg says shell=on (apps/shell/), then
 *     the work queues' scheduler loop; never returns.
 *
 * Guest switches (scenario `guest-switch` lines that keel-host passes in its
 * mailbox) select test behaviour in the drivers; only an image built with
 * KEEL_TEST_HOOKS (`make testhooks`, mk/efi.mk) applies them. The product
 * image says once that it ignores them, so a host cannot switch it into a
 * test mode.
 */
#include "kernel/services.h"

#include <stdbool.h>
#include <string.h>

#include "apps/conn.h"
#ifndef KEEL_NO_VPCI
#include "drivers/nvme.h"
#include "drivers/pci.h"
#endif
#include "drivers/kvp.h"
#include "drivers/shutdown.h"
#include "drivers/storvsc.h"
#include "include/hyperv/hv_wire.h"
#include "kernel/cmdline.h"
#include "kernel/log.h"
#include "kernel/platform.h"
#include "kernel/timer.h"
#include "kernel/timer_event.h"
#include "kernel/wq.h"
#include "kernel/x86/platform_ivshmem.h"
#include "kernel/x86/power.h"
#include "net/net.h"
#include "vmbus/vmbus.h"

#define VMBUS_BOOT_WAIT_NS (10ull * 1000000000ull)
/* How long the boot waits for DHCP before it lists the interfaces. */
#define NET_BOOT_WAIT_NS (5ull * 1000000000ull)

/* A VMBus platform answers the hypervisor vendor leaf as Hyper-V does
 * (docs/protocols/vmbus.md §1.1); plain x86 under QEMU does not. */
static bool have_vmbus(void)
{
	uint32_t r[4];

	plat_cpuid(HV_CPUID_VENDOR_AND_MAX, 0, r);
	return r[1] == HV_CPUID_VENDOR_EBX && r[2] == HV_CPUID_VENDOR_ECX &&
	       r[3] == HV_CPUID_VENDOR_EDX;
}

/* wq_run_loop, bounded: run work until, at rest, done() or the deadline. */
static void run_until(bool (*done)(void), uint64_t timeout_ns)
{
	uint64_t end = plat_now_ns() + timeout_ns;

	for (;;) {
		struct wq *q;
		uint64_t s, d;

		if (wq_runnable(&q, 1) > 0) {
			wq_run_once(q);
			continue;
		}
		/* judged only at rest: queued offers must have become devices */
		if (done() || plat_now_ns() >= end)
			return;
		s = plat_irq_save();
		if (wq_idle() && !done()) {
			d = timer_next_deadline();
			plat_timer_arm(d && d < end ? d : end);
			plat_idle();
		}
		plat_irq_restore(s);
	}
}

#ifdef KEEL_TEST_HOOKS
/* storvsc-* and disk-* switches (drivers/storvsc.h), before VMBus starts;
 * boot-panic panics here, so a test can check how a panic during boot ends a
 * test= run (kernel/panic.h: QEMU exit status 7). */
static void apply_guest_switches(void)
{
	for (unsigned i = 0; i < ivshmem_guest_switch_count(); i++) {
		const char *sw = ivshmem_guest_switch(i);

		if (strcmp(sw, "boot-panic") == 0)
			panic("services: guest switch boot-panic");
		if (storvsc_guest_switch(sw) < 0)
			pr_warn("services: unknown guest switch '%s'", sw);
	}
}
#else
static void apply_guest_switches(void)
{
	unsigned n = ivshmem_guest_switch_count();

	if (n)
		pr_warn("services: %u guest switch(es) from the host ignored: "
			"this image has no test hooks", n);
}
#endif

/* Interfaces appeared with their drivers; give DHCP a moment, then list. */
static void start_network(void)
{
	if (net_wq() == NULL) {
		if (app_selected_name() != NULL)
			pr_warn("services: app=%s not started: networking is off",
				app_selected_name());
		return;
	}
	run_until(net_configured, NET_BOOT_WAIT_NS);
	net_log_interfaces();
	if (app_start_selected() < 0)
		pr_err("services: the application did not start");
}

/* The shutdown's application step (drivers/shutdown.h SD_APPS): the
 * applications' own stops (apps/conn.h app_stop_all), before the disks
 * are flushed. */
static void services_stop_apps(void *arg)
{
	(void)arg;
	app_stop_all();
}

static struct shutdown_app services_apps = { .name = "applications",
					     .stop = services_stop_apps };

/* The end of an orderly shutdown (drivers/shutdown.c): ACPI S5 or the
 * FADT reset register; each returns only when it failed. */
static void services_power(enum shutdown_action a)
{
	if (a == SHUTDOWN_RESTART)
		power_reset();
	else
		power_off();
}

#ifndef KEEL_NO_VPCI
/* Every PCI function's probe has ended (bound, no driver or failed) and
 * every NVMe namespace found is added and reported, as a storvsc disk is
 * before VMBus counts it ready. */
static bool pci_all_probed(void)
{
	for (struct pci_func *f = pci_func_first(); f; f = f->next)
		if (f->state == PF_NEW || f->state == PF_PROBING)
			return false;
	return nvme_disks_settled();
}
#endif

/* The lspci-style listing once function probes have ended, so that it
 * shows capabilities and drivers (the bus's own listing at its ready
 * comes before them). */
static void list_pci(void)
{
#ifndef KEEL_NO_VPCI
	if (pci_func_first() == NULL)
		return;
	run_until(pci_all_probed, VMBUS_BOOT_WAIT_NS);
	pr_info("lspci:");
	pci_lspci();
#endif
}

static void start_vmbus(void)
{
	if (!have_vmbus())
		return;
	apply_guest_switches();
	if (vmbus_start() < 0)
		return;
	run_until(vmbus_all_ready, VMBUS_BOOT_WAIT_NS);
	if (!vmbus_all_ready())
		pr_warn("services: VMBus devices not all ready after %llu s",
			VMBUS_BOOT_WAIT_NS / 1000000000ull);
	vmbus_lsvmbus();
	list_pci();
}

void kernel_start_services(void)
{
	wq_init();
	timer_init();
	shutdown_set_power_handler(services_power);
	/* before VMBus: the shutdown IC's own hook, registered at its probe,
	 * then runs first (it waits until the host has read its answer) */
	shutdown_register_app(&services_apps);
	if (net_start() < 0)
		pr_err("services: no memory for the network stack");
	else if (net_wq() != NULL)
		kvp_set_ip_hook(net_ip_addresses);   /* NetworkAddressIPv4/IPv6 */
	start_vmbus();
	start_network();
}

void kernel_run(void)
{
	/* The shell is an application beside the one app= chose. */
	if (boot_opts.shell && app_start("shell", NULL) < 0)
		pr_err("services: shell=on, but this keel.efi has no shell "
		       "(build with KEEL_SHELL=1)");
	wq_run_loop();
}

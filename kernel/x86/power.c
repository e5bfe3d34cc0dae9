/*
 * ACPI S5 (soft off) and reset (docs/protocols/gen2-platform.md §11; ACPI 6.4 §4.8.3.2.1,
 * §7.4.2): write SLP_TYP from the DSDT's \_S5 package plus SLP_EN to the
 * PM1a (and PM1b, if any) control registers named by the FADT. On Hyper-V
 * that is 0x404 with SLP_TYP 0; QEMU q35 uses 0x604 (§14), which is why the
 * ports always come from the FADT. QEMU then exits with status 0.
 */
#include "kernel/x86/power.h"

#include <stdbool.h>
#include <stdint.h>

#include "include/hyperv/hv_wire.h"
#include "kernel/log.h"
#include "kernel/x86/acpi.h"
#include "kernel/x86/cpu.h"

#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_TYP_MASK  (7u << PM1_SLP_TYP_SHIFT)
#define PM1_SLP_EN        (1u << 13)
#define POWER_WAIT_SPINS  100000000ull   /* give the host time to act */
#define QEMU_DEBUG_EXIT   0xF4           /* isa-debug-exit,iobase=0xf4 */
#define CPUID_HV_PRESENT  (1u << 31)     /* CPUID.1:ECX, "hypervisor present" */

static void pm1_write(uint16_t port, uint8_t typ)
{
	uint16_t v = inw(port);

	v = (uint16_t)((v & ~PM1_SLP_TYP_MASK) | ((unsigned)typ << PM1_SLP_TYP_SHIFT));
	outw(port, v | PM1_SLP_EN);
}

static void spin_wait(void)
{
	for (uint64_t i = 0; i < POWER_WAIT_SPINS; i++)
		cpu_pause();
}

void power_off(void)
{
	if (!acpi.s5_found || acpi.pm1a_cnt == 0) {
		klog(LOG_EMERG, "keel: power off impossible: no FADT PM1a_CNT or \\_S5");
		return;
	}
	klog(LOG_NOTICE, "keel: powering off");
	cli();
	if (acpi.pm1b_cnt != 0)
		pm1_write(acpi.pm1b_cnt, acpi.s5_typ_b);
	pm1_write(acpi.pm1a_cnt, acpi.s5_typ_a);
	spin_wait();
	klog(LOG_EMERG, "keel: ACPI S5 did not power off");
}

/* A hypervisor other than Hyper-V, by the CPU's own CPUID leaves. */
static bool under_other_hypervisor(void)
{
	uint32_t r[4];

	cpuid(1, 0, r);
	if (!(r[2] & CPUID_HV_PRESENT))
		return false;
	cpuid(HV_CPUID_VENDOR_AND_MAX, 0, r);
	return !(r[1] == HV_CPUID_VENDOR_EBX && r[2] == HV_CPUID_VENDOR_ECX &&
		 r[3] == HV_CPUID_VENDOR_EDX);
}

void power_exit_status(unsigned code)
{
	if (!under_other_hypervisor())
		return;
	outb(QEMU_DEBUG_EXIT, (uint8_t)code);
	spin_wait();
}

void power_reset(void)
{
	if (!acpi.reset_supported || acpi.reset_reg.space != ACPI_GAS_IO) {
		klog(LOG_EMERG, "keel: no FADT I/O reset register");
		return;
	}
	cli();
	outb((uint16_t)acpi.reset_reg.address, acpi.reset_value);
	spin_wait();
	klog(LOG_EMERG, "keel: FADT reset did not reset");
}

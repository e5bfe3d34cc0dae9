/*
 * TSC clock (docs/protocols/gen2-platform.md §7.2). The frequency comes from
 * Hyper-V's TSC_FREQUENCY MSR when CPUID offers the frequency MSRs (privilege
 * bit 11 and feature EDX bit 8, as Linux checks), otherwise from a 10 ms
 * measurement against the ACPI PM timer named by the FADT (3.579545 MHz;
 * never the PIT, which Gen2 lacks, §1). Conversion to ns uses a 32.32 fixed
 * point multiplier so no 128-bit division (compiler-rt) is needed.
 */
#include "kernel/x86/tsc.h"

#include "include/hyperv/hv_wire.h"
#include "kernel/log.h"
#include "kernel/x86/acpi.h"
#include "kernel/x86/cpu.h"
#include "kernel/x86/hv.h"

#define PM_TIMER_HZ 3579545ull
#define CALIBRATE_PM_TICKS (PM_TIMER_HZ / 100)    /* 10 ms */
#define CALIBRATE_MAX_SPINS 100000000u

static uint64_t tsc_zero, tsc_freq, tsc_mult;   /* mult: ns per tick << 32 */

uint32_t tsc_pm_timer_read(void)
{
	if (acpi.pm_tmr == 0)
		return 0;
	return inl(acpi.pm_tmr) & (acpi.pm_tmr_32bit ? 0xFFFFFFFFu : 0xFFFFFFu);
}

/*
 * One PM timer sample and the TSC at it: the midpoint of the tightest of
 * three TSC-bracketed reads. A host may stop us between any two
 * instructions; a wide bracket shows it, and only the tightest is used.
 */
static uint64_t pm_sample(uint32_t *pm)
{
	uint64_t best = UINT64_MAX, at = 0;

	for (int i = 0; i < 3; i++) {
		uint64_t a = rdtsc();
		uint32_t v = tsc_pm_timer_read();
		uint64_t b = rdtsc();

		if (b - a < best) {
			best = b - a;
			at = a + best / 2;
			*pm = v;
		}
	}
	return at;
}

static uint64_t calibrate_pm_timer(void)
{
	uint32_t mask = acpi.pm_tmr_32bit ? 0xFFFFFFFFu : 0xFFFFFFu;
	uint32_t p0, p1, dp = 0;
	uint64_t t0, t1;

	t0 = pm_sample(&p0);
	for (uint32_t i = 0; i < CALIBRATE_MAX_SPINS && dp < CALIBRATE_PM_TICKS; i++)
		dp = (tsc_pm_timer_read() - p0) & mask;
	t1 = pm_sample(&p1);
	dp = (p1 - p0) & mask;
	if (dp < CALIBRATE_PM_TICKS)
		return 0;               /* the PM timer does not count */
	return (t1 - t0) * PM_TIMER_HZ / dp;
}

static uint64_t hv_tsc_frequency(void)
{
	struct hv_features hv;

	if (!hv_probe(&hv) || !(hv.priv_eax & HV_PRIV_FREQUENCY_REGS) ||
	    !(hv.features_edx & HV_FEAT_EDX_FREQUENCY_REGS))
		return 0;
	return rdmsr(HV_MSR_TSC_FREQUENCY);
}

void tsc_init(uint64_t zero)
{
	const char *source = "Hyper-V TSC_FREQUENCY MSR";

	tsc_zero = zero;
	tsc_freq = hv_tsc_frequency();
	if (tsc_freq == 0) {
		source = "ACPI PM timer";
		tsc_freq = acpi.pm_tmr ? calibrate_pm_timer() : 0;
	}
	if (tsc_freq == 0)
		panic("tsc: no frequency source (no Hyper-V MSR, no ACPI PM timer)");
	tsc_mult = (1000000000ull << 32) / tsc_freq;
	pr_info("tsc: %llu.%03llu MHz from the %s",
		(unsigned long long)(tsc_freq / 1000000),
		(unsigned long long)(tsc_freq / 1000 % 1000), source);
}

uint64_t tsc_to_ns(uint64_t tsc)
{
	return (uint64_t)(((unsigned __int128)(tsc - tsc_zero) * tsc_mult) >> 32);
}

uint64_t tsc_now_ns(void) { return tsc_to_ns(rdtsc()); }

uint64_t tsc_hz(void) { return tsc_freq; }

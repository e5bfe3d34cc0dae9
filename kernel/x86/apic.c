/*
 * Local APIC (SDM vol. 3 ch. 10). x2APIC (MSRs 0x800 + offset/16) when
 * CPUID.1:ECX[21] says so, as Linux does on Hyper-V (docs/protocols/gen2-platform.md §8);
 * xAPIC MMIO at the base from IA32_APIC_BASE otherwise. The 8259s are masked
 * first: QEMU has them, Gen2 has none (§1; the writes then go nowhere).
 * LINT0 (ExtINT from a 8259) is masked.
 *
 * The timer runs one-shot, divide by 16. Its rate comes from Hyper-V's
 * APIC_FREQUENCY MSR when offered (§7.2), else from counting it against the
 * TSC for 2 ms (each end TSC-bracketed, so a host preemption is not counted). A deadline further away than one 32-bit count is reached in
 * several rounds; the interrupt checks the TSC before it reports expiry.
 */
#include "kernel/x86/apic.h"

#include "include/hyperv/hv_wire.h"
#include "kernel/log.h"
#include "kernel/platform.h"
#include "kernel/x86/cpu.h"
#include "kernel/x86/hv.h"
#include "kernel/x86/ioapic.h"
#include "kernel/x86/irq.h"
#include "kernel/x86/tsc.h"

enum apic_reg {
	APIC_ID = 0x20, APIC_TPR = 0x80, APIC_EOI = 0xB0, APIC_SVR = 0xF0,
	APIC_LVT_TIMER = 0x320, APIC_LVT_LINT0 = 0x350, APIC_LVT_ERROR = 0x370,
	APIC_TIMER_INIT = 0x380, APIC_TIMER_CUR = 0x390, APIC_TIMER_DIV = 0x3E0,
};
#define APIC_BASE_EXTD   (1ull << 10)
#define APIC_BASE_ENABLE (1ull << 11)
#define APIC_SVR_ENABLE  (1u << 8)
#define APIC_LVT_MASKED  (1u << 16)
#define APIC_DIV_16      0x3
#define APIC_DIVISOR     16
#define CALIBRATE_NS     2000000ull

static bool x2apic;
static volatile uint32_t *xapic;
static uint64_t timer_hz;            /* timer ticks per second after divide */
static uint64_t timer_mult;          /* ticks per ns << 32 */
static uint64_t timer_deadline;      /* 0 = disarmed */
static uint64_t timer_expirations;

static uint32_t apic_read(enum apic_reg r)
{
	if (x2apic)
		return (uint32_t)rdmsr(0x800 + (r >> 4));
	return xapic[r / 4];
}

static void apic_write(enum apic_reg r, uint32_t v)
{
	if (x2apic)
		wrmsr(0x800 + (r >> 4), v);
	else
		xapic[r / 4] = v;
}

uint64_t apic_mmio_base(void)
{
	return rdmsr(MSR_APIC_BASE) & 0x000FFFFFFFFFF000ull;
}

bool apic_is_x2apic(void) { return x2apic; }
void apic_eoi(void) { apic_write(APIC_EOI, 0); }

static void pic_mask_all(void)
{
	outb(0x21, 0xFF);
	outb(0xA1, 0xFF);
}

static void apic_enable(void)
{
	uint32_t r[4];
	uint64_t base = rdmsr(MSR_APIC_BASE);

	cpuid(1, 0, r);
	x2apic = (r[2] & (1u << 21)) != 0;
	/* x2APIC may only be entered from xAPIC mode (SDM vol. 3 §10.12.5) */
	if (!(base & APIC_BASE_ENABLE))
		wrmsr(MSR_APIC_BASE, base |= APIC_BASE_ENABLE);
	if (x2apic && !(base & APIC_BASE_EXTD))
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_EXTD);
	xapic = (volatile uint32_t *)apic_mmio_base();
	apic_write(APIC_TPR, 0);
	apic_write(APIC_SVR, APIC_SVR_ENABLE | APIC_SPURIOUS_VECTOR);
	apic_write(APIC_LVT_LINT0, APIC_LVT_MASKED);
	apic_write(APIC_LVT_ERROR, APIC_LVT_MASKED);
	apic_write(APIC_TIMER_DIV, APIC_DIV_16);
	apic_write(APIC_LVT_TIMER, APIC_TIMER_VECTOR);   /* one-shot */
	apic_write(APIC_TIMER_INIT, 0);
}

/* The timer's current count and the TSC time of that read: the tightest
 * of three TSC-bracketed reads (see tsc.c pm_sample: a host may stop us). */
static uint64_t count_sample(uint32_t *count)
{
	uint64_t best = UINT64_MAX, at = 0;

	for (int i = 0; i < 3; i++) {
		uint64_t a = tsc_now_ns();
		uint32_t v = apic_read(APIC_TIMER_CUR);
		uint64_t b = tsc_now_ns();

		if (b - a < best) {
			best = b - a;
			at = a + best / 2;
			*count = v;
		}
	}
	return at;
}

static uint64_t timer_rate(const char **source)
{
	struct hv_features hv;
	uint32_t c0, c1;
	uint64_t t0, t1;

	if (hv_probe(&hv) && (hv.priv_eax & HV_PRIV_FREQUENCY_REGS) &&
	    (hv.features_edx & HV_FEAT_EDX_FREQUENCY_REGS)) {
		*source = "Hyper-V APIC_FREQUENCY MSR";
		return rdmsr(HV_MSR_APIC_FREQUENCY) / APIC_DIVISOR;
	}
	*source = "TSC";
	apic_write(APIC_TIMER_INIT, 0xFFFFFFFFu);
	t0 = count_sample(&c0);
	while (tsc_now_ns() - t0 < CALIBRATE_NS)
		cpu_pause();
	t1 = count_sample(&c1);
	apic_write(APIC_TIMER_INIT, 0);
	return (uint64_t)(c0 - c1) * 1000000000ull / (t1 - t0);
}

static void timer_program(void)
{
	uint64_t now = tsc_now_ns(), delta, ticks;

	delta = timer_deadline > now ? timer_deadline - now : 0;
	ticks = (uint64_t)(((unsigned __int128)delta * timer_mult) >> 32);
	if (ticks == 0)
		ticks = 1;
	if (ticks > 0xFFFFFFFFu)
		ticks = 0xFFFFFFFFu;
	apic_write(APIC_TIMER_INIT, (uint32_t)ticks);
}

static void apic_timer_irq(void *arg)
{
	(void)arg;
	if (timer_deadline == 0)
		return;
	if (tsc_now_ns() < timer_deadline) {
		timer_program();        /* early or a partial round: go on */
		return;
	}
	timer_deadline = 0;
	timer_expirations++;
	timer_expired();
}

void apic_timer_arm(uint64_t deadline_ns)
{
	uint64_t flags = read_rflags();

	cli();
	timer_deadline = deadline_ns;
	if (deadline_ns == 0)
		apic_write(APIC_TIMER_INIT, 0);
	else
		timer_program();
	if (flags & RFLAGS_IF)
		sti();
}

uint64_t apic_timer_expirations(void) { return timer_expirations; }

void apic_init(void)
{
	const char *source = "";

	pic_mask_all();
	ioapic_mask_all();
	apic_enable();
	timer_hz = timer_rate(&source);
	if (timer_hz == 0)
		panic("apic: the local APIC timer does not count");
	timer_mult = (timer_hz << 32) / 1000000000ull;
	if (irq_register(APIC_TIMER_VECTOR, apic_timer_irq, NULL) != 0)
		panic("apic: timer vector 0x%x taken", APIC_TIMER_VECTOR);
	pr_info("apic: %s, id %u, timer %llu kHz (from the %s)",
		x2apic ? "x2APIC" : "xAPIC", x2apic ? apic_read(APIC_ID) : apic_read(APIC_ID) >> 24,
		(unsigned long long)(timer_hz / 1000), source);
}

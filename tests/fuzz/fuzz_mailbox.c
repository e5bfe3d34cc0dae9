/*
 * Fuzz target "mailbox": the guest side of the keel-host transport
 * (kernel/x86/platform_ivshmem.c, wire format include/keelhost/mailbox.h).
 * keel-host is a host like any other: everything it writes into the
 * shared mailbox is untrusted input to the guest. That is the header
 * (magic, version, peer ids, the guest switches, the region size the boot
 * trace is fitted to), every response (sequence, status, values) and the
 * interrupt bits it raises.
 *
 * The file is compiled into this harness with the x86 pieces under it
 * replaced: PCI config space, paging and the MSI-X table are plain memory,
 * the CPU's rdmsr/cpuid/pause are functions below, the clock advances on
 * every read so a request that is never answered times out quickly.
 *
 * Input:
 *   the first 512 bytes  the mailbox as keel-host leaves it before the
 *                        guest maps it (shorter inputs are zero-padded)
 *   then response records, one per poll of the guest's request loop:
 *     u8 ctl   bit 0: answer as an honest keel-host (the rest is unused)
 *              bit 1: answer with a stale sequence (the guest polls again)
 *              bit 2: the status is the next byte (else KH_OK)
 *     u64 val0 (little-endian), then the status byte if bit 2
 *   when the records run out keel-host answers honestly; after bring-up
 *   the remaining bytes are interrupt bits (4 x u64) raised at once, twice.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The real header first, so its inline asm helpers are defined once under
 * their own names; the macros then redirect the file's calls to the fakes. */
#include "kernel/platform.h"
#include "kernel/x86/cpu.h"

static uint64_t fz_rdmsr(uint32_t msr);
static void fz_cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4]);
static void fz_pause(void);
/* Function-like, so the platform table's .cpuid/.rdmsr members keep their names. */
#define rdmsr(m) fz_rdmsr(m)
#define cpuid(l, s, o) fz_cpuid(l, s, o)
#define cpu_pause() fz_pause()

#include "kernel/x86/platform_ivshmem.c"

#undef rdmsr
#undef cpuid
#undef cpu_pause

#include "hosted/hosted.h"

/* ---- the input ---- */

static const uint8_t *in_d;
static size_t in_n, in_off;

static uint8_t in_u8(void) { return in_off < in_n ? in_d[in_off++] : 0; }
static uint64_t in_u64(void)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)in_u8() << 8 * i;
	return v;
}

/* ---- the fake machine ---- */

#define BAR_BYTES 4096u
static uint8_t *bar0, *bar2, *msix;
static uint64_t fake_ns;
static bool irr_pending;

uint64_t tsc_now_ns(void) { return fake_ns += 1000; }

/* keel-host's side of one request: honest, or whatever the input says. */
static void host_answer(bool honest, uint64_t val0, uint32_t status, bool stale)
{
	struct keelhost_mailbox *mb = (void *)bar2;
	uint64_t seq = mb->req_seq;

	if (honest) {
		memset(mb->resp_val, 0, sizeof(mb->resp_val));
		status = KH_OK;
		if (mb->req_op == KH_OP_PING) {
			mb->resp_val[0] = mb->req_arg[0];
			if (mb->req_arg[1])
				irr_pending = true;
		} else if (mb->req_op == KH_OP_CPUID) {
			mb->resp_val[0] = 0x40000005;
			mb->resp_val[2] = HV_CPUID_FEATURES_HV_PRESENT_ECX;
		} else if (mb->req_op >= KH_OP_COUNT) {
			status = KH_EBADOP;
		}
	} else {
		mb->resp_val[0] = val0;
	}
	mb->resp_status = status;
	mb->resp_seq = stale ? seq - 1 : seq;
}

/* The guest polls resp_seq; each poll lets keel-host act once. */
static void fz_pause(void)
{
	uint8_t ctl;
	uint64_t v;

	fake_ns += 1000000;             /* 1 ms per poll: timeouts come fast */
	if (in_off >= in_n) {
		host_answer(true, 0, 0, false);
		return;
	}
	ctl = in_u8();
	v = in_u64();
	host_answer(ctl & 1, v, ctl & 4 ? in_u8() : KH_OK, ctl & 2);
}

static uint64_t fz_rdmsr(uint32_t msr)
{
	if (msr == MSR_APIC_BASE)
		return 0xFEE00000u | 1u << 10 | 1u << 11;       /* x2APIC */
	if (msr == 0x820u + KH_GUEST_VECTOR / 32)
		return irr_pending ? 1ull << (KH_GUEST_VECTOR % 32) : 0;
	return 0;
}

static void fz_cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	(void)sub;
	memset(out, 0, 4 * sizeof(out[0]));
	if (leaf == 1)
		out[1] = 3u << 24;                              /* APIC id 3 */
}

void x86_cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4]) { fz_cpuid(leaf, sub, out); }

int pci_find(uint16_t vendor, uint16_t device, struct pci_dev *out)
{
	memset(out, 0, sizeof(*out));
	return vendor == KH_PCI_VENDOR && device == KH_PCI_DEVICE ? 0 : -ENODEV;
}

uint32_t pci_read32(const struct pci_dev *d, unsigned off)
{
	(void)d;
	return off == 0x44 ? 1 : 0;     /* MSI-X table in BAR1, offset 0 */
}

uint16_t pci_read16(const struct pci_dev *d, unsigned off) { (void)d; (void)off; return 0; }
void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v) { (void)d; (void)off; (void)v; }
unsigned pci_find_cap(const struct pci_dev *d, uint8_t id) { (void)d; return id == PCI_CAP_MSIX ? 0x40 : 0; }

uint64_t pci_bar_base(const struct pci_dev *d, int n)
{
	(void)d;
	return (uint64_t)(uintptr_t)(n == 0 ? bar0 : n == 1 ? msix : n == 2 ? bar2 : NULL);
}

void paging_map(uint64_t pa, uint64_t len, unsigned flags) { (void)pa; (void)len; (void)flags; }

static int nhandlers;
int x86_irq_register(int vector, void (*fn)(void *arg), void *arg)
{
	(void)fn;
	(void)arg;
	if (vector < 0 || vector > IRQ_VECTOR_MAX)
		abort();
	nhandlers++;
	return 0;
}

uint64_t x86_irq_save(void) { return 0; }
void x86_irq_restore(uint64_t s) { (void)s; }
void *x86_page_alloc(size_t n) { (void)n; return NULL; }
void x86_page_free(void *p, size_t n) { (void)p; (void)n; }
void *x86_gpa_to_ptr(gpa_t gpa, size_t len) { (void)len; return (void *)(uintptr_t)gpa; }
gpa_t x86_ptr_to_gpa(const void *p) { return (gpa_t)(uintptr_t)p; }
uint64_t x86_now_ns(void) { return fake_ns; }
void x86_timer_arm(uint64_t deadline) { (void)deadline; }
void x86_idle(void) {}

/* ---- the run ---- */

static int handled[IRQ_VECTOR_MAX + 1];
static void on_vector(void *arg)
{
	handled[(uintptr_t)arg]++;
}

static void use_platform(const struct platform *p)
{
	uint32_t r[4];

	p->cpuid(1, 0, r);
	p->cpuid(0x40000000, 0, r);
	(void)p->rdmsr(HV_MSR_GUEST_OS_ID);
	p->wrmsr(HV_MSR_GUEST_OS_ID, 1);
	(void)p->hypercall(0x5C, 0x1000, 0x2000);
	for (int i = -1; i <= KH_MAX_SWITCHES; i++) {
		const char *s = ivshmem_guest_switch(i);

		if (s && strnlen(s, KH_SWITCH_LEN) >= KH_SWITCH_LEN)
			abort();
	}
	if (ivshmem_guest_switch_count() < 0 || ivshmem_guest_switch_count() > KH_MAX_SWITCHES)
		abort();
	/* Handlers for a few vectors; then keel-host raises the input's bits. */
	for (int v = 0x20; v <= IRQ_VECTOR_MAX; v += 0x31)
		p->irq_register(v, on_vector, (void *)(uintptr_t)v);
	for (int round = 0; round < 2; round++) {
		struct keelhost_mailbox *mb = (void *)bar2;

		for (int w = 0; w < 4; w++)
			mb->irq_pending[w] |= in_u64();
		kh_msix_irq(mb);
		for (int w = 0; w < 4; w++)
			if (mb->irq_pending[w])
				abort();        /* a raised vector left behind */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static bool inited;
	const struct platform *p;

	if (!inited) {
		hosted_log_set_echo(0);
		bar0 = aligned_alloc(BAR_BYTES, BAR_BYTES);
		/* the whole region: the guest's boot trace follows the mailbox */
		bar2 = aligned_alloc(BAR_BYTES, KH_SHM_SIZE);
		msix = aligned_alloc(BAR_BYTES, BAR_BYTES);
		if (!bar0 || !bar2 || !msix)
			abort();
		inited = true;
	}
	memset(&kh, 0, sizeof(kh));
	memset(bar0, 0, BAR_BYTES);
	memset(bar2, 0, KH_SHM_SIZE);
	memset(msix, 0, BAR_BYTES);
	memcpy(bar2, d, n < sizeof(struct keelhost_mailbox) ? n : sizeof(struct keelhost_mailbox));
	in_d = d;
	in_n = n;
	in_off = sizeof(struct keelhost_mailbox);
	fake_ns = 0;
	irr_pending = false;
	nhandlers = 0;
	p = ivshmem_platform_init();
	if (p)
		use_platform(p);
	return 0;
}

/*
 * The hosted platform (kernel/platform.h over hosted/hosted.h): the guest's
 * portable code as a Linux program.
 *
 *   guest RAM   one mmap'd arena at GPA HOSTED_GPA_BASE; page_alloc hands
 *               out its pages (next fit) and tracks which are in use, so a
 *               double or stray page_free is counted; gpa_to_ptr checks
 *               bounds, so nothing reaches host memory by a guest address.
 *               A page not handed out is unreachable: ASan-poisoned (a
 *               guest pointer into a freed page is reported at the access)
 *               and refused by the GPA translation (the simulated host
 *               writing into memory the guest already freed is caught).
 *   clock       virtual: only the driver moves it (hosted_set_now_ns).
 *   timer       timer_arm records the deadline; the driver fires it.
 *   interrupts  a vector table; hosted_raise_irq marks a vector pending
 *               (coalesced like an APIC IRR bit); the driver delivers.
 *   host        cpuid/rdmsr/wrmsr/hypercall go to the installed host model;
 *               without one the guest sees "no hypervisor".
 *
 * hosted_init may be called again without hosted_fini (keelsim does it per
 * seed): the arena is kept; what was handed out is zeroed again (see there).
 */
#define _DEFAULT_SOURCE 1   /* MAP_ANONYMOUS, madvise: Linux-only file */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sanitizer/asan_interface.h>  /* no-ops without ASan (bench build) */

#include "hosted/hosted.h"
#include "kernel/log.h"
#include "kernel/platform.h"

#define HOSTED_VECTORS 256
#define HV_STATUS_INVALID_HYPERCALL_CODE 2

static struct {
	uint8_t *ram;               /* the arena */
	size_t size;                /* bytes, page multiple */
	size_t npages;
	uint8_t *used;              /* per page: 1 = allocated */
	size_t in_use;
	size_t cursor;              /* next-fit start */
	size_t hiwater;             /* pages [0, hiwater) may be dirty (keeps reuse cheap) */
	unsigned long bad_frees;
	uint64_t now;
	uint64_t deadline;          /* armed timer, 0 = none */
	bool masked;                /* interrupts masked */
	int in_irq;
	struct {
		void (*fn)(void *arg);
		void *arg;
	} vec[HOSTED_VECTORS];
	bool pending[HOSTED_VECTORS];
	int order[HOSTED_VECTORS];  /* pending vectors in raise order */
	int npending;
	struct host_model model;
	bool have_model;
} hs;

const struct platform *platform;

/* ---- host model calls ------------------------------------------------- */

static void h_cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	out[0] = out[1] = out[2] = out[3] = 0;
	if (hs.have_model && hs.model.cpuid)
		hs.model.cpuid(hs.model.ctx, leaf, sub, out);
}

static uint64_t h_rdmsr(uint32_t msr)
{
	if (hs.have_model && hs.model.rdmsr)
		return hs.model.rdmsr(hs.model.ctx, msr);
	return 0;
}

static void h_wrmsr(uint32_t msr, uint64_t val)
{
	if (hs.have_model && hs.model.wrmsr)
		hs.model.wrmsr(hs.model.ctx, msr, val);
}

static uint64_t h_hypercall(uint64_t control, uint64_t in, uint64_t out)
{
	if (hs.have_model && hs.model.hypercall)
		return hs.model.hypercall(hs.model.ctx, control, in, out);
	return HV_STATUS_INVALID_HYPERCALL_CODE;
}

/* Device MMIO: forwarded to the host model; without one the bus is empty. */
static uint64_t h_mmio_read(gpa_t gpa, unsigned size)
{
	if (hs.have_model && hs.model.mmio_read)
		return hs.model.mmio_read(hs.model.ctx, gpa, size);
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

static void h_mmio_write(gpa_t gpa, unsigned size, uint64_t val)
{
	if (hs.have_model && hs.model.mmio_write)
		hs.model.mmio_write(hs.model.ctx, gpa, size, val);
}

void hosted_set_host_model(const struct host_model *m)
{
	hs.have_model = m != NULL;
	if (m)
		hs.model = *m;
	else
		memset(&hs.model, 0, sizeof(hs.model));
}

/* ---- interrupts ------------------------------------------------------- */

static int h_irq_register(int vector, void (*fn)(void *), void *arg)
{
	if (vector < 32 || vector >= HOSTED_VECTORS || !fn)
		return -EINVAL;
	if (hs.vec[vector].fn)
		return -EBUSY;
	hs.vec[vector].fn = fn;
	hs.vec[vector].arg = arg;
	return 0;
}

void hosted_raise_irq(int vector)
{
	if (vector < 0 || vector >= HOSTED_VECTORS || hs.pending[vector])
		return;
	hs.pending[vector] = true;
	hs.order[hs.npending++] = vector;
}

int hosted_irq_pending(void)
{
	return hs.npending;
}

int hosted_in_irq(void)
{
	return hs.in_irq;
}

void hosted_deliver_irqs(void)
{
	kassert(!hs.masked && !hs.in_irq);
	while (hs.npending > 0) {
		int v = hs.order[0];

		memmove(&hs.order[0], &hs.order[1], (size_t)(hs.npending - 1) * sizeof(int));
		hs.npending--;
		hs.pending[v] = false;
		if (!hs.vec[v].fn) {
			pr_warn("hosted: interrupt %d raised with no handler\n", v);
			continue;
		}
		hs.in_irq++;
		hs.masked = true;
		hs.vec[v].fn(hs.vec[v].arg);
		hs.masked = false;
		hs.in_irq--;
	}
}

static uint64_t h_irq_save(void)
{
	bool was = hs.masked;

	hs.masked = true;
	return was;
}

static void h_irq_restore(uint64_t state)
{
	hs.masked = state != 0;
}

/* ---- clock and timer -------------------------------------------------- */

static uint64_t h_now_ns(void)
{
	return hs.now;
}

static void h_timer_arm(uint64_t deadline)
{
	hs.deadline = deadline;
}

uint64_t hosted_now_ns(void)
{
	return hs.now;
}

void hosted_set_now_ns(uint64_t ns)
{
	kassert(ns >= hs.now);
	hs.now = ns;
}

uint64_t hosted_timer_deadline(void)
{
	return hs.deadline;
}

int hosted_fire_timer(void)
{
	if (!hs.deadline || hs.deadline > hs.now)
		return 0;
	kassert(!hs.masked && !hs.in_irq);
	hs.deadline = 0;
	hs.in_irq++;
	hs.masked = true;
	timer_expired();
	hs.masked = false;
	hs.in_irq--;
	return 1;
}

/* Not used by keelsim (it moves time itself); a plain test loop gets the
 * same effect: jump to the deadline, or deliver what is pending. */
static void h_idle(void)
{
	bool was = hs.masked;

	hs.masked = false;
	if (hs.npending) {
		hosted_deliver_irqs();
	} else if (hs.deadline) {
		if (hs.deadline > hs.now)
			hs.now = hs.deadline;
		hosted_fire_timer();
	} else {
		panic("hosted: idle with no timer armed and no interrupt pending");
	}
	hs.masked = was;
}

/* ---- guest RAM -------------------------------------------------------- */

static void *h_page_alloc(size_t n)
{
	size_t tried, start, i;

	if (n == 0 || n > hs.npages)
		return NULL;
	for (tried = 0, start = hs.cursor; tried < hs.npages; tried++, start++) {
		if (start + n > hs.npages)
			start = 0;
		for (i = 0; i < n && !hs.used[start + i]; i++)
			;
		if (i == n)
			goto found;
		start += i;     /* skip past the used page */
		tried += i;
	}
	return NULL;
found:
	ASAN_UNPOISON_MEMORY_REGION(hs.ram + start * PLAT_PAGE_SIZE, n * PLAT_PAGE_SIZE);
	memset(hs.used + start, 1, n);
	hs.in_use += n;
	hs.cursor = start + n;
	if (start + n > hs.hiwater)
		hs.hiwater = start + n;
	memset(hs.ram + start * PLAT_PAGE_SIZE, 0, n * PLAT_PAGE_SIZE);
	return hs.ram + start * PLAT_PAGE_SIZE;
}

static void h_page_free(void *p, size_t n)
{
	uintptr_t off = (uintptr_t)p - (uintptr_t)hs.ram;
	size_t first = off / PLAT_PAGE_SIZE, i;

	if (!p)
		return;
	if ((uint8_t *)p < hs.ram || off % PLAT_PAGE_SIZE || first + n > hs.npages)
		goto bad;
	for (i = 0; i < n; i++)
		if (!hs.used[first + i])
			goto bad;
	memset(hs.used + first, 0, n);
	hs.in_use -= n;
	ASAN_POISON_MEMORY_REGION(p, n * PLAT_PAGE_SIZE);
	return;
bad:
	hs.bad_frees++;
	pr_err("hosted: page_free(%p, %zu): not pages in use\n", p, n);
}

static void *h_gpa_to_ptr(gpa_t gpa, size_t len)
{
	return hosted_gmem(gpa, len);
}

static gpa_t h_ptr_to_gpa(const void *p)
{
	uintptr_t off = (uintptr_t)p - (uintptr_t)hs.ram;

	kassert((const uint8_t *)p >= hs.ram && off < hs.size);
	return HOSTED_GPA_BASE + off;
}

/* Guest memory at gpa for len bytes, or NULL when any of its pages is
 * outside the arena or not allocated. */
void *hosted_gmem(gpa_t gpa, size_t len)
{
	size_t first, last;

	if (gpa < HOSTED_GPA_BASE)
		return NULL;
	gpa -= HOSTED_GPA_BASE;
	if (gpa > hs.size || len > hs.size - gpa)
		return NULL;
	first = gpa / PLAT_PAGE_SIZE;
	last = len ? (gpa + len - 1) / PLAT_PAGE_SIZE : first;
	for (size_t pg = first; pg <= last && pg < hs.npages; pg++)
		if (!hs.used[pg])
			return NULL;
	return hs.ram + gpa;
}

size_t hosted_gmem_size(void)
{
	return hs.size;
}

size_t hosted_gmem_pages_in_use(void)
{
	return hs.in_use;
}

unsigned long hosted_page_frees_bad(void)
{
	return hs.bad_frees;
}

/* ---- set-up ----------------------------------------------------------- */

static const struct platform hosted_platform = {
	.name = "hosted",
	.cpuid = h_cpuid,
	.rdmsr = h_rdmsr,
	.wrmsr = h_wrmsr,
	.hypercall = h_hypercall,
	.irq_register = h_irq_register,
	.page_alloc = h_page_alloc,
	.page_free = h_page_free,
	.gpa_to_ptr = h_gpa_to_ptr,
	.ptr_to_gpa = h_ptr_to_gpa,
	.mmio_read = h_mmio_read,
	.mmio_write = h_mmio_write,
	.now_ns = h_now_ns,
	.timer_arm = h_timer_arm,
	.idle = h_idle,
	.irq_save = h_irq_save,
	.irq_restore = h_irq_restore,
};

int hosted_init(size_t guest_ram_bytes)
{
	size_t size = (guest_ram_bytes + PLAT_PAGE_SIZE - 1) & ~(size_t)(PLAT_PAGE_SIZE - 1);

	if (size == 0)
		return -EINVAL;
	if (hs.ram && hs.size != size)
		hosted_fini();
	if (hs.ram) {
		/*
		 * Reuse. Zero only what was ever handed out (dropping pages with madvise
		 * made every seed fault its pages in again, which capped keelsim
		 * near 800 seeds/s); past the high-water mark pages are still zero.
		 */
		ASAN_UNPOISON_MEMORY_REGION(hs.ram, hs.hiwater * PLAT_PAGE_SIZE);
		memset(hs.ram, 0, hs.hiwater * PLAT_PAGE_SIZE);
		memset(hs.used, 0, hs.npages);
		ASAN_POISON_MEMORY_REGION(hs.ram, hs.hiwater * PLAT_PAGE_SIZE);
	} else {
		hs.ram = mmap(NULL, size, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (hs.ram == MAP_FAILED) {
			hs.ram = NULL;
			return -ENOMEM;
		}
		hs.used = calloc(size / PLAT_PAGE_SIZE, 1);
		if (!hs.used) {
			munmap(hs.ram, size);
			hs.ram = NULL;
			return -ENOMEM;
		}
		ASAN_POISON_MEMORY_REGION(hs.ram, size);
	}
	hs.size = size;
	hs.npages = size / PLAT_PAGE_SIZE;
	hs.in_use = 0;
	hs.cursor = 0;
	hs.hiwater = 0;
	hs.bad_frees = 0;
	hs.now = 0;
	hs.deadline = 0;
	hs.masked = false;
	hs.in_irq = 0;
	memset(hs.vec, 0, sizeof(hs.vec));
	memset(hs.pending, 0, sizeof(hs.pending));
	hs.npending = 0;
	hosted_set_host_model(NULL);
	platform = &hosted_platform;
	return 0;
}

void hosted_fini(void)
{
	if (hs.ram) {
		ASAN_UNPOISON_MEMORY_REGION(hs.ram, hs.size);
		munmap(hs.ram, hs.size);
	}
	free(hs.used);
	memset(&hs, 0, sizeof(hs));
	platform = NULL;
}

/*
 * The self-test table (docs/style.md §14: tests are tables, runnable by name).
 * A test either returns its verdict (`run` returns true on success) or is a
 * fault test: `fault_ok` is then asked, from the exception handler, whether
 * the fault that arrived is the expected one; `run` returning at all means
 * the fault did not happen, which fails the test. A panic() reaches
 * fault_ok as the pseudo-vector 256.
 *
 * Tests: pagefault, divzero, wx (write to text), nx (call into the heap),
 * stack (overflow into a guard page), assert (kassert panics), ssp (stack
 * protector), heap (malloc/realloc/free, sbrk ENOMEM, libm + printf %lld),
 * timer (LAPIC one-shot deadline; TSC against the ACPI PM timer).
 */
#include "kernel/selftest.h"
#include "kernel/selftest_fp.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/console.h"
#include "kernel/ksyms.h"
#include "kernel/log.h"
#include "kernel/platform.h"
#include "kernel/stack.h"
#include "kernel/x86/apic.h"
#include "kernel/x86/paging.h"
#include "kernel/x86/trap.h"
#include "kernel/x86/tsc.h"

#define VEC_DE 0
#define VEC_DF 8
#define VEC_PF 14
#define PANIC_NOT_A_VECTOR 256  /* what fault_ok sees for a panic() */
#define MS 1000000ull

struct selftest {
	const char *name;
	bool (*run)(void);
	bool (*fault_ok)(uint64_t vector, uint64_t cr2);
};

static const struct selftest *current;
static enum selftest_outcome outcome = SELFTEST_NO_VERDICT;
static volatile uint64_t expect_cr2;

/* ---- pagefault: read from page 0, which paging_init leaves unmapped ---- */
static bool selftest_pagefault(void)
{
	volatile uint64_t *p;

	expect_cr2 = 0x18;
	p = (volatile uint64_t *)(uintptr_t)expect_cr2;
	return *p == 0x5A5A;    /* must not get here */
}

static bool pf_at_expected(uint64_t vector, uint64_t cr2)
{
	return vector == VEC_PF && cr2 == expect_cr2;
}

/* ---- divzero: integer division by zero raises #DE ---- */
static bool selftest_divzero(void)
{
	/* both volatile: clang rewrites 1 / x without a division */
	volatile int num = 7, zero = 0;
	volatile int r = num / zero;

	return r == 42;         /* must not get here */
}

static bool de_raised(uint64_t vector, uint64_t cr2)
{
	(void)cr2;
	return vector == VEC_DE;
}

/* ---- wx: kernel text is read+execute: a write to it must fault ---- */
static bool selftest_wx(void)
{
	volatile uint8_t *text = (volatile uint8_t *)(uintptr_t)selftest_wx;

	if (paging_query((uint64_t)text) != PG_EXEC ||
	    paging_query((uint64_t)__rodata_start) != PG_READ) {
		pr_err("test wx: text flags %d, rodata flags %d",
		       paging_query((uint64_t)text), paging_query((uint64_t)__rodata_start));
		return false;
	}
	expect_cr2 = (uint64_t)text;
	text[0] = text[0];      /* write the byte back: harmless if it worked */
	return false;
}

/* ---- nx: the heap is no-execute: a call into it must fault ---- */
static bool selftest_nx(void)
{
	uint8_t *buf = malloc(64);

	if (buf == NULL)
		return false;
	buf[0] = 0xC3;          /* ret */
	expect_cr2 = (uint64_t)buf;
	((void (*)(void))(uintptr_t)buf)();
	return false;
}

/* ---- stack: overflow a guarded stack; the report must name it ---- */
static void recurse(uintptr_t depth)
{
	volatile char pad[512];

	pad[0] = (char)depth;
	if (depth < 1000000)            /* far more than 16 KiB holds */
		recurse(depth + 1);
	pad[1] = pad[0];                /* not a tail call: the frame stays */
}

static void overflow_entry(void *arg)
{
	(void)arg;
	recurse(0);
}

static bool selftest_stack(void)
{
	void *lo = stack_alloc(16384, "selftest-overflow");

	if (lo == NULL)
		return false;
	call_on_stack(overflow_entry, NULL, (char *)lo + 16384);
}

static bool overflow_named(uint64_t vector, uint64_t cr2)
{
	const char *owner = stack_guard_owner(cr2);

	return (vector == VEC_DF || vector == VEC_PF) && owner != NULL &&
	       strcmp(owner, "selftest-overflow") == 0;
}

/* ---- assert: a failed kassert panics with a report ---- */
static bool selftest_assert(void)
{
	volatile int two = 2;

	kassert(two + two == 5);
	return false;
}

static bool panicked(uint64_t vector, uint64_t cr2)
{
	(void)cr2;
	return vector == PANIC_NOT_A_VECTOR;
}

/* ---- ssp: overrunning a local array trips the stack protector ---- */
static bool selftest_ssp(void)
{
	char buf[16];
	volatile size_t n = 40;         /* run time: no compile-time warning */

	memset(buf, 0x41, n);           /* over the canary, not yet the return */
	return buf[0] == 0;             /* the canary check panics before ret */
}

/* ---- heap: malloc/realloc/free, sbrk exhaustion, newlib printf + math ---- */
static bool heap_blocks(void)
{
	unsigned char *p[64];
	bool ok = true;

	for (int i = 0; i < 64; i++) {
		p[i] = malloc(16 + (size_t)i * 40);
		if (p[i] == NULL)
			return false;
		memset(p[i], i, 16 + (size_t)i * 40);
	}
	for (int i = 0; i < 64; i += 2) {
		p[i] = realloc(p[i], 4096);
		ok = ok && p[i] != NULL && p[i][15] == i;
	}
	for (int i = 0; i < 64; i++) {
		ok = ok && (p[i] == NULL || p[i][0] == i);
		free(p[i]);
	}
	return ok;
}

static bool selftest_heap(void)
{
	char buf[32];
	void *big = malloc(1 << 20), *huge;
	bool ok = big != NULL;

	if (big != NULL)
		memset(big, 0xA5, 1 << 20);
	free(big);
	ok = ok && heap_blocks();
	errno = 0;
	huge = malloc((size_t)1 << 44);
	ok = ok && huge == NULL && errno == ENOMEM;
	selftest_format_float(buf, sizeof(buf));
	ok = ok && strcmp(buf, "1414 2520 -1234567890123") == 0;
	if (!ok)
		pr_err("test heap: big %p, huge %p errno %d, printf '%s'", big, huge,
		       errno, buf);
	return ok;
}

/* ---- timer: a one-shot LAPIC deadline fires on time; TSC matches PM timer ---- */
static bool timer_fires(void)
{
	uint64_t t0 = plat_now_ns(), n0 = apic_timer_expirations(), dt;

	plat_timer_arm(t0 + 10 * MS);
	while (apic_timer_expirations() == n0 && plat_now_ns() - t0 < 1000 * MS)
		plat_idle();
	dt = plat_now_ns() - t0;
	pr_info("test timer: 10 ms deadline fired after %llu us",
		(unsigned long long)(dt / 1000));
	return apic_timer_expirations() == n0 + 1 && dt >= 10 * MS && dt < 200 * MS;
}

/* One PM timer read bracketed by two TSC reads: *tsc_ns is the bracket's
 * midpoint. A host that deschedules the vCPU inside the bracket (a busy TCG
 * host) widens it and moves the midpoint, so take the narrowest of a few. */
static uint32_t pm_read_bracketed(uint64_t *tsc_ns)
{
	uint64_t best = UINT64_MAX;
	uint32_t pm = 0;

	for (int i = 0; i < 8; i++) {
		uint64_t a = plat_now_ns();
		uint32_t p = tsc_pm_timer_read();
		uint64_t b = plat_now_ns();

		if (b - a < best) {
			best = b - a;
			pm = p;
			*tsc_ns = a + (b - a) / 2;
		}
	}
	return pm;
}

static bool tsc_matches_pm_timer(void)
{
	uint64_t t0, t1, pm_ns, tsc_ns;
	uint32_t p0, p1;

	if (tsc_pm_timer_read() == 0)
		return true;            /* no PM timer (Hyper-V MSR clock): nothing to compare */
	p0 = pm_read_bracketed(&t0);
	while (plat_now_ns() - t0 < 20 * MS)
		;
	p1 = pm_read_bracketed(&t1);
	tsc_ns = t1 - t0;
	pm_ns = (uint64_t)((p1 - p0) & 0xFFFFFF) * 1000000000ull / 3579545ull;
	pr_info("test timer: one interval, %llu us by the TSC, %llu us by the PM timer",
		(unsigned long long)(tsc_ns / 1000), (unsigned long long)(pm_ns / 1000));
	/* 5%: catches a wrong calibration, tolerates a busy TCG host */
	return pm_ns > tsc_ns * 95 / 100 && pm_ns < tsc_ns * 105 / 100;
}

static bool selftest_timer(void)
{
	bool ok = timer_fires();

	return tsc_matches_pm_timer() && ok;
}

#ifdef KEEL_TEST_HOOKS
/* ---- always-fails (test image only): a failed test= run must end QEMU with
 * status 5 (kernel/panic.h); the boot test test-fail-exit checks that ---- */
static bool selftest_always_fails(void)
{
	return false;
}
#endif

static const struct selftest selftests[] = {
	{ "pagefault", selftest_pagefault, pf_at_expected },
	{ "divzero", selftest_divzero, de_raised },
	{ "wx", selftest_wx, pf_at_expected },
	{ "nx", selftest_nx, pf_at_expected },
	{ "stack", selftest_stack, overflow_named },
	{ "assert", selftest_assert, panicked },
	{ "ssp", selftest_ssp, panicked },
	{ "heap", selftest_heap, NULL },
	{ "timer", selftest_timer, NULL },
#ifdef KEEL_TEST_HOOKS
	{ "always-fails", selftest_always_fails, NULL },
#endif
};

static void verdict(bool ok)
{
	console_printf("keel: test %s %s\n", current->name, ok ? "passed" : "failed");
	outcome = ok ? SELFTEST_PASSED : SELFTEST_FAILED;
	current = NULL;
}

void selftest_run(const char *name)
{
	for (size_t i = 0; i < sizeof(selftests) / sizeof(selftests[0]); i++) {
		if (strcmp(selftests[i].name, name) != 0)
			continue;
		current = &selftests[i];
		console_printf("keel: running test %s\n", name);
		verdict(current->run() && current->fault_ok == NULL);
		return;
	}
	console_printf("keel: unknown test '%s'; known:", name);
	for (size_t i = 0; i < sizeof(selftests) / sizeof(selftests[0]); i++)
		console_printf(" %s", selftests[i].name);
	console_printf("\nkeel: test %s failed\n", name);
	outcome = SELFTEST_UNKNOWN;
}

void selftest_fault(uint64_t vector, uint64_t cr2)
{
	if (current != NULL)
		verdict(current->fault_ok != NULL && current->fault_ok(vector, cr2));
}

void selftest_panic(void)
{
	selftest_fault(PANIC_NOT_A_VECTOR, 0);
}

enum selftest_outcome selftest_outcome(void)
{
	return outcome;
}

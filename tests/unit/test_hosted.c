/*
 * The hosted platform itself: the guest RAM arena's GPA space and bounds,
 * page accounting, "no hypervisor" without a host model, host-model
 * forwarding, and guard-page stacks.
 */
#define _DEFAULT_SOURCE 1

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel/stack.h"
#include "tests/unit/harness.h"

static int t_arena_bounds(void)
{
	size_t size = hosted_gmem_size();
	uint8_t *p;
	gpa_t g;

	CHECK_EQ(size, 16u << 20);
	CHECK(hosted_gmem(0, 1) == NULL);                        /* GPA 0 is not RAM */
	CHECK(hosted_gmem(HOSTED_GPA_BASE - 1, 1) == NULL);
	/* in bounds but not allocated: refused (storvsc_arena_test.c) */
	CHECK(hosted_gmem(HOSTED_GPA_BASE, size) == NULL);
	CHECK(hosted_gmem(HOSTED_GPA_BASE + size - 1, 1) == NULL);
	CHECK(hosted_gmem(HOSTED_GPA_BASE + size - 1, 2) == NULL);
	CHECK(hosted_gmem(HOSTED_GPA_BASE + 4096, (size_t)-1) == NULL);  /* wrap */
	p = plat_page_alloc(2);
	CHECK(p != NULL);
	g = plat_ptr_to_gpa(p);
	CHECK(g >= HOSTED_GPA_BASE && g % PLAT_PAGE_SIZE == 0);
	CHECK(plat_gpa_to_ptr(g, 2 * PLAT_PAGE_SIZE) == p);
	p[0] = 0x5a;
	CHECK_EQ(*(uint8_t *)hosted_gmem(g, 1), 0x5a);
	plat_page_free(p, 2);
	return 0;
}

static int t_page_accounting(void)
{
	void *a = plat_page_alloc(1), *b = plat_page_alloc(3);

	CHECK(a && b && a != b);
	CHECK_EQ(hosted_gmem_pages_in_use(), 4);
	CHECK_EQ(((uint8_t *)b)[100], 0);                     /* zeroed */
	plat_page_free(a, 1);
	CHECK_EQ(hosted_gmem_pages_in_use(), 3);
	hosted_log_set_echo(0);
	plat_page_free(a, 1);                                 /* double free */
	plat_page_free((uint8_t *)b + 1, 1);                  /* not a page */
	hosted_log_set_echo(1);
	CHECK_EQ(hosted_page_frees_bad(), 2);
	CHECK_EQ(hosted_gmem_pages_in_use(), 3);
	plat_page_free(b, 3);
	CHECK_EQ(hosted_gmem_pages_in_use(), 0);
	CHECK(plat_page_alloc(1u << 20) == NULL);             /* more than RAM */
	return 0;
}

static uint64_t model_msr;

static void m_cpuid(void *ctx, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	(void)ctx;
	(void)sub;
	if (leaf == 0x40000000)
		out[0] = 0x40000006;
}

static void m_wrmsr(void *ctx, uint32_t msr, uint64_t val)
{
	(void)ctx;
	if (msr == 0x40000000)
		model_msr = val;
}

static uint64_t m_rdmsr(void *ctx, uint32_t msr)
{
	(void)ctx;
	return msr == 0x40000000 ? model_msr : 0;
}

static int t_host_model(void)
{
	struct host_model m = { .cpuid = m_cpuid, .rdmsr = m_rdmsr, .wrmsr = m_wrmsr };
	uint32_t r[4];

	plat_cpuid(0x40000000, 0, r);
	CHECK_EQ(r[0], 0);                          /* no hypervisor */
	CHECK_EQ(plat_hypercall(1, 0, 0) & 0xffff, 2);
	hosted_set_host_model(&m);
	plat_cpuid(0x40000000, 0, r);
	CHECK_EQ(r[0], 0x40000006);
	plat_wrmsr(0x40000000, 0x1234);
	CHECK_EQ(plat_rdmsr(0x40000000), 0x1234);
	CHECK_EQ(plat_hypercall(1, 0, 0) & 0xffff, 2);   /* model has no hypercall */
	hosted_set_host_model(NULL);
	return 0;
}

static int t_stack_guard(void)
{
	uint8_t *lo = stack_alloc(8192, "test stack");

	CHECK(lo != NULL);
	lo[0] = 1;
	lo[8191] = 1;
	CHECK(stack_guard_owner((unsigned long)(lo - 1)) != NULL);
	CHECK(!strcmp(stack_guard_owner((unsigned long)(lo - 4096)), "test stack"));
	CHECK(stack_guard_owner((unsigned long)lo) == NULL);
	{
		/* The guard page really faults: a child writes to it and dies. */
		int status = 0;
		pid_t pid = fork();

		CHECK(pid >= 0);
		if (pid == 0) {
			freopen("/dev/null", "w", stderr);  /* ASan's SEGV report */
			((volatile uint8_t *)lo)[-1] = 1;
			_exit(0);
		}
		CHECK(waitpid(pid, &status, 0) == pid);
		CHECK(!(WIFEXITED(status) && WEXITSTATUS(status) == 0));
	}
	stack_free(lo, 8192);
	CHECK(stack_guard_owner((unsigned long)(lo - 1)) == NULL);
	return 0;
}

/*
 * Fiber switches are announced to AddressSanitizer: a longjmp inside a
 * fiber makes ASan unpoison "the current stack", which it can only do when
 * it knows the fiber's stack; otherwise it warns that false positives may
 * follow. The test runs one such item with stderr captured and looks for
 * that warning (without ASan there is nothing to check).
 */
static jmp_buf lj_buf;
static int lj_done;

static __attribute__((noinline)) void lj_deep(int n)
{
	char buf[256];

	memset(buf, n, sizeof(buf));
	if (n == 0)
		longjmp(lj_buf, 1);
	lj_deep(n - 1);
	__asm__ volatile("" : : "r"(buf) : "memory");
}

static void lj_fn(struct work *w)
{
	(void)w;
	if (setjmp(lj_buf) == 0)
		lj_deep(4);
	lj_done = 1;
}

static int t_fiber_asan_annotations(void)
{
	struct wq *q = wq_create("q", 1);
	struct work w;
	char path[] = "/tmp/keel-unit-XXXXXX", text[4096] = "";
	int fd = mkstemp(path), saved;
	FILE *f;

	CHECK(fd >= 0);
	unlink(path);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	work_init(&w, lj_fn, "longjmp inside");
	wq_queue(q, &w);
	t_run();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	f = fdopen(fd, "r");
	CHECK(f);
	rewind(f);
	text[fread(text, 1, sizeof(text) - 1, f)] = '\0';
	fclose(f);
	CHECK_EQ(lj_done, 1);
	if (strstr(text, "WARNING: ASan"))
		fprintf(stderr, "%s", text);
	CHECK(!strstr(text, "WARNING: ASan"));
	return 0;
}

const struct unit_test hosted_tests[] = {
	{ "hosted_arena_bounds", t_arena_bounds, QUICK },
	{ "hosted_page_accounting", t_page_accounting, QUICK },
	{ "hosted_host_model", t_host_model, QUICK },
	{ "hosted_stack_guard", t_stack_guard, QUICK },
	{ "fiber_asan_annotations", t_fiber_asan_annotations, QUICK },
	{ NULL, NULL, QUICK },
};

/*
 * The hosted guest-RAM arena (hosted/platform_hosted.c) makes memory
 * ownership bugs of storvsc visible: a page the guest freed is
 * ASan-poisoned and the GPA translation the simulated host uses refuses it,
 * so a host writing a buffer the guest already handed back fails the run.
 */
#include <string.h>

#include "hosted/hosted.h"
#include "kernel/platform.h"
#include "tests/unit/harness.h"

#include <sanitizer/asan_interface.h>

#ifndef __has_feature
#define __has_feature(x) 0
#endif

static int t_arena_freed_page_unreachable(void)
{
	uint8_t *p = plat_page_alloc(2);
	gpa_t gpa;

	CHECK(p != NULL);
	gpa = plat_ptr_to_gpa(p);
	CHECK(hosted_gmem(gpa, 2 * PLAT_PAGE_SIZE) == p);
	memset(p, 0xA5, 2 * PLAT_PAGE_SIZE);
	plat_page_free(p + PLAT_PAGE_SIZE, 1);
	/* the freed page, and any range touching it, is refused */
	CHECK(hosted_gmem(gpa, PLAT_PAGE_SIZE) == p);
	CHECK(hosted_gmem(gpa + PLAT_PAGE_SIZE, 1) == NULL);
	CHECK(hosted_gmem(gpa + PLAT_PAGE_SIZE - 8, 16) == NULL);
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
	CHECK(__asan_address_is_poisoned(p + PLAT_PAGE_SIZE));
	CHECK(!__asan_address_is_poisoned(p));
#endif
	plat_page_free(p, 1);
	CHECK(hosted_gmem(gpa, 1) == NULL);
	/* allocated again: reachable and zeroed */
	p = plat_page_alloc(1);
	CHECK(p != NULL);
	CHECK(hosted_gmem(plat_ptr_to_gpa(p), PLAT_PAGE_SIZE) == p);
	CHECK(p[0] == 0);
	plat_page_free(p, 1);
	return 0;
}

const struct unit_test storvsc_arena_tests[] = {
	{ "storvsc_arena_freed_page_unreachable", t_arena_freed_page_unreachable, QUICK },
	{ NULL, NULL, QUICK },
};

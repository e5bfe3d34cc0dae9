/*
 * The wall clock (kernel/wallclock.h): one offset over the monotonic clock.
 * A named singleton, written by the time-sync IC's callback and read by
 * anyone; both run on the one CPU between yields, so no lock.
 */
#include <stdio.h>

#include "kernel/platform.h"
#include "kernel/wallclock.h"

static struct {
	bool valid;
	uint64_t offset;        /* unix ns minus plat_now_ns() at the last step */
} wc;

void wallclock_set(uint64_t unix_ns)
{
	wc.offset = unix_ns - plat_now_ns();
	wc.valid = true;
}

bool wallclock_valid(void)
{
	return wc.valid;
}

uint64_t wallclock_now(void)
{
	return wc.offset + plat_now_ns();
}

void wallclock_reset(void)
{
	wc.valid = false;
	wc.offset = 0;
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian; the
 * well-known era-of-400-years method). */
static void civil(int64_t days, int *y, unsigned *m, unsigned *d)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	uint64_t doe = (uint64_t)(z - era * 146097);
	uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	uint64_t mp = (5 * doy + 2) / 153;

	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}

char *wallclock_format(uint64_t unix_ns, char *buf, size_t cap)
{
	uint64_t s = unix_ns / 1000000000ull;
	unsigned ms = (unsigned)(unix_ns / 1000000ull % 1000);
	unsigned sod = (unsigned)(s % 86400), m, d;
	int y;

	civil((int64_t)(s / 86400), &y, &m, &d);
	snprintf(buf, cap, "%04d-%02u-%02u %02u:%02u:%02u.%03u", y, m, d, sod / 3600,
		 sod / 60 % 60, sod % 60, ms);
	return buf;
}

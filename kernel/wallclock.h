/*
 * The wall clock: UTC as nanoseconds since 1970-01-01, kept as an offset
 * from the monotonic clock (plat_now_ns). Set by the time-sync IC
 * (drivers/ic_timesync.c); read by newlib's time() and gettimeofday()
 * (kernel/newlib_sys.c) and by anyone who wants a date.
 */
#ifndef KEEL_WALLCLOCK_H
#define KEEL_WALLCLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Step the clock to unix_ns now. */
void wallclock_set(uint64_t unix_ns);
/* Whether anyone set it since boot (before that it counts from 1970). */
bool wallclock_valid(void);
/* UTC now, ns since 1970 (the time since boot while not valid). */
uint64_t wallclock_now(void);
/* "2026-12-05 07:30:00.050" (UTC, milliseconds) into buf; returns buf. */
char *wallclock_format(uint64_t unix_ns, char *buf, size_t cap);
/* Back to "never set" (a new keelsim run, unit tests). */
void wallclock_reset(void);

#endif

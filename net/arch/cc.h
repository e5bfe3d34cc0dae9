/*
 * net/arch/cc.h: lwIP's compiler and platform port for Keel (lwIP reads it
 * as "arch/cc.h"; its contract is src/include/lwip/arch.h in lwIP's source).
 * Bare metal compiles against newlib, the hosted build against glibc; both
 * are little-endian x86-64 with the C99 headers lwIP wants.
 */
#ifndef KEEL_LWIP_ARCH_CC_H
#define KEEL_LWIP_ARCH_CC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <sys/types.h>

#include "kernel/log.h"

/* lwIP types ssize_t itself unless SSIZE_MAX says the C library did. */
#ifndef SSIZE_MAX
#define SSIZE_MAX LONG_MAX
#endif

#ifndef BYTE_ORDER
#define BYTE_ORDER LITTLE_ENDIAN
#endif

/* lwIP's diagnostics go to the kernel log at debug level. */
#define LWIP_PLATFORM_DIAG(x) \
	do { net_lwip_diag x; } while (0)
/* An lwIP assertion is a bug in lwIP or in how Keel calls it, never host
 * input (lwIP checks its input without asserting). */
#define LWIP_PLATFORM_ASSERT(x) \
	panic("lwip: assertion \"%s\" failed at %s:%d", x, __FILE__, __LINE__)

void net_lwip_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

/*
 * Logging, panic and assertions: the small API portable code (kernel/wq*,
 * vmbus/, drivers/, lib/) uses. Bare metal implements it in kernel/log.c
 * (serial and framebuffer consoles); the hosted build in hosted/log.c.
 */
#ifndef KEEL_LOG_H
#define KEEL_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_EMERG, LOG_ALERT, LOG_CRIT, LOG_ERR,
	LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG,
};

/* Print one message if level <= the current loglevel (default LOG_INFO). */
void klog(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vklog(int level, const char *fmt, va_list ap);
void log_set_level(int level);
/* Keep the log's last lines from now on (bare metal, once the heap is up;
 * kernel/introspect.h log_print shows them). */
void log_ring_start(void);
int log_get_level(void);

#define pr_err(...)   klog(LOG_ERR, __VA_ARGS__)
#define pr_warn(...)  klog(LOG_WARNING, __VA_ARGS__)
#define pr_info(...)  klog(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) klog(LOG_DEBUG, __VA_ARGS__)

/* Stop: bare metal prints a report and halts; hosted aborts the test. */
_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Invariants of our own code; never for input from the host. */
#define kassert(x)                                                         \
	do {                                                               \
		if (!(x))                                                  \
			panic("assertion failed: %s at %s:%d", #x,         \
			      __FILE__, __LINE__);                         \
	} while (0)

#endif

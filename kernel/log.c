/*
 * kernel/log.h for bare metal: format with newlib's vsnprintf, filter by
 * `loglevel=`, and hand the line to the console. A missing trailing newline
 * is added so that callers may write either style. Long lines are cut at
 * LOG_LINE_MAX - 1 characters.
 *
 * Not for %f in interrupt context: newlib's float formatting allocates.
 */
#include "kernel/log.h"

#include <stdio.h>
#include <string.h>

#include "kernel/console.h"

#define LOG_LINE_MAX 512

static int log_level = LOG_INFO;

void log_set_level(int level)
{
	if (level < LOG_EMERG)
		level = LOG_EMERG;
	if (level > LOG_DEBUG)
		level = LOG_DEBUG;
	log_level = level;
}

int log_get_level(void) { return log_level; }

void vklog(int level, const char *fmt, va_list ap)
{
	char buf[LOG_LINE_MAX];
	size_t n;

	if (level > log_level)
		return;
	if (vsnprintf(buf, sizeof(buf) - 1, fmt, ap) < 0)
		return;
	n = strlen(buf);
	if (n == 0 || buf[n - 1] != '\n')
		buf[n++] = '\n';
	console_write(buf, n);
}

void klog(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vklog(level, fmt, ap);
	va_end(ap);
}

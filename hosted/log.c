/*
 * klog, panic and the log level for the hosted build (kernel/log.h).
 * Like kernel/log.c, a missing trailing newline is added.
 * Lines go to stderr (unless echo is off) and, when capture is on, into a
 * buffer tests read back (hosted/hosted.h). panic() prints, then calls the
 * test's panic hook (which longjmps back to the runner) or aborts.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hosted/hosted.h"
#include "kernel/log.h"

#define CAPTURE_MAX (1u << 20)

static struct {
	int level;
	int quiet;                  /* echo off */
	int capture;
	char *buf;
	size_t len, cap;
	void (*panic_hook)(const char *msg);
} lg = { .level = LOG_INFO };

static void capture_append(const char *s, size_t n)
{
	if (!lg.capture)
		return;
	if (lg.len + n + 1 > lg.cap) {
		size_t cap = lg.cap ? lg.cap : 4096;
		char *nb;

		while (cap < lg.len + n + 1)
			cap *= 2;
		if (cap > CAPTURE_MAX)
			return;     /* drop: a test capturing megabytes is broken */
		nb = realloc(lg.buf, cap);
		if (!nb)
			return;
		lg.buf = nb;
		lg.cap = cap;
	}
	memcpy(lg.buf + lg.len, s, n);
	lg.len += n;
	lg.buf[lg.len] = '\0';
}

void vklog(int level, const char *fmt, va_list ap)
{
	char line[4096];
	int n;

	if (level > lg.level)
		return;
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line) - 1)
		n = sizeof(line) - 2;
	/* As on bare metal (kernel/log.c): a missing trailing newline is added. */
	if (n == 0 || line[n - 1] != '\n') {
		line[n++] = '\n';
		line[n] = '\0';
	}
	if (!lg.quiet)
		fputs(line, stderr);
	capture_append(line, (size_t)n);
}

void klog(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vklog(level, fmt, ap);
	va_end(ap);
}

void log_set_level(int level)
{
	lg.level = level;
}

int log_get_level(void)
{
	return lg.level;
}

_Noreturn void panic(const char *fmt, ...)
{
	static char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	capture_append("PANIC: ", 7);
	capture_append(msg, strlen(msg));
	capture_append("\n", 1);
	if (lg.panic_hook) {
		lg.panic_hook(msg);
		fputs("hosted: panic hook returned\n", stderr);
	} else {
		fprintf(stderr, "PANIC: %s\n", msg);
	}
	abort();
}

void hosted_log_set_echo(int on)
{
	lg.quiet = !on;
}

void hosted_log_capture(int on)
{
	lg.capture = on;
}

const char *hosted_log_captured(void)
{
	return lg.buf ? lg.buf : "";
}

void hosted_log_clear(void)
{
	lg.len = 0;
	if (lg.buf)
		lg.buf[0] = '\0';
}

void hosted_set_panic_hook(void (*hook)(const char *msg))
{
	lg.panic_hook = hook;
}

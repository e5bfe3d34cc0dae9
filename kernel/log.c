/*
 * kernel/log.h for bare metal: format with newlib's vsnprintf, filter by
 * `loglevel=`, and hand the line to the console. A missing trailing newline
 * is added so that callers may write either style. Long lines are cut at
 * LOG_LINE_MAX - 1 characters.
 *
 * Every line printed also goes into the log ring, the last LOG_RING_BYTES
 * of the log, which log_print shows (kernel/introspect.h). The ring lives
 * on the heap (a static one would grow keel.efi, whose .bss is stored), so
 * it holds lines from log_ring_start on.
 *
 * Not for %f in interrupt context: newlib's float formatting allocates.
 */
#include "kernel/log.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/console.h"
#include "kernel/introspect.h"
#include "kernel/x86/cpu.h"

#define LOG_LINE_MAX 512

#define LOG_RING_BYTES 8192u
#define LOG_PRINT_CHUNK 200          /* under console_printf's line buffer */

static int log_level = LOG_INFO;
/* Written with interrupts masked (klog may run in a handler). */
static char *log_ring;
static uint64_t log_ring_total;      /* bytes ever put; the ring's write end */

void log_ring_start(void)
{
	log_ring = malloc(LOG_RING_BYTES);
}

/* Masks interrupts with the CPU's flag, not the platform's calls: klog
 * runs before platform_init too. */
static void log_ring_put(const char *s, size_t n)
{
	uint64_t flags;

	if (log_ring == NULL)
		return;
	flags = read_rflags();
	cli();
	for (size_t i = 0; i < n; i++)
		log_ring[log_ring_total++ % LOG_RING_BYTES] = s[i];
	if (flags & RFLAGS_IF)
		sti();
}

/* Oldest first; when the ring has wrapped, from the first whole line. */
void log_print(kprintf_fn out)
{
	uint64_t end = log_ring_total;
	uint64_t pos = end > LOG_RING_BYTES ? end - LOG_RING_BYTES : 0;
	bool cut = pos > 0;

	while (log_ring != NULL && pos < end) {
		char chunk[LOG_PRINT_CHUNK];
		size_t n = 0, from = 0;

		while (pos < end && n < sizeof(chunk))
			chunk[n++] = log_ring[pos++ % LOG_RING_BYTES];
		if (cut) {
			while (from < n && chunk[from] != '\n')
				from++;
			if (from == n)
				continue;            /* still in the overwritten line */
			from++;
			cut = false;
		}
		out("%.*s", (int)(n - from), chunk + from);
	}
}

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
	log_ring_put(buf, n);
	console_write(buf, n);
}

void klog(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vklog(level, fmt, ap);
	va_end(ap);
}

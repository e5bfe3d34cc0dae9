/*
 * Console fan-out: serial (kernel/x86/serial.c) and framebuffer text console
 * (kernel/x86/fbcons.c). Interrupts are masked around one write so that a
 * line from an interrupt handler never lands inside another line.
 */
#include "kernel/console.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "kernel/x86/cpu.h"
#include "kernel/x86/fbcons.h"
#include "kernel/x86/serial.h"

static unsigned console_mode = CONSOLE_BOTH;
static bool console_fb_usable;

void console_set_mode(unsigned mode) { console_mode = mode & CONSOLE_BOTH; }
unsigned console_get_mode(void) { return console_mode; }
void console_fb_ready(void) { console_fb_usable = true; }

void console_write(const char *s, size_t len)
{
	uint64_t flags = read_rflags();

	cli();
	if (console_mode & CONSOLE_SERIAL)
		serial_write(s, len);
	if ((console_mode & CONSOLE_FB) && console_fb_usable)
		fbcons_write(s, len);
	if (flags & RFLAGS_IF)
		sti();
}

size_t console_read(char *buf, size_t max)
{
	return serial_read(buf, max);
}

void console_printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	console_write(buf, strnlen(buf, sizeof(buf)));
}

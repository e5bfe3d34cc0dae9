/*
 * The kernel console: every log line goes to COM1 and/or the framebuffer
 * text console, as chosen by `console=serial|fb|both`.
 */
#ifndef KEEL_CONSOLE_H
#define KEEL_CONSOLE_H

#include <stddef.h>

enum console_mode {
	CONSOLE_SERIAL = 1 << 0,
	CONSOLE_FB     = 1 << 1,
	CONSOLE_BOTH   = CONSOLE_SERIAL | CONSOLE_FB,
};

void console_set_mode(unsigned mode);
unsigned console_get_mode(void);
/* Tell the console the framebuffer console is usable from now on. */
void console_fb_ready(void);
void console_write(const char *s, size_t len);
/* Bytes typed on COM1 since the last call, up to max; never waits (the
 * UART has no receive interrupt wired: readers poll from a timer). */
size_t console_read(char *buf, size_t max);
/* Unconditional formatted output (not filtered by loglevel): result lines. */
void console_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

/*
 * The loader's console: ASCII formatted text on the UEFI Simple Text Output
 * protocol (ConOut), which OVMF and Gen2 firmware mirror to the framebuffer
 * and, when configured, to COM1 (docs/protocols/gen2-platform.md §3.1). Only before
 * ExitBootServices. boot/ links no libc, so the formatter lives here.
 */
#include <stdarg.h>

#include "boot/loader.h"

#define CON_CHUNK 128

struct con_buf {
	CHAR16 b[CON_CHUNK + 1];
	UINTN n;
};

static void con_flush(struct con_buf *cb)
{
	if (cb->n == 0)
		return;
	cb->b[cb->n] = 0;
	boot_st->ConOut->OutputString(boot_st->ConOut, cb->b);
	cb->n = 0;
}

static void con_putc(struct con_buf *cb, char c)
{
	if (cb->n + 2 > CON_CHUNK)
		con_flush(cb);
	if (c == '\n')
		cb->b[cb->n++] = u'\r';
	cb->b[cb->n++] = (CHAR16)(unsigned char)c;
}

static void con_putnum(struct con_buf *cb, UINT64 v, unsigned base, int width, char pad)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v != 0);
	while (width-- > n)
		con_putc(cb, pad);
	while (n > 0)
		con_putc(cb, tmp[--n]);
}

void boot_printf(const char *fmt, ...)
{
	struct con_buf cb = { .n = 0 };
	va_list ap;

	va_start(ap, fmt);
	for (const char *p = fmt; *p != 0; p++) {
		int longs = 0, width = 0;
		char pad = ' ';

		if (*p != '%') {
			con_putc(&cb, *p);
			continue;
		}
		p++;
		if (*p == '0')
			pad = '0';
		while (*p >= '0' && *p <= '9')
			width = width * 10 + (*p++ - '0');
		while (*p == 'l') {
			longs++;
			p++;
		}
		switch (*p) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			for (s = s ? s : "(null)"; *s != 0; s++)
				con_putc(&cb, *s);
			break;
		}
		case 'c':
			con_putc(&cb, (char)va_arg(ap, int));
			break;
		case 'd': {
			INT64 v = longs ? va_arg(ap, INT64) : va_arg(ap, int);
			if (v < 0) {
				con_putc(&cb, '-');
				v = -v;
			}
			con_putnum(&cb, (UINT64)v, 10, width, pad);
			break;
		}
		case 'u':
		case 'x': {
			UINT64 v = longs ? va_arg(ap, UINT64) : va_arg(ap, unsigned int);
			con_putnum(&cb, v, *p == 'u' ? 10 : 16, width, pad);
			break;
		}
		case '%':
			con_putc(&cb, '%');
			break;
		default:        /* unknown conversion: show it, consume nothing */
			con_putc(&cb, '%');
			if (*p == 0)
				p--;
			else
				con_putc(&cb, *p);
			break;
		}
	}
	va_end(ap);
	con_flush(&cb);
}

void boot_memset(void *p, int c, UINTN n)
{
	volatile UINT8 *d = p;  /* volatile: keep clang from calling memset */

	while (n-- > 0)
		*d++ = (UINT8)c;
}

UINTN boot_strlen(const char *s)
{
	UINTN n = 0;

	while (s[n] != 0)
		n++;
	return n;
}

int boot_guid_eq(const EFI_GUID *a, const EFI_GUID *b)
{
	const UINT8 *x = (const UINT8 *)a, *y = (const UINT8 *)b;

	for (int i = 0; i < 16; i++)
		if (x[i] != y[i])
			return 0;
	return 1;
}

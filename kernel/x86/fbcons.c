/*
 * Framebuffer text console: 8x16 glyphs from font8x16.c drawn
 * into the GOP framebuffer that boot/ saved before ExitBootServices (the
 * mapping stays after it, docs/protocols/gen2-platform.md §3.2). Light grey on black.
 *
 * No scrolling: reading back uncached video memory to move it up is slow
 * on every host, so the console wraps to the top and clears the line after
 * the cursor, which always shows where the newest line is.
 */
#include "kernel/x86/fbcons.h"

#include <errno.h>
#include <stdint.h>

#include "kernel/x86/font8x16.h"

static volatile uint32_t *fb_base;
static uint32_t fb_stride, fb_cols, fb_rows;
static uint32_t cur_x, cur_y;
static uint32_t fg, bg;

static uint32_t pack(const struct bootfb *fb, uint8_t r, uint8_t g, uint8_t b)
{
	if (fb->format == BOOTFB_RGBX)
		return (uint32_t)r | (uint32_t)g << 8 | (uint32_t)b << 16;
	return (uint32_t)b | (uint32_t)g << 8 | (uint32_t)r << 16;   /* BGRX */
}

static void clear_row(uint32_t row)
{
	volatile uint32_t *p = fb_base + (uint64_t)row * FONT_H * fb_stride;

	for (uint32_t y = 0; y < FONT_H; y++, p += fb_stride)
		for (uint32_t x = 0; x < fb_cols * FONT_W; x++)
			p[x] = bg;
}

static void draw_glyph(uint32_t col, uint32_t row, char c)
{
	const uint8_t *g;
	volatile uint32_t *p;

	if (c < FONT_FIRST || c > FONT_LAST)
		c = '?';
	g = font8x16[c - FONT_FIRST];
	p = fb_base + (uint64_t)row * FONT_H * fb_stride + (uint64_t)col * FONT_W;
	for (uint32_t y = 0; y < FONT_H; y++, p += fb_stride)
		for (uint32_t x = 0; x < FONT_W; x++)
			p[x] = (g[y] & (0x80 >> x)) ? fg : bg;
}

static void newline(void)
{
	cur_x = 0;
	cur_y = (cur_y + 1) % fb_rows;
	clear_row(cur_y);
	clear_row((cur_y + 1) % fb_rows);    /* a gap marks the newest line */
}

static void putc_fb(char c)
{
	switch (c) {
	case '\n':
		newline();
		return;
	case '\r':
		cur_x = 0;
		return;
	case '\t':
		cur_x = (cur_x + 8) & ~7u;
		break;
	default:
		draw_glyph(cur_x++, cur_y, c);
		break;
	}
	if (cur_x >= fb_cols)
		newline();
}

int fbcons_init(const struct bootfb *fb)
{
	if (fb->base == 0 || fb->width < FONT_W || fb->height < 2 * FONT_H ||
	    fb->stride < fb->width ||
	    (fb->format != BOOTFB_RGBX && fb->format != BOOTFB_BGRX) ||
	    (uint64_t)fb->stride * fb->height * 4 > fb->size)
		return -EINVAL;
	fb_base = (volatile uint32_t *)fb->base;
	fb_stride = fb->stride;
	fb_cols = fb->width / FONT_W;
	fb_rows = fb->height / FONT_H;
	fg = pack(fb, 0xC0, 0xC0, 0xC0);
	bg = pack(fb, 0, 0, 0);
	for (uint32_t r = 0; r < fb_rows; r++)
		clear_row(r);
	cur_x = cur_y = 0;
	return 0;
}

void fbcons_write(const char *s, size_t len)
{
	if (fb_base == NULL)
		return;
	for (size_t i = 0; i < len; i++)
		putc_fb(s[i]);
}

/*
 * apps/shell/line.h: the line editor. Echo uses the ANSI (ECMA-48) cursor
 * controls every terminal emulator knows: CSI n D (left), CSI n C (right),
 * CSI K (erase to the end of the line).
 */
#include "apps/shell/line.h"

#include <stdio.h>
#include <string.h>

#define CTRL(c) ((c) & 0x1f)

void line_init(struct line *l, void (*echo)(void *, const char *, size_t), void *arg)
{
	memset(l, 0, sizeof(*l));
	l->echo = echo;
	l->echo_arg = arg;
}

static void echo(struct line *l, const char *s, size_t n)
{
	if (n)
		l->echo(l->echo_arg, s, n);
}

/* Move the terminal's cursor by d columns (negative: left). */
static void cursor_move(struct line *l, long d)
{
	char seq[16];

	if (d == 0)
		return;
	snprintf(seq, sizeof(seq), "\x1b[%ld%c", d < 0 ? -d : d, d < 0 ? 'D' : 'C');
	echo(l, seq, strlen(seq));
}

/* Redraw from the cursor to the end, erase what was beyond, move back. */
static void redraw_tail(struct line *l)
{
	echo(l, l->buf + l->cur, l->len - l->cur);
	echo(l, "\x1b[K", 3);
	cursor_move(l, -(long)(l->len - l->cur));
}

/* Replace the whole line (Ctrl-U, history). */
static void line_set(struct line *l, const char *text)
{
	cursor_move(l, -(long)l->cur);
	l->len = l->cur = strlen(text);
	memcpy(l->buf, text, l->len + 1);
	echo(l, l->buf, l->len);
	echo(l, "\x1b[K", 3);
}

static void insert(struct line *l, char c)
{
	if (l->len == LINE_MAX_CHARS)
		return;                 /* full: the key is ignored */
	memmove(l->buf + l->cur + 1, l->buf + l->cur, l->len - l->cur);
	l->buf[l->cur++] = c;
	l->buf[++l->len] = '\0';
	echo(l, &c, 1);
	if (l->cur < l->len)
		redraw_tail(l);
}

static void backspace(struct line *l)
{
	if (l->cur == 0)
		return;
	memmove(l->buf + l->cur - 1, l->buf + l->cur, l->len - l->cur + 1);
	l->cur--;
	l->len--;
	cursor_move(l, -1);
	redraw_tail(l);
}

/* Up (+1) or down (-1) the history; the new line is browse 0 (empty). */
static void history_walk(struct line *l, int dir)
{
	int to = l->browse + dir;

	if (to < 0 || to > l->nhist)
		return;
	l->browse = to;
	line_set(l, to == 0 ? "" : l->hist[to - 1]);
}

static void history_add(struct line *l)
{
	if (l->len == 0 || (l->nhist > 0 && strcmp(l->hist[0], l->buf) == 0))
		return;
	memmove(l->hist[1], l->hist[0], sizeof(l->hist[0]) * (LINE_HISTORY - 1));
	memcpy(l->hist[0], l->buf, l->len + 1);
	if (l->nhist < LINE_HISTORY)
		l->nhist++;
}

static enum line_result finish(struct line *l, enum line_result r)
{
	echo(l, r == LINE_CANCEL ? "^C\n" : "\n", r == LINE_CANCEL ? 3 : 1);
	if (r == LINE_DONE)
		history_add(l);
	l->len = l->cur = 0;            /* buf keeps the text until the next key */
	l->browse = 0;
	return r;
}

/* The final byte of CSI: arrows act, anything else is ignored. */
static void csi_final(struct line *l, char c)
{
	switch (c) {
	case 'A': history_walk(l, +1); break;
	case 'B': history_walk(l, -1); break;
	case 'C':
		if (l->cur < l->len) {
			l->cur++;
			cursor_move(l, 1);
		}
		break;
	case 'D':
		if (l->cur > 0) {
			l->cur--;
			cursor_move(l, -1);
		}
		break;
	default: break;
	}
}

static enum line_result text_byte(struct line *l, char c)
{
	bool was_cr = l->after_cr;

	if (l->len == 0)
		l->buf[0] = '\0';       /* the last line's text goes now */
	l->after_cr = c == '\r';
	switch (c) {
	case '\n':
		if (was_cr)
			return LINE_MORE;
		/* fall through */
	case '\r':
		return finish(l, LINE_DONE);
	case CTRL('C'):
		return finish(l, LINE_CANCEL);
	case CTRL('U'):
		line_set(l, "");
		return LINE_MORE;
	case '\b':
	case 0x7f:
		backspace(l);
		return LINE_MORE;
	case 0x1b:
		l->state = LINE_ESC;
		return LINE_MORE;
	default:
		if (c >= ' ' && c < 0x7f)
			insert(l, c);
		return LINE_MORE;
	}
}

enum line_result line_feed(struct line *l, char c)
{
	switch (l->state) {
	case LINE_TEXT:
		return text_byte(l, c);
	case LINE_ESC:
		l->state = c == '[' ? LINE_CSI : LINE_TEXT;
		return LINE_MORE;
	case LINE_CSI:
		/* parameter and intermediate bytes 0x20..0x3f go by */
		if (c >= 0x40 && c <= 0x7e) {
			l->state = LINE_TEXT;
			csi_final(l, c);
		}
		return LINE_MORE;
	}
	l->state = LINE_TEXT;           /* not reached: every state is above */
	return LINE_MORE;
}

/*
 * The shell's line editor: bytes typed on a terminal in, a finished line
 * out, with the echo a VT100/ANSI terminal needs. Portable (no kernel
 * calls): the hosted unit tests feed it bytes (tests/unit/shell_test.c).
 *
 * Keys: printable characters insert at the cursor; Backspace/DEL delete
 * before it; Ctrl-U clears the line; Ctrl-C abandons it; Enter (CR, LF or
 * CR LF) finishes it; ESC [ A / ESC [ B (up/down) walk the history;
 * ESC [ C / ESC [ D (right/left) move the cursor.
 */
#ifndef KEEL_APPS_SHELL_LINE_H
#define KEEL_APPS_SHELL_LINE_H

#include <stdbool.h>
#include <stddef.h>

#define LINE_MAX_CHARS 80
#define LINE_HISTORY   8

/* Where an escape sequence stands (line_feed's one state machine):
 *   TEXT --ESC--> ESC --'['--> CSI --final byte--> TEXT
 *   (ESC followed by anything else: dropped, back to TEXT) */
enum line_state {
	LINE_TEXT,
	LINE_ESC,
	LINE_CSI,
};

enum line_result {
	LINE_MORE,      /* keep feeding */
	LINE_DONE,      /* l->buf holds the finished line (NUL-terminated) */
	LINE_CANCEL,    /* Ctrl-C: the line was dropped */
};

struct line {
	char buf[LINE_MAX_CHARS + 1];
	size_t len, cur;                /* length, cursor (<= len) */
	enum line_state state;
	bool after_cr;                  /* drop the LF of a CR LF */
	/* history: hist[0] newest; browse = how far up (0: the new line) */
	char hist[LINE_HISTORY][LINE_MAX_CHARS + 1];
	int nhist, browse;
	/* echo to the terminal */
	void (*echo)(void *arg, const char *s, size_t n);
	void *echo_arg;
};

void line_init(struct line *l, void (*echo)(void *, const char *, size_t), void *arg);
/* One byte typed. After LINE_DONE/LINE_CANCEL the next byte starts a new
 * line (the finished text stays in l->buf until then). */
enum line_result line_feed(struct line *l, char c);

#endif

/*
 * Reading an HTTP/1.1 answer (host/netpeer_http.h; RFC 9112 4 status line,
 * 6.3 message body length). Only what the peer prints is extracted.
 */
#include <errno.h>
#include <string.h>

#include "host/netpeer_http.h"

/* The first occurrence of needle in hay[0, len), or -1. */
static int64_t find(const uint8_t *hay, uint32_t len, const char *needle)
{
	uint32_t n = (uint32_t)strlen(needle);

	for (uint32_t i = 0; n <= len && i <= len - n; i++)
		if (!memcmp(hay + i, needle, n))
			return i;
	return -1;
}

/* Printable ASCII of src[0, len) into out, truncated to fit. */
static void copy_text(char *out, const uint8_t *src, uint32_t len)
{
	uint32_t n = len < NP_HTTP_TEXT - 1 ? len : NP_HTTP_TEXT - 1;

	for (uint32_t i = 0; i < n; i++)
		out[i] = src[i] >= 0x20 && src[i] < 0x7F ? (char)src[i] : '?';
	out[n] = '\0';
}

/* Content-Length among the header lines head[0, len), case-insensitive. */
static int64_t content_length(const uint8_t *head, uint32_t len)
{
	static const char name[] = "\r\ncontent-length:";
	const uint32_t n = sizeof(name) - 1;

	for (uint32_t i = 0; n <= len && i <= len - n; i++) {
		uint32_t k = 0, j;
		int64_t v = 0;

		while (k < n && (head[i + k] | (name[k] >= 'a' ? 0x20 : 0)) == (uint8_t)name[k])
			k++;
		if (k < n)
			continue;
		for (j = i + n; j < len && head[j] == ' '; j++)
			;
		if (j == len || head[j] < '0' || head[j] > '9')
			return -1;
		for (; j < len && head[j] >= '0' && head[j] <= '9' && v < (1ll << 50); j++)
			v = v * 10 + (head[j] - '0');
		return v;
	}
	return -1;
}

int np_http_read(const uint8_t *buf, uint32_t len, uint64_t total, struct np_http_answer *a)
{
	int64_t eol = find(buf, len, "\r\n"), end = find(buf, len, "\r\n\r\n"), t0, t1;
	const uint8_t *body;
	uint32_t blen;

	memset(a, 0, sizeof(*a));
	a->content_length = -1;
	if (eol < 12 || end < eol || (uint64_t)end + 4 > total ||
	    memcmp(buf, "HTTP/1.", 7) || buf[8] != ' ')
		return -EINVAL;
	for (int i = 9; i < 12; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return -EINVAL;
		a->status = a->status * 10 + (buf[i] - '0');
	}
	if (a->status < 100 || a->status > 599)
		return -EINVAL;
	copy_text(a->status_line, buf, (uint32_t)eol);
	a->content_length = content_length(buf, (uint32_t)end + 2);
	a->body_bytes = total - ((uint64_t)end + 4);
	body = buf + end + 4;
	blen = len - (uint32_t)end - 4;
	t0 = find(body, blen, "<title>");
	if (t0 >= 0) {
		t1 = find(body + t0 + 7, blen - (uint32_t)t0 - 7, "</title>");
		if (t1 >= 0)
			copy_text(a->title, body + t0 + 7, (uint32_t)t1);
	}
	return 0;
}

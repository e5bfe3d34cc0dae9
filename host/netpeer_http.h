/*
 * The built-in peer's reading of an HTTP/1.1 answer (RFC 9112): the status
 * line, the body's size and the page's <title>, from the first bytes the
 * TCP client kept and the count of all it received. The answer comes from
 * the guest: every search stays inside the bytes given, and text copied
 * out keeps printable ASCII only.
 */
#ifndef KEEL_HOST_NETPEER_HTTP_H
#define KEEL_HOST_NETPEER_HTTP_H

#include <stdint.h>

#define NP_HTTP_TEXT 64u

struct np_http_answer {
	int status;                     /* 100..599, or 0 when no status line */
	char status_line[NP_HTTP_TEXT]; /* "HTTP/1.1 200 OK" */
	int64_t content_length;         /* -1 when absent */
	uint64_t body_bytes;            /* received after the head */
	char title[NP_HTTP_TEXT];       /* "" when the kept bytes have none */
};

/* 0, or -EINVAL when buf holds no complete status line and head. */
int np_http_read(const uint8_t *buf, uint32_t len, uint64_t total, struct np_http_answer *a);

#endif

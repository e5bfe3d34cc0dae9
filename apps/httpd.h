/*
 * apps/httpd.h: what httpd serves, for its tests and its documentation.
 *
 *   GET /             a short HTML page linking the others
 *   GET /stats        text/plain: the interface listing (net/net.h) and
 *                     connection counters
 *   GET /download/N   N MiB (1 <= N <= HTTPD_DOWNLOAD_MAX_MIB) of
 *                     application/octet-stream whose byte at offset i is
 *                     httpd_download_byte(i) = (i*7 + (i>>8)) & 0xff, so a
 *                     client can check every byte without a reference file
 *
 * Options: app.httpd.port=N (default 80). Every response is HTTP/1.1 with
 * Content-Length and `Connection: close`.
 *
 * An orderly shutdown stops it (app_stop_all): the listener closes, a
 * download in progress ends short of its Content-Length, and the stop
 * waits at most 1 s for open connections.
 */
#ifndef KEEL_APPS_HTTPD_H
#define KEEL_APPS_HTTPD_H

#include <stdint.h>

#define HTTPD_DEFAULT_PORT 80
#define HTTPD_DOWNLOAD_MAX_MIB 4096

static inline uint8_t httpd_download_byte(uint64_t i)
{
	return (uint8_t)((i * 7 + (i >> 8)) & 0xff);
}

#endif

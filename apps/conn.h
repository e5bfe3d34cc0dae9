/*
 * apps/conn.h: the appliance API. An application registers itself with
 * KEEL_APP, is chosen with `app=NAME` in keel.cfg, reads its options
 * (`app.NAME.KEY=VALUE`) and serves TCP connections with sockets-like
 * calls that wait with timeouts.
 *
 * Contexts: each application has its own work queue (APP_MAX_ACTIVE items
 * at once). Its start function runs as the first item there; each accepted
 * connection runs its handler as an item there, so a handler may wait
 * (conn_read, conn_write) without holding up other connections or the
 * network. The calls never touch lwIP: they copy into the connection's
 * buffers and queue work on the `net` queue, which alone runs lwIP
 * (net/stack.c says why). Errors are negative errno values.
 */
#ifndef KEEL_APPS_CONN_H
#define KEEL_APPS_CONN_H

#include <stddef.h>
#include <stdint.h>

struct app;
struct conn;

#define APP_MAX_ACTIVE 8

struct app_desc {
	const char *name;
	/* Runs on the application's queue; 0 or -errno (logged). */
	int (*start)(struct app *app);
};

/* Register an application: KEEL_APP(httpd, httpd_start). The descriptors
 * form a table in the `keel_apps` section (linker.ld keeps it in .data,
 * as the pointers in it are relocated). */
#define KEEL_APP(name_, start_)                                               \
	static const struct app_desc keel_app_##name_                         \
	__attribute__((used, section("keel_apps"), aligned(8))) =            \
		{ .name = #name_, .start = (start_) }

/* ---- selection and options (kernel/cmdline.c, tests) ------------------ */

/* app=NAME: 0, or -ENOENT when no application has that name. */
int app_select(const char *name);
/* app.NAME.KEY=VALUE, given as "NAME.KEY" and "VALUE": 0, -EINVAL
 * (malformed or too long), -ENOENT (no such app), -ENOSPC (too many). */
int app_set_option(const char *name_key, const char *value);
/* The selected application's start queued on its own queue; 0 when none
 * is selected. Boot code, after net_start. */
int app_start_selected(void);
/* The app= choice, or NULL. */
const char *app_selected_name(void);
/* Look up by name and start one (tests, and app_start_selected). */
int app_start(const char *name, struct app **out);

/* An application's stop, for an orderly shutdown: app_stop_all runs it on
 * the caller's work item (it may wait, briefly: the machine powers off
 * against a deadline) and logs "app: NAME stopped". Set once, from start. */
void app_set_stop(struct app *app, void (*stop)(struct app *app));
/* Stop every started application that set a stop, newest first. From a
 * work item (kernel/services.c runs it as the shutdown's application step). */
void app_stop_all(void);

const char *app_name(const struct app *app);
struct wq *app_wq(const struct app *app);
/* The value of app.NAME.KEY, or NULL. */
const char *app_option(const struct app *app, const char *key);

/* ---- TCP connections -------------------------------------------------- */

/* An IPv4 or IPv6 address (conn_connect, conn_resolve). */
struct conn_addr {
	int family;                /* 4 or 6 */
	uint8_t bytes[16];         /* network byte order; IPv4 in the first 4 */
};


/* A connection's handler: runs as an item on the app's queue and may wait.
 * The connection is closed (after its queued data is sent) by conn_close
 * or, at the latest, when the handler returns; the handler must not keep
 * `c` after it returns. */
typedef void (*conn_handler_fn)(struct conn *c, void *arg);

/* Listen on a TCP port (IPv4 and IPv6); each accepted connection runs
 * handler(c, arg). From a work item (it waits for the net queue, at most
 * timeout_ns). 0, -EADDRINUSE, -ENOMEM, -ENETDOWN, -ETIMEDOUT. */
int conn_listen(struct app *app, uint16_t port, conn_handler_fn handler,
		void *arg, uint64_t timeout_ns);

/* Up to len received bytes: > 0 bytes, 0 the peer closed its side,
 * -ETIMEDOUT nothing arrived in time, -ECONNRESET the connection is gone. */
int conn_read(struct conn *c, void *buf, size_t len, uint64_t timeout_ns);
/* Queue all len bytes for sending, waiting for room as needed:
 * 0, -ETIMEDOUT (some bytes may have been queued), -ECONNRESET, -EPIPE
 * (after conn_close). */
int conn_write(struct conn *c, const void *buf, size_t len, uint64_t timeout_ns);

/* Connect to a TCP server; from a work item. 0 and *out, or -ENETDOWN,
 * -EINVAL, -ENOMEM, -ENETUNREACH (no route), -ECONNREFUSED (reset or
 * lwIP's own SYN retries exhausted), -ETIMEDOUT (the attempt is dropped).
 * The caller owns the connection until conn_close, which also releases
 * it: `c` is not used after conn_close. */
int conn_connect(const struct conn_addr *addr, uint16_t port, struct conn **out,
		 uint64_t timeout_ns);

/* Stop listening on port (the app's conn_listen): new connections are
 * refused, accepted ones go on. From a work item; 0, -ENOENT (no such
 * listener), -ETIMEDOUT (the net queue closes it later). */
int conn_unlisten(struct app *app, uint16_t port, uint64_t timeout_ns);

/* Close: send what is queued, then FIN; waits until lwIP has taken the
 * close (or the connection was reset). 0, -ETIMEDOUT (the close goes on
 * without the caller), -ECONNRESET. Later conn_write calls fail (-EPIPE);
 * conn_read returns what had already arrived, then 0. */
int conn_close(struct conn *c, uint64_t timeout_ns);

/* ---- names ------------------------------------------------------------- */

/* Resolve a host name (or an address literal) with lwIP's DNS client and
 * the servers DHCP gave: IPv4 first, IPv6 when there is no IPv4 answer.
 * From a work item. 0, -EINVAL (bad name), -ENOENT (no answer, no server),
 * -ENETDOWN, -ENOMEM, -ETIMEDOUT. */
int conn_resolve(const char *name, struct conn_addr *out, uint64_t timeout_ns);

/* Counters for status pages. */
struct conn_stats {
	uint64_t accepted, active, reset, refused;
};
void conn_get_stats(struct conn_stats *out);

#endif

/*
 * apps/conn.c: TCP connections for applications (apps/conn.h) over lwIP's
 * raw TCP API. Two sides meet in struct conn:
 *
 *   net side (the `net` queue, the only one that calls lwIP): lwIP's
 *   callbacks copy received data into c_rx and take queued data from c_tx;
 *   c_net_work acknowledges what the application read (tcp_recved), sends
 *   what it wrote, and closes.
 *   app side (the application's queue): the handler's conn_read and
 *   conn_write copy out of / into those rings, wait on c_waiters (woken by
 *   the net side) with timeouts, and queue c_net_work.
 *
 * Connection states, changed only on the net queue (conn_transition). An
 * accepted connection starts OPEN; conn_connect's starts CONNECTING:
 *
 *   CONNECTING --- connected ---> OPEN      CONNECTING --- reset, refused,
 *                                           timed out, abandoned ---> RESET
 *
 *         conn_close / handler returned      tx empty, tcp_close done
 *   OPEN -----------------------> DRAINING -----------------------------> DONE
 *     |                             |  pcb gone (reset) or 20 s without   ^
 *     | pcb gone (reset, abort)     +-- the peer taking the data (abort) -+
 *     v                                                                   |
 *   RESET ----------- conn_close / handler returned ----------------------+
 *
 * c_net_work frees the connection once it is DONE and the application has
 * let go of it (its handler returned, or conn_close on an outbound one); it
 * is the last item to touch it.
 */
#include "apps/conn.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/log.h"
#include "kernel/platform.h"
#include "kernel/wq.h"
#include "lwip/tcp.h"
#include "net/net.h"

/* The receive ring holds a whole window: lwIP never has more in flight to
 * us than we acknowledged room for (tcp_recved after each read). */
#define CONN_RX_BYTES TCP_WND
#define CONN_TX_BYTES (16u * 1024)
/* tcp_poll interval in lwIP's coarse ticks (500 ms): every 2 s. */
#define CONN_POLL_TICKS 4
/* Polls a draining connection may make no progress before it is aborted. */
#define CONN_CLOSE_POLLS 10

enum conn_state { CONN_CONNECTING, CONN_OPEN, CONN_DRAINING, CONN_RESET, CONN_DONE };
enum conn_event { CONN_EV_CONNECTED, CONN_EV_APP_CLOSE, CONN_EV_PCB_GONE, CONN_EV_CLOSED };

struct conn_listener {
	struct app *l_app;
	conn_handler_fn l_fn;
	void *l_arg;
	uint16_t l_port;
	int l_err;
	struct work l_work;            /* creates, then closes, the listening pcb (net queue) */
	struct completion l_done;
	struct tcp_pcb *l_pcb;         /* net queue: the listening pcb, NULL once closed */
	bool l_closing;                /* conn_unlisten began */
	struct conn_listener *l_next;  /* conn_listeners */
};

/* Every listener that listened; a closed one stays, as the connections it
 * accepted point to it for good. */
static struct conn_listener *conn_listeners;

struct conn {
	/* net queue */
	enum conn_state c_state;
	struct tcp_pcb *c_pcb;         /* ours while OPEN or DRAINING */
	int c_close_polls;
	struct conn_listener *c_l;     /* accepted: whose handler runs it */
	bool c_outbound;               /* conn_connect's */
	bool c_connect_started;
	ip_addr_t c_peer;              /* conn_connect's destination */
	u16_t c_peer_port;
	struct work c_app_work;        /* runs the handler (app queue) */
	struct work c_net_work;        /* recved, send, close (net queue) */
	struct waitq c_waiters;        /* app side waits, net side wakes */
	/* written by the net side, read by the app side */
	bool c_eof;
	int c_err;                     /* 0 or -ECONNRESET */
	/* written by the app side, read by the net side */
	bool c_app_closed;             /* conn_close, or the handler returned */
	bool c_app_done;               /* the handler returned */
	size_t c_rx_consumed;          /* read, not yet given back to the window */
	/* rings: the net side fills c_rx and drains c_tx, the app the reverse */
	size_t c_rx_head, c_rx_len;
	size_t c_tx_head, c_tx_len;
	uint8_t c_rx[CONN_RX_BYTES];
	uint8_t c_tx[CONN_TX_BYTES];
};

static struct conn_stats conn_stats;

void conn_get_stats(struct conn_stats *out)
{
	*out = conn_stats;
}

static void conn_transition(struct conn *c, enum conn_event ev)
{
	switch (c->c_state) {
	case CONN_CONNECTING:
		if (ev == CONN_EV_CONNECTED)
			c->c_state = CONN_OPEN;
		else if (ev == CONN_EV_PCB_GONE)
			c->c_state = CONN_RESET;
		break;
	case CONN_OPEN:
		if (ev == CONN_EV_APP_CLOSE)
			c->c_state = CONN_DRAINING;
		else if (ev == CONN_EV_PCB_GONE)
			c->c_state = CONN_RESET;
		break;
	case CONN_DRAINING:
		if (ev == CONN_EV_PCB_GONE || ev == CONN_EV_CLOSED)
			c->c_state = CONN_DONE;
		break;
	case CONN_RESET:
		if (ev == CONN_EV_APP_CLOSE)
			c->c_state = CONN_DONE;
		break;
	case CONN_DONE:
		break;
	default:
		panic("conn: state %d", c->c_state);
	}
}

static void conn_attach_pcb(struct conn *c, struct tcp_pcb *pcb);

/* lwIP no longer calls us for this pcb. */
static void conn_forget_pcb(struct conn *c)
{
	if (c->c_pcb != NULL) {
		tcp_arg(c->c_pcb, NULL);
		tcp_recv(c->c_pcb, NULL);
		tcp_sent(c->c_pcb, NULL);
		tcp_err(c->c_pcb, NULL);
		tcp_poll(c->c_pcb, NULL, 0);
		c->c_pcb = NULL;
	}
}

/* Hand as much of c_tx to lwIP as its send buffer takes. */
static void conn_push(struct conn *c)
{
	while (c->c_tx_len > 0) {
		size_t n = CONN_TX_BYTES - c->c_tx_head;
		u16_t room = tcp_sndbuf(c->c_pcb);

		if (n > c->c_tx_len)
			n = c->c_tx_len;
		if (n > room)
			n = room;
		if (n == 0 || tcp_write(c->c_pcb, c->c_tx + c->c_tx_head, (u16_t)n,
					TCP_WRITE_FLAG_COPY) != ERR_OK)
			break;      /* lwIP's queue is full: the sent callback resumes */
		c->c_tx_head = (c->c_tx_head + n) % CONN_TX_BYTES;
		c->c_tx_len -= n;
		c->c_close_polls = 0;
	}
	tcp_output(c->c_pcb);
}

static void conn_start_connect(struct conn *c);
static void conn_stop_connect(struct conn *c);

static void conn_net_work(struct work *w)
{
	struct conn *c = wq_container_of(w, struct conn, c_net_work);

	if (c->c_state == CONN_CONNECTING) {
		if (c->c_app_closed)
			conn_stop_connect(c);
		else if (!c->c_connect_started)
			conn_start_connect(c);
	}
	if (c->c_pcb != NULL) {
		if (c->c_rx_consumed > 0) {
			tcp_recved(c->c_pcb, (u16_t)c->c_rx_consumed);
			c->c_rx_consumed = 0;
		}
		conn_push(c);
	}
	if (c->c_app_closed)
		conn_transition(c, CONN_EV_APP_CLOSE);
	if (c->c_state == CONN_DRAINING && c->c_tx_len == 0) {
		struct tcp_pcb *pcb = c->c_pcb;

		/* Unread data is taken off the window: lwIP answers a close
		 * with unread data by a reset, which can cost the peer the end
		 * of our answer. */
		if (c->c_rx_len > 0) {
			tcp_recved(pcb, (u16_t)c->c_rx_len);
			c->c_rx_len = 0;
		}
		/* callbacks off first: tcp_close may free the pcb at once */
		conn_forget_pcb(c);
		if (tcp_close(pcb) == ERR_OK)
			conn_transition(c, CONN_EV_CLOSED);
		else                /* out of memory for the FIN: poll retries */
			conn_attach_pcb(c, pcb);
	}
	waitq_wake_all(&c->c_waiters);
	net_timers_rearm();
	if (c->c_state == CONN_DONE && c->c_app_done) {
		wq_cancel(&c->c_net_work);      /* a pending repeat, if any */
		conn_stats.active--;
		free(c);            /* nothing else refers to it any more */
	}
}

static void conn_queue_net(struct conn *c)
{
	wq_queue(net_wq(), &c->c_net_work);
}

static err_t conn_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct conn *c = arg;
	size_t n, first;

	(void)err;
	if (p == NULL) {
		c->c_eof = true;
		waitq_wake_all(&c->c_waiters);
		return ERR_OK;
	}
	if (c->c_state != CONN_OPEN) {     /* nobody reads any more */
		tcp_recved(pcb, p->tot_len);
		pbuf_free(p);
		return ERR_OK;
	}
	n = p->tot_len;
	if (n > CONN_RX_BYTES - c->c_rx_len)
		return ERR_MEM;             /* lwIP keeps it and offers it again */
	first = (c->c_rx_head + c->c_rx_len) % CONN_RX_BYTES;
	if (first + n <= CONN_RX_BYTES) {
		pbuf_copy_partial(p, c->c_rx + first, (u16_t)n, 0);
	} else {
		size_t part = CONN_RX_BYTES - first;

		pbuf_copy_partial(p, c->c_rx + first, (u16_t)part, 0);
		pbuf_copy_partial(p, c->c_rx, (u16_t)(n - part), (u16_t)part);
	}
	c->c_rx_len += n;
	pbuf_free(p);
	waitq_wake_all(&c->c_waiters);
	return ERR_OK;
}

static err_t conn_sent_cb(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	(void)pcb;
	(void)len;
	conn_queue_net(arg);
	return ERR_OK;
}

/* lwIP has freed the pcb (reset by the peer, aborted, interface gone). */
static void conn_err_cb(void *arg, err_t err)
{
	struct conn *c = arg;

	(void)err;
	c->c_pcb = NULL;
	c->c_err = -ECONNRESET;
	conn_stats.reset++;
	conn_transition(c, CONN_EV_PCB_GONE);
	waitq_wake_all(&c->c_waiters);
	conn_queue_net(c);          /* frees it when DONE */
}

static err_t conn_poll_cb(void *arg, struct tcp_pcb *pcb)
{
	struct conn *c = arg;

	if (c->c_state == CONN_DRAINING && ++c->c_close_polls > CONN_CLOSE_POLLS) {
		tcp_abort(pcb);             /* calls conn_err_cb */
		return ERR_ABRT;
	}
	conn_queue_net(c);
	return ERR_OK;
}

static void conn_attach_pcb(struct conn *c, struct tcp_pcb *pcb)
{
	c->c_pcb = pcb;
	tcp_arg(pcb, c);
	tcp_recv(pcb, conn_recv_cb);
	tcp_sent(pcb, conn_sent_cb);
	tcp_err(pcb, conn_err_cb);
	tcp_poll(pcb, conn_poll_cb, CONN_POLL_TICKS);
}

static err_t conn_connected_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct conn *c = arg;

	(void)pcb;
	(void)err;
	conn_transition(c, CONN_EV_CONNECTED);
	waitq_wake_all(&c->c_waiters);
	return ERR_OK;
}

static void conn_start_connect(struct conn *c)
{
	struct tcp_pcb *pcb = tcp_new_ip_type(IP_GET_TYPE(&c->c_peer));
	err_t err;

	c->c_connect_started = true;
	if (pcb == NULL) {
		c->c_err = -ENOMEM;
		conn_transition(c, CONN_EV_PCB_GONE);
		return;
	}
	conn_attach_pcb(c, pcb);
	err = tcp_connect(pcb, &c->c_peer, c->c_peer_port, conn_connected_cb);
	if (err != ERR_OK) {
		conn_forget_pcb(c);
		tcp_abort(pcb);
		c->c_err = err == ERR_RTE ? -ENETUNREACH : -ENOMEM;
		conn_transition(c, CONN_EV_PCB_GONE);
	}
}

/* The application gave up before the connection was made. */
static void conn_stop_connect(struct conn *c)
{
	struct tcp_pcb *pcb = c->c_pcb;

	if (pcb != NULL) {
		conn_forget_pcb(c);
		tcp_abort(pcb);
	}
	conn_transition(c, CONN_EV_PCB_GONE);
}

static void conn_app_work(struct work *w)
{
	struct conn *c = wq_container_of(w, struct conn, c_app_work);

	c->c_l->l_fn(c, c->c_l->l_arg);
	c->c_app_closed = true;
	c->c_app_done = true;
	conn_queue_net(c);          /* c may be freed from here on */
}

static err_t conn_accept_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct conn_listener *l = arg;
	struct conn *c;

	if (err != ERR_OK || pcb == NULL)
		return ERR_VAL;
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		conn_stats.refused++;
		return ERR_MEM;             /* lwIP aborts the new pcb */
	}
	c->c_state = CONN_OPEN;
	c->c_l = l;
	work_init(&c->c_app_work, conn_app_work, "conn-app");
	work_init(&c->c_net_work, conn_net_work, "conn-net");
	waitq_init(&c->c_waiters, "conn");
	waitq_set_completer(&c->c_waiters, net_wq());
	conn_attach_pcb(c, pcb);
	conn_stats.accepted++;
	conn_stats.active++;
	wq_queue(app_wq(l->l_app), &c->c_app_work);
	return ERR_OK;
}

static void conn_listen_work(struct work *w)
{
	struct conn_listener *l = wq_container_of(w, struct conn_listener, l_work);
	struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_ANY), *lpcb;

	l->l_err = -ENOMEM;
	if (pcb == NULL)
		goto out;
	if (tcp_bind(pcb, IP_ANY_TYPE, l->l_port) != ERR_OK) {
		l->l_err = -EADDRINUSE;
		tcp_close(pcb);
		goto out;
	}
	lpcb = tcp_listen(pcb);
	if (lpcb == NULL) {
		tcp_close(pcb);
		goto out;
	}
	tcp_arg(lpcb, l);
	tcp_accept(lpcb, conn_accept_cb);
	l->l_pcb = lpcb;
	l->l_err = 0;
out:
	complete_all(&l->l_done);
}

int conn_listen(struct app *app, uint16_t port, conn_handler_fn handler,
		void *arg, uint64_t timeout_ns)
{
	struct conn_listener *l;
	int rc;

	if (net_wq() == NULL)
		return -ENETDOWN;
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return -ENOMEM;
	l->l_app = app;
	l->l_fn = handler;
	l->l_arg = arg;
	l->l_port = port;
	work_init(&l->l_work, conn_listen_work, "conn-listen");
	completion_init(&l->l_done, "conn-listen");
	completion_set_completer(&l->l_done, net_wq());
	wq_queue(net_wq(), &l->l_work);
	/* completed by conn_listen_work on the net queue; a listener lives
	 * for good, so on a timeout it is left to that item */
	rc = completion_wait(&l->l_done, timeout_ns);
	if (rc < 0)
		return rc;
	rc = l->l_err;
	if (rc < 0) {
		free(l);
		return rc;
	}
	l->l_next = conn_listeners;
	conn_listeners = l;
	return 0;
}

/* A listening pcb closes at once (lwIP frees it; nothing is sent). */
static void conn_unlisten_work(struct work *w)
{
	struct conn_listener *l = wq_container_of(w, struct conn_listener, l_work);

	if (l->l_pcb != NULL) {
		tcp_close(l->l_pcb);
		l->l_pcb = NULL;
	}
	complete_all(&l->l_done);
}

int conn_unlisten(struct app *app, uint16_t port, uint64_t timeout_ns)
{
	struct conn_listener *l = conn_listeners;

	while (l != NULL && (l->l_app != app || l->l_port != port || l->l_closing))
		l = l->l_next;
	if (l == NULL || net_wq() == NULL)
		return -ENOENT;
	l->l_closing = true;
	/* conn_listen_work completed l_done long ago: both are free to reuse */
	work_init(&l->l_work, conn_unlisten_work, "conn-unlisten");
	completion_init(&l->l_done, "conn-unlisten");
	completion_set_completer(&l->l_done, net_wq());
	wq_queue(net_wq(), &l->l_work);
	/* completed by conn_unlisten_work; on a timeout it still closes */
	return completion_wait(&l->l_done, timeout_ns);
}

static bool conn_readable(void *arg)
{
	const struct conn *c = arg;

	return c->c_rx_len > 0 || c->c_eof || c->c_err != 0 || c->c_app_closed;
}

int conn_read(struct conn *c, void *buf, size_t len, uint64_t timeout_ns)
{
	size_t n, first;
	int rc;

	/* woken by the net side: conn_recv_cb, conn_err_cb */
	rc = wq_wait_event(&c->c_waiters, conn_readable, c, timeout_ns);
	if (rc < 0)
		return rc;
	if (c->c_rx_len == 0)
		return c->c_err != 0 && !c->c_eof ? c->c_err : 0;
	n = len < c->c_rx_len ? len : c->c_rx_len;
	if (n > 0x7fffffff)
		n = 0x7fffffff;
	first = CONN_RX_BYTES - c->c_rx_head;
	if (first > n)
		first = n;
	memcpy(buf, c->c_rx + c->c_rx_head, first);
	memcpy((uint8_t *)buf + first, c->c_rx, n - first);
	c->c_rx_head = (c->c_rx_head + n) % CONN_RX_BYTES;
	c->c_rx_len -= n;
	c->c_rx_consumed += n;
	conn_queue_net(c);
	return (int)n;
}

static bool conn_finished(void *arg)
{
	const struct conn *c = arg;

	return c->c_state == CONN_DONE;
}

int conn_close(struct conn *c, uint64_t timeout_ns)
{
	int rc;

	if (!c->c_app_closed) {
		c->c_app_closed = true;
		conn_queue_net(c);
	}
	/* woken by the net side: conn_net_work, conn_err_cb */
	rc = wq_wait_event(&c->c_waiters, conn_finished, c, timeout_ns);
	if (rc == 0)
		rc = c->c_err;
	if (c->c_outbound) {          /* the caller lets go of it: freed when DONE */
		c->c_app_done = true;
		conn_queue_net(c);
	}
	return rc;
}

static bool conn_connect_done(void *arg)
{
	const struct conn *c = arg;

	return c->c_state != CONN_CONNECTING;
}

static void conn_peer(struct conn *c, const struct conn_addr *a)
{
	if (a->family == 6) {
		IP_SET_TYPE_VAL(c->c_peer, IPADDR_TYPE_V6);
		memcpy(ip_2_ip6(&c->c_peer)->addr, a->bytes, 16);
		ip6_addr_clear_zone(ip_2_ip6(&c->c_peer));
	} else {
		IP_ADDR4(&c->c_peer, a->bytes[0], a->bytes[1], a->bytes[2], a->bytes[3]);
	}
}

int conn_connect(const struct conn_addr *addr, uint16_t port, struct conn **out,
		 uint64_t timeout_ns)
{
	struct conn *c;
	int rc;

	if (net_wq() == NULL)
		return -ENETDOWN;
	if (addr->family != 4 && addr->family != 6)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	c->c_state = CONN_CONNECTING;
	c->c_outbound = true;
	conn_peer(c, addr);
	c->c_peer_port = port;
	work_init(&c->c_net_work, conn_net_work, "conn-net");
	waitq_init(&c->c_waiters, "conn");
	waitq_set_completer(&c->c_waiters, net_wq());
	conn_stats.active++;
	conn_queue_net(c);
	/* woken by the net side: conn_connected_cb, conn_err_cb, conn_net_work */
	rc = wq_wait_event(&c->c_waiters, conn_connect_done, c, timeout_ns);
	if (rc == 0 && c->c_state == CONN_OPEN) {
		*out = c;
		return 0;
	}
	if (rc == 0)
		rc = c->c_err == -ENOMEM || c->c_err == -ENETUNREACH ? c->c_err : -ECONNREFUSED;
	c->c_app_closed = true;        /* abandon the attempt; freed when DONE */
	c->c_app_done = true;
	conn_queue_net(c);
	return rc;
}

static bool conn_writable(void *arg)
{
	const struct conn *c = arg;

	return c->c_tx_len < CONN_TX_BYTES || c->c_err != 0;
}

int conn_write(struct conn *c, const void *buf, size_t len, uint64_t timeout_ns)
{
	const uint8_t *p = buf;
	uint64_t start = plat_now_ns();

	if (c->c_app_closed)
		return -EPIPE;
	while (len > 0) {
		uint64_t spent = plat_now_ns() - start;
		size_t n, at, first;
		int rc;

		if (spent >= timeout_ns)
			return -ETIMEDOUT;
		/* woken by the net side: conn_net_work, conn_err_cb */
		rc = wq_wait_event(&c->c_waiters, conn_writable, c, timeout_ns - spent);
		if (rc < 0)
			return rc;
		if (c->c_err != 0)
			return c->c_err;
		n = CONN_TX_BYTES - c->c_tx_len;
		if (n > len)
			n = len;
		at = (c->c_tx_head + c->c_tx_len) % CONN_TX_BYTES;
		first = CONN_TX_BYTES - at;
		if (first > n)
			first = n;
		memcpy(c->c_tx + at, p, first);
		memcpy(c->c_tx, p + first, n - first);
		c->c_tx_len += n;
		p += n;
		len -= n;
		conn_queue_net(c);
	}
	return 0;
}

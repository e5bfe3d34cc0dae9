/*
 * keel-host's control socket (--control PATH): what an operator asks of the
 * running guest, as Hyper-V's Stop-VM, Restart-VM and Get-VMKvp-like tools do,
 * through the integration services (host/ic_host_control.c).
 *
 * A UNIX stream socket, one client at a time, one command per line; every
 * answer is a block of lines ending with "ok" or "error: TEXT":
 *
 *   shutdown [REASON]     the shutdown IC's request (flags 0): the guest
 *                         answers, flushes its disks and powers off
 *   restart [REASON]      the same with the RESTART flag
 *   kvp-push KEY VALUE    a host-to-guest item (SET in the external pool)
 *   kvp-list              the guest's published items: "auto KEY=VALUE"
 *                         (intrinsic pool) and "guest KEY=VALUE" lines
 *   heartbeat             negotiated, last sequence, count, seconds since
 *   help                  this list
 *
 * Requests that need the guest's answer leave the client waiting; the
 * loop (keelhost/loop.c) calls kh_control_serve every turn, which writes the
 * answer once the host library reports the request's end.
 */
#define _GNU_SOURCE 1

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "include/hyperv/ic.h"
#include "keelhost/keelhost.h"

static void ctl_say(struct keelhost *kh, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void ctl_say(struct keelhost *kh, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || kh->ctl_fd < 0)
		return;
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	if (send(kh->ctl_fd, line, (size_t)n, MSG_NOSIGNAL) < 0) {
		close(kh->ctl_fd);
		kh->ctl_fd = -1;
	}
}

int kh_control_open(struct keelhost *kh)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	kh->ctl_fd = kh->ctl_listen = kh->ctl_wait_dev = -1;
	if (!kh->ctl_path)
		return 0;
	if (strlen(kh->ctl_path) >= sizeof(sa.sun_path)) {
		kh_log(kh, "keel-host: control socket path too long: %s", kh->ctl_path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, kh->ctl_path);
	unlink(kh->ctl_path);
	kh->ctl_listen = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (kh->ctl_listen < 0 || bind(kh->ctl_listen, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(kh->ctl_listen, 4) < 0) {
		int err = -errno;

		kh_log(kh, "keel-host: control socket %s: %s", kh->ctl_path, strerror(errno));
		kh_control_close(kh);
		return err;
	}
	kh_log(kh, "keel-host: control socket %s (keel-ctl %s help)", kh->ctl_path, kh->ctl_path);
	return 0;
}

void kh_control_close(struct keelhost *kh)
{
	if (kh->ctl_fd >= 0)
		close(kh->ctl_fd);
	if (kh->ctl_listen >= 0) {
		close(kh->ctl_listen);
		unlink(kh->ctl_path);
	}
	kh->ctl_fd = kh->ctl_listen = -1;
}

int kh_control_pollfds(struct keelhost *kh, struct pollfd *p)
{
	if (kh->ctl_listen < 0 || kh->ctl_wait_dev >= 0)
		return 0;               /* waiting: the client's next line waits too */
	/* one client at a time: the next waits in the backlog */
	p[0] = (struct pollfd){ .fd = kh->ctl_fd >= 0 ? kh->ctl_fd : kh->ctl_listen,
				.events = POLLIN };
	return 1;
}

/* ---- commands ---- */

static int ctl_dev(struct keelhost *kh, const char *type)
{
	int dev = kh->h ? host_ic_find(kh->h, type) : -ENOENT;

	if (dev < 0)
		ctl_say(kh, "error: no %s device", type);
	return dev;
}

static void ctl_request(struct keelhost *kh, const char *type, int req, const char *a,
			const char *b)
{
	int dev = ctl_dev(kh, type), err;

	if (dev < 0)
		return;
	err = host_ic_request(kh->h, dev, req, a, b);
	if (err) {
		ctl_say(kh, "error: %s", err == -EBUSY ? "a request is already pending"
				       : err == -EINVAL ? "text too long" : strerror(-err));
		return;
	}
	kh->ctl_wait_dev = dev;
	kh->ctl_wait_req = req;
}

static void ctl_heartbeat(struct keelhost *kh)
{
	struct host_ic_heartbeat hb;
	int dev = ctl_dev(kh, "heartbeat");

	if (dev < 0 || host_ic_heartbeat(kh->h, dev, &hb) < 0)
		return;
	ctl_say(kh, "negotiated %s", hb.negotiated ? "yes" : "no");
	ctl_say(kh, "last-sequence %llu", (unsigned long long)hb.last_seq);
	ctl_say(kh, "count %llu", (unsigned long long)hb.count);
	ctl_say(kh, "lost %llu", (unsigned long long)hb.lost);
	if (hb.last_at)
		ctl_say(kh, "since-last %.3f s", (double)(kh_now(kh) - hb.last_at) / 1e9);
	else
		ctl_say(kh, "since-last never");
	ctl_say(kh, "ok");
}

static void ctl_command(struct keelhost *kh, char *line)
{
	char *cmd = strtok(line, " \t"), *rest = strtok(NULL, "");
	char *key;

	while (rest && (*rest == ' ' || *rest == '\t'))
		rest++;
	if (!cmd) {
		ctl_say(kh, "error: empty command");
	} else if (!strcmp(cmd, "shutdown") || !strcmp(cmd, "restart")) {
		ctl_request(kh, "shutdown", cmd[0] == 's' ? HIR_SHUTDOWN : HIR_RESTART,
			    rest ? rest : "", NULL);
	} else if (!strcmp(cmd, "kvp-push")) {
		key = rest ? strtok(rest, " \t") : NULL;
		rest = key ? strtok(NULL, "") : NULL;
		if (!key || !rest)
			ctl_say(kh, "error: usage: kvp-push KEY VALUE");
		else
			ctl_request(kh, "kvp", HIR_KVP_PUSH, key, rest);
	} else if (!strcmp(cmd, "kvp-list")) {
		ctl_request(kh, "kvp", HIR_KVP_LIST, NULL, NULL);
	} else if (!strcmp(cmd, "heartbeat")) {
		ctl_heartbeat(kh);
	} else if (!strcmp(cmd, "help")) {
		ctl_say(kh, "shutdown [REASON] | restart [REASON] | kvp-push KEY VALUE | "
			    "kvp-list | heartbeat | help");
		ctl_say(kh, "ok");
	} else {
		ctl_say(kh, "error: unknown command %s (try help)", cmd);
	}
}

/* The waiting request ended: its answer block. */
static void ctl_finish(struct keelhost *kh)
{
	const struct host_kvp_item *it;
	uint32_t status;
	int st = host_ic_result(kh->h, kh->ctl_wait_dev, &status), n;
	const char *name;

	if (st == HIS_PENDING)
		return;
	if (st == HIS_DONE && kh->ctl_wait_req == HIR_KVP_LIST) {
		n = host_ic_kvp_items(kh->h, kh->ctl_wait_dev, &it);
		for (int i = 0; i < n; i++)
			ctl_say(kh, "%s %s=%s", it[i].pool == IC_KVP_POOL_AUTO ? "auto" : "guest",
				it[i].key, it[i].value);
	}
	name = host_ic_status_name(status);
	if (st == HIS_DONE && status == IC_S_OK)
		ctl_say(kh, "ok");
	else if (st == HIS_DONE)
		ctl_say(kh, "error: the guest answered %s", name ? name : "an unknown status");
	else
		ctl_say(kh, "error: no answer from the guest");
	kh->ctl_wait_dev = -1;
}

static void ctl_lines(struct keelhost *kh);

static void ctl_read(struct keelhost *kh)
{
	ssize_t r = recv(kh->ctl_fd, kh->ctl_buf + kh->ctl_len,
			 sizeof(kh->ctl_buf) - 1 - kh->ctl_len, 0);

	if (r <= 0) {
		close(kh->ctl_fd);
		kh->ctl_fd = -1;
		kh->ctl_len = 0;
		return;
	}
	kh->ctl_len += (size_t)r;
	kh->ctl_buf[kh->ctl_len] = 0;
	ctl_lines(kh);
}

static void ctl_lines(struct keelhost *kh)
{
	char *nl;

	/* one command at a time: the next line waits for the answer */
	while (kh->ctl_wait_dev < 0 && kh->ctl_fd >= 0 && (nl = strchr(kh->ctl_buf, '\n'))) {
		size_t used = (size_t)(nl - kh->ctl_buf) + 1;

		*nl = 0;
		if (nl > kh->ctl_buf && nl[-1] == '\r')
			nl[-1] = 0;
		ctl_command(kh, kh->ctl_buf);
		memmove(kh->ctl_buf, kh->ctl_buf + used, kh->ctl_len - used + 1);
		kh->ctl_len -= used;
	}
	if (kh->ctl_len >= sizeof(kh->ctl_buf) - 1) {
		ctl_say(kh, "error: line too long");
		kh->ctl_len = 0;
	}
}

void kh_control_serve(struct keelhost *kh, const struct pollfd *p, int n)
{
	if (kh->ctl_listen < 0)
		return;
	if (kh->ctl_wait_dev >= 0) {
		ctl_finish(kh);
		if (kh->ctl_wait_dev < 0 && kh->ctl_fd >= 0)
			ctl_lines(kh);
		return;
	}
	if (n < 1 || !(p->revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	if (kh->ctl_fd < 0) {
		kh->ctl_fd = accept4(kh->ctl_listen, NULL, NULL, SOCK_CLOEXEC);
		kh->ctl_len = 0;
		return;
	}
	if (kh->ctl_wait_dev < 0)
		ctl_read(kh);
}

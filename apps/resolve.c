/*
 * apps/resolve.c: conn_resolve (apps/conn.h), host names through lwIP's
 * DNS client (RFC 1035). The request is handed to the net queue, which
 * alone calls lwIP; the caller waits on a completion with its timeout.
 * lwIP keeps a pointer to the request until it answers (its own retries
 * end after a few seconds), so a caller that stops waiting leaves the
 * request to the net side, which frees it when lwIP is done.
 */
#include "apps/conn.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/wq.h"
#include "lwip/dns.h"
#include "net/net.h"

struct resolve_req {
	char r_name[DNS_MAX_NAME_LENGTH];
	struct work r_work;            /* starts the query (net queue) */
	struct completion r_done;
	ip_addr_t r_addr;
	int r_err;
	bool r_finished;               /* net side: answered or failed */
	bool r_abandoned;              /* app side: stopped waiting */
};

static void resolve_finish(struct resolve_req *r, int err)
{
	r->r_err = err;
	r->r_finished = true;
	if (r->r_abandoned)
		free(r);
	else
		complete_all(&r->r_done);
}

/* lwIP's answer (net queue): the address, or NULL when it gave up. */
static void resolve_found(const char *name, const ip_addr_t *addr, void *arg)
{
	struct resolve_req *r = arg;

	(void)name;
	if (addr != NULL)
		ip_addr_copy(r->r_addr, *addr);
	resolve_finish(r, addr != NULL ? 0 : -ENOENT);
}

static void resolve_work(struct work *w)
{
	struct resolve_req *r = wq_container_of(w, struct resolve_req, r_work);
	err_t err;

	if (r->r_abandoned) {          /* the caller gave up before we started */
		free(r);
		return;
	}
	/* lwIP may answer inline (no server: resolve_found with NULL) */
	err = dns_gethostbyname_addrtype(r->r_name, &r->r_addr, resolve_found, r,
					 LWIP_DNS_ADDRTYPE_IPV4_IPV6);
	if (r->r_finished)
		;
	else if (err == ERR_OK)
		resolve_finish(r, 0);          /* a literal, or cached */
	else if (err == ERR_ARG)
		resolve_finish(r, -EINVAL);
	else if (err != ERR_INPROGRESS)
		resolve_finish(r, err == ERR_MEM ? -ENOMEM : -ENOENT);
	net_timers_rearm();
}

static void resolve_copy(const ip_addr_t *a, struct conn_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (IP_IS_V6(a)) {
		out->family = 6;
		memcpy(out->bytes, ip_2_ip6(a)->addr, 16);
	} else {
		out->family = 4;
		memcpy(out->bytes, &ip_2_ip4(a)->addr, 4);
	}
}

int conn_resolve(const char *name, struct conn_addr *out, uint64_t timeout_ns)
{
	struct resolve_req *r;
	int rc;

	if (net_wq() == NULL)
		return -ENETDOWN;
	if (name[0] == '\0' || strlen(name) >= DNS_MAX_NAME_LENGTH)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	strcpy(r->r_name, name);
	work_init(&r->r_work, resolve_work, "resolve");
	completion_init(&r->r_done, "resolve");
	completion_set_completer(&r->r_done, net_wq());
	wq_queue(net_wq(), &r->r_work);
	/* completed by resolve_finish on the net queue */
	rc = completion_wait(&r->r_done, timeout_ns);
	if (rc < 0 && !r->r_finished) {
		r->r_abandoned = true;         /* the net side frees it */
		return rc;
	}
	rc = r->r_err;
	if (rc == 0)
		resolve_copy(&r->r_addr, out);
	free(r);
	return rc;
}

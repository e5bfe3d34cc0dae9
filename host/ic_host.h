/*
 * The simulated host's integration components (host/ic_host.c: framing,
 * negotiation, timeouts, faults; host/ic_host_services.c: heartbeat,
 * shutdown, time sync, KVP; host/ic_host_kvp_limits.c: KVP at and past its
 * limits; host/ic_host_control.c: an operator's requests on demand). Protocol: include/hyperv/ic.h and
 * docs/protocols/ic.md. Only host/ic_host*.c include this.
 */
#ifndef KEEL_HOST_IC_HOST_H
#define KEEL_HOST_IC_HOST_H

#include "host/host_priv.h"
#include "include/hyperv/ic.h"

#define ICH_MAX_VERSIONS 8

/* A Windows release's IC version lists (host/ic_host.c ich_releases). */
struct ich_release {
	const char *name;
	struct ic_version fw[3];
	struct ic_version hb[3], sd[4], ts[3], kvp[3];
};

enum ich_state {
	ICH_CLOSED,          /* no open channel */
	ICH_NEGOTIATING,     /* NEGOTIATE sent, no answer yet */
	ICH_READY,           /* versions agreed: service requests flow */
	ICH_REFUSED,         /* the guest answered "no common version" */
};

struct ich;

/* A request an operator asked for (host/ic_host_control.c). */
enum ich_demand_state { ICD_IDLE, ICD_QUEUED, ICD_SENT, ICD_DONE, ICD_FAILED };

struct ich_demand {
	enum ich_demand_state state;
	int req;                       /* enum host_ic_req */
	uint32_t status;               /* the guest's answer */
	char a[64], b[192];            /* reason, or KVP key and value */
	uint8_t pool;                  /* kvp-list: the pool being read */
	uint32_t index;                /* kvp-list: the next item */
	struct host_kvp_item items[HOST_KVP_MAX_ITEMS];
	int nitems;
};

/* One service as the host drives it. */
struct ich_svc {
	uint16_t msg_type;
	/* The release's message versions (offset into struct ich_release). */
	size_t rel_off;
	int rel_count;
	int (*param)(struct ich *x, const char *key, const char *val);
	void (*start)(struct ich *x);                   /* negotiated */
	void (*tick)(struct ich *x);                    /* a timed event fell due */
	/* The guest's answer to the outstanding request. */
	void (*reply)(struct ich *x, const struct ic_hdr *h, const uint8_t *body, uint32_t len);
	/* The outstanding request's timeout passed. */
	void (*timeout)(struct ich *x);
};

/* Named counters (expect host DEV KEY N) */
enum ich_counter {
	ICC_NEGOTIATED, ICC_REFUSED, ICC_NEG_TIMEOUTS, ICC_TIMEOUTS, ICC_FAILED,
	ICC_MALFORMED_SENT, ICC_HEARTBEATS, ICC_LOST, ICC_SHUTDOWN_OK, ICC_SHUTDOWN_FAILED,
	ICC_NOT_READY, ICC_IN_PROGRESS, ICC_SAMPLES, ICC_KVP_STEPS, ICC_AUTO_ITEMS,
	ICC_COUNT
};

struct ich {
	const struct ich_svc *svc;
	struct host_dev *d;
	struct host_chan *c;           /* the open primary, or NULL */
	/* configuration */
	struct ic_version fw[ICH_MAX_VERSIONS], msgv[ICH_MAX_VERSIONS];
	int nfw, nmsg;
	uint64_t timeout;              /* answer timeout of every request */
	char malformed[16];            /* fault kind sent once after negotiation */
	uint64_t malformed_at;
	uint64_t renegotiate_at;       /* NEGOTIATE once more at this time (0: never) */
	/* state */
	enum ich_state state;
	struct ic_version fw_chosen, msg_chosen;
	bool outstanding;              /* a request waits for its answer */
	uint16_t out_type;
	uint32_t out_len;              /* the outstanding request's body bytes */
	uint64_t out_deadline;
	bool malformed_done;
	bool neg_due;                  /* NEGOTIATE to send at the next tick */
	bool renegotiated;
	uint64_t counters[ICC_COUNT];
	/* the service's configuration and state */
	uint64_t interval, at, again_at, latency, start_s, back;
	uint32_t flags, reason, limit, timeout_s;
	char text[64];
	uint64_t seq, next_at, sent_at;
	int step;
	bool sent_first, sent_again;
	bool os_seen;                  /* kvp: the auto pool listed OSName = Keel */
	uint64_t last_answer_at;       /* heartbeat: host time of the last answer */
	uint64_t last_answer_seq;      /* heartbeat: its sequence number */
	/* the exchange log: the outstanding request, described by its service */
	char desc[160], out_desc[160], note[96];
	bool desc_fresh;
	struct ich_demand dm;
};

/* Framework services to the service code (host/ic_host.c). */
int ich_send(struct ich *x, uint16_t type, const void *body, uint32_t len, uint32_t status);
void ich_wake_at(struct ich *x, uint64_t when);
uint64_t ich_now(const struct ich *x);
void ich_violation(struct ich *x, const char *what);
int ich_parse_versions(const char *val, struct ic_version *out, int max);
/* The next request's description, and a note on the answer being handled,
 * for the exchange log line "ic: SERVICE: DESCRIPTION -> STATUS NOTE". */
void ich_describe(struct ich *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ich_note(struct ich *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint64_t ich_wall_ns(const struct ich *x, uint64_t at);    /* 0: no real clock */

/* On-demand requests (host/ic_host_control.c), called by the framework:
 * send one if due (true: sent), take its answer, its timeout, a close. */
bool ichd_tick(struct ich *x);
void ichd_reply(struct ich *x, const struct ic_hdr *h, const uint8_t *body, uint32_t len);
void ichd_end(struct ich *x, const char *why);

/* The KVP limits script (host/ic_host_kvp_limits.c, script=limits): its
 * number of steps, send step x->step, check its answer. */
int kvpl_steps(void);
void kvpl_tick(struct ich *x);
void kvpl_reply(struct ich *x, const struct ic_hdr *h, const uint8_t *body, uint32_t len);

extern const struct ich_svc ich_heartbeat, ich_shutdown, ich_timesync, ich_kvp;

#endif

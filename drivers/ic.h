/*
 * The integration-component framework (drivers/ic.c): what the four IC
 * drivers (heartbeat, shutdown, time sync, KVP) share. A service is a const
 * table entry; the framework opens the channel, drains it, checks every
 * header, answers NEGOTIATE per service and hands each service message to
 * the service's handler, then sends the reply. docs/protocols/ic.md.
 *
 * Contexts: probe and remove run on the device's queue; everything else in
 * struct ic_dev is touched only by the channel callback (vmbus_event queue,
 * never waits), so the handlers must not wait either.
 */
#ifndef KEEL_DRIVERS_IC_H
#define KEEL_DRIVERS_IC_H

#include <stdbool.h>
#include <stdint.h>

#include "include/hyperv/ic.h"

struct vmbus_device;
struct vmbus_channel;
struct ic_dev;

/* Framework versions Keel speaks, newest first (3.0, then 1.0). */
extern const struct ic_version ic_fw_versions[];
extern const int ic_nfw_versions;

struct ic_service {
	const char *name;                   /* "heartbeat", log prefix */
	uint16_t msg_type;                  /* enum ic_msg_type it serves */
	const struct ic_version *versions;  /* message versions, newest first */
	int nversions;
	/*
	 * One service message, a private copy already checked against its
	 * headers: body[0..len) may be rewritten in place; *out_len is the
	 * reply body length (len unless changed). Returns the reply status
	 * (IC_S_OK, IC_E_*); a malformed body is counted by returning
	 * -EINVAL (answered IC_E_FAIL). Must not wait.
	 */
	int64_t (*handle)(struct ic_dev *ic, uint8_t *body, uint32_t len, uint32_t *out_len);
	/* After the reply went out (shutdown acts only then); may be NULL. */
	void (*after_reply)(struct ic_dev *ic);
	/* NEGOTIATE reset the service's state; may be NULL. */
	void (*reset)(struct ic_dev *ic);
};

struct ic_counters {
	uint64_t msgs;                      /* packets received */
	uint64_t replies;                   /* replies sent */
	uint64_t negotiations;              /* NEGOTIATE answered with a version */
	uint64_t malformed;                 /* dropped or failed: bad headers or body */
	uint64_t unexpected;                /* not a request, before NEGOTIATE, unknown type */
	uint64_t send_failed;
};

struct ic_dev {
	const struct ic_service *svc;
	struct vmbus_device *dev;
	struct vmbus_channel *chan;
	bool negotiated;
	struct ic_version fw, msg;          /* the versions chosen at the last NEGOTIATE */
	struct ic_counters n;
	void *svc_priv;                     /* the service's own state */
	uint64_t buf[IC_MAX_PACKET / 8];    /* the received packet, replied in place */
};

/* ---- parsers (pure: unit-tested with hostile input) ---- */

/*
 * Check the pipe and IC headers of a received payload of len bytes (a
 * private copy) and return the body length through *body_len: 0, or
 * -EINVAL when the lengths or the pipe type disagree (docs/protocols/ic.md
 * "Validation").
 */
int ic_msg_check(const uint8_t *p, uint32_t len, uint32_t *body_len);

/*
 * Pick from a NEGOTIATE body the first framework version of fw_pref and the
 * first message version of msg_pref that the host lists (major and minor
 * equal). 0 and the pair; -EINVAL for a malformed body (counts over 100,
 * lists longer than the body); -ENOTSUP when no common pair exists.
 */
int ic_negotiate_pick(const uint8_t *body, uint32_t len,
		      const struct ic_version *fw_pref, int nfw,
		      const struct ic_version *msg_pref, int nmsg,
		      struct ic_version *fw, struct ic_version *msg);

/* ---- driver glue ---- */

/* The service drivers' probe and remove: open the channel (16 KiB rings),
 * wait for the host to negotiate; the device is ready once open. */
int ic_probe(struct vmbus_device *dev, const struct ic_service *svc, void *svc_priv);
void ic_remove(struct vmbus_device *dev);
const char *ic_name(const struct ic_dev *ic);

#endif

/*
 * The VMBus connection: the one connection object, bring-up and version
 * negotiation, REQUESTOFFERS, ALLOFFERS_DELIVERED, UNLOAD; and the entry
 * points vmbus_start / vmbus_stop / vmbus_fini.
 *
 * Follows docs/protocols/vmbus.md §3.3-3.4 (versions, INITIATE_CONTACT and
 * VERSION_RESPONSE), §4.1-4.2 (bring-up order, connect) and §4.9 (unload);
 * docs/protocols/gen2-platform.md §9 (state left by firmware or a previous kernel).
 *
 *   DOWN --hv ok--> HV_UP --post--> CONTACTING --accepted--> CONNECTED
 *     |               ^  ^  refused: next version |               | vmbus_stop
 *     |               |  +--UNLOADING (stale)<----+               v
 *     +--> FAILED <---+-------------------------+----------- CLOSING
 *            |                                                    | devices removed,
 *            v                                                    v GPADLs torn down
 *         UNLOADED <------------------------------------------ UNLOADING (UNLOAD posted)
 *
 * CLOSING ends every wait on the connection (opens, GPADL creations, driver
 * requests: vmbus_chan_rescinded is true) and lets only CLOSECHANNEL,
 * GPADL_TEARDOWN and RELID_RELEASED out (hv.c); from UNLOADING on only
 * UNLOAD itself is posted and nothing is signalled.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/log.h"
#include "kernel/platform.h"
#include "vmbus/vmbus_priv.h"

struct vmbus_conn *vmbus_conn;
#ifdef KEEL_TEST_HOOKS
bool vmbus_legacy_single_queue;
#endif
static uint32_t vmbus_starts;   /* survives vmbus_fini: see vmbus_generation */

uint32_t vmbus_generation(void)
{
	return vmbus_starts;
}

/* Newest first (§3.3); 3.0 is the floor: Gen2 needs WS2012 R2 or later. */
static const uint32_t vmbus_versions[] = {
	VMBUS_VERSION_COPPER,
	VMBUS_VERSION_WIN10_V5_3,
	VMBUS_VERSION_WIN10_V5_2,
	VMBUS_VERSION_WIN10_V5_1,
	VMBUS_VERSION_WIN10_V5,
	VMBUS_VERSION_WIN10_V4_1,
	VMBUS_VERSION_WIN10,
	VMBUS_VERSION_WIN8_1,
};

static const char *const conn_state_names[] = {
	[CONN_DOWN] = "down", [CONN_HV_UP] = "hv-up",
	[CONN_CONTACTING] = "contacting", [CONN_CONNECTED] = "connected",
	[CONN_CLOSING] = "closing", [CONN_UNLOADING] = "unloading", [CONN_UNLOADED] = "unloaded",
	[CONN_FAILED] = "failed",
};

const char *vmbus_conn_state_name(enum vmbus_conn_state s)
{
	return s < CONN_STATE_NR ? conn_state_names[s] : "?";
}

/* ---- message loop side: record, wake ---- */

void vmbus_conn_on_version(struct vmbus_conn *vc, const void *msg, uint32_t len)
{
	if (vc->state != CONN_CONTACTING || vc->vresp_valid) {
		vmbus_drop(vc, VMBUS_DROP_UNSOLICITED, "VERSION_RESPONSE while %s",
			   vmbus_conn_state_name(vc->state));
		return;
	}
	(void)len;
	memcpy(&vc->vresp, msg, sizeof(vc->vresp));
	vc->vresp_valid = true;
	waitq_wake_all(&vc->wait);
}

void vmbus_conn_on_alloffers(struct vmbus_conn *vc)
{
	if (vc->state != CONN_CONNECTED || vc->all_offers) {
		vmbus_drop(vc, VMBUS_DROP_UNSOLICITED, "ALLOFFERS_DELIVERED");
		return;
	}
	vc->all_offers = true;
	vc->st.all_offers = true;
	waitq_wake_all(&vc->wait);
}

void vmbus_conn_on_unload_response(struct vmbus_conn *vc)
{
	if (vc->state != CONN_UNLOADING || vc->unload_done) {
		vmbus_drop(vc, VMBUS_DROP_UNSOLICITED, "UNLOAD_RESPONSE");
		return;
	}
	vc->unload_done = true;
	waitq_wake_all(&vc->wait);
}

/* ---- connect work (vmbus_conn queue; may wait) ---- */

static bool conn_vresp_cond(void *arg)
{
	return ((struct vmbus_conn *)arg)->vresp_valid;
}

static bool conn_unload_cond(void *arg)
{
	return ((struct vmbus_conn *)arg)->unload_done;
}

/* The one transition function (diagram at the top). An edge not drawn is a
 * bug in this file: reported, state unchanged, -EINVAL. */
static int conn_set_state(struct vmbus_conn *vc, enum vmbus_conn_state s)
{
	static const uint8_t allowed[CONN_STATE_NR] = {
		[CONN_DOWN] = 1u << CONN_HV_UP | 1u << CONN_FAILED | 1u << CONN_UNLOADED,
		[CONN_HV_UP] = 1u << CONN_CONTACTING | 1u << CONN_FAILED | 1u << CONN_UNLOADED,
		[CONN_CONTACTING] = 1u << CONN_CONTACTING | 1u << CONN_CONNECTED |
				    1u << CONN_UNLOADING | 1u << CONN_FAILED |
				    1u << CONN_UNLOADED,
		[CONN_CONNECTED] = 1u << CONN_CLOSING | 1u << CONN_FAILED,
		[CONN_CLOSING] = 1u << CONN_UNLOADING,
		[CONN_UNLOADING] = 1u << CONN_HV_UP | 1u << CONN_UNLOADED,
		[CONN_UNLOADED] = 0,
		[CONN_FAILED] = 1u << CONN_UNLOADED,
	};

	switch (vc->state) {
	case CONN_DOWN: case CONN_HV_UP: case CONN_CONTACTING: case CONN_CONNECTED:
	case CONN_CLOSING: case CONN_UNLOADING: case CONN_UNLOADED: case CONN_FAILED:
		if (s < CONN_STATE_NR && (allowed[vc->state] & (1u << s)))
			break;
		pr_err("vmbus: BUG: connection transition %s -> %s\n",
		       vmbus_conn_state_name(vc->state), vmbus_conn_state_name(s));
		return -EINVAL;
	default:
		pr_err("vmbus: BUG: connection in unknown state %d\n", (int)vc->state);
		return -EINVAL;
	}
	vc->state = s;
	vc->st.conn_state = vmbus_conn_state_name(s);
	return 0;
}

/*
 * One INITIATE_CONTACT (§3.4, §4.2 step 1). Returns 1 accepted, 0 refused
 * (try the next version), or -errno. The waiter is woken by the message
 * loop's VERSION_RESPONSE handler; the timeout covers a silent host.
 */
static int conn_try_version(struct vmbus_conn *vc, uint32_t ver)
{
	struct vmbus_msg_initiate_contact m;
	uint32_t conn_id = ver >= VMBUS_VERSION_WIN10_V5 ?
			   VMBUS_MESSAGE_CONNECTION_ID_4 : VMBUS_MESSAGE_CONNECTION_ID;
	int err;

	memset(&m, 0, sizeof(m));
	m.hdr.msgtype = VMBUS_MSG_INITIATE_CONTACT;
	m.version_requested = ver;
	m.target_vcpu = vc->vp_index;
	if (ver >= VMBUS_VERSION_WIN10_V5) {
		m.msg_sint = VMBUS_MESSAGE_SINT;
		m.msg_vtl = 0;
		m.feature_flags = 0;    /* no 6.0 features: plain message forms */
	} else {
		m.interrupt_page = plat_ptr_to_gpa(vc->int_page);
	}
	m.monitor_page1 = plat_ptr_to_gpa(vc->monitor1);
	m.monitor_page2 = plat_ptr_to_gpa(vc->monitor2);

	vc->vresp_valid = false;
	conn_set_state(vc, CONN_CONTACTING);
	err = vmbus_post_msg(vc, conn_id, &m, sizeof(m), true);
	if (err == -ECONNREFUSED) {
		pr_info("vmbus: host has no connection %u: version %u.%u not offered\n",
			conn_id, VMBUS_VERSION_MAJOR(ver), VMBUS_VERSION_MINOR(ver));
		return 0;
	}
	if (err)
		return err;
	err = wq_wait_event(&vc->wait, conn_vresp_cond, vc, VMBUS_VERSION_TIMEOUT_NS);
	if (err)
		return err;
	if (!vc->vresp.version_supported)
		return 0;
	if (vc->vresp.connection_state != VMBUS_CONNECTION_OK) {
		pr_err("vmbus: host accepted %u.%u but failed to connect (state %u)\n",
		       VMBUS_VERSION_MAJOR(ver), VMBUS_VERSION_MINOR(ver),
		       vc->vresp.connection_state);
		return -ECONNREFUSED;
	}
	vc->version = ver;
	vc->st.version = ver;
	vc->msg_conn_id = VMBUS_MESSAGE_CONNECTION_ID;
	if (ver >= VMBUS_VERSION_WIN10_V5 && vc->vresp.msg_conn_id)
		vc->msg_conn_id = vc->vresp.msg_conn_id;   /* §3.1: use what the host says */
	return 1;
}

/*
 * A host that never answers may still hold a connection of a previous
 * owner (docs/protocols/gen2-platform.md §9.2): UNLOAD, wait (bounded), then retry once.
 */
static void conn_unload_stale(struct vmbus_conn *vc)
{
	struct vmbus_msg_header m = { .msgtype = VMBUS_MSG_UNLOAD };

	pr_warn("vmbus: no VERSION_RESPONSE; unloading a stale connection and retrying\n");
	conn_set_state(vc, CONN_UNLOADING);
	vc->unload_done = false;
	if (vmbus_post_msg(vc, VMBUS_MESSAGE_CONNECTION_ID, &m, sizeof(m), false) == 0)
		wq_wait_event(&vc->wait, conn_unload_cond, vc, VMBUS_UNLOAD_TIMEOUT_NS);
	conn_set_state(vc, CONN_HV_UP);
}

static int conn_negotiate(struct vmbus_conn *vc)
{
	bool retried = false;
	int r;

	for (unsigned i = 0; i < sizeof(vmbus_versions) / sizeof(vmbus_versions[0]); i++) {
		r = conn_try_version(vc, vmbus_versions[i]);
		if (r == -ETIMEDOUT && !retried) {
			retried = true;
			conn_unload_stale(vc);
			i--;
			continue;
		}
		if (r < 0)
			return r;
		if (r == 1)
			return 0;
	}
	pr_err("vmbus: the host accepts no VMBus version from %u.%u down to 3.0; "
	       "older versions are refused by Keel (Gen2 needs WS2012 R2 or later)\n",
	       VMBUS_VERSION_MAJOR(vmbus_versions[0]), VMBUS_VERSION_MINOR(vmbus_versions[0]));
	return -EPROTONOSUPPORT;
}

static void conn_connect_work(struct work *w)
{
	struct vmbus_conn *vc = wq_container_of(w, struct vmbus_conn, w_connect);
	struct vmbus_msg_header req = { .msgtype = VMBUS_MSG_REQUESTOFFERS };
	int err;

	err = vmbus_hv_init(vc);
	if (err)
		goto fail;
	conn_set_state(vc, CONN_HV_UP);
	err = conn_negotiate(vc);
	if (err)
		goto fail;
	/* Offers may arrive the moment REQUESTOFFERS is posted (§4.2 step 3). */
	conn_set_state(vc, CONN_CONNECTED);
	pr_info("vmbus: connected, version %u.%u, message connection %u, VP %u\n",
		VMBUS_VERSION_MAJOR(vc->version), VMBUS_VERSION_MINOR(vc->version),
		vc->msg_conn_id, vc->vp_index);
	err = vmbus_post(vc, &req, sizeof(req));
	if (err)
		goto fail;
	return;
fail:
	conn_set_state(vc, CONN_FAILED);
	pr_err("vmbus: connection failed (%d); VMBus devices unavailable\n", err);
}

/* ---- unload work (vmbus_conn queue) ---- */

static bool conn_devices_removed(void *arg)
{
	struct vmbus_conn *vc = arg;

	for (struct vmbus_device *d = vc->devices; d; d = d->next)
		if (d->state != DEV_GONE && d->queue)
			return false;
	return true;
}

/*
 * CLOSING: end every wait, remove every device on its own queue (drivers
 * close their channels: CLOSECHANNEL, ring GPADL teardown), wait for that,
 * then tear down any GPADL still held. The removals are ended by the device
 * queues (each waits at most for its own bounded teardowns).
 */
static void conn_close_all(struct vmbus_conn *vc)
{
	conn_set_state(vc, CONN_CLOSING);
	for (struct vmbus_gpadl *g = vc->gpadls; g; g = g->next)
		waitq_wake_all(&g->wait);
	for (struct vmbus_channel *c = vc->channels; c; c = c->next) {
		waitq_wake_all(&c->wait);
		/* The driver's own waiters learn it from its callback. */
		if (c->state == CHAN_OPEN && c->cb)
			wq_queue(vc->q_event, &c->w_event);
	}
	for (struct vmbus_device *d = vc->devices; d; d = d->next)
		if (d->queue && d->state != DEV_GONE)
			wq_queue(d->queue, &d->w_remove);
	if (wq_wait_event(&vc->wait_removed, conn_devices_removed, vc,
			  VMBUS_UNLOAD_TIMEOUT_NS + VMBUS_OPEN_TIMEOUT_NS + VMBUS_GPADL_TIMEOUT_NS))
		pr_err("vmbus: devices not removed in time; unloading anyway\n");
	vmbus_gpadl_teardown_conn(vc);
}

static void conn_unload_work(struct work *w)
{
	struct vmbus_conn *vc = wq_container_of(w, struct vmbus_conn, w_unload);
	struct vmbus_msg_header m = { .msgtype = VMBUS_MSG_UNLOAD };
	int err;

	if (vc->state != CONN_CONNECTED) {
		if (vc->state != CONN_UNLOADED)
			conn_set_state(vc, CONN_UNLOADED);
		return;
	}
	conn_close_all(vc);
	/* §4.9: from here on only UNLOAD goes out; the host closes whatever
	 * is still open and tears down every GPADL. */
	conn_set_state(vc, CONN_UNLOADING);
	vc->unload_done = false;
	for (struct vmbus_channel *c = vc->channels; c; c = c->next)
		waitq_wake_all(&c->wait);
	err = vmbus_post(vc, &m, sizeof(m));
	if (!err)
		err = wq_wait_event(&vc->wait, conn_unload_cond, vc, VMBUS_UNLOAD_TIMEOUT_NS);
	if (err)
		pr_err("vmbus: UNLOAD not answered (%d)\n", err);
	else
		pr_info("vmbus: unloaded\n");
	vmbus_hv_fini(vc, true);
	conn_set_state(vc, CONN_UNLOADED);
}

/* ---- entry points ---- */

static void conn_free(struct vmbus_conn *vc)
{
	vmbus_device_free_all(vc);
	for (struct vmbus_channel *c = vc->channels, *n; c; c = n) {
		n = c->next;
		vmbus_chan_free(c);
	}
	vmbus_gpadl_free_all(vc);
	vmbus_hv_fini(vc, false);
	free(vc);
}

int vmbus_start(void)
{
	struct vmbus_conn *vc;

	if (vmbus_conn)
		return -EALREADY;
	vmbus_starts++;
	vc = calloc(1, sizeof(*vc));
	if (!vc)
		return -ENOMEM;
	vc->next_gpadl = 0x4B450000;    /* "KE": any non-zero start works (§3.8) */
	vc->st.conn_state = vmbus_conn_state_name(CONN_DOWN);   /* calloc: DOWN */
	vc->q_msg = wq_create("vmbus_msg", 1);
	vc->q_chan = wq_create("vmbus_chan", 1);
#ifdef KEEL_TEST_HOOKS
	if (vmbus_legacy_single_queue)
		vc->q_chan = vc->q_msg;
#endif
	vc->q_event = wq_create("vmbus_event", 1);
	vc->q_conn = wq_create("vmbus_conn", 1);
	if (!vc->q_msg || !vc->q_chan || !vc->q_event || !vc->q_conn)
		goto fail;
	waitq_init(&vc->wait, "vmbus_conn");
	waitq_set_completer(&vc->wait, vc->q_msg);
	waitq_init(&vc->wait_removed, "vmbus_removed");
	work_init(&vc->w_reap, vmbus_reap_work, "vmbus_reap");
	work_init(&vc->w_msg, vmbus_msg_work, "vmbus_msg");
	work_init(&vc->w_events, vmbus_events_work, "vmbus_events");
	work_init(&vc->w_connect, conn_connect_work, "vmbus_connect");
	work_init(&vc->w_unload, conn_unload_work, "vmbus_unload");
	vmbus_conn = vc;
	wq_queue(vc->q_conn, &vc->w_connect);
	return 0;
fail:
	/* Queues are reclaimed by the work-queue core (wq_init/wq_fini). */
	free(vc);
	return -ENOMEM;
}

void vmbus_stop(void)
{
	if (vmbus_conn)
		wq_queue(vmbus_conn->q_conn, &vmbus_conn->w_unload);
}

bool vmbus_stopped(void)
{
	return !vmbus_conn || vmbus_conn->state == CONN_UNLOADED ||
	       vmbus_conn->state == CONN_FAILED;
}

void vmbus_fini(void)
{
	struct vmbus_conn *vc = vmbus_conn;
	uint64_t irq;

	if (!vc)
		return;
	/* The SynIC vector stays registered with vc as its argument: unpublish
	 * the connection first, so vmbus_isr ignores a late interrupt instead
	 * of reading freed channels. */
	irq = plat_irq_save();
	vmbus_conn = NULL;
	plat_irq_restore(irq);
	conn_free(vc);
}

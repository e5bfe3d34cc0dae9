/*
 * The shutdown IC (docs/protocols/ic.md "Shutdown"): Hyper-V's "Shut down"
 * and "Restart" buttons. The request carries a reason code, a timeout, the
 * flags (FORCE, RESTART, HIBERNATE) and a display text. The guest answers
 * first and only then starts the orderly shutdown (drivers/shutdown.h):
 * after the power-off nothing could answer.
 *
 *   flags 0, 1 -> power off      flags 2, 3 -> restart
 *   flags 4, 5 -> hibernate: Keel cannot, refused with E_FAIL
 *   anything else, or a shutdown already running -> E_FAIL
 */
#include <errno.h>
#include <string.h>

#include "drivers/ic.h"
#include "drivers/shutdown.h"
#include "include/hyperv/vmbus_guids.h"
#include "kernel/log.h"
#include "kernel/wq.h"
#include "vmbus/vmbus.h"

static const struct ic_version sd_versions[] = {
	IC_VER(3, 2), IC_VER(3, 1), IC_VER(3, 0), IC_VER(1, 0),
};

/* What the last accepted request asked for: set by the handler, used by
 * after_reply, both on the vmbus_event queue. */
struct ic_sd {
	bool pending;
	enum shutdown_action action;
	uint32_t timeout_s;
};

/* The display text is UTF-16LE; the log gets its ASCII, '?' for the rest. */
static void sd_text(const uint8_t *msg, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i + 1 < IC_SHUTDOWN_MSG_BYTES && o + 1 < cap; i += 2) {
		uint16_t ch = (uint16_t)(msg[i] | msg[i + 1] << 8);

		if (!ch)
			break;
		out[o++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	out[o] = 0;
}

static int64_t sd_handle(struct ic_dev *ic, uint8_t *body, uint32_t len, uint32_t *out_len)
{
	struct ic_sd *s = ic->svc_priv;
	struct ic_shutdown m;
	char text[96];
	const char *what;

	if (len < sizeof(m))
		return -EINVAL;
	memcpy(&m, body, sizeof(m));
	*out_len = len;
	sd_text(m.message, text, sizeof(text));
	switch (m.flags) {
	case 0: case IC_SHUTDOWN_FORCE:
		s->action = SHUTDOWN_POWER_OFF;
		what = "shut down";
		break;
	case IC_SHUTDOWN_RESTART: case IC_SHUTDOWN_RESTART | IC_SHUTDOWN_FORCE:
		s->action = SHUTDOWN_RESTART;
		what = "restart";
		break;
	default:        /* hibernate (Keel cannot) and unknown flags */
		what = NULL;
		break;
	}
	if (!what || s->pending || shutdown_in_progress()) {
		/* the flags, or a shutdown already running */
		pr_warn("ic: shutdown: 0x%x refused\n", m.flags);
		return IC_E_FAIL;
	}
	klog(LOG_NOTICE, "ic: shutdown: %s (reason 0x%08x, '%s')\n", what,
	     m.reason, text);
	s->timeout_s = m.timeout_s;
	s->pending = true;
	return IC_S_OK;
}

/* The answer is in the ring: now start the sequence on its own queue. */
static void sd_after_reply(struct ic_dev *ic)
{
	struct ic_sd *s = ic->svc_priv;

	if (!s->pending)
		return;
	s->pending = false;
	/* cannot fail: nothing runs yet (checked before the answer) */
	shutdown_start(s->action, (uint64_t)s->timeout_s * 1000000000ull);
}

static void sd_reset(struct ic_dev *ic)
{
	struct ic_sd *s = ic->svc_priv;

	s->pending = false;
}

static const struct ic_service ic_shutdown = {
	.name = "shutdown",
	.msg_type = IC_MSG_SHUTDOWN,
	.versions = sd_versions,
	.nversions = 4,
	.handle = sd_handle,
	.after_reply = sd_after_reply,
	.reset = sd_reset,
};

/* One shutdown IC per machine: its request state is a named singleton. */
static struct ic_sd ic_sd_state;
static struct vmbus_channel *ic_sd_chan;     /* set by probe, cleared by remove */

/*
 * The first step of the shutdown: our answer is in the ring, but the host
 * reads it on its own time; closing the channel first would lose it.
 * Wait (polled: the host's read index has no interrupt of its own) until
 * the host has read it, at most IC_SD_DRAIN_NS.
 */
#define IC_SD_DRAIN_NS (1000ull * WQ_NS_PER_MS)
#define IC_SD_POLL_NS (1ull * WQ_NS_PER_MS)

static void sd_drain(void *arg)
{
	uint64_t waited = 0;

	(void)arg;
	while (ic_sd_chan && !vmbus_chan_out_drained(ic_sd_chan) && waited < IC_SD_DRAIN_NS) {
		wq_sleep(IC_SD_POLL_NS);
		waited += IC_SD_POLL_NS;
	}
}

static struct shutdown_app ic_sd_app = { .name = "IC answer", .stop = sd_drain };

static int sd_probe(struct vmbus_device *dev)
{
	int err;

	memset(&ic_sd_state, 0, sizeof(ic_sd_state));
	err = ic_probe(dev, &ic_shutdown, &ic_sd_state);
	if (!err) {
		ic_sd_chan = vmbus_device_channel(dev);
		shutdown_register_app(&ic_sd_app);
	}
	return err;
}

static void sd_remove(struct vmbus_device *dev)
{
	ic_sd_chan = NULL;
	ic_remove(dev);
}

const struct vmbus_driver ic_shutdown_driver = {
	.class_id = VMBUS_CLASS_SHUTDOWN,
	.name = "shutdown",
	.probe = sd_probe,
	.remove = sd_remove,
};

/*
 * The heartbeat IC (docs/protocols/ic.md "Heartbeat"): the host sends a
 * sequence number every few seconds; the guest answers it plus one. An
 * answered heartbeat is how Hyper-V knows the guest is alive. Every other
 * byte of the body goes back as received (Linux never writes the
 * application state either).
 */
#include <errno.h>
#include <string.h>

#include "drivers/ic.h"
#include "include/hyperv/vmbus_guids.h"
#include "vmbus/vmbus.h"

static const struct ic_version hb_versions[] = { IC_VER(3, 0), IC_VER(1, 0) };

int64_t ic_heartbeat_handle(struct ic_dev *ic, uint8_t *body, uint32_t len, uint32_t *out_len)
{
	uint64_t seq;

	(void)ic;
	if (len < IC_HEARTBEAT_MIN)
		return -EINVAL;
	memcpy(&seq, body, sizeof(seq));
	seq++;
	memcpy(body, &seq, sizeof(seq));
	*out_len = len;
	return IC_S_OK;
}

static const struct ic_service ic_heartbeat = {
	.name = "heartbeat",
	.msg_type = IC_MSG_HEARTBEAT,
	.versions = hb_versions,
	.nversions = 2,
	.handle = ic_heartbeat_handle,
};

static int hb_probe(struct vmbus_device *dev)
{
	return ic_probe(dev, &ic_heartbeat, NULL);
}

const struct vmbus_driver ic_heartbeat_driver = {
	.class_id = VMBUS_CLASS_HEARTBEAT,
	.name = "heartbeat",
	.probe = hb_probe,
	.remove = ic_remove,
};

/*
 * Devices of a Generation 2 VM that the simulated host offers but does not
 * drive: they exist so that the guest's device listing sees a realistic
 * VM (the scenario's "offers gen2-default"), including classes Keel has no
 * driver for. Opened or not, they never send anything. One type per class,
 * named gen2-CLASS.
 */
#include <string.h>

#include "host/host_priv.h"
#include "include/hyperv/vmbus_guids.h"

static uint32_t plain_open(struct host_dev *d, struct host_chan *c)
{
	(void)d;
	(void)c;
	return 0;
}

static void plain_packet(struct host_dev *d, struct host_chan *c,
			 const struct vmbus_pkt_desc *desc, const uint8_t *pkt, uint32_t len)
{
	(void)desc;
	(void)pkt;
	(void)len;
	host_dev_trace(d, c, 0, 0);     /* seen, never answered */
}

#define PLAIN(tname, guid)                                                   \
	{ .type = tname, .class_guid = guid, .on_open = plain_open,          \
	  .on_packet = plain_packet }

const struct host_dev_ops gen2_plain_types[] = {
	PLAIN("gen2-network", VMBUS_CLASS_NETWORK),
	PLAIN("gen2-mouse", VMBUS_CLASS_MOUSE),
	PLAIN("gen2-keyboard", VMBUS_CLASS_KEYBOARD),
	PLAIN("gen2-video", VMBUS_CLASS_FRAMEBUFFER),
	PLAIN("gen2-dynmem", VMBUS_CLASS_DYNMEM),
	PLAIN("gen2-vss", VMBUS_CLASS_VSS),
	PLAIN("gen2-fcopy", VMBUS_CLASS_FCOPY),
	PLAIN("gen2-rdv", VMBUS_CLASS_RDV),
	PLAIN("gen2-pcie", VMBUS_CLASS_VPCI),
};
const unsigned gen2_plain_ntypes = sizeof(gen2_plain_types) / sizeof(gen2_plain_types[0]);

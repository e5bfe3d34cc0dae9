/*
 * Device class names for the listing (vmbus/lsvmbus.c), as Linux's lsvmbus
 * tool names them: a const table matched on GUID bytes (docs/style.md §4).
 * A class missing here (Generation 1 devices, the echo test device) is
 * listed as "Unknown device class".
 */
#include "include/hyperv/vmbus_guids.h"
#include "lib/guid.h"
#include "vmbus/vmbus.h"

static const struct {
	struct vmbus_guid class_id;
	const char *name;
} vmbus_classes[] = {
	{ VMBUS_CLASS_STORAGE, "Synthetic SCSI Controller" },
	{ VMBUS_CLASS_NETWORK, "Synthetic network adapter" },
	{ VMBUS_CLASS_HEARTBEAT, "Heartbeat" },
	{ VMBUS_CLASS_SHUTDOWN, "Operating system shutdown" },
	{ VMBUS_CLASS_TIMESYNC, "Time Synchronization" },
	{ VMBUS_CLASS_KVP, "Data Exchange" },
	{ VMBUS_CLASS_VSS, "Volume shadow copy" },
	{ VMBUS_CLASS_FCOPY, "Guest services" },
	{ VMBUS_CLASS_DYNMEM, "Dynamic memory" },
	{ VMBUS_CLASS_MOUSE, "Synthetic mouse" },
	{ VMBUS_CLASS_KEYBOARD, "Synthetic keyboard" },
	{ VMBUS_CLASS_FRAMEBUFFER, "Synthetic framebuffer adapter" },
	{ VMBUS_CLASS_VPCI, "PCI Express pass-through" },
};

const char *vmbus_class_name(const struct vmbus_guid *class_id)
{
	for (size_t i = 0; i < sizeof(vmbus_classes) / sizeof(vmbus_classes[0]); i++)
		if (guid_equal(&vmbus_classes[i].class_id, class_id))
			return vmbus_classes[i].name;
	return "Unknown device class";
}

/*
 * Hyper-V virtual PCI (vPCI, "PCI pass-through") wire formats: the messages
 * the guest's bus driver (drivers/vpci*.c) and the simulated vPCI server
 * (host/vpci_host.c) exchange over one VMBus channel per virtual PCI bus,
 * and the layout of the two-page config window.
 *
 * Follows docs/protocols/vpci.md: versions ("Versions"), message numbers
 * ("Messages"), layouts ("Layouts"), the config window ("Config window").
 * Public names: Linux pci-hyperv.c (struct pci_function_description,
 * pci_q_res_req_response, hv_msi_desc2/3, tran_int_desc), OpenVMM
 * vpci_protocol. Little-endian, packed.
 */
#ifndef KEEL_HYPERV_VPCI_H
#define KEEL_HYPERV_VPCI_H

#include <stddef.h>
#include <stdint.h>

#define VPCI_PACKED __attribute__((packed))

/* ---- versions: major << 16 | minor, offered newest first ---- */

#define VPCI_VERSION_1_1 0x00010001u
#define VPCI_VERSION_1_2 0x00010002u   /* CREATE_INTERRUPT2, ASSIGNED_RESOURCES2 */
#define VPCI_VERSION_1_3 0x00010003u   /* BUS_RELATIONS2 */
#define VPCI_VERSION_1_4 0x00010004u   /* CREATE_INTERRUPT3, ASSIGNED_RESOURCES3 */

/* ---- message types ---- */

enum vpci_msg_type {
	VPCI_MSG_BUS_RELATIONS          = 0x42490000, /* H->G */
	VPCI_MSG_QUERY_BUS_RELATIONS    = 0x42490001, /* G->H, answered by BUS_RELATIONS[2] */
	VPCI_MSG_QUERY_RESOURCE_REQS    = 0x42490005, /* G->H, completion: BAR masks */
	VPCI_MSG_FDO_D0_ENTRY           = 0x42490007,
	VPCI_MSG_FDO_D0_EXIT            = 0x42490008,
	VPCI_MSG_EJECT                  = 0x4249000B, /* H->G */
	VPCI_MSG_EJECTION_COMPLETE      = 0x4249000F, /* G->H, no completion */
	VPCI_MSG_RESOURCES_ASSIGNED     = 0x42490010,
	VPCI_MSG_RESOURCES_RELEASED     = 0x42490011, /* G->H, no completion */
	VPCI_MSG_QUERY_PROTOCOL_VERSION = 0x42490013,
	VPCI_MSG_CREATE_INTERRUPT       = 0x42490014,
	VPCI_MSG_DELETE_INTERRUPT       = 0x42490015, /* G->H, no completion */
	VPCI_MSG_RESOURCES_ASSIGNED2    = 0x42490016,
	VPCI_MSG_CREATE_INTERRUPT2      = 0x42490017,
	VPCI_MSG_BUS_RELATIONS2         = 0x42490019, /* H->G */
	VPCI_MSG_RESOURCES_ASSIGNED3    = 0x4249001A,
	VPCI_MSG_CREATE_INTERRUPT3      = 0x4249001B,
};

/* Completion status (NTSTATUS; negative as s32 = failure). */
#define VPCI_STATUS_SUCCESS           0x00000000u
#define VPCI_STATUS_REVISION_MISMATCH 0xC0000059u
#define VPCI_STATUS_BAD_DATA          0xC000090Bu
#define VPCI_STATUS_NOT_SUPPORTED     0xC00000BBu

/* ---- slot number: dev in bits 0-4, function in 5-7, the rest 0 ---- */

#define VPCI_WSLOT(dev, fn)    ((uint32_t)(((dev) & 0x1Fu) | (((fn) & 7u) << 5)))
#define VPCI_WSLOT_DEV(w)      ((w) & 0x1Fu)
#define VPCI_WSLOT_FN(w)       (((w) >> 5) & 7u)
#define VPCI_WSLOT_RESERVED    0xFFFFFF00u

#define VPCI_BARS 6
#define VPCI_MAX_FUNCS 32          /* functions per bus this guest accepts */

/* ---- function descriptions (BUS_RELATIONS entries) ---- */

struct vpci_func_desc {
	uint16_t vendor_id;          /* @0 */
	uint16_t device_id;          /* @2 */
	uint8_t  revision;           /* @4 */
	uint8_t  prog_if;            /* @5 */
	uint8_t  subclass;           /* @6 */
	uint8_t  base_class;         /* @7 */
	uint32_t subsystem_id;       /* @8: low 16 subsystem vendor, high 16 subsystem */
	uint32_t wslot;              /* @12 */
	uint32_t serial;             /* @16 */
} VPCI_PACKED;
_Static_assert(sizeof(struct vpci_func_desc) == 20, "function description is 20 bytes");
_Static_assert(offsetof(struct vpci_func_desc, wslot) == 12, "wslot @12");

struct vpci_func_desc2 {
	struct vpci_func_desc d;     /* @0 */
	uint32_t flags;              /* @20: bit 0 NUMA node valid */
	uint16_t numa_node;          /* @24 */
	uint16_t reserved;           /* @26 */
} VPCI_PACKED;
_Static_assert(sizeof(struct vpci_func_desc2) == 28, "function description 2 is 28 bytes");

struct vpci_bus_relations {
	uint32_t type;               /* @0: BUS_RELATIONS or BUS_RELATIONS2 */
	uint32_t count;              /* @4 */
	/* @8: count descriptions of 20 or 28 bytes */
} VPCI_PACKED;
_Static_assert(sizeof(struct vpci_bus_relations) == 8, "relations header is 8 bytes");

/* ---- guest -> host requests ---- */

struct vpci_msg_type_only {
	uint32_t type;
} VPCI_PACKED;

struct vpci_query_version {
	uint32_t type;               /* @0 */
	uint32_t version;            /* @4 */
} VPCI_PACKED;
_Static_assert(sizeof(struct vpci_query_version) == 8, "QUERY_PROTOCOL_VERSION is 8 bytes");

struct vpci_d0_entry {
	uint32_t type;               /* @0 */
	uint32_t reserved;           /* @4 */
	uint64_t mmio_base;          /* @8: the config window */
} VPCI_PACKED;
_Static_assert(sizeof(struct vpci_d0_entry) == 16, "FDO_D0_ENTRY is 16 bytes");

/* QUERY_RESOURCE_REQS, RESOURCES_RELEASED, EJECT: type + slot. */
struct vpci_slot_msg {
	uint32_t type;               /* @0 */
	uint32_t wslot;              /* @4 */
} VPCI_PACKED;
_Static_assert(sizeof(struct vpci_slot_msg) == 8, "slot message is 8 bytes");

struct vpci_ejection_complete {
	uint32_t type;               /* @0 */
	uint32_t wslot;              /* @4 */
	uint32_t status;             /* @8 */
} VPCI_PACKED;
_Static_assert(sizeof(struct vpci_ejection_complete) == 12, "EJECTION_COMPLETE is 12 bytes");

/* A CM partial resource descriptor (zero = NULL resource). */
struct vpci_cm_resource {
	uint8_t  type;
	uint8_t  share;
	uint16_t flags;
	uint64_t start;
	uint32_t length;
	uint32_t pad;
} VPCI_PACKED;
_Static_assert(sizeof(struct vpci_cm_resource) == 20, "CM descriptor is 20 bytes");

/* RESOURCES_ASSIGNED[2,3] header; always followed by room for one MSI slot. */
struct vpci_resources_assigned {
	uint32_t type;                         /* @0 */
	uint32_t wslot;                        /* @4 */
	struct vpci_cm_resource mem[VPCI_BARS]; /* @8 */
	uint32_t msi_count;                    /* @128 */
	uint32_t reserved;                     /* @132 */
	uint8_t  msi_slot[80];                 /* @136: 16 (v1), 72 (v2) or 80 (v3) used */
} VPCI_PACKED;
_Static_assert(offsetof(struct vpci_resources_assigned, msi_count) == 128, "msi_count @128");
_Static_assert(offsetof(struct vpci_resources_assigned, msi_slot) == 136, "MSI slot @136");
#define VPCI_RES_ASSIGNED_LEN(slot) (136u + (slot))

/* MSI request descriptors, by version. */
struct vpci_msi_desc1 {
	uint8_t  vector;             /* @0 */
	uint8_t  delivery_mode;      /* @1: 0 fixed */
	uint16_t vector_count;       /* @2 */
	uint32_t reserved;           /* @4 */
	uint64_t cpu_mask;           /* @8 */
} VPCI_PACKED;
_Static_assert(sizeof(struct vpci_msi_desc1) == 16, "hv_msi_desc is 16 bytes");

struct vpci_msi_desc2 {
	uint8_t  vector;             /* @0 */
	uint8_t  delivery_mode;      /* @1 */
	uint16_t vector_count;       /* @2 */
	uint16_t processor_count;    /* @4 */
	uint16_t processors[32];     /* @6 */
} VPCI_PACKED;
_Static_assert(sizeof(struct vpci_msi_desc2) == 70, "hv_msi_desc2 is 70 bytes");

struct vpci_msi_desc3 {
	uint32_t vector;             /* @0 */
	uint8_t  delivery_mode;      /* @4 */
	uint8_t  reserved;           /* @5 */
	uint16_t vector_count;       /* @6 */
	uint16_t processor_count;    /* @8 */
	uint16_t processors[32];     /* @10 */
} VPCI_PACKED;
_Static_assert(sizeof(struct vpci_msi_desc3) == 74, "hv_msi_desc3 is 74 bytes");

/* CREATE_INTERRUPT[2,3]: type, slot, then the version's descriptor. */
struct vpci_create_interrupt {
	uint32_t type;               /* @0 */
	uint32_t wslot;              /* @4 */
	union {
		struct vpci_msi_desc1 v1;
		struct vpci_msi_desc2 v2;
		struct vpci_msi_desc3 v3;
	} d;                         /* @8 */
} VPCI_PACKED;
#define VPCI_CREATE_INT_LEN1 24u
#define VPCI_CREATE_INT_LEN2 78u
#define VPCI_CREATE_INT_LEN3 82u
_Static_assert(sizeof(struct vpci_create_interrupt) == VPCI_CREATE_INT_LEN3, "largest form");

/* The remapped MSI the host returns (tran_int_desc). */
struct vpci_msi_remapped {
	uint16_t reserved;           /* @0 */
	uint16_t vector_count;       /* @2 */
	uint32_t data;               /* @4 */
	uint64_t address;            /* @8 */
} VPCI_PACKED;
_Static_assert(sizeof(struct vpci_msi_remapped) == 16, "tran_int_desc is 16 bytes");

struct vpci_delete_interrupt {
	uint32_t type;               /* @0 */
	uint32_t wslot;              /* @4 */
	struct vpci_msi_remapped msi; /* @8 */
} VPCI_PACKED;
_Static_assert(sizeof(struct vpci_delete_interrupt) == 24, "DELETE_INTERRUPT is 24 bytes");

/* ---- completions (payload after the VMBus descriptor) ---- */

struct vpci_status_reply {
	uint32_t status;
	uint32_t extra;              /* version (QUERY_PROTOCOL_VERSION) or padding */
} VPCI_PACKED;

struct vpci_resource_reqs_reply {
	uint32_t status;             /* @0 */
	uint32_t bar_mask[VPCI_BARS]; /* @4: read-back after writing all ones */
} VPCI_PACKED;
_Static_assert(sizeof(struct vpci_resource_reqs_reply) == 28, "resource requirements reply");

struct vpci_create_interrupt_reply {
	uint32_t status;             /* @0 */
	uint32_t reserved;           /* @4 */
	struct vpci_msi_remapped msi; /* @8 */
} VPCI_PACKED;
_Static_assert(sizeof(struct vpci_create_interrupt_reply) == 24, "create interrupt reply");

/* ---- the config window: two pages the guest places in MMIO space ---- */

#define VPCI_CFG_WINDOW_SIZE  0x2000u
#define VPCI_CFG_SLOT_SELECT  0x0000u   /* 32-bit write of the wslot */
#define VPCI_CFG_SPACE        0x1000u   /* 4 KiB config space of the selected function */
#define VPCI_CFG_SPACE_SIZE   0x1000u

/* Config space registers Keel uses (PCI Local Bus spec, type 0 header). */
#define PCI_CFG_VENDOR        0x00
#define PCI_CFG_DEVICE        0x02
#define PCI_CFG_COMMAND       0x04
#define PCI_CFG_STATUS        0x06
#define PCI_CFG_REVISION      0x08
#define PCI_CFG_CLASS         0x09      /* prog-if @9, subclass @10, base @11 */
#define PCI_CFG_BAR0          0x10
#define PCI_CFG_SUBSYS        0x2C
#define PCI_CFG_CAP_PTR       0x34
#define PCI_CMD_MEMORY        0x0002u
#define PCI_CMD_MASTER        0x0004u
#define PCI_STATUS_CAP_LIST   0x0010u
#define PCI_CAP_ID_MSIX       0x11
#define PCI_MSIX_CTRL         2         /* offset in the capability */
#define PCI_MSIX_TABLE        4         /* BIR in bits 0-2, offset in the rest */
#define PCI_MSIX_CTRL_SIZE    0x07FFu   /* table size - 1 */
#define PCI_MSIX_CTRL_MASKALL 0x4000u
#define PCI_MSIX_CTRL_ENABLE  0x8000u
#define PCI_MSIX_ENTRY_SIZE   16u       /* addr lo, addr hi, data, vector control */
#define PCI_BAR_MEM64         0x4u      /* bits 2:1 = 10b */
#define PCI_BAR_IO            0x1u

#endif

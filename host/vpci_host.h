/*
 * The simulated vPCI server's state (host/vpci_host.c: messages, host/
 * vpci_func.c: the functions' config space and BARs), and the MMIO layout
 * of the simulated VM that the guest's firmware tables would describe.
 *
 * Protocol: docs/protocols/vpci.md. One host device = one VMBus channel =
 * one virtual PCI bus with up to VH_MAX_FUNCS functions at slots 0..N-1.
 */
#ifndef KEEL_HOST_VPCI_HOST_H
#define KEEL_HOST_VPCI_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "include/hyperv/vpci.h"

/*
 * The simulated VM's MMIO gaps (the ACPI _CRS ranges of the VMBus module
 * device) and its framebuffer at the start of the low gap, as on a Gen2 VM
 * with default settings (docs/protocols/vpci.md "MMIO ranges").
 */
#define VH_LOW_GAP_BASE   0xF8000000ull
#define VH_LOW_GAP_SIZE   0x08000000ull          /* 128 MiB */
#define VH_FB_BASE        VH_LOW_GAP_BASE
#define VH_FB_SIZE        0x00800000ull          /* 8 MiB */
#define VH_HIGH_GAP_BASE  0x1000000000ull        /* 64 GiB */
#define VH_HIGH_GAP_SIZE  0x20000000ull          /* 512 MiB */

#define VH_MAX_FUNCS 8
#define VH_MAX_INTS  64         /* interrupts per function */
#define VH_MAX_EVENTS 16
#define VH_MSIX_MAX  64
#define VH_CFG_SPACE 4096       /* a function's config space (PCI Express size) */

struct vh_int {
	uint64_t address;
	uint32_t data;
	uint32_t vector;
};

struct vh_func {
	bool present;
	bool ejecting;          /* EJECT sent, EJECTION_COMPLETE not yet */
	bool ejected;           /* gone after EJECTION_COMPLETE (until re-added) */
	bool assigned;          /* RESOURCES_ASSIGNED seen, not released */
	uint64_t eject_at;
	uint32_t serial;
	uint32_t bar_mask[VPCI_BARS];
	uint32_t bar_val[VPCI_BARS];
	uint16_t command;
	uint16_t msix_ctrl;     /* enable / mask-all bits */
	uint8_t msix_table[VH_MSIX_MAX][16];
	struct vh_int ints[VH_MAX_INTS];
	int nints;
	uint32_t creates;       /* CREATE_INTERRUPT requests seen */
};

/* The function template every slot is built from (device parameters). */
struct vh_proto {
	uint16_t vendor, device;
	uint32_t class_code;    /* base << 16 | sub << 8 | prog-if */
	uint8_t revision;
	uint32_t subsys;
	uint64_t bar_size[VPCI_BARS]; /* 0: none; a 64-bit BAR uses the next index */
	bool bar64[VPCI_BARS];
	uint32_t msix;          /* MSI-X table size (table in BAR 0) */
	uint32_t msix_off;      /* the table's offset in BAR 0 (NVMe: after the registers) */
	uint16_t msix_cap;      /* the MSI-X capability's offset (0x40 unless an image says) */
	bool dead;              /* config space reads all ones (a dead device) */
	/* dump=FILE: a real function's config space; every register past the
	 * header is served from it (capability lists as the device had them) */
	uint16_t image_len;     /* 0: the synthesized layout (MSI-X at 0x40, nothing else) */
	uint8_t image[VH_CFG_SPACE];
};

struct host_dev;
struct host_chan;
struct nh_dev;

struct vh_event {
	uint64_t at;
	char kind;              /* 'a' hot-add, 'r' hot-remove, 'e' eject, 'm' msi */
	uint8_t slot, index;
	bool done;
};

struct vh_out {
	struct vh_out *next;
	uint64_t due;
	uint16_t type;
	uint64_t trans_id;
	uint32_t len;
	uint8_t data[];
};

struct vh_dev {
	struct vh_proto proto;
	struct vh_func func[VH_MAX_FUNCS];
	uint32_t nfuncs_boot;
	uint32_t versions[4];
	int nversions;
	uint32_t version;       /* 0 until negotiated */
	bool d0;
	uint64_t window;
	uint32_t selected;      /* wslot in the slot-select register */
	uint32_t next_serial;
	struct vh_event ev[VH_MAX_EVENTS];
	int nev;
	uint64_t eject_deadline;
	bool eject_rescind;
	uint32_t eject_on_create, relations_on_reqs, reqs_seen;
	uint32_t bad_relations, relations_sent; /* the Nth list claims 1000 more entries */
	bool readd_after_eject;
	uint32_t eject_on_request, requests; /* EJECT slot 0 after the Nth request */
	bool dup_slot;          /* hostile: every relations list names slot 0 twice */
	bool eject_cfg_ones;    /* hostile: config reads of an ejecting slot give all ones */
	struct vh_out *head, **tail;
	struct host_chan *c;
	uint64_t msis_fired, msis_lost;
	uint64_t ejections;     /* EJECTION_COMPLETEs accepted */
	/* answer shaping of the trigger on the packet being handled */
	uint64_t ans_delay;
	bool ans_status_set;
	uint32_t ans_status;
	struct nh_dev *nvme;    /* nvme=yes: each function is an NVMe controller */
};

/* host/vpci_host.c */
struct vh_func *vh_slot(struct vh_dev *v, uint32_t wslot);
/* A live function, or NULL (and a violation when the guest uses a slot
 * after its EJECTION_COMPLETE). */
struct vh_func *vh_live(struct host_dev *d, uint32_t wslot, const char *what);

/* host/vpci_host_params.c: the keys vh_param takes, NH_KEYS (nvme_host.h) too */
#define VH_KEYS "bar0 bar1 bar2 bar3 bar4 bar5 versions config dump resource hot-add " \
		"hot-remove eject msi eject-deadline dead dup-slot eject-cfg-ones " \
		"eject-rescind readd-after-eject vendor device class rev subsys msix functions " \
		"eject-on-create eject-on-request relations-on-reqs bad-relations " NH_KEYS
int vh_init(struct host_dev *d);
int vh_param(struct host_dev *d, const char *key, const char *val);

/* host/vpci_host_real.c: identity and BARs from a real function's files */
int vh_p_config(struct vh_proto *p, const char *path);
int vh_p_resource(struct vh_proto *p, const char *path);
/* host/vpci_host_dump.c: config space and BAR sizes from an `lspci -xxxx` dump */
int vh_p_dump(struct vh_proto *p, const char *path);

/* host/vpci_host_mmio.c */
bool vh_mmio(struct host_dev *d, uint64_t gpa, unsigned size, bool write, uint64_t *val);
void vh_fire_msi(struct host_dev *d, struct vh_func *f, uint32_t k);

/* host/vpci_func.c */
void vh_func_build(struct vh_func *f, const struct vh_proto *p, uint32_t serial);
uint32_t vh_cfg_read(const struct vh_func *f, const struct vh_proto *p, uint32_t off,
		     unsigned size);
void vh_cfg_write(struct vh_func *f, const struct vh_proto *p, uint32_t off, unsigned size,
		  uint32_t val);
/* The function's BAR i address (0 when unset or decoding is off). */
uint64_t vh_bar_addr(const struct vh_func *f, int i);
uint64_t vh_bar_size(const struct vh_func *f, int i);
/* MSI-X table accesses inside BAR 0; false when off the table. */
bool vh_msix_access(struct vh_func *f, const struct vh_proto *p, uint64_t off,
		    unsigned size, bool write, uint64_t *val);

#endif

/*
 * NVMe wire formats (NVM Express Base Specification 1.4: section 3.1
 * controller registers, 4.2 submission queue entry, 4.6 completion queue
 * entry, 5.15 Identify data structures; NVM Command Set: Read, Write, Flush,
 * Dataset Management). Shared by the guest driver (drivers/nvme*.c) and the
 * simulated controller (host/nvme_host*.c). Little endian throughout.
 */
#ifndef KEEL_INCLUDE_NVME_H
#define KEEL_INCLUDE_NVME_H

#include <stddef.h>
#include <stdint.h>

/* ---- controller registers (BAR 0), spec 3.1 ---- */
#define NVME_REG_CAP    0x00    /* 64-bit capabilities */
#define NVME_REG_VS     0x08
#define NVME_REG_INTMS  0x0C
#define NVME_REG_INTMC  0x10
#define NVME_REG_CC     0x14
#define NVME_REG_CSTS   0x1C
#define NVME_REG_AQA    0x24
#define NVME_REG_ASQ    0x28    /* 64-bit */
#define NVME_REG_ACQ    0x30    /* 64-bit */
#define NVME_REG_DBS    0x1000  /* doorbells: SQ y tail at 2y, CQ y head at 2y+1 (x stride) */

#define NVME_CAP_MQES(c)   ((uint32_t)((c) & 0xFFFF))          /* entries - 1 */
#define NVME_CAP_CQR       (1ull << 16)
#define NVME_CAP_TO(c)     ((uint32_t)(((c) >> 24) & 0xFF))    /* 500 ms units */
#define NVME_CAP_DSTRD(c)  ((uint32_t)(((c) >> 32) & 0xF))     /* stride 4 << n */
#define NVME_CAP_CSS_NVM   (1ull << 37)
#define NVME_CAP_MPSMIN(c) ((uint32_t)(((c) >> 48) & 0xF))     /* 4 KiB << n */

#define NVME_CC_EN          (1u << 0)
#define NVME_CC_CSS_NVM     (0u << 4)
#define NVME_CC_MPS_SHIFT   7
#define NVME_CC_SHN_NORMAL  (1u << 14)
#define NVME_CC_IOSQES      (6u << 16)   /* 64-byte SQ entries */
#define NVME_CC_IOCQES      (4u << 20)   /* 16-byte CQ entries */

#define NVME_CSTS_RDY       (1u << 0)
#define NVME_CSTS_CFS       (1u << 1)

/* ---- queue entries, spec 4.2 and 4.6 ---- */
struct nvme_sqe {
	uint8_t opc;
	uint8_t flags;          /* FUSE 1:0, PSDT 7:6 (0 = PRPs) */
	uint16_t cid;
	uint32_t nsid;
	uint32_t cdw2, cdw3;
	uint64_t mptr;
	uint64_t prp1, prp2;
	uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
} __attribute__((packed));
_Static_assert(sizeof(struct nvme_sqe) == 64, "SQ entry is 64 bytes");
_Static_assert(offsetof(struct nvme_sqe, prp1) == 24, "PRP1 at byte 24");
_Static_assert(offsetof(struct nvme_sqe, cdw10) == 40, "CDW10 at byte 40");

struct nvme_cqe {
	uint32_t dw0, dw1;
	uint16_t sqhd, sqid;
	uint16_t cid;
	uint16_t status;        /* bit 0 phase tag, 8:1 SC, 11:9 SCT, 14 M, 15 DNR */
} __attribute__((packed));
_Static_assert(sizeof(struct nvme_cqe) == 16, "CQ entry is 16 bytes");
_Static_assert(offsetof(struct nvme_cqe, cid) == 12, "CID at byte 12");

#define NVME_CQE_PHASE      1u
#define NVME_CQE_SC(s)      (((s) >> 1) & 0xFF)
#define NVME_CQE_SCT(s)     (((s) >> 9) & 0x7)

/* status codes (generic, SCT 0) */
#define NVME_SC_SUCCESS     0x00
#define NVME_SC_INVALID_OP  0x01
#define NVME_SC_INVALID_FIELD 0x02
#define NVME_SC_DATA_XFER   0x04
#define NVME_SC_ABORT_REQ   0x07
#define NVME_SC_INTERNAL    0x06
#define NVME_SC_LBA_RANGE   0x80
#define NVME_SC_INVALID_NS  0x0B

/* admin opcodes, spec 5 */
#define NVME_ADM_DELETE_SQ  0x00
#define NVME_ADM_CREATE_SQ  0x01
#define NVME_ADM_DELETE_CQ  0x04
#define NVME_ADM_CREATE_CQ  0x05
#define NVME_ADM_IDENTIFY   0x06
#define NVME_ADM_ABORT      0x08
#define NVME_ADM_SET_FEATURES 0x09

#define NVME_FEAT_NUM_QUEUES 0x07
#define NVME_ID_CNS_NS      0x00
#define NVME_ID_CNS_CTRL    0x01
#define NVME_ID_CNS_NS_LIST 0x02

/* NVM command set opcodes */
#define NVME_CMD_FLUSH      0x00
#define NVME_CMD_WRITE      0x01
#define NVME_CMD_READ       0x02
#define NVME_CMD_DSM        0x09
#define NVME_DSM_AD         (1u << 2)   /* CDW11: attribute deallocate */

/* ---- Identify data (4096 bytes each), spec 5.15 ---- */
#define NVME_ID_SIZE        4096
#define NVME_IDC_VID        0
#define NVME_IDC_SN         4       /* 20 bytes ASCII */
#define NVME_IDC_MN         24      /* 40 bytes ASCII */
#define NVME_IDC_FR         64      /* 8 bytes */
#define NVME_IDC_MDTS       77      /* max transfer 2^n min pages, 0 = no limit */
#define NVME_IDC_SQES       512
#define NVME_IDC_CQES       513
#define NVME_IDC_NN         516     /* 32-bit: namespaces */
#define NVME_IDC_ONCS       520     /* 16-bit: bit 2 DSM */
#define NVME_ONCS_DSM       (1u << 2)

#define NVME_IDN_NSZE       0       /* 64-bit blocks */
#define NVME_IDN_NCAP       8
#define NVME_IDN_NLBAF      25      /* formats - 1 */
#define NVME_IDN_FLBAS      26      /* 3:0 format in use */
#define NVME_IDN_LBAF       128     /* 16 x 4 bytes: MS 15:0, LBADS 23:16 */

/* Dataset Management range, NVM command set 6.7 */
struct nvme_dsm_range {
	uint32_t cattr;
	uint32_t nlb;           /* blocks (not minus one) */
	uint64_t slba;
} __attribute__((packed));
_Static_assert(sizeof(struct nvme_dsm_range) == 16, "DSM range is 16 bytes");

#endif

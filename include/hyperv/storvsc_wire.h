/*
 * Hyper-V synthetic SCSI (storvsc / StorVSP) wire formats: the vstor_packet
 * carried in VMBus ring packets, the SCSI request block (vmscsi_request) in
 * both its pre-Win8 (36 bytes) and Win8+ (52 bytes) sizes, operations,
 * protocol versions, channel properties, NTSTATUS and SRB status codes, SRB
 * flags and the fixed-format sense data basics.
 *
 * Shared by the guest driver (drivers/storvsc*.c) and the simulated storage
 * host (host/storvsc_host.c). Follows docs/protocols/storage.md:
 * §2 packet forms, §3 versions, §4 operations, §5 layouts, §5.4 SRB status,
 * §7 I/O, §8 CDBs. Everything is little-endian and packed unless marked BE
 * (SCSI data inside CDBs and data buffers is big-endian).
 *
 * Packet sizes: a Win8+ (>= 0x0501) vstor_packet is 64 bytes; before Win8 it
 * is 48 (STORVSC_PKT_SIZE_PRE_WIN8): the 16-byte Win8 extension at the end of
 * vmscsi_request is absent (docs/protocols/storage.md §3 "vmscsi_size_delta"). Use
 * storvsc_pkt_size(version) rather than sizeof().
 */
#ifndef KEEL_HYPERV_STORVSC_WIRE_H
#define KEEL_HYPERV_STORVSC_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define STORVSC_PACKED __attribute__((packed))

/* ---- §3 protocol versions: (major << 8) | minor ---- */

#define STORVSC_VERSION(maj, min)  ((uint16_t)(((maj) << 8) | (min)))
#define STORVSC_VERSION_WIN6       0x0200u  /* 2.0, 36-byte SRB */
#define STORVSC_VERSION_WIN7       0x0402u  /* 4.2, 36-byte SRB */
#define STORVSC_VERSION_WIN8       0x0501u  /* 5.1, 52-byte SRB, multi-channel */
#define STORVSC_VERSION_WIN8_1     0x0600u  /* 6.0 (OpenVMM "BLUE") */
#define STORVSC_VERSION_WIN10      0x0602u  /* 6.2 (OpenVMM "THRESHOLD") */

/* One row of the version table the guest walks newest first (§3). */
struct storvsc_version_info {
	uint16_t version;          /* u16 major_minor */
	uint8_t  sense_size;       /* sense_info_length to request */
	uint8_t  srb_size;         /* vmscsi_request.length */
	uint8_t  pkt_size;         /* bytes of vstor_packet to send / accept */
	uint8_t  multichannel;     /* may use CREATE_SUB_CHANNELS (>= Win8) */
};

/*
 * The guest offers these, newest first. Current Linux stops at WIN8; Keel
 * also offers WIN7 so the request-size difference (§3 delta) is exercised.
 */
#define STORVSC_VERSION_TABLE_INIT {                                       \
	{ STORVSC_VERSION_WIN10,  20, 52, 64, 1 },                         \
	{ STORVSC_VERSION_WIN8_1, 20, 52, 64, 1 },                         \
	{ STORVSC_VERSION_WIN8,   20, 52, 64, 1 },                         \
	{ STORVSC_VERSION_WIN7,   18, 36, 48, 0 },                         \
}
#define STORVSC_VERSION_TABLE_LEN 4u

/* ---- §4 operations (vstor_packet.operation) ---- */

enum storvsc_op {
	STORVSC_OP_COMPLETE_IO            = 1,   /* host->guest, every completion */
	STORVSC_OP_REMOVE_DEVICE          = 2,   /* host->guest, unsolicited */
	STORVSC_OP_EXECUTE_SRB            = 3,
	STORVSC_OP_RESET_LUN              = 4,
	STORVSC_OP_RESET_ADAPTER          = 5,
	STORVSC_OP_RESET_BUS              = 6,
	STORVSC_OP_BEGIN_INITIALIZATION   = 7,
	STORVSC_OP_END_INITIALIZATION     = 8,
	STORVSC_OP_QUERY_PROTOCOL_VERSION = 9,
	STORVSC_OP_QUERY_PROPERTIES       = 10,
	STORVSC_OP_ENUMERATE_BUS          = 11,  /* host->guest, unsolicited, trans 0 */
	STORVSC_OP_FCHBA_DATA             = 12,
	STORVSC_OP_CREATE_SUB_CHANNELS    = 13,  /* Win8+, primary only */
	STORVSC_OP_EVENT_NOTIFICATION     = 14,  /* defined only in O-PROTO */
};

/* vstor_packet.flags */
#define STORVSC_FLAG_REQUEST_COMPLETION 0x1u

/* ---- §5.1 NTSTATUS values in vstor_packet.status ---- */

#define STORVSC_NT_SUCCESS                0x00000000u
#define STORVSC_NT_BUFFER_OVERFLOW        0x80000005u  /* SRB DATA_OVERRUN */
#define STORVSC_NT_DEVICE_BUSY            0x80000011u  /* SRB BUSY */
#define STORVSC_NT_UNSUCCESSFUL           0xC0000001u  /* SRB REQUEST_FLUSHED */
#define STORVSC_NT_INVALID_PARAMETER      0xC000000Du  /* CREATE_SUB_CHANNELS too many */
#define STORVSC_NT_INVALID_DEVICE_REQUEST 0xC0000010u
#define STORVSC_NT_REVISION_MISMATCH      0xC0000059u  /* version not supported */
#define STORVSC_NT_DEVICE_NOT_CONNECTED   0xC000009Du
#define STORVSC_NT_IO_TIMEOUT             0xC00000B5u
#define STORVSC_NT_DEVICE_DOES_NOT_EXIST  0xC00000C0u
#define STORVSC_NT_CANCELLED              0xC0000120u
#define STORVSC_NT_INVALID_DEVICE_STATE   0xC0000184u  /* wrong init order */
#define STORVSC_NT_IO_DEVICE_ERROR        0xC0000185u

/* ---- §5.2 vmscsi_request ---- */

#define STORVSC_CDB_MAX        16u
#define STORVSC_SENSE_MAX      20u  /* Win8+ sense area */
#define STORVSC_SENSE_PRE_WIN8 18u
#define STORVSC_SRB_SIZE       52u  /* Win8+ */
#define STORVSC_SRB_SIZE_PRE_WIN8 36u
#define STORVSC_SIZE_DELTA     16u  /* §3 vmscsi_size_delta */

/* data_in */
#define STORVSC_DATA_OUT     0u  /* WRITE_TYPE: guest -> device */
#define STORVSC_DATA_IN      1u  /* READ_TYPE: device -> guest */
#define STORVSC_DATA_NONE    2u  /* UNKNOWN_TYPE: no data phase */

/* srb_flags (§5.2) */
#define STORVSC_SRB_FLAGS_QUEUE_ACTION_ENABLE   0x00000002u
#define STORVSC_SRB_FLAGS_DISABLE_SYNCH_TRANSFER 0x00000008u
#define STORVSC_SRB_FLAGS_DATA_IN               0x00000040u
#define STORVSC_SRB_FLAGS_DATA_OUT              0x00000080u
#define STORVSC_SRB_FLAGS_NO_QUEUE_FREEZE       0x00000100u

#define STORVSC_QUEUE_TAG_UNTAGGED   0xFFu  /* SP_UNTAGGED */
#define STORVSC_QUEUE_ACTION_SIMPLE  0x20u  /* SRB_SIMPLE_TAG_REQUEST */
#define STORVSC_SRB_TIMEOUT_SECONDS  60u

struct storvsc_srb {
	uint16_t length;                 /* @0 52 (36 pre-Win8) */
	uint8_t  srb_status;             /* @2 host -> guest, §5.4 */
	uint8_t  scsi_status;            /* @3 host -> guest, SCSI status byte */
	uint8_t  port_number;            /* @4 guest-local, ignored by host */
	uint8_t  path_id;                /* @5 */
	uint8_t  target_id;              /* @6 */
	uint8_t  lun;                    /* @7 */
	uint8_t  cdb_length;             /* @8 <= 16 */
	uint8_t  sense_info_length;      /* @9 accepted (req) / valid (comp) */
	uint8_t  data_in;                /* @10 STORVSC_DATA_* */
	uint8_t  reserved;               /* @11 */
	uint32_t data_transfer_length;   /* @12 buffer bytes / bytes transferred */
	union {                          /* @16 */
		uint8_t cdb[STORVSC_CDB_MAX];
		uint8_t sense_data[STORVSC_SENSE_MAX];
	} u;
	/* Win8 extension (@36..51): absent before 0x0501. */
	uint16_t reserve;                /* @36 */
	uint8_t  queue_tag;              /* @38 */
	uint8_t  queue_action;           /* @39 */
	uint32_t srb_flags;              /* @40 */
	uint32_t time_out_value;         /* @44 seconds */
	uint32_t queue_sort_key;         /* @48 */
} STORVSC_PACKED;
_Static_assert(sizeof(struct storvsc_srb) == STORVSC_SRB_SIZE, "srb 52");
_Static_assert(offsetof(struct storvsc_srb, data_transfer_length) == 12, "dtl");
_Static_assert(offsetof(struct storvsc_srb, u) == 16, "cdb/sense @16");
_Static_assert(offsetof(struct storvsc_srb, reserve) == STORVSC_SRB_SIZE_PRE_WIN8,
	       "win8 extension starts at 36");
_Static_assert(offsetof(struct storvsc_srb, srb_flags) == 40, "srb_flags");
_Static_assert(offsetof(struct storvsc_srb, time_out_value) == 44, "timeout");

/* ---- §5.3 other payloads ---- */

struct storvsc_proto_version {
	uint16_t major_minor;            /* @0 STORVSC_VERSION_* */
	uint16_t revision;               /* @2 0 */
} STORVSC_PACKED;
_Static_assert(sizeof(struct storvsc_proto_version) == 4, "proto version");

#define STORVSC_PROP_MULTI_CHANNEL 0x1u  /* channel_properties.flags bit 0 */

struct storvsc_channel_props {
	uint32_t reserved;               /* @0 */
	uint16_t max_channel_cnt;        /* @4 max sub-channels the host creates */
	uint16_t reserved1;              /* @6 */
	uint32_t flags;                  /* @8 STORVSC_PROP_* */
	uint32_t max_transfer_bytes;     /* @12 largest data buffer per SRB */
	uint64_t reserved2;              /* @16 */
} STORVSC_PACKED;
_Static_assert(sizeof(struct storvsc_channel_props) == 24, "channel props");
_Static_assert(offsetof(struct storvsc_channel_props, max_channel_cnt) == 4, "mcc");
_Static_assert(offsetof(struct storvsc_channel_props, flags) == 8, "flags");
_Static_assert(offsetof(struct storvsc_channel_props, max_transfer_bytes) == 12, "mtb");

/* CREATE_SUB_CHANNELS payload: the host reads exactly 2 bytes (§5.3). */
struct storvsc_subchannel_req {
	uint16_t sub_channel_count;      /* @0 */
} STORVSC_PACKED;
_Static_assert(sizeof(struct storvsc_subchannel_req) == 2, "subchannel req");

/* ---- §5.1 vstor_packet ---- */

#define STORVSC_PKT_HDR_SIZE       12u
#define STORVSC_PKT_PAYLOAD_MAX    52u
#define STORVSC_PKT_SIZE           64u  /* Win8+ */
#define STORVSC_PKT_SIZE_PRE_WIN8  48u  /* 64 - STORVSC_SIZE_DELTA */

struct storvsc_packet {
	uint32_t operation;              /* @0 enum storvsc_op */
	uint32_t flags;                  /* @4 STORVSC_FLAG_REQUEST_COMPLETION */
	uint32_t status;                 /* @8 NTSTATUS (host -> guest) */
	union {                          /* @12 */
		struct storvsc_srb srb;
		struct storvsc_proto_version version;
		struct storvsc_channel_props props;
		struct storvsc_subchannel_req subchannel;
		uint8_t raw[STORVSC_PKT_PAYLOAD_MAX];
	} u;
} STORVSC_PACKED;
_Static_assert(sizeof(struct storvsc_packet) == STORVSC_PKT_SIZE, "vstor_packet 64");
_Static_assert(offsetof(struct storvsc_packet, u) == STORVSC_PKT_HDR_SIZE, "payload @12");
_Static_assert(offsetof(struct storvsc_packet, u.srb.u.cdb) == 28, "cdb @28");
_Static_assert(STORVSC_PKT_SIZE - STORVSC_SIZE_DELTA == STORVSC_PKT_SIZE_PRE_WIN8,
	       "pre-win8 packet");

/* Bytes of vstor_packet exchanged under a negotiated version (§3). */
static inline uint32_t storvsc_pkt_size(uint16_t version)
{
	return version >= STORVSC_VERSION_WIN8 ? STORVSC_PKT_SIZE
					       : STORVSC_PKT_SIZE_PRE_WIN8;
}

/* ---- §5.4 SRB status byte ---- */

#define STORVSC_SRB_STATUS(s)              ((uint8_t)((s) & 0x3Fu))
#define STORVSC_SRB_STATUS_QUEUE_FROZEN    0x40u
#define STORVSC_SRB_STATUS_AUTOSENSE_VALID 0x80u

enum storvsc_srb_status {
	STORVSC_SRB_PENDING               = 0x00,
	STORVSC_SRB_SUCCESS               = 0x01,
	STORVSC_SRB_ABORTED               = 0x02,
	STORVSC_SRB_ABORT_FAILED          = 0x03,
	STORVSC_SRB_ERROR                 = 0x04,
	STORVSC_SRB_BUSY                  = 0x05,
	STORVSC_SRB_INVALID_REQUEST       = 0x06,
	STORVSC_SRB_INVALID_PATH_ID       = 0x07,
	STORVSC_SRB_NO_DEVICE             = 0x08,
	STORVSC_SRB_TIMEOUT               = 0x09,
	STORVSC_SRB_SELECTION_TIMEOUT     = 0x0A,
	STORVSC_SRB_COMMAND_TIMEOUT       = 0x0B,
	STORVSC_SRB_MESSAGE_REJECTED      = 0x0D,
	STORVSC_SRB_BUS_RESET             = 0x0E,
	STORVSC_SRB_PARITY_ERROR          = 0x0F,
	STORVSC_SRB_REQUEST_SENSE_FAILED  = 0x10,
	STORVSC_SRB_NO_HBA                = 0x11,
	STORVSC_SRB_DATA_OVERRUN          = 0x12,
	STORVSC_SRB_UNEXPECTED_BUS_FREE   = 0x13,
	STORVSC_SRB_PHASE_SEQUENCE_FAILURE = 0x14,
	STORVSC_SRB_BAD_SRB_BLOCK_LENGTH  = 0x15,
	STORVSC_SRB_REQUEST_FLUSHED       = 0x16,
	STORVSC_SRB_INVALID_LUN           = 0x20,
	STORVSC_SRB_INVALID_TARGET_ID     = 0x21,
	STORVSC_SRB_BAD_FUNCTION          = 0x22,
	STORVSC_SRB_ERROR_RECOVERY        = 0x23,
	STORVSC_SRB_NOT_POWERED           = 0x24,
	STORVSC_SRB_LINK_DOWN             = 0x25,
	STORVSC_SRB_INTERNAL_ERROR        = 0x30,  /* Linux-only */
};

/* ---- SCSI status byte (§5.2) ---- */

#define SCSI_STATUS_GOOD                 0x00u
#define SCSI_STATUS_CHECK_CONDITION      0x02u
#define SCSI_STATUS_BUSY                 0x08u
#define SCSI_STATUS_RESERVATION_CONFLICT 0x18u
#define SCSI_STATUS_TASK_ABORTED         0x40u

/* ---- §8 SCSI opcodes ---- */

#define SCSI_OP_TEST_UNIT_READY     0x00u
#define SCSI_OP_REQUEST_SENSE       0x03u
#define SCSI_OP_INQUIRY             0x12u
#define SCSI_OP_READ_CAPACITY10     0x25u
#define SCSI_OP_READ10              0x28u
#define SCSI_OP_WRITE10             0x2Au
#define SCSI_OP_SYNCHRONIZE_CACHE10 0x35u
#define SCSI_OP_UNMAP               0x42u
#define SCSI_OP_READ16              0x88u
#define SCSI_OP_WRITE16             0x8Au
#define SCSI_OP_SYNCHRONIZE_CACHE16 0x91u
#define SCSI_OP_SERVICE_ACTION_IN16 0x9Eu
#define SCSI_SAI_READ_CAPACITY16    0x10u  /* low 5 bits of CDB[1] */
#define SCSI_OP_REPORT_LUNS         0xA0u

/* INQUIRY */
#define SCSI_INQ_EVPD               0x01u  /* CDB[1] bit 0 */
#define SCSI_VPD_SUPPORTED_PAGES    0x00u
#define SCSI_VPD_UNIT_SERIAL        0x80u
#define SCSI_VPD_DEVICE_ID          0x83u
#define SCSI_VPD_BLOCK_LIMITS       0xB0u
#define SCSI_VPD_LB_PROVISIONING    0xB2u
#define SCSI_INQ_STD_MIN_LEN        36u
#define SCSI_PERIPH_DISK            0x00u
#define SCSI_PERIPH_CDROM           0x05u
#define SCSI_PERIPH_NO_LUN          0x7Fu  /* qualifier 3, type 0x1F */

/* READ CAPACITY(16) byte 14 */
#define SCSI_RC16_LBPME             0x80u
#define SCSI_RC16_LBPRZ             0x40u
#define SCSI_RC16_LEN               32u
#define SCSI_RC10_LEN               8u

/* ---- fixed-format sense data (§7: byte 0 0x70, 2 key, 12 ASC, 13 ASCQ) ---- */

#define SCSI_SENSE_FIXED_CURRENT    0x70u
#define SCSI_SENSE_FIXED_DEFERRED   0x71u
#define SCSI_SENSE_OFF_KEY          2u
#define SCSI_SENSE_OFF_ASC          12u
#define SCSI_SENSE_OFF_ASCQ         13u
#define SCSI_SENSE_KEY_MASK         0x0Fu

enum scsi_sense_key {
	SCSI_SK_NO_SENSE        = 0x0,
	SCSI_SK_RECOVERED_ERROR = 0x1,
	SCSI_SK_NOT_READY       = 0x2,
	SCSI_SK_MEDIUM_ERROR    = 0x3,
	SCSI_SK_HARDWARE_ERROR  = 0x4,
	SCSI_SK_ILLEGAL_REQUEST = 0x5,
	SCSI_SK_UNIT_ATTENTION  = 0x6,
	SCSI_SK_DATA_PROTECT    = 0x7,
	SCSI_SK_BLANK_CHECK     = 0x8,
	SCSI_SK_ABORTED_COMMAND = 0xB,
	SCSI_SK_MISCOMPARE      = 0xE,
};

/* ASC/ASCQ pairs the guest acts on (§7, §10). */
#define SCSI_ASC_INVALID_OPCODE        0x20u
#define SCSI_ASC_LBA_OUT_OF_RANGE      0x21u
#define SCSI_ASC_INVALID_FIELD_IN_CDB  0x24u
#define SCSI_ASC_LUN_NOT_SUPPORTED     0x25u
#define SCSI_ASC_WRITE_PROTECTED       0x27u
#define SCSI_ASC_PARAMS_CHANGED        0x2Au  /* ASCQ 0x09 capacity data changed */
#define SCSI_ASCQ_CAPACITY_CHANGED     0x09u
#define SCSI_ASC_LUN_NOT_READY         0x04u
#define SCSI_ASC_MEDIUM_NOT_PRESENT    0x3Au
#define SCSI_ASC_OP_CONDITIONS_CHANGED 0x3Fu
#define SCSI_ASC_UNRECOVERED_READ      0x11u
#define SCSI_ASC_WRITE_ERROR           0x0Cu

/* REPORT LUNS: 8-byte header then 8-byte entries (§8) */
#define SCSI_REPORT_LUNS_HDR        8u
#define SCSI_REPORT_LUNS_ENTRY      8u

#endif

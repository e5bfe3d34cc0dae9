/*
 * Hyper-V hypervisor wire formats and constants shared by the guest and the
 * simulated host: CPUID leaves and bits, synthetic MSRs, hypercall codes and
 * status codes, the SynIC message slot, event flags page, PostMessage and
 * SignalEvent input blocks, and the reference TSC page.
 *
 * Follows docs/protocols/vmbus.md §1 (detection, MSRs, hypercalls,
 * status codes) and §2 (SynIC, timers, reference TSC). Section numbers are
 * cited beside each group. All integers little-endian; structures packed and
 * size-asserted. VMBus channel messages and ring layouts are NOT here: see
 * include/hyperv/vmbus_wire.h.
 */
#ifndef KEEL_HYPERV_HV_WIRE_H
#define KEEL_HYPERV_HV_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define HV_PAGE_SIZE  4096u
#define HV_PAGE_SHIFT 12

/* ---- CPUID (§1.1) ---------------------------------------------------- */

#define HV_CPUID_FEATURES_HV_PRESENT_ECX (1u << 31)   /* CPUID.1:ECX[31] */

#define HV_CPUID_VENDOR_AND_MAX      0x40000000u
#define HV_CPUID_INTERFACE           0x40000001u
#define HV_CPUID_VERSION             0x40000002u
#define HV_CPUID_FEATURES            0x40000003u
#define HV_CPUID_ENLIGHTENMENT_INFO  0x40000004u
#define HV_CPUID_IMPLEMENT_LIMITS    0x40000005u
#define HV_CPUID_HARDWARE_FEATURES   0x40000006u
#define HV_CPUID_ISOLATION_CONFIG    0x4000000Cu

#define HV_CPUID_MIN_MAX_LEAF        0x40000005u   /* Linux HYPERV_CPUID_MIN */
#define HV_CPUID_MAX_MAX_LEAF        0x4000FFFFu

/* "Microsoft Hv" in EBX:ECX:EDX of 0x40000000 */
#define HV_CPUID_VENDOR_EBX 0x7263694Du   /* "Micr" */
#define HV_CPUID_VENDOR_ECX 0x666F736Fu   /* "osof" */
#define HV_CPUID_VENDOR_EDX 0x76482074u   /* "t Hv" */
/* "Hv#1" in EAX of 0x40000001 */
#define HV_CPUID_INTERFACE_HV1 0x31237648u

/* 0x40000003 EAX: privilege mask bits 0..31 (synthetic MSR access) */
#define HV_PRIV_VP_RUNTIME          (1u << 0)
#define HV_PRIV_TIME_REF_COUNT      (1u << 1)
#define HV_PRIV_SYNIC_REGS          (1u << 2)
#define HV_PRIV_SYNTIMER_REGS       (1u << 3)
#define HV_PRIV_INTR_CTRL_REGS      (1u << 4)
#define HV_PRIV_HYPERCALL_MSRS      (1u << 5)   /* mandatory */
#define HV_PRIV_VP_INDEX            (1u << 6)   /* mandatory for Linux */
#define HV_PRIV_RESET               (1u << 7)
#define HV_PRIV_STATS               (1u << 8)
#define HV_PRIV_REFERENCE_TSC       (1u << 9)
#define HV_PRIV_GUEST_IDLE          (1u << 10)
#define HV_PRIV_FREQUENCY_REGS      (1u << 11)
#define HV_PRIV_DEBUG_REGS          (1u << 12)
#define HV_PRIV_REENLIGHTENMENT     (1u << 13)

/* 0x40000003 EBX: privilege mask bits 32..63 (hypercall rights) */
#define HV_PRIV_EBX_POST_MESSAGES   (1u << 4)
#define HV_PRIV_EBX_SIGNAL_EVENTS   (1u << 5)

/* 0x40000003 EDX: feature flags */
#define HV_FEAT_EDX_XMM_FAST_INPUT     (1u << 4)
#define HV_FEAT_EDX_GUEST_IDLE         (1u << 5)
#define HV_FEAT_EDX_FREQUENCY_REGS     (1u << 8)
#define HV_FEAT_EDX_GUEST_CRASH_REGS   (1u << 10)
#define HV_FEAT_EDX_SINT_POLLING       (1u << 17)
#define HV_FEAT_EDX_HYPERCALL_MSR_LOCK (1u << 18)
#define HV_FEAT_EDX_DIRECT_STIMERS     (1u << 19)

/* 0x40000004 EAX: recommendations */
#define HV_REC_RELAXED_TIMING      (1u << 5)
#define HV_REC_DEPRECATE_AUTO_EOI  (1u << 9)

/* ---- Synthetic MSRs (§1.8, §1.2, §1.3, §2.1, §2.2, §2.6, §2.7) -------- */

#define HV_MSR_GUEST_OS_ID      0x40000000u
#define HV_MSR_HYPERCALL        0x40000001u
#define HV_MSR_VP_INDEX         0x40000002u
#define HV_MSR_RESET            0x40000003u
#define HV_MSR_VP_RUNTIME       0x40000010u
#define HV_MSR_TIME_REF_COUNT   0x40000020u
#define HV_MSR_REFERENCE_TSC    0x40000021u
#define HV_MSR_TSC_FREQUENCY    0x40000022u
#define HV_MSR_APIC_FREQUENCY   0x40000023u
#define HV_MSR_EOI              0x40000070u
#define HV_MSR_ICR              0x40000071u
#define HV_MSR_TPR              0x40000072u
#define HV_MSR_VP_ASSIST_PAGE   0x40000073u
#define HV_MSR_SCONTROL         0x40000080u
#define HV_MSR_SVERSION         0x40000081u
#define HV_MSR_SIEFP            0x40000082u
#define HV_MSR_SIMP             0x40000083u
#define HV_MSR_EOM              0x40000084u
#define HV_MSR_SIRBP            0x40000085u
#define HV_MSR_SINT0            0x40000090u
#define HV_MSR_SINT(n)          (HV_MSR_SINT0 + (uint32_t)(n))   /* n = 0..15 */
#define HV_MSR_SINT15           0x4000009Fu
#define HV_MSR_STIMER0_CONFIG   0x400000B0u
#define HV_MSR_STIMER0_COUNT    0x400000B1u
#define HV_MSR_STIMER_CONFIG(n) (HV_MSR_STIMER0_CONFIG + 2u * (uint32_t)(n))
#define HV_MSR_STIMER_COUNT(n)  (HV_MSR_STIMER0_COUNT + 2u * (uint32_t)(n))
#define HV_MSR_GUEST_IDLE       0x400000F0u
#define HV_MSR_CRASH_P0         0x40000100u
#define HV_MSR_CRASH_CTL        0x40000105u

/* HYPERCALL MSR (§1.3) */
#define HV_HYPERCALL_ENABLE     (1ull << 0)
#define HV_HYPERCALL_LOCKED     (1ull << 1)
#define HV_HYPERCALL_GPFN_SHIFT 12

/* SCONTROL, SIEFP, SIMP, REFERENCE_TSC: bit 0 enable, 63:12 GPFN (§2.1, §2.7) */
#define HV_SCONTROL_ENABLE      (1ull << 0)
#define HV_SYNIC_PAGE_ENABLE    (1ull << 0)
#define HV_SYNIC_PAGE_GPFN_SHIFT 12
#define HV_REFTSC_ENABLE        (1ull << 0)
#define HV_SYNIC_VERSION        1u        /* SVERSION reads 1 */

/* SINTx (§2.2) */
#define HV_SINT_VECTOR_MASK     0xFFull
#define HV_SINT_MASKED          (1ull << 16)
#define HV_SINT_AUTO_EOI        (1ull << 17)
#define HV_SINT_POLLING         (1ull << 18)
#define HV_SINT_COUNT           16
#define HV_SINT_VECTOR_MIN      16        /* vectors below 16 are rejected */

#define HV_VMBUS_SINT           2         /* VMBUS_MESSAGE_SINT (§2.2) */

/* STIMER config (§2.6) */
#define HV_STIMER_ENABLE        (1ull << 0)
#define HV_STIMER_PERIODIC      (1ull << 1)
#define HV_STIMER_LAZY          (1ull << 2)
#define HV_STIMER_AUTO_ENABLE   (1ull << 3)
#define HV_STIMER_VECTOR_SHIFT  4
#define HV_STIMER_VECTOR_MASK   (0xFFull << 4)
#define HV_STIMER_DIRECT_MODE   (1ull << 12)
#define HV_STIMER_SINT_SHIFT    16
#define HV_STIMER_SINT_MASK     (0xFull << 16)

/* Reference time unit: 100 ns (10 MHz) (§1.8, §2.7) */
#define HV_REFTIME_HZ           10000000ull
#define HV_REFTIME_NS_PER_TICK  100ull

/* ---- Hypercall ABI (§1.4, §1.5, §1.6) -------------------------------- */

#define HVCALL_POST_MESSAGE     0x005Cu
#define HVCALL_SIGNAL_EVENT     0x005Du
#define HVCALL_SIGNAL_EVENT_DIRECT 0x00C0u
#define HVCALL_POST_MESSAGE_DIRECT 0x00C1u

/* Input control value (RCX) */
#define HV_HYPERCALL_CODE_MASK      0xFFFFull
#define HV_HYPERCALL_FAST           (1ull << 16)
#define HV_HYPERCALL_VARHEAD_SHIFT  17
#define HV_HYPERCALL_VARHEAD_MASK   (0x3FFull << 17)
#define HV_HYPERCALL_NESTED         (1ull << 31)
#define HV_HYPERCALL_REP_COUNT_SHIFT 32
#define HV_HYPERCALL_REP_COUNT_MASK (0xFFFull << 32)
#define HV_HYPERCALL_REP_START_SHIFT 48
#define HV_HYPERCALL_REP_START_MASK (0xFFFull << 48)
/* Reserved bits that must be 0: 30:27, 47:44, 63:60 */
#define HV_HYPERCALL_RSVD_MASK      ((0xFull << 27) | (0xFull << 44) | (0xFull << 60))

/* Result value (RAX) */
#define HV_HYPERCALL_STATUS_MASK    0xFFFFull
#define HV_HYPERCALL_REPS_SHIFT     32

/* Status codes (§1.7). Note 0x13 (plural, queue full) vs 0x33 (singular). */
#define HV_STATUS_SUCCESS                    0x0000u
#define HV_STATUS_INVALID_HYPERCALL_CODE     0x0002u
#define HV_STATUS_INVALID_HYPERCALL_INPUT    0x0003u
#define HV_STATUS_INVALID_ALIGNMENT          0x0004u
#define HV_STATUS_INVALID_PARAMETER          0x0005u
#define HV_STATUS_ACCESS_DENIED              0x0006u
#define HV_STATUS_INVALID_PARTITION_STATE    0x0007u
#define HV_STATUS_OPERATION_DENIED           0x0008u
#define HV_STATUS_UNKNOWN_PROPERTY           0x0009u
#define HV_STATUS_PROPERTY_VALUE_OUT_OF_RANGE 0x000Au
#define HV_STATUS_INSUFFICIENT_MEMORY        0x000Bu
#define HV_STATUS_PARTITION_TOO_DEEP         0x000Cu
#define HV_STATUS_INVALID_PARTITION_ID       0x000Du
#define HV_STATUS_INVALID_VP_INDEX           0x000Eu
#define HV_STATUS_NOT_FOUND                  0x0010u
#define HV_STATUS_INVALID_PORT_ID            0x0011u
#define HV_STATUS_INVALID_CONNECTION_ID      0x0012u
#define HV_STATUS_INSUFFICIENT_BUFFERS       0x0013u
#define HV_STATUS_NOT_ACKNOWLEDGED           0x0014u
#define HV_STATUS_INVALID_VP_STATE           0x0015u
#define HV_STATUS_ACKNOWLEDGED               0x0016u
#define HV_STATUS_INVALID_SAVE_RESTORE_STATE 0x0017u
#define HV_STATUS_INVALID_SYNIC_STATE        0x0018u
#define HV_STATUS_OBJECT_IN_USE              0x0019u
#define HV_STATUS_INVALID_PROXIMITY_DOMAIN_INFO 0x001Au
#define HV_STATUS_NO_DATA                    0x001Bu
#define HV_STATUS_INACTIVE                   0x001Cu
#define HV_STATUS_NO_RESOURCES               0x001Du
#define HV_STATUS_FEATURE_UNAVAILABLE        0x001Eu
#define HV_STATUS_PARTIAL_PACKET             0x001Fu
#define HV_STATUS_PROCESSOR_FEATURE_NOT_SUPPORTED 0x0020u
#define HV_STATUS_INSUFFICIENT_BUFFER        0x0033u
#define HV_STATUS_INVALID_LP_INDEX           0x0041u
#define HV_STATUS_INVALID_REGISTER_VALUE     0x0050u
#define HV_STATUS_OPERATION_FAILED           0x0071u
#define HV_STATUS_TIME_OUT                   0x0078u
#define HV_STATUS_CALL_PENDING               0x0079u
#define HV_STATUS_VTL_ALREADY_ENABLED        0x0086u

/* ---- HvCallPostMessage input (§1.5) ----------------------------------- */

#define HV_MESSAGE_PAYLOAD_BYTES 240u      /* HV_MESSAGE_PAYLOAD_BYTE_COUNT */
#define HV_CONNECTION_ID_MASK    0x00FFFFFFu   /* 24-bit ids (§3.1, §9.3) */

struct hv_input_post_message {
	uint32_t connection_id;     /* bits 23:0 id; 31:24 reserved 0 */
	uint32_t reserved;
	uint32_t message_type;      /* non-zero, bit 31 clear; VMBus uses 1 */
	uint32_t payload_size;      /* 1..240 */
	uint8_t  payload[HV_MESSAGE_PAYLOAD_BYTES];
} __attribute__((packed));
_Static_assert(sizeof(struct hv_input_post_message) == 256, "post message input");
_Static_assert(offsetof(struct hv_input_post_message, payload) == 16, "payload at 16");

/* ---- HvCallSignalEvent input (§1.6) ----------------------------------- */

struct hv_input_signal_event {
	uint32_t connection_id;
	uint16_t flag_number;       /* 0 for VMBus */
	uint16_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct hv_input_signal_event) == 8, "signal event input");
/* Fast form: RDX = connection_id | ((u64)flag_number << 32). */

/* ---- SynIC message page (§2.3) ----------------------------------------- */

#define HV_MESSAGE_SLOT_SIZE  256u
#define HVMSG_NONE            0x00000000u
#define HVMSG_UNMAPPED_GPA    0x80000000u
#define HVMSG_GPA_INTERCEPT   0x80000001u
#define HVMSG_TIMER_EXPIRED   0x80000010u
#define HVMSG_INVALID_VP_REGISTER_VALUE 0x80000020u
#define HVMSG_UNRECOVERABLE_EXCEPTION   0x80000021u
#define HVMSG_UNSUPPORTED_FEATURE       0x80000022u
#define HVMSG_EVENTLOG_BUFFERCOMPLETE   0x80000040u
#define HV_MESSAGE_TYPE_HYPERVISOR_BIT  0x80000000u

#define HV_VMBUS_MESSAGE_TYPE 1u           /* MessageType of VMBus messages */

#define HV_MESSAGE_FLAG_PENDING 0x01u      /* MessageFlags bit 0 */

struct hv_message_header {
	uint32_t message_type;      /* 0 = slot empty */
	uint8_t  payload_size;      /* 0..240 */
	uint8_t  message_flags;     /* bit 0 MessagePending */
	uint16_t reserved;
	uint64_t sender;            /* partition id / port id; unused by VMBus */
} __attribute__((packed));
_Static_assert(sizeof(struct hv_message_header) == 16, "message header");

struct hv_message {
	struct hv_message_header header;
	uint8_t payload[HV_MESSAGE_PAYLOAD_BYTES];
} __attribute__((packed));
_Static_assert(sizeof(struct hv_message) == HV_MESSAGE_SLOT_SIZE, "message slot");
_Static_assert(offsetof(struct hv_message, header.payload_size) == 4, "payload size at 4");
_Static_assert(offsetof(struct hv_message, header.message_flags) == 5, "flags at 5");
_Static_assert(offsetof(struct hv_message, payload) == 16, "payload at 16");

/* The SIMP page: 16 slots, slot n for SINT n at n * 0x100 */
struct hv_message_page {
	struct hv_message sint_message[HV_SINT_COUNT];
} __attribute__((packed));
_Static_assert(sizeof(struct hv_message_page) == HV_PAGE_SIZE, "message page");

/* Timer expiry message payload (§2.6), MessageType HVMSG_TIMER_EXPIRED */
struct hv_timer_message_payload {
	uint32_t timer_index;
	uint32_t reserved;
	uint64_t expiration_time;   /* 100 ns reference time */
	uint64_t delivery_time;
} __attribute__((packed));
_Static_assert(sizeof(struct hv_timer_message_payload) == 24, "timer payload");

/* ---- SynIC event flags page (§2.5) ------------------------------------- */

#define HV_EVENT_FLAGS_BYTES  256u                  /* per SINT */
#define HV_EVENT_FLAGS_COUNT  (HV_EVENT_FLAGS_BYTES * 8u)   /* 2048 bits */

struct hv_synic_event_flags {
	uint64_t flags[HV_EVENT_FLAGS_BYTES / 8];    /* bit k in word k/64 */
} __attribute__((packed));
_Static_assert(sizeof(struct hv_synic_event_flags) == 256, "event flags");

struct hv_synic_event_flags_page {
	struct hv_synic_event_flags sintevent_flags[HV_SINT_COUNT];
} __attribute__((packed));
_Static_assert(sizeof(struct hv_synic_event_flags_page) == HV_PAGE_SIZE, "SIEF page");

/* ---- Reference TSC page (§2.7) ------------------------------------------ */

struct hv_reference_tsc_page {
	uint32_t tsc_sequence;      /* 0 = invalid: use TIME_REF_COUNT */
	uint32_t reserved1;
	uint64_t tsc_scale;         /* 64.64 fixed point */
	int64_t  tsc_offset;        /* 100 ns units */
	uint64_t timeline_bias;
	uint64_t tsc_multiplier;
	uint8_t  reserved2[HV_PAGE_SIZE - 40];
} __attribute__((packed));
_Static_assert(sizeof(struct hv_reference_tsc_page) == HV_PAGE_SIZE, "reference TSC page");
_Static_assert(offsetof(struct hv_reference_tsc_page, tsc_scale) == 8, "scale at 8");
_Static_assert(offsetof(struct hv_reference_tsc_page, tsc_offset) == 16, "offset at 16");

/* ---- Guest OS ID (§1.2) -------------------------------------------------- */

#define HV_GUEST_OS_ID_OPEN_SOURCE (1ull << 63)
#define HV_GUEST_OS_ID_TYPE_SHIFT  56
#define HV_GUEST_OS_ID_VERSION_SHIFT 16
/* The Gen2 firmware's value; a guest finding it still owns nothing (§1.2, §4.1). */
#define HV_GUEST_OS_ID_UEFI_FIRMWARE 0x0000010000000000ull

#endif

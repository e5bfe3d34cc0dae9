/*
 * The readable message log: every VMBus control message in both directions,
 * decoded (docs/protocols/vmbus.md §3: names and the fields that matter), with the
 * time since keel-host started.
 *
 *   guest -> host  taken from the HvCallPostMessage input block when the
 *                  guest's hypercall arrives (§1.5), with the status the
 *                  host library returned;
 *   host -> guest  read back from the SynIC message slot (SINT2 of the SIMP
 *                  page, §2.3) right after the host library delivered it:
 *                  only the host writes the payload, so it is stable.
 *
 * Both are copied out of guest memory before decoding (the guest may change
 * them under us) and never trusted: a short message just prints less.
 */
#include <stdarg.h>
#include <string.h>

#include "include/hyperv/echo_wire.h"
#include "include/hyperv/hv_wire.h"
#include "include/hyperv/vmbus_guids.h"
#include "include/hyperv/vmbus_wire.h"
#include "keelhost/keelhost.h"
#include "lib/guid.h"

void kh_log(struct keelhost *kh, const char *fmt, ...)
{
	uint64_t t = kh_mono_ns() - kh->start_ns;
	va_list ap;

	fprintf(kh->log, "[%5llu.%06llu] ", (unsigned long long)(t / 1000000000ull),
		(unsigned long long)(t / 1000 % 1000000));
	va_start(ap, fmt);
	vfprintf(kh->log, fmt, ap);
	va_end(ap);
	fputc('\n', kh->log);
	fflush(kh->log);
}

/* ---- decoding ---- */

static const struct {
	struct vmbus_guid g;
	const char *name;
} classes[] = {
	{ VMBUS_CLASS_STORAGE, "storvsc" }, { VMBUS_CLASS_NETWORK, "netvsc" },
	{ VMBUS_CLASS_IDE, "ide" }, { VMBUS_CLASS_SYNTHFC, "synthfc" },
	{ VMBUS_CLASS_VPCI, "vpci" }, { VMBUS_CLASS_HEARTBEAT, "heartbeat" },
	{ VMBUS_CLASS_SHUTDOWN, "shutdown" }, { VMBUS_CLASS_TIMESYNC, "timesync" },
	{ VMBUS_CLASS_KVP, "kvp" }, { VMBUS_CLASS_VSS, "vss" },
	{ VMBUS_CLASS_FCOPY, "fcopy" }, { VMBUS_CLASS_RDV, "rdv" },
	{ ECHO_CLASS_GUID_INIT, "echo" },
};

static const char *class_name(const struct vmbus_guid *g)
{
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (!memcmp(classes[i].g.b, g->b, 16))
			return classes[i].name;
	return "unknown";
}

static uint32_t u32(const uint8_t *p, uint32_t len, uint32_t off)
{
	uint32_t v = 0;

	if (off + 4 <= len)
		memcpy(&v, p + off, 4);
	return v;
}

static uint16_t u16(const uint8_t *p, uint32_t len, uint32_t off)
{
	uint16_t v = 0;

	if (off + 2 <= len)
		memcpy(&v, p + off, 2);
	return v;
}

typedef int (*fmt_fn)(char *b, size_t cap, const uint8_t *p, uint32_t len);

static int f_contact(char *b, size_t cap, const uint8_t *p, uint32_t len)
{
	uint32_t v = u32(p, len, 8);

	return snprintf(b, cap, "version %u.%u target_vcpu %u", VMBUS_VERSION_MAJOR(v),
			VMBUS_VERSION_MINOR(v), u32(p, len, 12));
}

static int f_version(char *b, size_t cap, const uint8_t *p, uint32_t len)
{
	return snprintf(b, cap, "%s connection_state %u msg_conn_id %u",
			len > 8 && p[8] ? "accepted" : "REFUSED (try lower)", len > 9 ? p[9] : 0,
			u32(p, len, 12));
}

static int f_offer(char *b, size_t cap, const uint8_t *p, uint32_t len)
{
	struct vmbus_guid cls = { { 0 } }, inst = { { 0 } };
	char gi[GUID_STR_LEN];

	if (len >= 40) {
		memcpy(cls.b, p + 8, 16);
		memcpy(inst.b, p + 24, 16);
	}
	return snprintf(b, cap, "relid %u %s instance %s sub %u conn_id %u", u32(p, len, 184),
			class_name(&cls), guid_format(&inst, gi), u16(p, len, 180),
			u32(p, len, 192));
}

static int f_relid(char *b, size_t cap, const uint8_t *p, uint32_t len)
{
	return snprintf(b, cap, "relid %u", u32(p, len, 8));
}

static int f_open(char *b, size_t cap, const uint8_t *p, uint32_t len)
{
	return snprintf(b, cap, "relid %u openid %u ring_gpadl %u target_vp %u "
			"downstream_page %u", u32(p, len, 8), u32(p, len, 12), u32(p, len, 16),
			u32(p, len, 20), u32(p, len, 24));
}

static int f_open_result(char *b, size_t cap, const uint8_t *p, uint32_t len)
{
	return snprintf(b, cap, "relid %u openid %u status 0x%x", u32(p, len, 8),
			u32(p, len, 12), u32(p, len, 16));
}

static int f_gpadl_header(char *b, size_t cap, const uint8_t *p, uint32_t len)
{
	return snprintf(b, cap, "relid %u gpadl %u ranges %u range_buflen %u bytes %u",
			u32(p, len, 8), u32(p, len, 12), u16(p, len, 18), u16(p, len, 16),
			u32(p, len, 20));
}

static int f_gpadl_body(char *b, size_t cap, const uint8_t *p, uint32_t len)
{
	return snprintf(b, cap, "gpadl %u pfns %u", u32(p, len, 12), len > 16 ? (len - 16) / 8 : 0);
}

static int f_gpadl_created(char *b, size_t cap, const uint8_t *p, uint32_t len)
{
	return snprintf(b, cap, "relid %u gpadl %u status 0x%x", u32(p, len, 8), u32(p, len, 12),
			u32(p, len, 16));
}

static int f_gpadl_teardown(char *b, size_t cap, const uint8_t *p, uint32_t len)
{
	return snprintf(b, cap, "relid %u gpadl %u", u32(p, len, 8), u32(p, len, 12));
}

static int f_gpadl_torndown(char *b, size_t cap, const uint8_t *p, uint32_t len)
{
	return snprintf(b, cap, "gpadl %u", u32(p, len, 8));
}

static int f_modify(char *b, size_t cap, const uint8_t *p, uint32_t len)
{
	return snprintf(b, cap, "relid %u target_vp/status %u", u32(p, len, 8), u32(p, len, 12));
}

static const fmt_fn formats[VMBUS_MSG_COUNT] = {
	[VMBUS_MSG_OFFERCHANNEL] = f_offer,
	[VMBUS_MSG_RESCIND_CHANNELOFFER] = f_relid,
	[VMBUS_MSG_OPENCHANNEL] = f_open,
	[VMBUS_MSG_OPENCHANNEL_RESULT] = f_open_result,
	[VMBUS_MSG_CLOSECHANNEL] = f_relid,
	[VMBUS_MSG_GPADL_HEADER] = f_gpadl_header,
	[VMBUS_MSG_GPADL_BODY] = f_gpadl_body,
	[VMBUS_MSG_GPADL_CREATED] = f_gpadl_created,
	[VMBUS_MSG_GPADL_TEARDOWN] = f_gpadl_teardown,
	[VMBUS_MSG_GPADL_TORNDOWN] = f_gpadl_torndown,
	[VMBUS_MSG_RELID_RELEASED] = f_relid,
	[VMBUS_MSG_INITIATE_CONTACT] = f_contact,
	[VMBUS_MSG_VERSION_RESPONSE] = f_version,
	[VMBUS_MSG_MODIFYCHANNEL] = f_modify,
	[VMBUS_MSG_MODIFYCHANNEL_RESPONSE] = f_modify,
};

static void log_msg(struct keelhost *kh, const char *dir, const uint8_t *p, uint32_t len,
		    const char *tail)
{
	char d[256] = "";
	uint32_t type = u32(p, len, 0);

	if (type < VMBUS_MSG_COUNT && formats[type])
		formats[type](d, sizeof(d), p, len);
	kh_log(kh, "%s %-22s %s (%u bytes)%s", dir, host_msgtype_name(type), d, len, tail);
}

static const char *const hv_status_names[] = {
	[HV_STATUS_INVALID_HYPERCALL_CODE] = "INVALID_HYPERCALL_CODE",
	[HV_STATUS_INVALID_HYPERCALL_INPUT] = "INVALID_HYPERCALL_INPUT",
	[HV_STATUS_INVALID_ALIGNMENT] = "INVALID_ALIGNMENT",
	[HV_STATUS_INVALID_PARAMETER] = "INVALID_PARAMETER",
	[HV_STATUS_ACCESS_DENIED] = "ACCESS_DENIED",
	[HV_STATUS_INVALID_CONNECTION_ID] = "INVALID_CONNECTION_ID",
	[HV_STATUS_INSUFFICIENT_BUFFERS] = "INSUFFICIENT_BUFFERS",
};

void kh_log_guest_post(struct keelhost *kh, uint64_t in_gpa, uint64_t result)
{
	struct hv_input_post_message in;
	const void *src = kh_ram_ptr(kh, in_gpa, sizeof(in));
	char tail[64] = "";
	uint32_t len;

	kh->msgs_in++;
	if (!src) {
		kh_log(kh, "guest -> host PostMessage with input 0x%llx outside guest RAM",
		       (unsigned long long)in_gpa);
		return;
	}
	memcpy(&in, src, sizeof(in));
	len = in.payload_size <= sizeof(in.payload) ? in.payload_size : sizeof(in.payload);
	if ((result & 0xFFFF) != HV_STATUS_SUCCESS)
		snprintf(tail, sizeof(tail), " -> status 0x%llx %s", (unsigned long long)(result & 0xFFFF),
			 (result & 0xFFFF) < sizeof(hv_status_names) / sizeof(hv_status_names[0]) &&
			 hv_status_names[result & 0xFFFF] ? hv_status_names[result & 0xFFFF] : "");
	log_msg(kh, "guest -> host", in.payload, len, tail);
}

void kh_log_host_deliver(struct keelhost *kh)
{
	struct hv_message m;
	const void *src;
	uint32_t len;

	kh->msgs_out++;
	src = kh->simp_gpa ? kh_ram_ptr(kh, kh->simp_gpa + HV_VMBUS_SINT * sizeof(m), sizeof(m))
			   : NULL;
	if (!src)
		return;
	memcpy(&m, src, sizeof(m));
	len = m.header.payload_size <= sizeof(m.payload) ? m.header.payload_size
							  : sizeof(m.payload);
	log_msg(kh, "host -> guest", m.payload, len, "");
}

/* Host library trace records: deliveries are decoded; violations, rescinds,
 * triggers always shown; the rest with -v. */
void kh_log_trace(struct keelhost *kh, int kind, uint32_t a, uint32_t b, uint64_t c)
{
	char buf[256];

	switch (kind) {
	case HT_DELIVER:
		kh_log_host_deliver(kh);
		return;
	case HT_VIOLATION: case HT_RESCIND: case HT_TRIGGER: case HT_HCALL_FAIL:
		break;
	default:
		if (kh->verbose < 1)
			return;
	}
	host_trace_format(buf, sizeof(buf), kind, a, b, c);
	kh_log(kh, "host: %s", buf);
}

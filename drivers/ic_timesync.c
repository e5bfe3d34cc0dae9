/*
 * The time-sync IC (docs/protocols/ic.md "Time sync"): the host sends its
 * UTC clock (100 ns units since 1601) with a SYNC flag after boot and
 * resume (a hard request: step the clock) and SAMPLE every few seconds.
 *
 * From message version 4.0 the host also sends the partition reference
 * time (10 MHz) at which it read its clock; the message may sit in the
 * ring a while, so the clock is set to parent + (reference now -
 * reference then), as Linux's hv_get_adj_host_time does. Before 4.0 there
 * is no such field and no correction.
 *
 *   SYNC   -> step the wall clock (logged)
 *   SAMPLE -> step only when the clock was never set or is off by more
 *             than IC_TS_SAMPLE_STEP_NS (a host that omits SYNC on resume)
 *   neither -> a probe: answered, not used
 * A time before 1970, or a step backwards by more than a year, is refused.
 */
#include <errno.h>
#include <string.h>

#include "drivers/ic.h"
#include "include/hyperv/hv_wire.h"
#include "include/hyperv/vmbus_guids.h"
#include "kernel/log.h"
#include "kernel/platform.h"
#include "kernel/wallclock.h"
#include "vmbus/vmbus.h"

#define IC_TS_SAMPLE_STEP_NS (5ull * 1000000000ull)
#define IC_TS_MAX_BACK_NS (366ull * 86400ull * 1000000000ull)

static const struct ic_version ts_versions[] = {
	IC_VER(4, 0), IC_VER(3, 0), IC_VER(1, 0),
};

/* One sample as the service reads it, whatever the message version. */
struct ts_sample {
	uint64_t parent;        /* host UTC, 100 ns since 1601 */
	uint64_t ref;           /* reference time at the host's read (v4), else 0 */
	bool has_ref;
	uint8_t flags;
};

/* Body -> sample by the negotiated layout; -EINVAL when too short. */
static int ts_parse(const struct ic_version *msg, const uint8_t *body, uint32_t len,
		    struct ts_sample *s)
{
	memset(s, 0, sizeof(*s));
	if (msg->major >= 4) {
		struct ic_timesync_v4 m;

		if (len < sizeof(m))
			return -EINVAL;
		memcpy(&m, body, sizeof(m));
		s->parent = m.parent_time;
		s->ref = m.vm_ref_time;
		s->has_ref = true;
		s->flags = m.flags;
		return 0;
	}
	struct ic_timesync_v1 m;

	if (len < sizeof(m))
		return -EINVAL;
	memcpy(&m, body, sizeof(m));
	s->parent = m.parent_time;
	s->flags = m.flags;
	return 0;
}

/*
 * The sample's host time now, in Unix ns, given the reference counter now.
 * -EINVAL for a time before 1970 or a reference time in the future.
 */
static int ts_host_now(const struct ts_sample *s, uint64_t ref_now, uint64_t *unix_ns)
{
	uint64_t t;

	if (s->parent < IC_TS_1601_TO_1970)
		return -EINVAL;
	t = s->parent - IC_TS_1601_TO_1970;
	if (s->has_ref) {
		if (s->ref > ref_now)
			return -EINVAL;
		t += ref_now - s->ref;
	}
	if (t > UINT64_MAX / 100)
		return -EINVAL;
	*unix_ns = t * 100;
	return 0;
}

/* The step is logged in seconds since 1970 (UTC): wallclock_format would
 * give the date, at a cost keel.efi's size budget does not allow here. */
static void ts_apply(const struct ts_sample *s, uint64_t host_ns)
{
	uint64_t now = wallclock_now();
	bool valid = wallclock_valid();
	uint64_t diff = host_ns > now ? host_ns - now : now - host_ns;
	unsigned long long sec = host_ns / 1000000000ull;
	unsigned ms = (unsigned)(host_ns / 1000000ull % 1000);

	if (!(s->flags & IC_TS_SYNC) && valid && diff <= IC_TS_SAMPLE_STEP_NS)
		return;
	if (valid && host_ns + IC_TS_MAX_BACK_NS < now) {
		pr_warn("ic: timesync: %llu s refused\n", sec);
		return;
	}
	wallclock_set(host_ns);
	pr_info("ic: timesync: clock set to %llu.%03u UTC (%s)\n", sec, ms,
		s->flags & IC_TS_SYNC ? "sync" : "sample");
}

static int64_t ts_handle(struct ic_dev *ic, uint8_t *body, uint32_t len, uint32_t *out_len)
{
	struct ts_sample s;
	uint64_t host_ns;

	*out_len = len;
	if (ts_parse(&ic->msg, body, len, &s))
		return -EINVAL;
	if (!(s.flags & (IC_TS_SYNC | IC_TS_SAMPLE)))
		return IC_S_OK;               /* a probe: answered, nothing to apply */
	if (ts_host_now(&s, plat_rdmsr(HV_MSR_TIME_REF_COUNT), &host_ns))
		return -EINVAL;
	ts_apply(&s, host_ns);
	return IC_S_OK;
}

static const struct ic_service ic_timesync = {
	.name = "timesync",
	.msg_type = IC_MSG_TIMESYNC,
	.versions = ts_versions,
	.nversions = 3,
	.handle = ts_handle,
};

static int ts_probe(struct vmbus_device *dev)
{
	return ic_probe(dev, &ic_timesync, NULL);
}

const struct vmbus_driver ic_timesync_driver = {
	.class_id = VMBUS_CLASS_TIMESYNC,
	.name = "timesync",
	.probe = ts_probe,
	.remove = ic_remove,
};

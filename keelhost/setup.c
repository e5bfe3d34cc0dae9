/*
 * keel-host's host library instance: the profile, devices, triggers and
 * timed actions of a scenario (docs/scenarios.md, parsed by sim/scenario.c,
 * the one parser), or the devices given on the command line.
 *
 * Differences from keelsim, because the guest is a real machine here:
 *   - time is real: `at T` counts from the guest's ready signal (the moment
 *     the transport came up), not from a virtual zero;
 *   - `guest-switch` lines travel to the guest in the mailbox
 *     (include/keelhost/mailbox.h) and Keel applies them at boot;
 *   - only host-side expectations can be checked here (opened, released,
 *     echoes, subchannels, version, connected, unloaded, violation,
 *     triggered, masked-signals); guest-side ones (ready, devices, dropped,
 *     deadlock, quiescent) are left to the boot test, which reads the
 *     guest's serial log, and are listed as such.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keelhost/keelhost.h"

static int add_device(struct keelhost *kh, const char *type, const char *name)
{
	int di = host_device_add(kh->h, type, name);

	if (di < 0)
		kh_log(kh, "keel-host: device %s: unknown type %s", name, type);
	return di;
}

/* The integration services every Hyper-V guest gets (host/ic_host*.c), as
 * the control socket (keelhost/control.c) drives them; time sync sends the
 * real clock every 5 s for as long as the guest runs. */
static int setup_ic_devices(struct keelhost *kh)
{
	static const char *const ics[] = { "heartbeat", "shutdown", "timesync", "kvp" };

	for (size_t i = 0; i < sizeof(ics) / sizeof(ics[0]); i++)
		if (add_device(kh, ics[i], ics[i]) < 0)
			return -EINVAL;
	return host_device_param(kh->h, host_device_find(kh->h, "timesync"), "samples",
				 "2000000000");
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* --nvme IMAGE: a vPCI bus of its own with one NVMe controller
 * (host/nvme_host*.c) whose namespace is the image file itself, so the
 * guest's writes reach it; msix=5 grants an admin vector and four I/O
 * queue pairs with one each (docs/scenarios.md "NVMe controller"). */
static int setup_nvme(struct keelhost *kh, int i)
{
	static const char *const keys[][2] = { { "nvme", "yes" }, { "msix", "5" } };
	char name[16];
	int di;

	snprintf(name, sizeof(name), "nvme%d", i);
	di = add_device(kh, "vpci", name);
	if (di < 0)
		return di;
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		if (host_device_param(kh->h, di, keys[k][0], keys[k][1]) < 0)
			return -EINVAL;
	/* the store opens when the guest first enables the controller: say
	 * now, not then, that the file cannot be used */
	errno = 0;
	if (access(kh->nvmes[i], R_OK | W_OK) < 0 ||
	    host_device_param(kh->h, di, "file", kh->nvmes[i]) < 0) {
		kh_log(kh, "keel-host: %s: cannot use %s: %s", name, kh->nvmes[i],
		       strerror(errno ? errno : EINVAL));
		return -EINVAL;
	}
	kh_log(kh, "keel-host: device %s: vpci, NVMe namespace image %s", name,
	       base_name(kh->nvmes[i]));
	return 0;
}

/* --vpci DUMP: a vPCI bus of its own with one function whose config space
 * is a real device's, from an `lspci -xxxx` dump with `# barN SIZE` lines
 * (host/vpci_host_dump.c; test-images/pci/ has some). Keel lists it at
 * ready; no driver binds unless the IDs match one of Keel's. */
static int setup_vpci(struct keelhost *kh, int i)
{
	char name[16];
	int di;

	snprintf(name, sizeof(name), "pci%d", i);
	di = add_device(kh, "vpci", name);
	if (di < 0)
		return di;
	errno = 0;
	if (access(kh->vpcis[i], R_OK) < 0 || host_device_param(kh->h, di, "dump", kh->vpcis[i]) < 0) {
		kh_log(kh, "keel-host: %s: cannot use %s: %s", name, kh->vpcis[i],
		       strerror(errno ? errno : EINVAL));
		return -EINVAL;
	}
	kh_log(kh, "keel-host: device %s: vpci, function from %s", name, base_name(kh->vpcis[i]));
	return 0;
}

static int setup_cmdline_devices(struct keelhost *kh)
{
	char name[16];

	for (int i = 0; i < kh->ndisks; i++) {
		int di;

		snprintf(name, sizeof(name), "disk%d", i);
		di = add_device(kh, "storage", name);
		if (di < 0)
			return di;
		/* the image is the file itself: the guest's writes reach it */
		if (host_device_param(kh->h, di, "image", kh->disks[i]) < 0) {
			kh_log(kh, "keel-host: disk %s: cannot use %s", name, kh->disks[i]);
			return -EINVAL;
		}
		kh_log(kh, "keel-host: device %s: storage, image %s", name,
		       base_name(kh->disks[i]));
	}
	for (int i = 0; i < kh->nnvmes; i++)
		if (setup_nvme(kh, i) < 0)
			return -EINVAL;
	for (int i = 0; i < kh->nvpcis; i++)
		if (setup_vpci(kh, i) < 0)
			return -EINVAL;
	for (int i = 0; i < kh->nechoes; i++) {
		snprintf(name, sizeof(name), "echo%d", i);
		if (add_device(kh, "echo", name) < 0)
			return -EINVAL;
	}
	return setup_ic_devices(kh);
}

static int setup_scenario(struct keelhost *kh)
{
	const struct sim_scenario *sc = kh->sc;

	char why[160];

	if (sim_scenario_apply(sc, kh->h, kh->devidx, kh->trig_index, why, sizeof(why)) < 0) {
		kh_log(kh, "keel-host: %s", why);
		return -EINVAL;
	}
	if (strcmp(sc->guest, "keel"))
		kh_log(kh, "keel-host: `guest %s` ignored: the guest is the real Keel", sc->guest);
	if (sc->nguest_switches > KH_MAX_SWITCHES) {
		kh_log(kh, "keel-host: more than %d guest switches", KH_MAX_SWITCHES);
		return -EINVAL;
	}
	for (int i = 0; i < sc->nguest_switches; i++)
		snprintf(kh->mb->switches[i], KH_SWITCH_LEN, "%s", sc->guest_switch[i]);
	kh->mb->nswitches = (uint32_t)sc->nguest_switches;
	return 0;
}

/* The host_env callbacks live in loop.c; this builds the instance. */
extern const struct host_env *kh_host_env(struct keelhost *kh);

int kh_setup_host(struct keelhost *kh)
{
	const char *pname = kh->sc ? kh->sc->profile : kh->profile;
	const struct host_profile *base = host_profile_find(pname);

	if (!base) {
		kh_log(kh, "keel-host: unknown host profile %s", pname);
		return -EINVAL;
	}
	kh->prof = malloc(host_profile_size());
	if (!kh->prof)
		return -ENOMEM;
	memcpy(kh->prof, base, host_profile_size());
	for (int i = 0; kh->sc && i < kh->sc->nswitches; i++)
		if (host_profile_switch(kh->prof, kh->sc->sw_keys[i], kh->sc->sw_vals[i]) < 0) {
			kh_log(kh, "keel-host: bad switch %s %s", kh->sc->sw_keys[i],
			       kh->sc->sw_vals[i]);
			return -EINVAL;
		}
	kh->h = host_create(kh_host_env(kh), kh->prof);
	if (!kh->h)
		return -ENOMEM;
	kh_log(kh, "keel-host: host profile %s%s%s", pname, kh->sc ? ", scenario " : "",
	       kh->sc ? kh->sc->file : "");
	return kh->sc ? setup_scenario(kh) : setup_cmdline_devices(kh);
}

/* ---- timed actions (real time since the guest's ready signal) ---- */

void kh_run_actions(struct keelhost *kh, uint64_t now)
{
	const struct sim_scenario *sc = kh->sc;

	if (!sc || kh->state != KH_SERVING)
		return;
	for (int i = 0; i < sc->nacts; i++) {
		const struct sim_action *a = &sc->acts[i];
		int di = a->dev[0] ? host_device_find(kh->h, a->dev) : -1;

		if (kh->acted[i] || a->at > now)
			continue;
		kh->acted[i] = true;
		switch (a->kind) {
		case SA_OFFER:
			kh_log(kh, "scenario: offer %s", a->dev);
			host_offer(kh->h, di);
			break;
		case SA_RESCIND:
			kh_log(kh, "scenario: rescind %s%s", a->dev,
			       a->subidx >= 0 ? " (one channel)" : "");
			host_rescind(kh->h, di, a->subidx);
			break;
		case SA_UNLOAD:
			/* keelsim asks its in-process guest to unload; a real guest
			 * cannot be asked from here. */
			kh_log(kh, "scenario: `unload` needs the guest's cooperation: skipped");
			break;
		case SA_MALFORMED:
			kh_log(kh, "scenario: malformed %s", a->arg);
			host_inject_malformed(kh->h, a->arg);
			break;
		case SA_IBUF:
			kh_log(kh, "scenario: next %llu posts get INSUFFICIENT_BUFFERS",
			       (unsigned long long)a->num);
			host_set_insufficient_buffers(kh->h, (uint32_t)a->num);
			break;
		case SA_POST_FAIL:
			kh_log(kh, "scenario: posts fail %llu/1000", (unsigned long long)a->num);
			host_set_post_fail_permille(kh->h, (unsigned)a->num);
			break;
		}
	}
}

uint64_t kh_next_action(const struct keelhost *kh)
{
	uint64_t t = 0;

	for (int i = 0; kh->sc && i < kh->sc->nacts; i++)
		if (!kh->acted[i] && (!t || kh->sc->acts[i].at < t))
			t = kh->sc->acts[i].at ? kh->sc->acts[i].at : 1;
	return t;
}

/* ---- expectations ---- */

static int dev_index(const struct keelhost *kh, const char *name)
{
	for (int i = 0; i < kh->sc->ndevs; i++)
		if (!strcmp(kh->sc->devs[i].name, name))
			return kh->devidx[i];
	return -1;
}

static uint64_t dev_sum(struct keelhost *kh, int di, int what, bool subs_only)
{
	uint64_t s = 0;
	int nsub = (int)host_chan_query(kh->h, di, 0, HQ_SUBCHANNELS);

	for (int k = subs_only ? 1 : 0; k <= nsub; k++) {
		int64_t v = host_chan_query(kh->h, di, k, what);

		if (v > 0)
			s += (uint64_t)v;
	}
	return s;
}

/* One expectation: 1 failed, 0 held, -1 not checkable here. */
static int check_one(struct keelhost *kh, const struct sim_expect *e, char *why, size_t cap)
{
	int di = e->dev[0] ? dev_index(kh, e->dev) : -1;
	uint64_t v;

	switch (e->kind) {
	case SE_HOST_COUNTER:
		v = 0;
		if (di < 0 || host_device_counter(kh->h, di, e->text, &v) < 0) {
			snprintf(why, cap, "%s has no counter '%s'", e->dev, e->text);
			return 1;
		}
		snprintf(why, cap, "%s %s = %llu (>= %llu)", e->dev, e->text,
			 (unsigned long long)v, (unsigned long long)e->num);
		return v < e->num;
	case SE_RELEASED:
		v = (uint64_t)host_chan_query(kh->h, di, 0, HQ_RELEASES);
		snprintf(why, cap, "%s released %llu times (>= %llu)", e->dev,
			 (unsigned long long)v, (unsigned long long)e->num);
		return di < 0 || v < e->num;
	case SE_OPENED:
		v = (uint64_t)host_chan_query(kh->h, di, 0, HQ_OPENS);
		snprintf(why, cap, "%s opened %llu times (>= %llu)", e->dev,
			 (unsigned long long)v, (unsigned long long)e->num);
		return di < 0 || v < e->num;
	case SE_ECHOES:
		v = di < 0 ? 0 : dev_sum(kh, di, HQ_PACKETS, false);
		snprintf(why, cap, "%s served %llu packets (>= %llu)", e->dev,
			 (unsigned long long)v, (unsigned long long)e->num);
		return di < 0 || v < e->num;
	case SE_SUBCHANNELS:
		v = (uint64_t)host_chan_query(kh->h, di, 0, HQ_SUBCHANNELS);
		snprintf(why, cap, "%s has %llu sub-channels (== %llu)", e->dev,
			 (unsigned long long)v, (unsigned long long)e->num);
		return di < 0 || v != e->num;
	case SE_SUBCHANNELS_OPEN:
		v = di < 0 ? 0 : dev_sum(kh, di, HQ_OPENS, true);
		snprintf(why, cap, "%s sub-channel opens %llu (>= %llu)", e->dev,
			 (unsigned long long)v, (unsigned long long)e->num);
		return di < 0 || v < e->num;
	case SE_MASKED_SIGNALS:
		v = di < 0 ? 0 : dev_sum(kh, di, HQ_MASKED_SIGNALS, false);
		snprintf(why, cap, "%s masked signals %llu (<= %llu)", e->dev,
			 (unsigned long long)v, (unsigned long long)e->num);
		return di < 0 || v > e->num;
	case SE_VERSION:
		snprintf(why, cap, "version %u.%u (expected %llu.%llu)",
			 VMBUS_VERSION_MAJOR(host_version(kh->h)),
			 VMBUS_VERSION_MINOR(host_version(kh->h)),
			 (unsigned long long)(e->num >> 16), (unsigned long long)(e->num & 0xFFFF));
		return host_version(kh->h) != e->num;
	case SE_CONNECTED:
		snprintf(why, cap, "connected: %s", host_connected(kh->h) ? "yes" : "no");
		return !host_connected(kh->h);
	case SE_UNLOADED:
		snprintf(why, cap, "unloaded: %s", host_unloaded(kh->h) ? "yes" : "no");
		return !host_unloaded(kh->h);
	case SE_VIOLATION:
		snprintf(why, cap, "violation: %s", host_violation(kh->h) ? host_violation(kh->h)
									   : "none");
		return !host_violation(kh->h) ||
		       (e->text[0] && !strstr(host_violation(kh->h), e->text));
	case SE_TRIGGERED:
		for (int i = 0; i < kh->sc->ntrigs; i++)
			if (!host_trigger_fired(kh->h, kh->trig_index[i])) {
				snprintf(why, cap, "trigger #%d (on %s %s) never fired", i + 1,
					 host_msgtype_name(kh->sc->trigs[i].key),
					 kh->sc->trigs[i].dev);
				return 1;
			}
		snprintf(why, cap, "every trigger fired");
		return 0;
	default:
		snprintf(why, cap, "guest-side expectation: checked from the serial log");
		return -1;
	}
}

int kh_check_expectations(struct keelhost *kh)
{
	int fails = 0;
	bool want_violation = false;
	char why[256];

	for (int i = 0; kh->sc && i < kh->sc->nexps; i++)
		if (kh->sc->exps[i].kind == SE_VIOLATION)
			want_violation = true;
	if (host_violation(kh->h) && !want_violation) {
		char recent[2048];

		host_recent_guest_msgs(kh->h, recent, sizeof(recent));
		kh_log(kh, "FAIL host-side violation: %s\n recent guest messages:\n%s",
		       host_violation(kh->h), recent);
		fails++;
	}
	/* The guest powered off wherever it was: state left behind is a note,
	 * not a failure (unlike keelsim, whose runs end at rest). */
	if (host_check_final(kh->h, why, sizeof(why)) < 0 && !want_violation)
		kh_log(kh, "note: at power-off: %s", why);
	for (int i = 0; kh->sc && i < kh->sc->nexps; i++) {
		const struct sim_expect *e = &kh->sc->exps[i];
		int r = check_one(kh, e, why, sizeof(why));

		kh_log(kh, "%s line %d: %s", r < 0 ? "SKIP" : r ? "FAIL" : "PASS", e->line, why);
		fails += r > 0;
	}
	return fails;
}

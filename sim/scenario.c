/*
 * The scenario parser: a line-based text format, one statement per line,
 * '#' starts a comment. The format, every keyword and a full example are in
 * docs/scenarios.md; keep the two in step.
 *
 * `param NAME v1 v2 ...` (or `param NAME A..B`) lines make a file a family:
 * the file is parsed once per combination of parameter values with $NAME
 * replaced by the value, and every variant runs over every seed.
 */
#define _DEFAULT_SOURCE 1   /* strdup, strcasecmp */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim/sim.h"

#define MAX_LINES  1024
#define MAX_VALUES 256
#define MAX_VARIANTS 4096

struct param {
	char name[32];
	char values[MAX_VALUES][32];
	int nvalues;
};

struct ctx {
	const char *path;
	int line;
	struct sim_scenario *sc;
	const bool *quoted;      /* per word of the current line: was it "..." */
};

static int err(struct ctx *c, const char *fmt, const char *arg)
{
	fprintf(stderr, "%s:%d: ", c->path, c->line);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	return -1;
}

/* ---- small parsers ---- */

static int parse_time(const char *s, uint64_t *out)
{
	return host_parse_ns(s, out);
}

static int parse_num(const char *s, uint64_t *out)
{
	char *end;

	if (!*s)
		return -1;
	*out = strtoull(s, &end, 0);
	return *end ? -1 : 0;
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);

	if (end == s)
		return -1;
	if (!strcasecmp(end, "k"))
		v <<= 10;
	else if (!strcasecmp(end, "m"))
		v <<= 20;
	else if (!strcasecmp(end, "g"))
		v <<= 30;
	else if (*end)
		return -1;
	*out = v;
	return 0;
}

static int parse_version(const char *s, uint64_t *out)
{
	unsigned maj, min;

	if (sscanf(s, "%u.%u", &maj, &min) != 2)
		return -1;
	*out = VMBUS_VERSION(maj, min);
	return 0;
}

/* A sub-channel index: 0 (the primary) .. 64. */
static int parse_subidx(struct ctx *c, const char *s, int *sub)
{
	uint64_t v;

	if (parse_num(s, &v) < 0 || v > 64)
		return err(c, "bad sub-channel index '%s' (0..64)", s);
	*sub = (int)v;
	return 0;
}

/* "e3" or "e3.2" -> name, sub (-1 when no sub) */
static int split_dev(struct ctx *c, const char *s, char *name, size_t cap, int *sub)
{
	const char *dot = strchr(s, '.');

	*sub = -1;
	if (!dot) {
		snprintf(name, cap, "%s", s);
		return 0;
	}
	snprintf(name, cap, "%.*s", (int)(dot - s), s);
	return parse_subidx(c, dot + 1, sub);
}

static const struct { const char *name; uint32_t key; } trig_keys[] = {
	{ "INITIATE_CONTACT", VMBUS_MSG_INITIATE_CONTACT },
	{ "REQUESTOFFERS", VMBUS_MSG_REQUESTOFFERS },
	{ "GPADL_HEADER", VMBUS_MSG_GPADL_HEADER },
	{ "GPADL_BODY", VMBUS_MSG_GPADL_BODY },
	{ "GPADL_TEARDOWN", VMBUS_MSG_GPADL_TEARDOWN },
	{ "OPENCHANNEL", VMBUS_MSG_OPENCHANNEL },
	{ "CLOSECHANNEL", VMBUS_MSG_CLOSECHANNEL },
	{ "RELID_RELEASED", VMBUS_MSG_RELID_RELEASED },
	{ "UNLOAD", VMBUS_MSG_UNLOAD },
	{ "MODIFYCHANNEL", VMBUS_MSG_MODIFYCHANNEL },
	{ "packet", HOST_STEP_PACKET },
	{ "subchannels", HOST_STEP_SUBCHANNELS },
};

static const struct { const char *name; int action; bool has_arg; } trig_actions[] = {
	{ "rescind", HTA_RESCIND, false },
	{ "delay", HTA_DELAY, true },
	{ "drop", HTA_DROP, false },
	{ "duplicate", HTA_DUPLICATE, false },
	{ "status", HTA_STATUS, true },
	{ "never-answer", HTA_NEVER_ANSWER, false },
	{ "offer-subchannels", HTA_OFFER_SUBCHANNELS, true },
	{ "offer", HTA_OFFER, true },
	{ "rescind-after", HTA_RESCIND_AFTER, true },
};

static const struct { const char *name; int kind; int nargs; } expect_kinds[] = {
	{ "ready", SE_READY, 1 },
	{ "not-ready", SE_NOT_READY, 1 },
	{ "released", SE_RELEASED, 1 },
	{ "opened", SE_OPENED, 1 },
	{ "echoes", SE_ECHOES, 2 },
	{ "subchannels", SE_SUBCHANNELS, 2 },
	{ "subchannels-open", SE_SUBCHANNELS_OPEN, 2 },
	{ "version", SE_VERSION, 1 },
	{ "connected", SE_CONNECTED, 0 },
	{ "unloaded", SE_UNLOADED, 0 },
	{ "deadlock", SE_DEADLOCK, 0 },
	{ "violation", SE_VIOLATION, 0 },
	{ "dropped", SE_DROPPED, 1 },
	{ "devices", SE_DEVICES, 1 },
	{ "quiescent", SE_QUIESCENT, 0 },
	{ "triggered", SE_TRIGGERED, 0 },
	{ "masked-signals", SE_MASKED_SIGNALS, 2 },
	{ "no-hang", SE_NO_HANG, 0 },
	{ "no-violation", SE_NO_VIOLATION, 0 },
	{ "baseline", SE_BASELINE, 0 },
	{ "host", SE_HOST_COUNTER, 3 },
	{ "log", SE_LOG, 1 },
	{ "power-off", SE_POWER_OFF, 0 },
	{ "reset", SE_RESET, 0 },
	{ "pci", SE_PCI, 0 },
	{ "no-pci", SE_NO_PCI, 0 },
};

/* ---- statements ---- */

static int dev_find(const struct sim_scenario *sc, const char *name)
{
	for (int i = 0; i < sc->ndevs; i++)
		if (!strcmp(sc->devs[i].name, name))
			return i;
	return -1;
}

/* "unknown device type 'disk' (known: echo, storage, ...)": the host's table */
static int err_type(struct ctx *c, const char *type)
{
	char types[512], msg[640];

	host_device_types(types, sizeof(types));
	snprintf(msg, sizeof(msg), "unknown device type '%s' (known: %s)", type, types);
	return err(c, "%s", msg);
}

/* A key the type does not take, with the keys it does take. */
static int err_key(struct ctx *c, const char *type, const char *name, const char *key)
{
	char keys[768], msg[1024];

	host_device_keys(type, keys, sizeof(keys));
	snprintf(msg, sizeof(msg), "device %s '%s': unknown parameter '%s' (known: %s)", type,
		 name, key, keys);
	return err(c, "%s", msg);
}

/*
 * Set the device's parameters, in order, on a device of a scratch host,
 * as every run will: the device host's own parser judges each value and
 * checks the files a value names, so a mistake is reported once, here, with
 * this line, and not as a failure of every seed. Nothing runs on the host.
 */
static int dev_check(struct ctx *c, const struct sim_devspec *d, const char *name)
{
	static const struct host_env env;       /* no callbacks: nothing runs */
	struct host *h = host_create(&env, host_profile_find(c->sc->profile));
	char msg[320];
	int di, r = 0;

	if (!h)
		return err(c, "out of memory checking device '%s'", name);
	di = host_device_add(h, d->type, name);
	if (di < 0) {
		snprintf(msg, sizeof(msg), "device %s '%s': cannot create it: %s", d->type, name,
			 strerror(-di));
		goto fail;
	}
	for (int k = 0; k < d->nparams; k++) {
		r = host_device_param(h, di, d->keys[k], d->vals[k]);
		if (r == -EINVAL)
			snprintf(msg, sizeof(msg), "device %s '%s': bad value '%s' for parameter '%s'",
				 d->type, name, d->vals[k], d->keys[k]);
		else if (r < 0)                 /* a file the value names */
			snprintf(msg, sizeof(msg), "device %s '%s': %s '%s': %s", d->type, name,
				 d->keys[k], d->vals[k], strerror(-r));
		if (r < 0)
			goto fail;
	}
	host_destroy(h);
	return 0;
fail:
	host_destroy(h);
	return err(c, "%s", msg);
}

static int st_device(struct ctx *c, char **t, int n)
{
	struct sim_scenario *sc = c->sc;
	uint64_t count = 0;
	struct sim_devspec base;

	if (n < 3)
		return err(c, "usage: device TYPE NAME [count=N] [key=value...]%s", "");
	if (!host_device_type_valid(t[1]))
		return err_type(c, t[1]);
	if (strchr(t[2], '.') || strchr(t[2], '=') || !strcmp(t[2], "*") || !strcmp(t[2], "all") ||
	    strlen(t[2]) > 24)
		return err(c, "bad device name '%s' (no '.' or '=', not '*' or 'all', "
			   "at most 24 characters)", t[2]);
	memset(&base, 0, sizeof(base));
	snprintf(base.type, sizeof(base.type), "%s", t[1]);
	for (int i = 3; i < n; i++) {
		char *eq = strchr(t[i], '=');

		if (!eq)
			return err(c, "device parameter '%s' is not key=value", t[i]);
		*eq = 0;
		if (!strcmp(t[i], "count")) {
			if (parse_num(eq + 1, &count) < 0 || count == 0 || count > SIM_MAX_DEVS)
				return err(c, "bad count '%s'", eq + 1);
			continue;
		}
		if (!host_device_key_valid(t[1], t[i]))
			return err_key(c, t[1], t[2], t[i]);
		if (base.nparams >= SIM_MAX_DEV_PARAMS)
			return err(c, "too many device parameters%s", "");
		snprintf(base.keys[base.nparams], 24, "%s", t[i]);
		if (strlen(eq + 1) >= sizeof(base.vals[0]))
			return err(c, "device parameter value '%s' too long", eq + 1);
		snprintf(base.vals[base.nparams], sizeof(base.vals[0]), "%s", eq + 1);
		base.nparams++;
	}
	if (dev_check(c, &base, t[2]) < 0)
		return -1;
	for (uint64_t k = 0; k < (count ? count : 1); k++) {
		struct sim_devspec *d = &sc->devs[sc->ndevs];

		if (sc->ndevs >= SIM_MAX_DEVS)
			return err(c, "more than %s devices", "128");
		*d = base;
		if (count)
			snprintf(d->name, sizeof(d->name), "%.24s%llu", t[2], (unsigned long long)k);
		else
			snprintf(d->name, sizeof(d->name), "%s", t[2]);
		if (dev_find(sc, d->name) >= 0)
			return err(c, "device '%s' is declared twice", d->name);
		sc->ndevs++;
	}
	return 0;
}

/*
 * "offers gen2-default [KEY=VALUE...]": the device list of a Generation 2
 * VM with the default settings (storage, network, the integration
 * services, input, video, dynamic memory and the services Keel has no
 * driver for). The key=value words go to the four IC devices (release=).
 */
static const struct { const char *type, *name; bool ic; } gen2_default[] = {
	{ "storage", "scsi0", false }, { "network", "net0", false },
	{ "heartbeat", "hb", true }, { "shutdown", "sd", true },
	{ "timesync", "ts", true }, { "kvp", "kvp", true },
	{ "gen2-vss", "vss", false }, { "gen2-fcopy", "fcopy", false },
	{ "gen2-dynmem", "dynmem", false }, { "gen2-mouse", "mouse", false },
	{ "gen2-keyboard", "kbd", false }, { "gen2-video", "fb", false },
	{ "gen2-rdv", "rdv", false },
};

static int st_offers(struct ctx *c, char **t, int n)
{
	char *w[16];
	int r;

	if (n < 2 || strcmp(t[1], "gen2-default") || n > 14)
		return err(c, "usage: offers gen2-default [key=value...]%s", "");
	for (size_t k = 0; k < sizeof(gen2_default) / sizeof(gen2_default[0]); k++) {
		int m = 3;

		w[0] = "device";
		w[1] = (char *)gen2_default[k].type;
		w[2] = (char *)gen2_default[k].name;
		for (int i = 2; gen2_default[k].ic && i < n; i++)
			w[m++] = t[i];
		r = st_device(c, w, m);
		if (r)
			return r;
	}
	return 0;
}

/* Timed actions: name, words on the line (with "at TIME"), usage. */
static const struct { const char *name; int words; const char *usage; } at_actions[] = {
	{ "offer", 4, "offer DEV" },
	{ "rescind", 4, "rescind DEV|DEV.K" },
	{ "unload", 3, "unload" },
	{ "malformed", 4, "malformed KIND" },
	{ "ibuf", 4, "ibuf N" },
	{ "post-fail", 4, "post-fail PERMILLE" },
};

static int at_words(const char *name)
{
	for (size_t k = 0; k < sizeof(at_actions) / sizeof(at_actions[0]); k++)
		if (!strcmp(at_actions[k].name, name))
			return at_actions[k].words;
	return 0;
}

static const char *at_usage(const char *name)
{
	for (size_t k = 0; k < sizeof(at_actions) / sizeof(at_actions[0]); k++)
		if (!strcmp(at_actions[k].name, name))
			return at_actions[k].usage;
	return "";
}

static int st_at(struct ctx *c, char **t, int n)
{
	struct sim_scenario *sc = c->sc;
	struct sim_action *a;

	if (n < 3)
		return err(c, "usage: at TIME offer|rescind|unload|malformed|ibuf|post-fail ...%s",
			   "");
	if (sc->nacts >= SIM_MAX_ACTIONS)
		return err(c, "more than %s timed actions", "64");
	a = &sc->acts[sc->nacts];
	memset(a, 0, sizeof(*a));
	if (parse_time(t[1], &a->at) < 0)
		return err(c, "bad time '%s'", t[1]);
	a->subidx = -1;
	a->line = c->line;
	if (n != at_words(t[2]))
		return at_words(t[2]) ? err(c, "usage: at TIME %s", at_usage(t[2]))
				      : err(c, "unknown action '%s'", t[2]);
	if (!strcmp(t[2], "offer")) {
		a->kind = SA_OFFER;
		snprintf(a->dev, sizeof(a->dev), "%s", t[3]);
	} else if (!strcmp(t[2], "rescind")) {
		a->kind = SA_RESCIND;
		if (split_dev(c, t[3], a->dev, sizeof(a->dev), &a->subidx) < 0)
			return -1;
	} else if (!strcmp(t[2], "unload")) {
		a->kind = SA_UNLOAD;
	} else if (!strcmp(t[2], "malformed")) {
		if (!host_malformed_kind_valid(t[3]))
			return err(c, "unknown malformed kind '%s'", t[3]);
		a->kind = SA_MALFORMED;
		snprintf(a->arg, sizeof(a->arg), "%s", t[3]);
	} else if (!strcmp(t[2], "ibuf")) {
		a->kind = SA_IBUF;
		if (parse_num(t[3], &a->num) < 0)
			return err(c, "bad count '%s'", t[3]);
	} else if (!strcmp(t[2], "post-fail")) {
		a->kind = SA_POST_FAIL;
		if (parse_num(t[3], &a->num) < 0 || a->num > 1000)
			return err(c, "bad per-mille '%s'", t[3]);
	}
	sc->nacts++;
	return 0;
}

static int st_on(struct ctx *c, char **t, int n)
{
	struct sim_scenario *sc = c->sc;
	struct sim_trigspec *tg;
	int i = 3;
	size_t k;

	if (n < 4)
		return err(c, "usage: on MESSAGE DEV [sub N] [nth N] [every] [max N] ACTION [ARG]%s", "");
	if (sc->ntrigs >= SIM_MAX_TRIGGERS)
		return err(c, "more than %s triggers", "64");
	tg = &sc->trigs[sc->ntrigs];
	memset(tg, 0, sizeof(*tg));
	for (k = 0; k < sizeof(trig_keys) / sizeof(trig_keys[0]); k++)
		if (!strcasecmp(trig_keys[k].name, t[1]))
			break;
	if (k == sizeof(trig_keys) / sizeof(trig_keys[0]))
		return err(c, "unknown trigger message or step '%s'", t[1]);
	tg->key = trig_keys[k].key;
	if (split_dev(c, t[2], tg->dev, sizeof(tg->dev), &tg->subidx) < 0)
		return -1;
	tg->line = c->line;
	tg->nth = 1;
	while (i < n) {
		uint64_t v;

		if (!strcmp(t[i], "sub") && i + 1 < n) {
			if (parse_subidx(c, t[i + 1], &tg->subidx) < 0)
				return -1;
			i += 2;
		} else if (!strcmp(t[i], "nth") && i + 1 < n) {
			if (parse_num(t[i + 1], &v) < 0 || v == 0 || v > UINT32_MAX)
				return err(c, "bad nth '%s' (1, 2, ...)", t[i + 1]);
			tg->nth = (uint32_t)v;
			i += 2;
		} else if (!strcmp(t[i], "every")) {
			tg->every = true;
			i++;
		} else if (!strcmp(t[i], "max") && i + 1 < n && parse_num(t[i + 1], &v) == 0) {
			tg->max = (uint32_t)v;
			i += 2;
		} else {
			break;
		}
	}
	if (i >= n)
		return err(c, "trigger without an action%s", "");
	for (k = 0; k < sizeof(trig_actions) / sizeof(trig_actions[0]); k++)
		if (!strcmp(trig_actions[k].name, t[i]))
			break;
	if (k == sizeof(trig_actions) / sizeof(trig_actions[0]))
		return err(c, "unknown trigger action '%s'", t[i]);
	tg->action = trig_actions[k].action;
	if (trig_actions[k].has_arg) {
		if (i + 1 >= n)
			return err(c, "action '%s' needs an argument", t[i]);
		if (tg->action == HTA_DELAY || tg->action == HTA_OFFER ||
		    tg->action == HTA_RESCIND_AFTER
			    ? parse_time(t[i + 1], &tg->arg) < 0
			    : parse_num(t[i + 1], &tg->arg) < 0)
			return err(c, "bad argument '%s'", t[i + 1]);
		i++;
	}
	if (i + 1 != n)
		return err(c, "extra words after the action: '%s'", t[i + 1]);
	sc->ntrigs++;
	return 0;
}

static int st_expect(struct ctx *c, char **t, int n)
{
	struct sim_scenario *sc = c->sc;
	struct sim_expect *e;
	size_t k;
	int i;

	if (n < 2)
		return err(c, "usage: expect WHAT ...%s", "");
	if (sc->nexps >= SIM_MAX_EXPECTS && strcmp(t[1], "hang-ok"))
		return err(c, "more than %s expectations", "64");
	if (!strcmp(t[1], "hang-ok")) {
		sc->allow_hang = true;
		return 0;
	}
	for (k = 0; k < sizeof(expect_kinds) / sizeof(expect_kinds[0]); k++)
		if (!strcmp(expect_kinds[k].name, t[1]))
			break;
	if (k == sizeof(expect_kinds) / sizeof(expect_kinds[0]))
		return err(c, "unknown expectation '%s'", t[1]);
	e = &sc->exps[sc->nexps];
	memset(e, 0, sizeof(*e));
	e->kind = expect_kinds[k].kind;
	e->line = c->line;
	e->num = 1;
	i = 2;
	switch (e->kind) {
	case SE_READY: case SE_NOT_READY: case SE_RELEASED: case SE_OPENED:
	case SE_ECHOES: case SE_SUBCHANNELS: case SE_SUBCHANNELS_OPEN: case SE_MASKED_SIGNALS:
		if (n < 3)
			return err(c, "expect %s needs a device", t[1]);
		if (!strcmp(t[2], "all") && e->kind != SE_READY)
			return err(c, "'all' is only for expect ready, not expect %s", t[1]);
		snprintf(e->dev, sizeof(e->dev), "%s", t[2]);
		i = 3;
		if (expect_kinds[k].nargs == 2) {
			if (n < 4 || parse_num(t[3], &e->num) < 0)
				return err(c, "expect %s DEV N: bad N", t[1]);
			i = 4;
		}
		break;
	case SE_HOST_COUNTER:
		/* host DEV KEY N: the device host's counter KEY is at least N */
		if (n < 5 || parse_num(t[4], &e->num) < 0 || strlen(t[3]) >= sizeof(e->text))
			return err(c, "expect host DEV KEY N%s", "");
		snprintf(e->dev, sizeof(e->dev), "%s", t[2]);
		snprintf(e->text, sizeof(e->text), "%s", t[3]);
		i = 5;
		break;
	case SE_LOG:
		/* log "TEXT" ["TEXT"...]: the guest's log (info and up) holds the
		 * texts in this order (a listing's lines, for instance) */
		if (n < 3)
			return err(c, "expect log \"TEXT\" [\"TEXT\"...] (texts in double quotes)%s",
				   "");
		for (i = 2; i < n; i++) {
			if (!c->quoted[i] || !t[i][0] || strlen(t[i]) >= sizeof(e->texts[0]))
				return err(c, "expect log: '%s' is not a text in double quotes", t[i]);
			if (e->ntexts == SIM_EXPECT_TEXTS)
				return err(c, "expect log: more than %s texts", "8");
			snprintf(e->texts[e->ntexts++], sizeof(e->texts[0]), "%s", t[i]);
		}
		break;
	case SE_VERSION:
		if (n < 3 || parse_version(t[2], &e->num) < 0)
			return err(c, "expect version X.Y%s", "");
		i = 3;
		break;
	case SE_DROPPED: case SE_DEVICES:
		if (n < 3 || parse_num(t[2], &e->num) < 0)
			return err(c, "expect %s N", t[1]);
		i = 3;
		break;
	case SE_DEADLOCK:
		/* "TEXT" ["TEXT"...]: each must appear in the report (queues, items) */
		if (n < 3)
			return err(c, "expect deadlock needs the texts the report must contain: "
				   "expect deadlock \"TEXT\" [\"TEXT\"...]%s", "");
		for (i = 2; i < n; i++) {
			if (!c->quoted[i])
				return err(c, "expect deadlock: '%s' is not in double quotes", t[i]);
			if (!t[i][0])
				return err(c, "expect deadlock: empty text%s", "");
			if (e->ntexts == SIM_EXPECT_TEXTS)
				return err(c, "expect deadlock: more than %s texts", "8");
			if (strlen(t[i]) >= sizeof(e->texts[0]))
				return err(c, "expect deadlock: text '%s' is too long", t[i]);
			snprintf(e->texts[e->ntexts++], sizeof(e->texts[0]), "%s", t[i]);
		}
		break;
	case SE_PCI: case SE_NO_PCI:
		if (n < 3)
			return err(c, "expect %s TEXT", t[1]);
		/* fall through: the rest of the line is the text */
	case SE_VIOLATION:
		/* the rest of the line: a substring the violation must contain */
		for (int k = 2; k < n; k++) {
			size_t L = strlen(e->text);

			snprintf(e->text + L, sizeof(e->text) - L, "%s%s", k > 2 ? " " : "", t[k]);
		}
		i = n;
		break;
	default:
		break;
	}
	/* optional trailing: "by TIME" (ready) or a count (released/opened) */
	while (i < n) {
		if (e->kind == SE_READY && !strcmp(t[i], "by") && i + 1 < n) {
			if (parse_time(t[i + 1], &e->by) < 0)
				return err(c, "bad time '%s'", t[i + 1]);
			i += 2;
		} else if ((e->kind == SE_RELEASED || e->kind == SE_OPENED) &&
			   parse_num(t[i], &e->num) == 0) {
			i++;
		} else {
			return err(c, "unexpected '%s' in expectation", t[i]);
		}
	}
	sc->nexps++;
	return 0;
}

/* Try a profile switch on a scratch copy: the key must exist, the value parse. */
static int switch_check(const char *key, const char *val)
{
	struct host_profile *p = malloc(host_profile_size());
	int r = -ENOMEM;

	if (p) {
		memcpy(p, host_profile_find("ws2022"), host_profile_size());
		r = host_profile_switch(p, key, val);
	}
	free(p);
	return r;
}

/* The statements st_simple handles: a word not here is unknown, whatever follows it. */
static const char *const simple_words[] = {
	"name", "profile", "switch", "guest", "guest-switch", "ram", "until", "max-steps",
	"step-cost", "mem-slack", "seeds",
};

static bool simple_known(const char *k)
{
	for (size_t i = 0; i < sizeof(simple_words) / sizeof(simple_words[0]); i++)
		if (!strcmp(simple_words[i], k))
			return true;
	return false;
}

static int st_simple(struct ctx *c, char **t, int n)
{
	struct sim_scenario *sc = c->sc;
	const char *k = t[0];

	if (!simple_known(k))
		return err(c, "unknown statement '%s'", k);
	if (!strcmp(k, "name"))
		return 0;
	if (n != 2 && strcmp(k, "switch"))
		return err(c, "'%s' takes one argument", k);
	if (!strcmp(k, "profile")) {
		if (!host_profile_find(t[1]))
			return err(c, "unknown profile '%s'", t[1]);
		snprintf(sc->profile, sizeof(sc->profile), "%s", t[1]);
	} else if (!strcmp(k, "switch")) {
		if (n != 3)
			return err(c, "usage: switch KEY VALUE%s", "");
		if (sc->nswitches >= 16)
			return err(c, "more than %s switches", "16");
		if (switch_check(t[1], t[2]) < 0)
			return err(c, "bad switch '%s' (unknown key or bad value)", t[1]);
		snprintf(sc->sw_keys[sc->nswitches], 32, "%s", t[1]);
		snprintf(sc->sw_vals[sc->nswitches], 64, "%s", t[2]);
		sc->nswitches++;
	} else if (!strcmp(k, "guest")) {
		if (strcmp(t[1], "keel") && strcmp(t[1], "test"))
			return err(c, "guest is 'keel' or 'test', not '%s'", t[1]);
		snprintf(sc->guest, sizeof(sc->guest), "%s", t[1]);
	} else if (!strcmp(k, "guest-switch")) {
		if (sc->nguest_switches >= 8)
			return err(c, "too many guest switches%s", "");
		snprintf(sc->guest_switch[sc->nguest_switches++], 32, "%s", t[1]);
	} else if (!strcmp(k, "ram")) {
		if (parse_size(t[1], &sc->ram) < 0)
			return err(c, "bad size '%s'", t[1]);
	} else if (!strcmp(k, "until")) {
		if (parse_time(t[1], &sc->until) < 0)
			return err(c, "bad time '%s'", t[1]);
	} else if (!strcmp(k, "max-steps")) {
		if (parse_num(t[1], &sc->max_steps) < 0)
			return err(c, "bad number '%s'", t[1]);
	} else if (!strcmp(k, "step-cost")) {
		uint64_t v;

		if (parse_time(t[1], &v) < 0 || v > 1000000)
			return err(c, "bad step cost '%s'", t[1]);
		sc->step_cost_ns = (uint32_t)v;
	} else if (!strcmp(k, "mem-slack")) {
		uint64_t v;

		if (parse_num(t[1], &v) < 0)
			return err(c, "bad number '%s'", t[1]);
		sc->mem_slack = (uint32_t)v;
	} else if (!strcmp(k, "seeds")) {
		uint64_t v;

		if (parse_num(t[1], &v) < 0 || v == 0 || v > UINT32_MAX)
			return err(c, "bad seed count '%s' (1, 2, ...)", t[1]);
		sc->seeds = (unsigned)v;
	} else {
		return err(c, "unknown statement '%s'", k);
	}
	return 0;
}

/*
 * Split a line into words in place: blanks separate words, '#' outside
 * double quotes starts a comment, and "..." is one word (quotes dropped,
 * quoted[i] set). Returns the number of words, or -1 with the reason.
 */
static int tokenize(struct ctx *c, char *line, char **t, bool *quoted, int max)
{
	char *p = line;
	int n = 0;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (!*p || *p == '#')
			return n;
		if (n == max) {
			char lim[16];

			snprintf(lim, sizeof(lim), "%d", max);
			return err(c, "more than %s words on one line", lim);
		}
		quoted[n] = *p == '"';
		if (quoted[n]) {
			char *end = strchr(p + 1, '"');

			if (!end)
				return err(c, "unterminated quoted text %s", p);
			t[n++] = p + 1;
			*end = 0;
			p = end + 1;
			if (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
				return err(c, "quoted text must be followed by a blank, not '%.1s'", p);
			continue;
		}
		t[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n' && *p != '#')
			p++;
		if (*p == '#') {
			*p = 0;
			return n;
		}
		if (*p)
			*p++ = 0;
	}
}

static int parse_line(struct ctx *c, char *line)
{
	char *t[32];
	bool quoted[32];
	int n = tokenize(c, line, t, quoted, 32);

	if (n <= 0)
		return n;
	for (int i = 0; i < n; i++)
		if (strchr(t[i], '$'))
			return err(c, "unknown parameter in '%s' (no param line names it)", t[i]);
	c->quoted = quoted;
	if (!strcmp(t[0], "device"))
		return st_device(c, t, n);
	if (!strcmp(t[0], "at"))
		return st_at(c, t, n);
	if (!strcmp(t[0], "on"))
		return st_on(c, t, n);
	if (!strcmp(t[0], "expect"))
		return st_expect(c, t, n);
	if (!strcmp(t[0], "offers"))
		return st_offers(c, t, n);
	if (!strcmp(t[0], "param"))
		return 0;                       /* handled before */
	return st_simple(c, t, n);
}

static void defaults(struct sim_scenario *sc, const char *path)
{
	memset(sc, 0, sizeof(*sc));
	snprintf(sc->file, sizeof(sc->file), "%s", path);
	snprintf(sc->profile, sizeof(sc->profile), "ws2022");
	snprintf(sc->guest, sizeof(sc->guest), "%s", sim_have_keel_guest ? "keel" : "test");
	sc->ram = 64ull << 20;
	sc->until = 10ull * 1000000000ull;
	sc->max_steps = 2000000;
	sc->step_cost_ns = 500;
	sc->seeds = 500;
}

/*
 * After the whole file: every device a trigger, action or expectation names
 * is declared (statements may come in any order), with the line that named it.
 */
static int check_dev(struct ctx *c, int line, const char *name, const char *what)
{
	c->line = line;
	if (dev_find(c->sc, name) < 0)
		return err(c, "%s", what);
	return 0;
}

static int check_names(struct ctx *c)
{
	const struct sim_scenario *sc = c->sc;
	char what[96];

	for (int i = 0; i < sc->ntrigs; i++) {
		const struct sim_trigspec *t = &sc->trigs[i];

		snprintf(what, sizeof(what), "trigger names unknown device '%s'", t->dev);
		if (strcmp(t->dev, "*") && check_dev(c, t->line, t->dev, what) < 0)
			return -1;
	}
	for (int i = 0; i < sc->nacts; i++) {
		const struct sim_action *a = &sc->acts[i];

		snprintf(what, sizeof(what), "action names unknown device '%s'", a->dev);
		if (a->dev[0] && check_dev(c, a->line, a->dev, what) < 0)
			return -1;
	}
	for (int i = 0; i < sc->nexps; i++) {
		const struct sim_expect *e = &sc->exps[i];

		snprintf(what, sizeof(what), "expectation names unknown device '%s'", e->dev);
		if (e->dev[0] && strcmp(e->dev, "all") && check_dev(c, e->line, e->dev, what) < 0)
			return -1;
	}
	return 0;
}

/* ---- parameters ---- */

static bool param_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 31 || isdigit((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

static int parse_param(struct ctx *c, char *line, struct param *p)
{
	char *t[MAX_VALUES + 2];
	bool quoted[MAX_VALUES + 2];
	int n = tokenize(c, line, t, quoted, MAX_VALUES + 2);

	if (n < 0)
		return -1;
	if (n < 3)
		return err(c, "usage: param NAME VALUE... | param NAME A..B%s", "");
	if (!param_name_ok(t[1]))
		return err(c, "bad param name '%s' (letters, digits, '_'; at most 31)", t[1]);
	snprintf(p->name, sizeof(p->name), "%s", t[1]);
	p->nvalues = 0;
	if (n == 3 && strstr(t[2], "..")) {
		char *e1, *e2;
		long a = strtol(t[2], &e1, 10), b = strtol(strstr(t[2], "..") + 2, &e2, 10);

		if (e1 != strstr(t[2], "..") || *e2 || e1 == t[2] || b < a || b - a >= MAX_VALUES)
			return err(c, "bad range '%s' (A..B, at most 256 values)", t[2]);
		for (long v = a; v <= b; v++)
			snprintf(p->values[p->nvalues++], 32, "%ld", v);
		return 0;
	}
	for (int i = 2; i < n; i++) {
		if (strlen(t[i]) >= sizeof(p->values[0]))
			return err(c, "param value '%s' is too long (at most 31 characters)", t[i]);
		snprintf(p->values[p->nvalues++], sizeof(p->values[0]), "%s", t[i]);
	}
	return 0;
}

/* Replace $NAME / ${NAME} occurrences. */
static void substitute(const char *in, char *out, size_t cap, const struct param *ps, int np,
		       const int *pick)
{
	size_t o = 0;

	while (*in && o + 1 < cap) {
		int hit = -1;
		size_t skip = 0;

		if (*in == '$') {
			for (int i = 0; i < np; i++) {
				size_t L = strlen(ps[i].name);

				if (in[1] == '{' && !strncmp(in + 2, ps[i].name, L) && in[2 + L] == '}') {
					hit = i;
					skip = L + 3;
				} else if (!strncmp(in + 1, ps[i].name, L) &&
					   !isalnum((unsigned char)in[1 + L]) && in[1 + L] != '_') {
					hit = i;
					skip = L + 1;
				}
				if (hit >= 0)
					break;
			}
		}
		if (hit >= 0) {
			const char *v = ps[hit].values[pick[hit]];

			while (*v && o + 1 < cap)
				out[o++] = *v++;
			in += skip;
		} else {
			out[o++] = *in++;
		}
	}
	out[o] = 0;
}

int sim_scenario_load(const char *path, struct sim_scenario **out)
{
	FILE *f = fopen(path, "r");
	char *lines[MAX_LINES];
	struct param ps[SIM_MAX_PARAMS];
	int nlines = 0, np = 0, nvar = 1, rc = -1;
	struct sim_scenario *v = NULL;
	struct ctx c = { .path = path };
	char buf[1024];

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(buf, sizeof(buf), f)) {
		size_t L = strlen(buf);

		c.line = nlines + 1;
		if (nlines == MAX_LINES) {
			err(&c, "more than %s lines", "1024");
			fclose(f);
			goto out;
		}
		if (L == sizeof(buf) - 1 && buf[L - 1] != '\n' && !feof(f)) {
			err(&c, "line longer than %s characters", "1022");
			fclose(f);
			goto out;
		}
		lines[nlines] = strdup(buf);
		if (!lines[nlines]) {
			fclose(f);
			goto out;
		}
		nlines++;
	}
	fclose(f);
	for (int i = 0; i < nlines; i++) {
		char tmp[1024];
		char *s = lines[i];

		while (*s == ' ' || *s == '\t')
			s++;
		if (strncmp(s, "param", 5) || !isspace((unsigned char)s[5]))
			continue;
		c.line = i + 1;
		snprintf(tmp, sizeof(tmp), "%s", s);
		if (np >= SIM_MAX_PARAMS) {
			err(&c, "more than %s param lines", "16");
			goto out;
		}
		if (parse_param(&c, tmp, &ps[np]) < 0)
			goto out;
		for (int k = 0; k < np; k++)
			if (!strcmp(ps[k].name, ps[np].name)) {
				err(&c, "param %s is declared twice", ps[np].name);
				goto out;
			}
		nvar *= ps[np].nvalues;
		np++;
		if (nvar > MAX_VARIANTS) {
			err(&c, "more than %s variants", "4096");
			goto out;
		}
	}
	v = calloc((size_t)nvar, sizeof(*v));
	if (!v)
		goto out;
	for (int vi = 0; vi < nvar; vi++) {
		int pick[SIM_MAX_PARAMS], rem = vi;
		size_t o = 0;

		for (int i = np - 1; i >= 0; i--) {
			pick[i] = rem % ps[i].nvalues;
			rem /= ps[i].nvalues;
		}
		defaults(&v[vi], path);
		for (int i = 0; i < np && o < sizeof(v[vi].variant); i++)
			o += (size_t)snprintf(v[vi].variant + o, sizeof(v[vi].variant) - o, "%s%s=%s",
					      i ? "," : "", ps[i].name, ps[i].values[pick[i]]);
		c.sc = &v[vi];
		for (int i = 0; i < nlines; i++) {
			char tmp[2048];

			c.line = i + 1;
			substitute(lines[i], tmp, sizeof(tmp), ps, np, pick);
			if (parse_line(&c, tmp) < 0) {
				free(v);
				v = NULL;
				goto out;
			}
		}
		if (check_names(&c) < 0) {
			free(v);
			v = NULL;
			goto out;
		}
	}
	*out = v;
	rc = nvar;
out:
	for (int i = 0; i < nlines; i++)
		free(lines[i]);
	return rc;
}

/*
 * Put a parsed scenario into host h: its devices with their parameters, its
 * triggers, and a check that every action names a known device. keelsim and
 * keel-host share this. devidx[i] / trig_index[i] receive the host's indices
 * of sc->devs[i] / sc->trigs[i]. Returns 0, or -EINVAL with the reason in why.
 */
int sim_scenario_apply(const struct sim_scenario *sc, struct host *h, int *devidx,
		       int *trig_index, char *why, size_t whylen)
{
	/* The parser checked all this on a scratch host; what fails here
	 * changed since (a file removed, memory short), and says what. */
	for (int i = 0; i < sc->ndevs; i++) {
		const struct sim_devspec *d = &sc->devs[i];
		int di = host_device_add(h, d->type, d->name), r;

		if (di < 0) {
			snprintf(why, whylen, "device %s %s: cannot create it: %s", d->type, d->name,
				 strerror(-di));
			return -EINVAL;
		}
		devidx[i] = di;
		for (int k = 0; k < d->nparams; k++) {
			r = host_device_param(h, di, d->keys[k], d->vals[k]);
			if (r < 0) {
				snprintf(why, whylen, "device %s %s: parameter %s=%s: %s", d->type,
					 d->name, d->keys[k], d->vals[k],
					 r == -EINVAL ? "bad value" : strerror(-r));
				return -EINVAL;
			}
		}
	}
	for (int i = 0; i < sc->ntrigs; i++) {
		const struct sim_trigspec *t = &sc->trigs[i];
		struct host_trigger ht = {
			.msgtype = t->key, .dev = -1, .subidx = t->subidx, .nth = t->nth,
			.every = t->every, .max = t->max, .action = t->action, .arg = t->arg,
		};

		if (strcmp(t->dev, "*")) {
			ht.dev = host_device_find(h, t->dev);
			if (ht.dev < 0) {
				snprintf(why, whylen, "trigger names unknown device %s", t->dev);
				return -EINVAL;
			}
		}
		trig_index[i] = host_trigger_add(h, &ht);
	}
	for (int i = 0; i < sc->nacts; i++)
		if (sc->acts[i].dev[0] && host_device_find(h, sc->acts[i].dev) < 0) {
			snprintf(why, whylen, "action names unknown device %s", sc->acts[i].dev);
			return -EINVAL;
		}
	return 0;
}

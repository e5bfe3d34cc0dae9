/*
 * The simulated storage host (StorVSP), device type "storage": the host
 * side of the VSTOR protocol over VMBus, following
 * docs/protocols/storage.md §2 (packet forms; GPA-direct data buffers),
 * §3 (versions), §4-§5 (operations, layouts, completion sizes), §6 (the
 * init order, enforced), §7 (EXECUTE_SRB), §10 (ENUMERATE_BUS on LUN hot
 * add and remove), §11 (CREATE_SUB_CHANNELS; offers before or after the
 * completion as the host profile says) and §15 (what OpenVMM does). SCSI
 * commands go to host/scsi_disk.c; LUN data lives in host/backing.c.
 *
 * Device parameters (scenario "device storage NAME key=value ..."): see
 * the table stor_params[] below and docs/scenarios.md "Storage device".
 *
 * Completions wait in a per-channel list ordered by due time (reply delay,
 * jitter, trigger delays), and leave when due and when the host->guest ring
 * has room. By default data moves at request time: a write is in the
 * backing store before its completion is even queued, so an acknowledged
 * write is never lost; a read's data is in guest memory before its
 * completion is queued. With data-at=answer (test builds) a data SRB is
 * executed only when its answer is due, as a real host may: the guest's
 * buffer is read or written then, so a guest that handed the buffer back
 * early is caught (the GPA translation refuses freed pages, or blkload's
 * verify sees the corruption).
 *
 * Guest input is untrusted: every field is checked; what a real host would
 * refuse to parse (§2.2, §15) is a host-side violation that fails the run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/backing.h"
#include "host/host_priv.h"
#include "host/scsi_disk.h"
#include "host/storvsc_host.h"
#include "include/hyperv/storvsc_wire.h"
#include "include/hyperv/vmbus_guids.h"

#define STOR_MAX_LUNS     64
#define STOR_MAX_HOTPLUG  8
#define STOR_PAGE         4096u
#define STOR_DEFAULT_SIZE (64ull << 20)

/*
 * Init state of the primary channel (§6; OpenVMM process_primary). A
 * request out of order is answered INVALID_DEVICE_STATE and the state stays.
 *
 *   WAIT_BEGIN --BEGIN_INITIALIZATION--> WAIT_VERSION
 *   WAIT_VERSION --QUERY_PROTOCOL_VERSION ok--> WAIT_PROPERTIES
 *        (a refused version stays in WAIT_VERSION: the guest tries the next)
 *   WAIT_PROPERTIES --QUERY_PROPERTIES--> WAIT_END
 *   WAIT_END --END_INITIALIZATION--> READY   (hot-plug events start)
 *   any --open of the primary--> WAIT_BEGIN
 */
enum stor_init_state {
	SIS_WAIT_BEGIN,
	SIS_WAIT_VERSION,
	SIS_WAIT_PROPERTIES,
	SIS_WAIT_END,
	SIS_READY,
};

enum stor_event { SE_VERSION_OK, SE_VERSION_BAD, SE_BEGIN, SE_PROPS, SE_END, SE_OPEN };

struct stor_reply {
	struct stor_reply *next;
	uint64_t due;
	uint64_t seq;
	uint64_t trans_id;
	uint16_t type;              /* VMBUS_PKT_COMP, or INBAND for ENUMERATE_BUS */
	uint16_t offer_subs;        /* after it is sent: offer this many sub-channels */
	bool write_ack;
	bool corrupt;               /* sent larger than any storvsc packet */
	uint32_t len;
	uint8_t data[STORVSC_PKT_SIZE];
	/* data-at=answer: the request, executed when due (then raw is freed) */
	uint8_t *raw;
	uint32_t raw_len;
	struct vmbus_pkt_desc desc;
	int act;
	uint64_t arg;
};

struct stor_chan {
	struct stor_reply *head;    /* ordered by (due, seq) */
	bool subchannels_done;      /* one CREATE_SUB_CHANNELS per open */
};

struct stor_hotplug {
	uint8_t lun;
	bool add;
	bool done;
	uint64_t at;
};

struct stor_dev {
	/* parameters */
	char image[128];
	bool snapshot;
	bool read_only;
	enum backing_sync sync;
	uint64_t size;
	uint32_t nluns;
	uint32_t block_size;
	uint32_t max_transfer;
	uint32_t max_sub;
	bool unmap;
	uint16_t versions[8];
	int nversions;              /* 0: from the host profile */
	uint64_t reply_delay;
	uint64_t io_jitter;
	uint32_t io_error_pm;
	uint32_t rescind_io;        /* rescind the device at the Nth data command */
	uint8_t fault_key, fault_asc, fault_ascq;
	struct stor_hotplug hot[STOR_MAX_HOTPLUG];
	int nhot;
	bool data_at_answer;        /* execute data SRBs when they are answered */
	uint32_t late_n;            /* answer the late_n-th data command ... */
	uint64_t late_delay;        /* ... this long after it arrived */
	uint32_t corrupt_n;         /* the corrupt_n-th data command's answer is unreadable */
	uint64_t data_seen;         /* data commands received */
	/* state */
	int init;                   /* enum stor_init_state */
	uint16_t version;
	bool enum_pending;          /* ENUMERATE_BUS owed to the guest */
	bool luns_made;
	struct scsi_disk *lun[STOR_MAX_LUNS];
	uint8_t *buf;               /* data buffer, max_transfer bytes */
	uint64_t seq;
	uint64_t data_cmds;
	struct storvsc_host_stats st;
};

/* ---- state machine ---- */

static void stor_transition(struct stor_dev *s, enum stor_event ev)
{
	switch (ev) {
	case SE_OPEN:
		s->init = SIS_WAIT_BEGIN;
		s->version = 0;
		break;
	case SE_BEGIN:
		s->init = SIS_WAIT_VERSION;
		break;
	case SE_VERSION_OK:
		s->init = SIS_WAIT_PROPERTIES;
		break;
	case SE_VERSION_BAD:
		break;                  /* stays: the guest tries an older version */
	case SE_PROPS:
		s->init = SIS_WAIT_END;
		break;
	case SE_END:
		s->init = SIS_READY;
		break;
	default:
		fprintf(stderr, "storvsc_host: bad event %d in state %d\n", ev, s->init);
		abort();                /* a bug in this file, not guest input */
	}
}

/* ---- parameters ---- */

static int parse_u32(const char *v, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long long n = strtoull(v, &end, 0);

	if (end == v || *end || n > max)
		return -EINVAL;
	*out = (uint32_t)n;
	return 0;
}

static int parse_size(const char *v, uint64_t *out)
{
	char *end;
	unsigned long long n = strtoull(v, &end, 0);

	if (end == v)
		return -EINVAL;
	if (*end == 'K' || *end == 'k')
		n <<= 10, end++;
	else if (*end == 'M' || *end == 'm')
		n <<= 20, end++;
	else if (*end == 'G' || *end == 'g')
		n <<= 30, end++;
	if (*end || n == 0)
		return -EINVAL;
	*out = n;
	return 0;
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "1"))
		*out = true;
	else if (!strcmp(v, "no") || !strcmp(v, "0"))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

static int p_image(struct stor_dev *s, const char *v)
{
	int r;

	if (strlen(v) >= sizeof(s->image))
		return -EINVAL;
	r = backing_check_file(v);      /* LUN 0 opens it only at the first open */
	if (r < 0)
		return r;
	snprintf(s->image, sizeof(s->image), "%s", v);
	return 0;
}

static int p_snapshot(struct stor_dev *s, const char *v) { return parse_bool(v, &s->snapshot); }
static int p_read_only(struct stor_dev *s, const char *v) { return parse_bool(v, &s->read_only); }
static int p_unmap(struct stor_dev *s, const char *v) { return parse_bool(v, &s->unmap); }
static int p_size(struct stor_dev *s, const char *v) { return parse_size(v, &s->size); }

static int p_luns(struct stor_dev *s, const char *v)
{
	return parse_u32(v, STOR_MAX_LUNS, &s->nluns) < 0 || !s->nluns ? -EINVAL : 0;
}

static int p_block_size(struct stor_dev *s, const char *v)
{
	if (parse_u32(v, 4096, &s->block_size) < 0 ||
	    (s->block_size != 512 && s->block_size != 4096))
		return -EINVAL;
	return 0;
}

static int p_max_transfer(struct stor_dev *s, const char *v)
{
	uint64_t n;

	if (parse_size(v, &n) < 0 || n < STOR_PAGE || n > (16u << 20))
		return -EINVAL;
	s->max_transfer = (uint32_t)n;
	return 0;
}

static int p_max_sub(struct stor_dev *s, const char *v) { return parse_u32(v, 64, &s->max_sub); }

static int p_sync(struct stor_dev *s, const char *v)
{
	static const struct { const char *name; enum backing_sync sync; } modes[] = {
		{ "flush", BACKING_SYNC_FLUSH }, { "always", BACKING_SYNC_ALWAYS },
		{ "none", BACKING_SYNC_NONE },
	};

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(v, modes[i].name)) {
			s->sync = modes[i].sync;
			return 0;
		}
	return -EINVAL;
}

/* versions=6.2,6.0,5.1 (any order) */
static int p_versions(struct stor_dev *s, const char *v)
{
	s->nversions = 0;
	while (*v) {
		unsigned maj, min;
		int used = 0;

		if (sscanf(v, "%u.%u%n", &maj, &min, &used) != 2 || maj > 255 || min > 255 ||
		    s->nversions >= 8)
			return -EINVAL;
		s->versions[s->nversions++] = STORVSC_VERSION(maj, min);
		v += used;
		if (*v == ',')
			v++;
		else if (*v)
			return -EINVAL;
	}
	return s->nversions ? 0 : -EINVAL;
}

static int p_reply_delay(struct stor_dev *s, const char *v)
{
	return host_parse_ns(v, &s->reply_delay);
}

static int p_io_jitter(struct stor_dev *s, const char *v)
{
	return host_parse_ns(v, &s->io_jitter);
}

static int p_io_error(struct stor_dev *s, const char *v)
{
	return parse_u32(v, 1000, &s->io_error_pm);
}

static int p_rescind_io(struct stor_dev *s, const char *v)
{
	return parse_u32(v, 1u << 30, &s->rescind_io);
}

/* fault-sense=KEY/ASC/ASCQ in hex, e.g. 3/11/0 */
static int p_fault_sense(struct stor_dev *s, const char *v)
{
	unsigned k, a, q;

	if (sscanf(v, "%x/%x/%x", &k, &a, &q) != 3 || k > 15 || a > 255 || q > 255)
		return -EINVAL;
	s->fault_key = (uint8_t)k;
	s->fault_asc = (uint8_t)a;
	s->fault_ascq = (uint8_t)q;
	return 0;
}

/* hot-add=LUN@TIME, hot-remove=LUN@TIME (virtual time since the start) */
static int p_hotplug(struct stor_dev *s, const char *v, bool add)
{
	char buf[32], *at;
	uint32_t lun;
	uint64_t t;

	snprintf(buf, sizeof(buf), "%s", v);
	at = strchr(buf, '@');
	if (!at || s->nhot >= STOR_MAX_HOTPLUG)
		return -EINVAL;
	*at = 0;
	if (parse_u32(buf, STOR_MAX_LUNS - 1, &lun) < 0 || host_parse_ns(at + 1, &t) < 0)
		return -EINVAL;
	s->hot[s->nhot++] = (struct stor_hotplug){ .lun = (uint8_t)lun, .add = add, .at = t };
	return 0;
}

static int p_hot_add(struct stor_dev *s, const char *v) { return p_hotplug(s, v, true); }
static int p_hot_remove(struct stor_dev *s, const char *v) { return p_hotplug(s, v, false); }

#ifdef KEEL_TEST_HOOKS
/* data-at=request|answer */
static int p_data_at(struct stor_dev *s, const char *v)
{
	if (strcmp(v, "request") && strcmp(v, "answer"))
		return -EINVAL;
	s->data_at_answer = !strcmp(v, "answer");
	return 0;
}

/* late-answer=N@TIME: the Nth data command is answered TIME after it came */
static int p_late_answer(struct stor_dev *s, const char *v)
{
	char buf[32], *at;

	snprintf(buf, sizeof(buf), "%s", v);
	at = strchr(buf, '@');
	if (!at)
		return -EINVAL;
	*at = 0;
	if (parse_u32(buf, 1u << 30, &s->late_n) < 0 || s->late_n == 0 ||
	    host_parse_ns(at + 1, &s->late_delay) < 0)
		return -EINVAL;
	return 0;
}

static int p_corrupt_answer(struct stor_dev *s, const char *v)
{
	return parse_u32(v, 1u << 30, &s->corrupt_n);
}
#endif

static const struct {
	const char *key;
	int (*set)(struct stor_dev *s, const char *v);
} stor_params[] = {
	{ "image", p_image },               /* raw image file for LUN 0 */
	{ "snapshot", p_snapshot },         /* yes: load the image into memory */
	{ "read-only", p_read_only },
	{ "sync", p_sync },                 /* flush | always | none */
	{ "size", p_size },                 /* memory LUNs (default 64M) */
	{ "luns", p_luns },                 /* LUNs 0..N-1 at boot (default 1) */
	{ "block-size", p_block_size },     /* 512 | 4096 */
	{ "max-transfer", p_max_transfer }, /* QUERY_PROPERTIES (default 256K) */
	{ "max-subchannels", p_max_sub },   /* max_channel_cnt (default 4) */
	{ "unmap", p_unmap },
	{ "versions", p_versions },         /* accepted VSTOR versions */
	{ "reply-delay", p_reply_delay },
	{ "io-jitter", p_io_jitter },       /* random extra delay per SRB, 0..T */
	{ "io-error", p_io_error },         /* per mille of data commands failed */
	{ "rescind-io", p_rescind_io },     /* rescind the device at the Nth data command */
	{ "fault-sense", p_fault_sense },
	{ "hot-add", p_hot_add },
	{ "hot-remove", p_hot_remove },
#ifdef KEEL_TEST_HOOKS
	{ "data-at", p_data_at },           /* request (default) | answer */
	{ "late-answer", p_late_answer },   /* N@TIME: Nth data command answered late */
	{ "corrupt-answer", p_corrupt_answer }, /* Nth data command: unreadable answer */
#endif
};

/* The keys of stor_params[], in its order (device.h: host_device_param takes
 * only listed keys). */
#ifdef KEEL_TEST_HOOKS
#define STOR_HOOK_KEYS " data-at late-answer corrupt-answer"
#else
#define STOR_HOOK_KEYS ""
#endif
#define STOR_KEYS "image snapshot read-only sync size luns block-size max-transfer " \
		  "max-subchannels unmap versions reply-delay io-jitter io-error rescind-io " \
		  "fault-sense hot-add hot-remove" STOR_HOOK_KEYS

static int stor_param(struct host_dev *d, const char *key, const char *val)
{
	for (size_t i = 0; i < sizeof(stor_params) / sizeof(stor_params[0]); i++)
		if (!strcmp(key, stor_params[i].key))
			return stor_params[i].set(d->priv, val);
	return -EINVAL;
}

static int stor_init_defaults(struct host_dev *d)
{
	struct stor_dev *s = d->priv;

	s->size = STOR_DEFAULT_SIZE;
	s->nluns = 1;
	s->block_size = 512;
	s->max_transfer = 0x40000;  /* §15: OpenVMM's 256 KiB */
	s->max_sub = 4;
	s->sync = BACKING_SYNC_FLUSH;
	s->fault_key = SCSI_SK_MEDIUM_ERROR;
	s->fault_asc = SCSI_ASC_UNRECOVERED_READ;
	return 0;
}

/* ---- versions per host profile (§3) ---- */

static const struct {
	const char *profile;
	uint16_t versions[5];
} stor_profile_versions[] = {
	/* OpenVMM refuses 6.2 with REVISION_MISMATCH (§3). */
	{ "openvmm", { STORVSC_VERSION_WIN8_1, STORVSC_VERSION_WIN8, STORVSC_VERSION_WIN7,
		       STORVSC_VERSION_WIN6 } },
	/* WS2012 R2 is WIN8_1 (6.0). */
	{ "old-2012r2", { STORVSC_VERSION_WIN8_1, STORVSC_VERSION_WIN8, STORVSC_VERSION_WIN7,
			  STORVSC_VERSION_WIN6 } },
	/* Everything else: WS2016+ accepts 6.2 (the Linux version table). */
	{ NULL, { STORVSC_VERSION_WIN10, STORVSC_VERSION_WIN8_1, STORVSC_VERSION_WIN8,
		  STORVSC_VERSION_WIN7, STORVSC_VERSION_WIN6 } },
};

static bool stor_version_ok(const struct host_dev *d, uint16_t v)
{
	const struct stor_dev *s = d->priv;
	size_t i;

	if (s->nversions) {
		for (int k = 0; k < s->nversions; k++)
			if (s->versions[k] == v)
				return true;
		return false;
	}
	for (i = 0; stor_profile_versions[i].profile; i++)
		if (d->h->prof.name && !strcmp(d->h->prof.name, stor_profile_versions[i].profile))
			break;
	for (int k = 0; k < 5; k++)
		if (stor_profile_versions[i].versions[k] == v)
			return true;
	return false;
}

/* ---- LUNs ---- */

static int stor_lun_make(struct host_dev *d, uint8_t lun, bool from_image)
{
	struct stor_dev *s = d->priv;
	struct scsi_disk_cfg cfg = {
		.lun = lun, .block_size = s->block_size, .max_transfer = s->max_transfer,
		.unmap = s->unmap, .read_only = s->read_only,
	};
	struct backing *b = NULL;
	int r;

	memcpy(cfg.uid, d->instance.b, 8);
	if (from_image && s->image[0])
		r = s->snapshot ? backing_open_snapshot(&b, s->image)
				: backing_open_file(&b, s->image, s->read_only, s->sync);
	else
		r = backing_open_mem(&b, s->size);
	if (r < 0)
		return r;
	r = scsi_disk_create(&s->lun[lun], b, &cfg);
	if (r < 0)
		backing_close(b);
	return r;
}

static int stor_luns_make(struct host_dev *d)
{
	struct stor_dev *s = d->priv;

	if (s->luns_made)
		return 0;
	s->buf = malloc(s->max_transfer);
	if (!s->buf)
		return -ENOMEM;
	for (uint32_t l = 0; l < s->nluns; l++) {
		int r = stor_lun_make(d, (uint8_t)l, l == 0);

		if (r < 0)
			return r;
	}
	s->luns_made = true;
	return 0;
}

/* ---- replies ---- */

static struct stor_chan *stor_chan(struct host_chan *c)
{
	return *host_chan_priv(c);
}

static void stor_free_replies(struct host_dev *d, struct stor_chan *sc)
{
	struct stor_dev *s = d->priv;

	while (sc->head) {
		struct stor_reply *r = sc->head;

		sc->head = r->next;
		if (r->type == VMBUS_PKT_COMP)
			s->st.dropped_replies++;
		free(r->raw);
		free(r);
	}
}

static void stor_queue(struct host_dev *d, struct host_chan *c, struct stor_reply *r,
		       uint64_t delay)
{
	struct stor_dev *s = d->priv;
	struct stor_chan *sc = stor_chan(c);
	struct stor_reply **pp;

	r->due = host_now(d->h) + delay;
	r->seq = s->seq++;
	for (pp = &sc->head; *pp && (*pp)->due <= r->due; pp = &(*pp)->next)
		;
	r->next = *pp;
	*pp = r;
	if (delay)
		host_dev_tick_after(c, delay);
}

static bool stor_run_deferred(struct host_dev *d, struct host_chan *c, struct stor_reply *r);

/* A completion no storvsc guest can read: 1 KiB, more than any storvsc
 * packet (§2.3), so the guest's ring reader has to drop it. */
static int stor_send_corrupt(struct host_chan *c, const struct stor_reply *r)
{
	static uint8_t big[1024];

	memset(big, 0, sizeof(big));
	memcpy(big, r->data, r->len);
	return host_dev_send(c, r->type, 0, r->trans_id, big, sizeof(big));
}

/* Send what is due, in due order, until the ring is full. */
static void stor_flush(struct host_dev *d, struct host_chan *c)
{
	struct stor_dev *s = d->priv;
	struct stor_chan *sc = stor_chan(c);
	uint64_t now = host_now(d->h);

	while (sc && sc->head && sc->head->due <= now) {
		struct stor_reply *r = sc->head;
		uint16_t flags = 0;
		int e;

		if (r->raw && !stor_run_deferred(d, c, r)) {
			sc->head = r->next;     /* no answer (violation or rescind) */
			free(r->raw);
			free(r);
			continue;
		}
		if (r->corrupt)
			e = stor_send_corrupt(c, r);
		else
			e = host_dev_send(c, r->type, flags, r->trans_id, r->data, r->len);
		if (e == -EAGAIN)
			return;             /* ticked again when the guest frees space */
		sc->head = r->next;
		if (e == 0 && r->write_ack)
			s->st.acked_writes++;
		if (e == 0 && r->type == VMBUS_PKT_DATA_INBAND)
			s->st.enumerates++;
		if (e < 0 && r->type == VMBUS_PKT_COMP)
			s->st.dropped_replies++;
		/* §11: the network-host order offers sub-channels after the completion. */
		if (e == 0 && r->offer_subs)
			host_dev_offer_subchannels(d, r->offer_subs);
		if (e == 0 && r->corrupt)
			host_dev_trace(d, c, 0xBAD, r->trans_id);
		free(r);
	}
}

static struct stor_reply *stor_reply_new(uint64_t trans_id, const struct storvsc_packet *pkt,
					 uint32_t len)
{
	struct stor_reply *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->type = VMBUS_PKT_COMP;
	r->trans_id = trans_id;
	r->len = len;
	memcpy(r->data, pkt, len);
	return r;
}

/* ---- guest memory through the GPA-direct range (§2.2) ---- */

struct stor_gpa {
	uint32_t offset;            /* into the first page */
	uint32_t count;             /* bytes */
	uint32_t npfn;
	uint64_t pfn[(16u << 20) / STOR_PAGE + 1];   /* max-transfer <= 16M */
};

static int stor_gpa_copy(struct host *h, const struct stor_gpa *g, uint8_t *buf, uint32_t len,
			 bool to_guest)
{
	uint64_t pos = g->offset;

	while (len) {
		uint32_t pg = (uint32_t)(pos / STOR_PAGE), in = (uint32_t)(pos % STOR_PAGE);
		uint32_t n = STOR_PAGE - in < len ? STOR_PAGE - in : len;
		uint8_t *p = pg < g->npfn ? host_gmem(h, g->pfn[pg] * STOR_PAGE + in, n) : NULL;

		if (!p)
			return -EFAULT;
		if (to_guest)
			memcpy(p, buf, n);
		else
			memcpy(buf, p, n);
		buf += n;
		len -= n;
		pos += n;
	}
	return 0;
}

/* Parse and check the GPA-direct header; the payload starts at off. */
static int stor_gpa_parse(struct host_dev *d, struct host_chan *c, const uint8_t *pkt,
			  uint32_t payload_off, struct stor_gpa *g)
{
	struct vmbus_gpa_direct_header hdr;
	struct vmbus_gpa_range range;
	uint64_t need;

	if (payload_off < sizeof(hdr) + sizeof(range)) {
		host_dev_violation(d, c, "GPA-direct packet too short for its range header");
		return -EPROTO;
	}
	memcpy(&hdr, pkt, sizeof(hdr));
	memcpy(&range, pkt + sizeof(hdr), sizeof(range));
	if (hdr.rangecount != 1) {
		host_dev_violation(d, c, "GPA-direct packet with rangecount != 1 (§2.2)");
		return -EPROTO;
	}
	if (range.byte_count == 0 || range.byte_offset >= STOR_PAGE) {
		host_dev_violation(d, c, "GPA range with zero length or offset >= 4096");
		return -EPROTO;
	}
	need = ((uint64_t)range.byte_offset + range.byte_count + STOR_PAGE - 1) / STOR_PAGE;
	if (need > sizeof(g->pfn) / sizeof(g->pfn[0]) ||
	    sizeof(hdr) + sizeof(range) + need * 8 > payload_off) {
		host_dev_violation(d, c, "GPA range PFN list longer than the packet header");
		return -EPROTO;
	}
	g->offset = range.byte_offset;
	g->count = range.byte_count;
	g->npfn = (uint32_t)need;
	memcpy(g->pfn, pkt + sizeof(hdr) + sizeof(range), need * 8);
	for (uint32_t i = 0; i < g->npfn; i++)
		if (g->pfn[i] >= (1ull << 52) ||
		    !host_gmem(d->h, g->pfn[i] * STOR_PAGE, STOR_PAGE)) {
			char why[96];

			snprintf(why, sizeof(why), "GPA range PFN 0x%llx outside guest memory "
				 "or freed by the guest",
				 (unsigned long long)g->pfn[i]);
			host_dev_violation(d, c, why);
			return -EPROTO;
		}
	return 0;
}

/* ---- operations ---- */

/* What a handler decided; the caller shapes and queues the completion. */
struct stor_req {
	struct host_chan *c;
	const struct vmbus_pkt_desc *desc;
	const uint8_t *pkt;
	uint32_t payload_off;
	uint32_t in_len;            /* request bytes (header + payload) */
	struct storvsc_packet in;   /* zero-padded copy */
	struct storvsc_packet out;  /* completion (header + payload) */
	int act;                    /* trigger action or -1 */
	uint64_t arg;
	uint64_t delay;
	uint16_t offer_subs;
	bool write_ack;
	bool answer;
};

static void stor_status(struct stor_req *q, uint32_t nt)
{
	q->out.status = nt;
}

static void op_begin(struct host_dev *d, struct stor_req *q)
{
	struct stor_dev *s = d->priv;

	if (s->init != SIS_WAIT_BEGIN) {
		stor_status(q, STORVSC_NT_INVALID_DEVICE_STATE);
		return;
	}
	stor_transition(s, SE_BEGIN);
}

static void op_version(struct host_dev *d, struct stor_req *q)
{
	struct stor_dev *s = d->priv;
	uint16_t v = q->in.u.version.major_minor;

	if (s->init != SIS_WAIT_VERSION) {
		stor_status(q, STORVSC_NT_INVALID_DEVICE_STATE);
		return;
	}
	q->out.u.version.major_minor = v;
	q->out.u.version.revision = 0;
	if (!stor_version_ok(d, v)) {
		stor_status(q, STORVSC_NT_REVISION_MISMATCH);
		stor_transition(s, SE_VERSION_BAD);
		return;
	}
	s->version = v;
	s->st.version = v;
	stor_transition(s, SE_VERSION_OK);
}

static void op_properties(struct host_dev *d, struct stor_req *q)
{
	struct stor_dev *s = d->priv;
	struct storvsc_channel_props *p = &q->out.u.props;

	if (s->init != SIS_WAIT_PROPERTIES) {
		stor_status(q, STORVSC_NT_INVALID_DEVICE_STATE);
		return;
	}
	memset(p, 0, sizeof(*p));
	/* §15: max_channel_cnt as configured; the flag only from Win8 on. */
	p->max_channel_cnt = (uint16_t)s->max_sub;
	p->flags = s->version >= STORVSC_VERSION_WIN8 && s->max_sub ?
		   STORVSC_PROP_MULTI_CHANNEL : 0;
	p->max_transfer_bytes = s->max_transfer;
	stor_transition(s, SE_PROPS);
}

static void op_end(struct host_dev *d, struct stor_req *q)
{
	struct stor_dev *s = d->priv;

	if (s->init != SIS_WAIT_END) {
		stor_status(q, STORVSC_NT_INVALID_DEVICE_STATE);
		return;
	}
	stor_transition(s, SE_END);
	/* Hot-plug events fall due from now on (primary tick). */
	host_dev_tick_after(q->c, 0);
}

static void op_subchannels(struct host_dev *d, struct stor_req *q)
{
	struct stor_dev *s = d->priv;
	struct stor_chan *sc = stor_chan(q->c);
	uint32_t want = q->in.u.subchannel.sub_channel_count;
	uint32_t room = 64u - (uint32_t)d->nsub;

	/* §6: between QUERY_PROPERTIES and END_INITIALIZATION, or once Ready;
	 * §11: primary only, Win8+, at most the advertised maximum. */
	if (host_chan_subidx(q->c) != 0 ||
	    (s->init != SIS_WAIT_END && s->init != SIS_READY)) {
		stor_status(q, STORVSC_NT_INVALID_DEVICE_STATE);
		return;
	}
	if (s->version < STORVSC_VERSION_WIN8 || want == 0 || want > s->max_sub ||
	    want > room || sc->subchannels_done) {
		stor_status(q, STORVSC_NT_INVALID_PARAMETER);
		return;
	}
	if (q->act == HTA_STATUS && q->arg) {
		stor_status(q, (uint32_t)q->arg);
		return;
	}
	sc->subchannels_done = true;
	if (host_dev_subchan_offers_first(d))
		host_dev_offer_subchannels(d, (int)want);    /* storage host order */
	else
		q->offer_subs = (uint16_t)want;              /* after the completion */
	host_dev_trace(d, q->c, STORVSC_OP_CREATE_SUB_CHANNELS, want);
}

static void op_reset(struct host_dev *d, struct stor_req *q)
{
	struct stor_dev *s = d->priv;

	/* §15: resets complete at once with SUCCESS and abort nothing. */
	if (s->init != SIS_READY)
		stor_status(q, STORVSC_NT_INVALID_DEVICE_STATE);
}

static bool stor_is_data_cmd(uint8_t op)
{
	return op == SCSI_OP_READ10 || op == SCSI_OP_WRITE10 || op == SCSI_OP_READ16 ||
	       op == SCSI_OP_WRITE16;
}

/* The SRB's answer in the completion: the request echoed with results. */
static void srb_result(struct stor_req *q, const struct scsi_cmd *cmd, uint8_t sense_room)
{
	struct storvsc_srb *o = &q->out.u.srb;
	uint8_t n = cmd->sense_len < sense_room ? cmd->sense_len : sense_room;

	o->srb_status = cmd->srb_status;
	o->scsi_status = cmd->scsi_status;
	o->data_transfer_length = cmd->xfer;
	if (cmd->srb_status & STORVSC_SRB_STATUS_AUTOSENSE_VALID) {
		memset(o->u.sense_data, 0, sizeof(o->u.sense_data));
		memcpy(o->u.sense_data, cmd->sense, n);
		o->sense_info_length = n;
	} else {
		o->sense_info_length = 0;
	}
	q->out.status = scsi_srb_to_ntstatus(cmd->srb_status);
}

static void op_execute_srb(struct host_dev *d, struct stor_req *q)
{
	struct stor_dev *s = d->priv;
	const struct storvsc_srb *in = &q->in.u.srb;
	uint32_t srb_size = s->version >= STORVSC_VERSION_WIN8 ? STORVSC_SRB_SIZE
							       : STORVSC_SRB_SIZE_PRE_WIN8;
	uint8_t sense_room = s->version >= STORVSC_VERSION_WIN8 ? STORVSC_SENSE_MAX
								: STORVSC_SENSE_PRE_WIN8;
	static struct stor_gpa g;
	struct scsi_cmd cmd = { 0 };
	struct scsi_disk *disk;
	uint32_t dtl = in->data_transfer_length;
	bool gpa = q->desc->type == VMBUS_PKT_DATA_USING_GPA_DIRECT;

	s->st.srbs++;
	if (s->init != SIS_READY) {
		/* OpenVMM delays early sub-channel I/O; Keel never sends any. */
		stor_status(q, STORVSC_NT_INVALID_DEVICE_STATE);
		return;
	}
	if (q->in_len < STORVSC_PKT_HDR_SIZE + srb_size) {
		host_dev_violation(d, q->c, "EXECUTE_SRB shorter than the SRB of the version");
		q->answer = false;
		return;
	}
	if (sense_room > in->sense_info_length)
		sense_room = in->sense_info_length;
	if (dtl > s->max_transfer) {
		host_dev_violation(d, q->c, "SRB data_transfer_length above max_transfer_bytes "
			       "(the guest must split, docs/protocols/storage.md §12)");
		q->answer = false;
		return;
	}
	if (gpa) {
		if (stor_gpa_parse(d, q->c, q->pkt, q->payload_off, &g) < 0) {
			q->answer = false;
			return;
		}
		if (g.count < dtl) {
			host_dev_violation(d, q->c, "GPA range shorter than data_transfer_length "
				       "(§2.2)");
			q->answer = false;
			return;
		}
	} else if (dtl) {
		host_dev_violation(d, q->c, "data_transfer_length without a GPA-direct buffer");
		q->answer = false;
		return;
	}
	cmd.cdb = in->u.cdb;
	cmd.cdb_len = in->cdb_length;
	cmd.dir = in->data_in;
	cmd.buf = s->buf;
	cmd.len = dtl;
	if (in->length != srb_size) {
		cmd.srb_status = STORVSC_SRB_BAD_SRB_BLOCK_LENGTH;
		goto done;
	}
	if (in->cdb_length == 0 || in->cdb_length > STORVSC_CDB_MAX ||
	    in->data_in > STORVSC_DATA_NONE) {
		cmd.srb_status = STORVSC_SRB_INVALID_REQUEST;
		goto done;
	}
	/* Injected faults on data commands: the command is not executed. */
	if (stor_is_data_cmd(in->u.cdb[0])) {
		s->data_cmds++;
		if (s->rescind_io && s->data_cmds == s->rescind_io) {
			host_dev_trace(d, q->c, 0x5C1D, s->data_cmds);
			host_rescind(d->h, d->index, -1);   /* this I/O stays in flight */
			q->answer = false;
			return;
		}
		if (s->io_error_pm && d->h->env.rand &&
		    d->h->env.rand(d->h->env.ctx) % 1000 < s->io_error_pm) {
			s->st.faults++;
			scsi_check(&cmd, STORVSC_SRB_ERROR, s->fault_key, s->fault_asc,
				   s->fault_ascq);
			goto done;
		}
	}
	if (q->act == HTA_STATUS) {
		/* "status S" on a packet: S = SRB status; bit 7 adds fault-sense. */
		s->st.faults++;
		if (q->arg & STORVSC_SRB_STATUS_AUTOSENSE_VALID)
			scsi_check(&cmd, STORVSC_SRB_STATUS((uint8_t)q->arg), s->fault_key,
				   s->fault_asc, s->fault_ascq);
		else
			cmd.srb_status = STORVSC_SRB_STATUS((uint8_t)q->arg);
		goto done;
	}
	if (dtl && cmd.dir == STORVSC_DATA_OUT &&
	    stor_gpa_copy(d->h, &g, s->buf, dtl, false) < 0) {
		host_dev_violation(d, q->c, "GPA range unreadable");
		q->answer = false;
		return;
	}
	disk = in->path_id == 0 && in->target_id == 0 ? s->lun[in->lun % STOR_MAX_LUNS] : NULL;
	if (in->lun >= STOR_MAX_LUNS)
		disk = NULL;
	if (in->u.cdb[0] == SCSI_OP_REPORT_LUNS) {
		uint8_t luns[STOR_MAX_LUNS];
		int n = 0;

		/* §9: REPORT LUNS lists the LUNs of the requester's path/target. */
		for (int l = 0; l < STOR_MAX_LUNS && in->path_id == 0 && in->target_id == 0; l++)
			if (s->lun[l])
				luns[n++] = (uint8_t)l;
		if (cmd.dir != STORVSC_DATA_IN && dtl) {
			host_dev_violation(d, q->c, "REPORT LUNS with a data-out buffer");
			q->answer = false;
			return;
		}
		scsi_report_luns(&cmd, luns, n);
	} else if (!disk) {
		scsi_no_lun(&cmd);
	} else if (scsi_disk_execute(disk, &cmd) < 0) {
		host_dev_violation(d, q->c, "SRB data direction disagrees with its CDB");
		q->answer = false;
		return;
	}
	if (cmd.blocks)
		cmd.is_write ? s->st.writes++ : s->st.reads++;
	q->write_ack = cmd.is_write;
	if (cmd.xfer && cmd.dir == STORVSC_DATA_IN &&
	    stor_gpa_copy(d->h, &g, s->buf, cmd.xfer, true) < 0) {
		host_dev_violation(d, q->c, "GPA range unwritable");
		q->answer = false;
		return;
	}
done:
	if (STORVSC_SRB_STATUS(cmd.srb_status) != STORVSC_SRB_SUCCESS)
		s->st.errors++;
	srb_result(q, &cmd, sense_room);
	if (s->io_jitter && d->h->env.rand)
		q->delay += d->h->env.rand(d->h->env.ctx) % (s->io_jitter + 1);
}

static void op_refuse(struct host_dev *d, struct stor_req *q)
{
	(void)d;
	stor_status(q, STORVSC_NT_INVALID_DEVICE_REQUEST);
}

/* Operation table (§4): handler, payload bytes it reads, primary only. */
static const struct {
	uint32_t op;
	void (*run)(struct host_dev *d, struct stor_req *q);
	uint32_t min_payload;
	bool primary_only;
} stor_ops[] = {
	{ STORVSC_OP_EXECUTE_SRB, op_execute_srb, STORVSC_SRB_SIZE_PRE_WIN8, false },
	{ STORVSC_OP_RESET_LUN, op_reset, 0, false },
	{ STORVSC_OP_RESET_ADAPTER, op_reset, 0, false },
	{ STORVSC_OP_RESET_BUS, op_reset, 0, false },
	{ STORVSC_OP_BEGIN_INITIALIZATION, op_begin, 0, true },
	{ STORVSC_OP_END_INITIALIZATION, op_end, 0, true },
	{ STORVSC_OP_QUERY_PROTOCOL_VERSION, op_version, 4, true },
	{ STORVSC_OP_QUERY_PROPERTIES, op_properties, 0, true },
	{ STORVSC_OP_CREATE_SUB_CHANNELS, op_subchannels, 2, false },
};

/* late-answer and corrupt-answer count data commands (READ/WRITE) as
 * they arrive. */
static void stor_data_faults(struct stor_dev *s, struct stor_req *q, bool *corrupt)
{
	if (q->in.operation != STORVSC_OP_EXECUTE_SRB || !stor_is_data_cmd(q->in.u.srb.u.cdb[0]))
		return;
	s->data_seen++;
	if (s->late_n && s->data_seen == s->late_n)
		q->delay += s->late_delay;
	if (s->corrupt_n && s->data_seen == s->corrupt_n)
		*corrupt = true;
}

/* data-at=answer: keep the request; stor_flush executes it when due. */
static void stor_defer(struct host_dev *d, struct host_chan *c, struct stor_req *q,
		       uint32_t len, bool corrupt)
{
	struct stor_reply *r;

	if (q->act == HTA_NEVER_ANSWER)
		return;                 /* never answered, never executed */
	if (q->act == HTA_DELAY)
		q->delay += q->arg;
	r = calloc(1, sizeof(*r));
	if (!r)
		return;
	r->raw = malloc(len);
	if (!r->raw) {
		free(r);
		return;
	}
	memcpy(r->raw, q->pkt, len);
	r->raw_len = len;
	r->desc = *q->desc;
	r->act = q->act;
	r->arg = q->arg;
	r->type = VMBUS_PKT_COMP;
	r->trans_id = q->desc->trans_id;
	r->corrupt = corrupt;
	stor_queue(d, c, r, q->delay);
	stor_flush(d, c);
}

/* Execute a deferred SRB now (its answer is due): the guest's buffer is
 * read or written at this moment. Returns false when there is no answer. */
static bool stor_run_deferred(struct host_dev *d, struct host_chan *c, struct stor_reply *r)
{
	struct stor_req q;

	memset(&q, 0, sizeof(q));
	q.c = c;
	q.desc = &r->desc;
	q.pkt = r->raw;
	q.payload_off = r->desc.offset8 * 8u;
	q.in_len = r->raw_len - q.payload_off < STORVSC_PKT_SIZE ?
		   r->raw_len - q.payload_off : STORVSC_PKT_SIZE;
	memcpy(&q.in, r->raw + q.payload_off, q.in_len);
	memcpy(&q.out.u, &q.in.u, sizeof(q.out.u));
	q.out.operation = STORVSC_OP_COMPLETE_IO;
	q.answer = true;
	q.act = r->act;
	q.arg = r->arg;
	op_execute_srb(d, &q);
	free(r->raw);
	r->raw = NULL;
	if (!q.answer)
		return false;
	memcpy(r->data, &q.out, q.in_len);
	r->len = q.in_len;
	r->write_ack = q.write_ack;
	return true;
}

static void stor_packet(struct host_dev *d, struct host_chan *c, const struct vmbus_pkt_desc *desc,
			const uint8_t *pkt, uint32_t len)
{
	struct stor_dev *s = d->priv;
	struct stor_req q;
	uint32_t off = desc->offset8 * 8u, plen, reply_len;
	bool corrupt = false;
	size_t i;

	memset(&q, 0, sizeof(q));
	if (desc->type != VMBUS_PKT_DATA_INBAND && desc->type != VMBUS_PKT_DATA_USING_GPA_DIRECT) {
		host_dev_violation(d, c, "packet type other than in-band or GPA-direct (§2)");
		return;
	}
	if (!(desc->flags & VMBUS_PKT_FLAG_COMPLETION_REQUESTED)) {
		/* §2.1: OpenVMM rejects a request that asks for no completion. */
		host_dev_violation(d, c, "request without COMPLETION_REQUESTED (§2.1)");
		return;
	}
	if (off < sizeof(*desc) || off > len || len - off < STORVSC_PKT_HDR_SIZE) {
		host_dev_violation(d, c, "vstor_packet shorter than its 12-byte header");
		return;
	}
	plen = len - off;
	q.c = c;
	q.desc = desc;
	q.pkt = pkt;
	q.payload_off = off;
	q.in_len = plen < STORVSC_PKT_SIZE ? plen : STORVSC_PKT_SIZE;
	memcpy(&q.in, pkt + off, q.in_len);
	q.out.operation = STORVSC_OP_COMPLETE_IO;
	q.answer = true;
	q.delay = s->reply_delay;
	q.act = host_dev_trigger(d, c, q.in.operation == STORVSC_OP_CREATE_SUB_CHANNELS ?
				      HOST_STEP_SUBCHANNELS : HOST_STEP_PACKET, &q.arg);
	if (q.act == HTA_DROP)
		return;
	if (q.act == HTA_RESCIND) {
		host_rescind(d->h, d->index, host_chan_subidx(c));
		return;
	}
	stor_data_faults(s, &q, &corrupt);
	if (s->data_at_answer && q.in.operation == STORVSC_OP_EXECUTE_SRB &&
	    desc->type == VMBUS_PKT_DATA_USING_GPA_DIRECT) {
		stor_defer(d, c, &q, len, corrupt);
		return;
	}
	/* §2.3: every completion echoes the request's payload size, max 52. */
	reply_len = q.in_len;
	memcpy(&q.out.u, &q.in.u, sizeof(q.out.u));
	for (i = 0; i < sizeof(stor_ops) / sizeof(stor_ops[0]); i++)
		if (stor_ops[i].op == q.in.operation)
			break;
	if (i == sizeof(stor_ops) / sizeof(stor_ops[0])) {
		op_refuse(d, &q);
	} else if (q.in_len - STORVSC_PKT_HDR_SIZE < stor_ops[i].min_payload) {
		host_dev_violation(d, c, "vstor_packet shorter than its operation's payload");
		return;
	} else if (stor_ops[i].primary_only && host_chan_subidx(c) != 0) {
		stor_status(&q, STORVSC_NT_INVALID_DEVICE_STATE);
	} else {
		stor_ops[i].run(d, &q);
	}
	if (!q.answer || q.act == HTA_NEVER_ANSWER) {
		if (q.offer_subs)
			host_dev_offer_subchannels(d, q.offer_subs);
		return;
	}
	if (q.act == HTA_DELAY)
		q.delay += q.arg;
	if (q.act == HTA_STATUS && q.in.operation != STORVSC_OP_EXECUTE_SRB &&
	    q.in.operation != STORVSC_OP_CREATE_SUB_CHANNELS)
		q.out.status = (uint32_t)q.arg;
	for (int n = q.act == HTA_DUPLICATE ? 2 : 1; n > 0; n--) {
		struct stor_reply *r = stor_reply_new(desc->trans_id, &q.out, reply_len);

		if (!r)
			return;
		/* the last copy carries the bookkeeping (a duplicate is extra) */
		r->write_ack = n == 1 && q.write_ack;
		r->offer_subs = n == 1 ? q.offer_subs : 0;
		r->corrupt = corrupt;
		stor_queue(d, c, r, q.delay);
	}
	stor_flush(d, c);
}

/* ---- hot plug (§10) ---- */

static void stor_hotplug_run(struct host_dev *d, struct host_chan *c)
{
	struct stor_dev *s = d->priv;
	uint64_t now = host_now(d->h), next = 0;
	bool changed = false;

	if (host_chan_subidx(c) != 0 || s->init != SIS_READY)
		return;
	for (int i = 0; i < s->nhot; i++) {
		struct stor_hotplug *e = &s->hot[i];

		if (e->done)
			continue;
		if (e->at > now) {
			if (!next || e->at < next)
				next = e->at;
			continue;
		}
		e->done = true;
		if (e->add && !s->lun[e->lun] && stor_lun_make(d, e->lun, false) == 0)
			changed = true;
		if (!e->add && s->lun[e->lun]) {
			scsi_disk_destroy(s->lun[e->lun]);
			s->lun[e->lun] = NULL;
			changed = true;
		}
		host_dev_trace(d, c, e->add ? 0xADD : 0xDE1, e->lun);
	}
	/* §10: OpenVMM announces changes only from WIN7 on, after Ready. */
	if (changed && s->version >= STORVSC_VERSION_WIN7)
		s->enum_pending = true;
	if (s->enum_pending) {
		struct storvsc_packet p = { .operation = STORVSC_OP_ENUMERATE_BUS };
		/* §15: sized by the negotiated version's maximum. */
		struct stor_reply *r = stor_reply_new(0, &p, storvsc_pkt_size(s->version));

		if (r) {
			r->type = VMBUS_PKT_DATA_INBAND;
			s->enum_pending = false;
			stor_queue(d, c, r, 0);
		}
	}
	if (next)
		host_dev_tick_after(c, next - now);
}

/* ---- device ops ---- */

static uint32_t stor_open(struct host_dev *d, struct host_chan *c)
{
	struct stor_dev *s = d->priv;
	struct stor_chan *sc = stor_chan(c);
	int r = stor_luns_make(d);

	if (r < 0) {
		char why[200];

		snprintf(why, sizeof(why), "cannot create LUNs (image '%s'): %s", s->image,
			 strerror(-r));
		host_dev_violation(d, c, why);
		return STORVSC_NT_UNSUCCESSFUL;
	}
	if (!sc) {
		sc = calloc(1, sizeof(*sc));
		if (!sc)
			return STORVSC_NT_UNSUCCESSFUL;
		*host_chan_priv(c) = sc;
	}
	stor_free_replies(d, sc);
	sc->subchannels_done = false;
	if (host_chan_subidx(c) == 0)
		stor_transition(s, SE_OPEN);
	return 0;
}

static void stor_close(struct host_dev *d, struct host_chan *c)
{
	struct stor_chan *sc = stor_chan(c);

	if (!sc)
		return;
	stor_free_replies(d, sc);
	free(sc);
	*host_chan_priv(c) = NULL;
}

static void stor_rescind(struct host_dev *d, struct host_chan *c)
{
	struct stor_chan *sc = stor_chan(c);

	/* Completions not yet sent never will be: the guest must fail them. */
	if (sc)
		stor_free_replies(d, sc);
}

static void stor_tick(struct host_dev *d, struct host_chan *c)
{
	stor_hotplug_run(d, c);
	stor_flush(d, c);
}

static void stor_destroy(struct host_dev *d)
{
	struct stor_dev *s = d->priv;

	for (int l = 0; l < STOR_MAX_LUNS; l++)
		scsi_disk_destroy(s->lun[l]);
	free(s->buf);
}

/* expect host DEV flushes N: SYNCHRONIZE CACHE commands that reached the
 * stores (every LUN); srbs: EXECUTE_SRB requests handled. */
static int stor_counter(struct host_dev *d, const char *key, uint64_t *out)
{
	struct stor_dev *s = d->priv;
	struct backing_stats bs;

	if (!strcmp(key, "srbs")) {
		*out = s->st.srbs;
		return 0;
	}
	if (strcmp(key, "flushes"))
		return -ENOENT;
	*out = 0;
	for (int l = 0; l < STOR_MAX_LUNS; l++)
		if (s->lun[l]) {
			backing_get_stats(s->lun[l]->b, &bs);
			*out += bs.flushes;
		}
	return 0;
}

/* LUN 0's bytes as they are in its store: what survives a power-off. */
static int stor_read(struct host_dev *d, uint64_t off, void *buf, size_t len)
{
	struct stor_dev *s = d->priv;

	if (!s->lun[0])
		return -ENODEV;
	return backing_read(s->lun[0]->b, off, buf, len);
}

const struct host_dev_ops storvsc_dev_ops = {
	.type = "storage",
	.class_guid = VMBUS_CLASS_STORAGE,
	.priv_size = sizeof(struct stor_dev),
	.init = stor_init_defaults,
	.keys = STOR_KEYS,
	.param = stor_param,
	.on_open = stor_open,
	.on_packet = stor_packet,
	.on_close = stor_close,
	.on_rescind = stor_rescind,
	.tick = stor_tick,
	.destroy = stor_destroy,
	.counter = stor_counter,
	.read = stor_read,
};

/* ---- queries (host/storvsc_host.h) ---- */

static struct stor_dev *stor_find(struct host *h, int dev)
{
	if (dev < 0 || dev >= h->ndevs || h->devs[dev]->ops != &storvsc_dev_ops)
		return NULL;
	return h->devs[dev]->priv;
}

int storvsc_host_get_stats(struct host *h, int dev, struct storvsc_host_stats *st)
{
	struct stor_dev *s = stor_find(h, dev);

	if (!s)
		return -ENODEV;
	*st = s->st;
	return 0;
}

int storvsc_host_lun_read(struct host *h, int dev, int lun, uint64_t off, void *buf, size_t len)
{
	struct stor_dev *s = stor_find(h, dev);

	if (!s || lun < 0 || lun >= STOR_MAX_LUNS || !s->lun[lun])
		return -ENODEV;
	return backing_read(s->lun[lun]->b, off, buf, len);
}

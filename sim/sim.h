/*
 * keelsim: the deterministic simulator. One process runs scenarios
 * (tests/scenarios/NAME.scn, format in docs/scenarios.md) over many seeds; each
 * seed drives the guest's portable code (hosted build) against the host
 * library (host/) through a scheduler whose every choice comes from the
 * seed's random stream, so a seed replays exactly.
 *
 * Files: main.c (command line, seed loop, results), scenario.c (parser),
 * sched.c (one seed: the scheduler, invariants, expectations), trace.c
 * (in-memory trace ring and hash), guest_keel.c (the real guest: vmbus/),
 * testguest.c (a tiny TEST-ONLY guest that proves the host on its own).
 */
#ifndef KEEL_SIM_H
#define KEEL_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/host.h"

/* ---- random stream: splitmix64 seeding, xoshiro256** ---- */

struct sim_rng {
	uint64_t s[4];
};

static inline uint64_t sim_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static inline void sim_rng_seed(struct sim_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = sim_splitmix64(&seed);
}

static inline uint64_t sim_rng_next(struct sim_rng *r)
{
	uint64_t *s = r->s, t = s[1] << 17;
	uint64_t x = s[1] * 5, res = ((x << 7) | (x >> 57)) * 9;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = (s[3] << 45) | (s[3] >> 19);
	return res;
}

static inline uint32_t sim_rng_below(struct sim_rng *r, uint32_t n)
{
	return n ? (uint32_t)(((sim_rng_next(r) >> 32) * (uint64_t)n) >> 32) : 0;
}

/* ---- scenarios (scenario.c) ---- */

#define SIM_MAX_DEVS     128
#define SIM_MAX_ACTIONS  64
#define SIM_MAX_TRIGGERS 64
#define SIM_MAX_EXPECTS  64
#define SIM_MAX_PARAMS   16

/* key=value parameters per device line (a vPCI function takes many). */
#define SIM_MAX_DEV_PARAMS 16

struct sim_devspec {
	char type[16];
	char name[32];
	char keys[SIM_MAX_DEV_PARAMS][24];
	char vals[SIM_MAX_DEV_PARAMS][128];     /* values may be file paths */
	int nparams;
};

enum sim_action_kind {
	SA_OFFER, SA_RESCIND, SA_UNLOAD, SA_MALFORMED, SA_IBUF, SA_POST_FAIL,
};

struct sim_action {
	uint64_t at;
	int kind;
	char dev[32];
	int subidx;              /* rescind: -1 all */
	char arg[40];
	uint64_t num;
	int line;                /* in the scenario file */
};

struct sim_trigspec {
	uint32_t key;            /* VMBus msgtype or HOST_STEP_* */
	char dev[32];            /* "*" any */
	int subidx;              /* -1 any */
	uint32_t nth;
	bool every;
	uint32_t max;            /* fire at most this often (0: no limit) */
	int action;              /* enum host_trig_action */
	uint64_t arg;
	int line;                /* in the scenario file */
};

enum sim_expect_kind {
	SE_READY,          /* dev (or "all") ready by `by` (0: at end) */
	SE_NOT_READY,      /* dev never ready */
	SE_RELEASED,       /* host saw RELID_RELEASED for dev (>= num) */
	SE_OPENED,         /* host opened dev's primary >= num times */
	SE_ECHOES,         /* host served >= num packets on dev (all channels) */
	SE_SUBCHANNELS,    /* dev has num sub-channels offered (host) */
	SE_SUBCHANNELS_OPEN, /* num sub-channels of dev opened (host) */
	SE_VERSION,        /* negotiated version == num */
	SE_CONNECTED,
	SE_UNLOADED,
	SE_DEADLOCK,       /* a deadlock report containing every text must occur */
	SE_VIOLATION,      /* a host-side violation must occur (host tests) */
	SE_DROPPED,        /* guest dropped >= num host messages */
	SE_DEVICES,        /* guest lists exactly num devices */
	SE_QUIESCENT,      /* the run must end with nothing left to do */
	SE_TRIGGERED,      /* every trigger fired at least once */
	SE_MASKED_SIGNALS, /* dev's channels signalled the host at most num times while masked */
	SE_NO_HANG,        /* (always checked) no deadlock report, nothing stuck */
	SE_NO_VIOLATION,   /* (always checked unless `expect violation`) */
	SE_BASELINE,       /* at rest after every device release: no guest VMBus object
			      left, guest pages and heap back at their level after the first */
	SE_HOST_COUNTER,   /* the device host's counter `text` of dev >= num */
	SE_LOG,            /* the guest's log (info and up) contains `text` */
	SE_POWER_OFF,      /* the guest powered the machine off */
	SE_RESET,          /* the guest reset the machine */
	SE_PCI,            /* the guest's PCI listing holds text */
	SE_NO_PCI,         /* the guest's PCI listing does not hold text */
};

#define SIM_EXPECT_TEXTS 8

struct sim_expect {
	int kind;
	char dev[32];
	char text[96];           /* expect violation / pci TEXT: a substring */
	char texts[SIM_EXPECT_TEXTS][96];  /* expect deadlock "T"...: each in the report;
					      expect log "T"...: in the log in order */
	int ntexts;
	uint64_t by;
	uint64_t num;
	int line;
};

struct sim_scenario {
	char file[256];
	char variant[128];       /* "NAME=v,..." for parameterised scenarios */
	char profile[32];
	char sw_keys[16][32];
	char sw_vals[16][64];
	int nswitches;
	char guest[16];          /* "keel" or "test" */
	char guest_switch[8][32];
	int nguest_switches;
	uint64_t ram;
	uint64_t until;
	uint64_t max_steps;
	uint32_t step_cost_ns;   /* max virtual time one step costs */
	uint32_t mem_slack;      /* pages the guest may hold beyond live GPADLs */
	unsigned seeds;          /* default seed count */
	struct sim_devspec devs[SIM_MAX_DEVS];
	int ndevs;
	struct sim_action acts[SIM_MAX_ACTIONS];
	int nacts;
	struct sim_trigspec trigs[SIM_MAX_TRIGGERS];
	int ntrigs;
	struct sim_expect exps[SIM_MAX_EXPECTS];
	int nexps;
	bool allow_hang;
};

/* Parse one file into one or more variants (param lines multiply them).
 * Returns the number of variants filled into *out (malloc'd), or -1 with a
 * message on stderr. */
int sim_scenario_load(const char *path, struct sim_scenario **out);

/* ---- trace (trace.c) ---- */

enum sim_trace_kind {
	ST_GUEST_RUN = 100,  /* ptr = queue name */
	ST_IRQ,
	ST_TIMER,
	ST_TIME,             /* a = new time (low), c = ns */
	ST_ACTION,           /* ptr = text */
	ST_HOST_WORK,        /* a = kind, b = arg */
	ST_NOTE,             /* ptr = text */
};

void sim_trace_reset(bool live);
void sim_trace_add(int kind, uint32_t a, uint32_t b, uint64_t c, const char *str);
uint64_t sim_trace_hash(void);
uint64_t sim_trace_count(void);
void sim_trace_dump_last(unsigned n);     /* to stdout */
/* sim/timeline.c: keelsim --timeline, one seed as an SVG picture. */
void sim_timeline_begin(void);
void sim_timeline_trace(int kind, uint32_t a, uint32_t b, uint64_t c);
int sim_timeline_write(const char *path, const char *title);

/* ---- the guest under test (guest_keel.c, testguest.c) ---- */

struct sim_gdev {
	struct vmbus_guid instance;
	bool ready;
	const char *state;
	int nsub;
	uint32_t relid;
};

struct sim_guest_ops {
	const char *name;
	int (*start)(void);
	void (*stop)(void);                         /* scenario "unload" */
	void (*fini)(void);
	int (*runnable)(void **q, const char **names, int max);
	void (*run)(void *q);
	int (*list)(struct sim_gdev *out, int max);
	uint64_t (*dropped)(void);
	uint32_t (*version)(void);
	int (*guest_switch)(const char *name);     /* guest-side switches */
	unsigned (*deadlocks)(void);
	const char *(*deadlock_report)(void);
	bool (*stall_check)(void);
	uint64_t (*next_deadline)(void);
	/* VMBus objects the guest holds, and devices it freed so far. */
	int (*held)(uint32_t *objects, uint64_t *freed);
	/* The guest's PCI listing (lspci-style) into buf; NULL: no PCI. */
	size_t (*pci_list)(char *buf, size_t cap);
};

extern const struct sim_guest_ops sim_guest_keel;
extern const struct sim_guest_ops sim_guest_test;
extern bool sim_have_keel_guest;
/* The machine's power as the guest last set it (its platform power-off or
 * reset); reset to SIM_POWER_ON at the start of every seed (sched.c). */
enum { SIM_POWER_ON, SIM_POWER_OFF, SIM_POWER_RESET };
extern int sim_guest_power;

/* ---- running (sched.c) ---- */

struct sim_opts {
	bool trace;          /* print every trace line as it happens */
	bool verbose;
	bool quiet;
};

struct sim_result {
	bool pass;
	bool panicked;          /* guest state is unreliable: run no more seeds */
	uint64_t hash;
	uint64_t steps;
	uint64_t end_ns;
	char why[2048];
};

/* Devices, parameters and triggers of sc into host h (sim/scenario.c). */
int sim_scenario_apply(const struct sim_scenario *sc, struct host *h, int *devidx,
		       int *trig_index, char *why, size_t whylen);

void sim_run_seed(const struct sim_scenario *sc, uint64_t seed, const struct sim_opts *o,
		  struct sim_result *res);
/* Once per process (arena size from the largest scenario). */
int sim_global_init(size_t ram);
void sim_global_fini(void);
/* The nth storage device's stored bytes (host_device_read), for checks
 * at the guest's power-off: 0, or -ENODEV past the last one. */
int sim_storage_read(int nth, uint64_t off, void *buf, size_t len);
/* wq_set_may_wake hook: can an interrupt still arrive? */
bool sim_may_wake(void *arg);

#endif

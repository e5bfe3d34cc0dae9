/*
 * The real guest on the simulated host, for the message harnesses
 * (fuzz_vmbus_msg.c, fuzz_msgpath.c): Keel's work queues, timers, VMBus
 * core and drivers as the hosted build runs them (like keelsim's
 * sim/guest_keel.c), against one host library instance (host/).
 *
 * Each input starts a fresh guest (fz_guest_start) and ends with
 * fz_guest_stop, which frees everything the guest and the host hold.
 */
#ifndef KEEL_FUZZ_GUEST_H
#define KEEL_FUZZ_GUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "host/host.h"

/* The devices a run offers. */
struct fz_setup {
	const char *profile;        /* host/profile.c name */
	bool echo;                  /* an echo device ("echo0") */
	int echo_subchannels;       /* the echo driver asks for this many */
	bool storage;               /* a storage device ("disk0", one small LUN) */
	bool network;               /* a network device ("net0") */
	bool ic;                    /* the heartbeat, shutdown, timesync and KVP ICs */
};

/* Start host and guest (vmbus_start queued, nothing run yet). Returns the
 * host, or NULL when the setup is refused (then nothing needs stopping). */
struct host *fz_guest_start(const struct fz_setup *s);
void fz_guest_stop(void);

/* Run guest work and deliver raised interrupts until neither is left
 * (bounded); no host work, no time. */
void fz_guest_run_idle(void);
/* Move virtual time on by ns, firing guest timers on the way. */
void fz_guest_advance(uint64_t ns);

#endif

/*
 * blkload: keelsim's guest-side block load generator (sim/blkload.c), for
 * the storage bench and the storage fault scenarios. TEST/BENCH ONLY.
 * Called from sim/guest_keel.c: switches before the run, start after
 * vmbus_start, fini after vmbus_fini.
 */
#ifndef KEEL_SIM_BLKLOAD_H
#define KEEL_SIM_BLKLOAD_H

/* A "blkload..." guest switch: 0, or -1 if not one of ours / bad value. */
int blkload_switch(const char *name);
void blkload_start(void);
void blkload_fini(void);
/* verify: at the guest's power-off, every acknowledged write must be in the
 * host's store (panics otherwise). */
void blkload_power_off(void);

#endif

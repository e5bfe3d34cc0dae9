/*
 * The orderly shutdown (drivers/shutdown.c): what Keel does when Hyper-V
 * asks it to power off or restart (the shutdown IC), or when anything else
 * decides to stop the machine.
 *
 *   IDLE -> APPS -> FLUSH -> UNLOAD -> POWER -> DONE
 *
 * APPS: every registered application stop hook runs; FLUSH: every disk is
 * flushed (SYNCHRONIZE CACHE through the block layer); UNLOAD: VMBus
 * closes every channel and sends UNLOAD; POWER: the platform's power-off
 * (ACPI S5) or reset. All of it runs on its own work queue against one
 * deadline: a disk or device that does not quiesce in time is named in the
 * log and the machine powers off anyway.
 */
#ifndef KEEL_DRIVERS_SHUTDOWN_H
#define KEEL_DRIVERS_SHUTDOWN_H

#include <stdbool.h>
#include <stdint.h>

enum shutdown_action {
	SHUTDOWN_POWER_OFF,
	SHUTDOWN_RESTART,
};

#define SHUTDOWN_DEADLINE_NS (5ull * 1000000000ull)   /* default, whole sequence */
#define SHUTDOWN_DEADLINE_MAX_NS (60ull * 1000000000ull)

/* An application's stop hook: runs in the shutdown work item (may wait,
 * but the deadline keeps running). Register once; the struct is the
 * caller's and must outlive the run. */
struct shutdown_app {
	const char *name;
	void (*stop)(void *arg);
	void *arg;
	struct shutdown_app *next;
};
void shutdown_register_app(struct shutdown_app *app);

/* How the platform powers off or resets (kernel/services.c on bare metal:
 * ACPI S5 / the FADT reset register; keelsim records it). Without one the
 * sequence ends with a log line. */
void shutdown_set_power_handler(void (*fn)(enum shutdown_action a));

/* Queue the sequence: 0, or -EALREADY when one is already running.
 * deadline_ns 0: SHUTDOWN_DEADLINE_NS; capped at SHUTDOWN_DEADLINE_MAX_NS. */
int shutdown_start(enum shutdown_action a, uint64_t deadline_ns);
bool shutdown_in_progress(void);

#endif

/*
 * ==== LATER LAYERS START HERE ====
 * kmain (kernel/main.c) calls kernel_start_services() after the bare-metal
 * core is up and interrupts are on, before it prints the ready line; and,
 * with on_ready=idle, kernel_run() last. Today both are the plain core:
 *   - kernel_start_services: nothing yet. Issue 3 adds the work queues here
 *     (their init), issue 5 adds vmbus_start() (queue the VMBus connect).
 *   - kernel_run: halt until interrupts forever. Issue 3 replaces the loop
 *     with the work queues' scheduler loop, wq_run_loop().
 * Nothing here may be hidden behind weak symbols: the lead edits this file.
 */
#include "kernel/services.h"

#include "kernel/platform.h"

void kernel_start_services(void)
{
	/* wq_init();     issue 3 */
	/* vmbus_start(); issue 5 */
}

void kernel_run(void)
{
	for (;;)
		plat_idle();    /* issue 3: wq_run_loop(); */
}

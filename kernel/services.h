/*
 * The hook where later layers start. kmain calls kernel_start_services()
 * once the core (memory, consoles, clock, interrupts, platform) is up, and,
 * for on_ready=idle, kernel_run() as its last act.
 */
#ifndef KEEL_SERVICES_H
#define KEEL_SERVICES_H

/* Start the work queues and VMBus (kernel/services.c). */
void kernel_start_services(void);
/* The idle loop: never returns. */
_Noreturn void kernel_run(void);

#endif

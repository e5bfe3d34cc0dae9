/*
 * Where the layers above the bare-metal core start. kmain (kernel/main.c)
 * calls kernel_start_services() once the core is up and interrupts are on,
 * before it prints the ready line; and, with on_ready=idle, kernel_run() last.
 *
 *   - kernel_start_services: the work queues and timers (kernel/wq.h,
 *     kernel/timer.h); later layers (VMBus) queue their bring-up here.
 *   - kernel_run: the work queues' scheduler loop; never returns.
 */
#include "kernel/services.h"

#include "kernel/timer.h"
#include "kernel/wq.h"

void kernel_start_services(void)
{
	wq_init();
	timer_init();
}

void kernel_run(void)
{
	wq_run_loop();
}

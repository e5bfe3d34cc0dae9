/* Stack protector guard (kernel/ssp.c). */
#ifndef KEEL_SSP_H
#define KEEL_SSP_H

/* Seed __stack_chk_guard; call first thing in kmain. */
void ssp_init(void);

#endif

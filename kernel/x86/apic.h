/*
 * The local APIC (SDM vol. 3 ch. 10): x2APIC when CPUID offers it, else xAPIC
 * MMIO (QEMU TCG has no x2APIC); its one-shot timer drives the platform's
 * timer_arm (kernel/platform.h). Vectors follow Linux's choice on Hyper-V
 * (docs/protocols/gen2-platform.md §8).
 */
#ifndef KEEL_X86_APIC_H
#define KEEL_X86_APIC_H

#include <stdbool.h>
#include <stdint.h>

#define APIC_TIMER_VECTOR    0xEC   /* LOCAL_TIMER_VECTOR */
#define APIC_SPURIOUS_VECTOR 0xFF

/* Physical base of the xAPIC page (for mapping it uncached before init). */
uint64_t apic_mmio_base(void);
/* Mask the 8259s, enable the local APIC, calibrate its timer. */
void apic_init(void);
void apic_eoi(void);
bool apic_is_x2apic(void);
/* One-shot timer at an absolute tsc_now_ns() deadline; 0 disarms. */
void apic_timer_arm(uint64_t deadline_ns);
/* How many times the timer deadline expired (self-test evidence). */
uint64_t apic_timer_expirations(void);

#endif

/* I/O APICs from the MADT (docs/protocols/gen2-platform.md §5): all lines masked at boot. */
#ifndef KEEL_X86_IOAPIC_H
#define KEEL_X86_IOAPIC_H

/* Mask every redirection entry of every I/O APIC (firmware may leave some on). */
void ioapic_mask_all(void);

#endif

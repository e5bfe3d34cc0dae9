/*
 * Vector dispatch for everything trap.S delivers: CPU exceptions (0..31) go
 * to the fault report; the APIC spurious vector is dropped without EOI (SDM
 * vol. 3 §10.9); every other vector runs its registered handler with
 * interrupts off and is then acknowledged at the local APIC. Handlers follow
 * the platform rule: acknowledge, record, queue work; nothing that waits.
 */
#include "kernel/x86/irq.h"

#include <errno.h>
#include <stdint.h>

#include "kernel/introspect.h"
#include "kernel/log.h"
#include "kernel/x86/apic.h"
#include "kernel/x86/exception.h"
#include "kernel/x86/trap.h"

struct irq_slot {
	void (*fn)(void *arg);
	void *arg;
};

static struct irq_slot irq_slots[IRQ_VECTOR_MAX + 1];
static uint64_t irq_warned[(IRQ_VECTOR_MAX + 1) / 64];   /* one bit per vector */
/* Totals only: a count per vector would cost 2 KiB of keel.efi's budget. */
static uint64_t irq_taken, irq_spurious;

int irq_register(int vector, void (*fn)(void *arg), void *arg)
{
	if (vector < IRQ_VECTOR_MIN || vector > IRQ_VECTOR_MAX || fn == NULL)
		return -EINVAL;
	if (irq_slots[vector].fn != NULL || vector == APIC_SPURIOUS_VECTOR)
		return -EBUSY;
	irq_slots[vector].arg = arg;
	irq_slots[vector].fn = fn;
	return 0;
}

static void irq_unexpected(uint64_t vector)
{
	uint64_t bit = 1ull << (vector % 64);

	/* Log the first one per vector only: a stuck line must not flood us. */
	if (!(irq_warned[vector / 64] & bit))
		pr_warn("irq: unexpected interrupt on vector %llu",
			(unsigned long long)vector);
	irq_warned[vector / 64] |= bit;
}

void trap_dispatch(struct trap_frame *f)
{
	struct irq_slot *s;

	if (f->vector < IRQ_VECTOR_MIN) {
		exception_handle(f);
		return;
	}
	if (f->vector == APIC_SPURIOUS_VECTOR) {
		irq_spurious++;
		return;
	}
	irq_taken++;
	s = &irq_slots[f->vector & IRQ_VECTOR_MAX];
	if (s->fn != NULL)
		s->fn(s->arg);
	else
		irq_unexpected(f->vector & IRQ_VECTOR_MAX);
	apic_eoi();
}

void irq_print(kprintf_fn out)
{
	out("interrupts: %llu taken, %llu spurious; vectors in use:",
	    (unsigned long long)irq_taken, (unsigned long long)irq_spurious);
	for (int v = IRQ_VECTOR_MIN; v <= IRQ_VECTOR_MAX; v++)
		if (irq_slots[v].fn != NULL)
			out(" %d", v);
	out("\n");
}

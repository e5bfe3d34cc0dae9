/*
 * Linked instead of sim/guest_keel.c when keelsim is built without the guest
 * VMBus core (make SIM_GUEST=test): every scenario then runs the TEST-ONLY
 * guest of sim/testguest.c.
 */
#include "sim/sim.h"

bool sim_have_keel_guest = false;

static int none_start(void)
{
	return -1;
}

const struct sim_guest_ops sim_guest_keel = {
	.name = "none",
	.start = none_start,
};

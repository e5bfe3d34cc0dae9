/*
 * The network stack's stand-in under keelsim, which does not link the stack
 * itself (sim/netdev_sim.c).
 */
#ifndef KEEL_SIM_NETDEV_SIM_H
#define KEEL_SIM_NETDEV_SIM_H

/* Guest switch "net-ping": every interface that comes up pings the L2 peer
 * (10.0.0.1) three times from 10.0.0.2, again after each link bounce. 0, or
 * -1 if the name is unknown. */
int netdev_sim_switch(const char *name);
/* End of a run: forget interfaces and switches. */
void netdev_sim_reset(void);

#endif

/*
 * The echo test device's guest driver (drivers/echo.c): knobs the simulator
 * and tests set before vmbus_start.
 */
#ifndef KEEL_DRIVERS_ECHO_H
#define KEEL_DRIVERS_ECHO_H

/* Sub-channels each echo device asks for (0: none). With > 0 the probe holds
 * the shared echo lock (modelling a lock shared by NICs) from the request
 * until every granted sub-channel is open: the multi-NIC deadlock scenario. */
extern int echo_subchannels_wanted;
/* Echo requests sent per channel during probe (default 4). */
extern int echo_packets_per_channel;

#endif

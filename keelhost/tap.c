/*
 * keel-host's network wire: a Linux TAP device (--nic tap=NAME, or --tap
 * NAME) in place of the simulated L2 peer, so real tools (ping, curl, dnsmasq) talk to Keel.
 *
 * Guest -> wire: the network host hands each frame the guest sends to
 * tap_send, which writes it to the TAP (a full TAP queue drops the frame,
 * as a switch port would). Wire -> guest: the loop polls the TAP fd for
 * POLLIN only while the device takes frames (host_net_can_receive: the
 * guest's receive path is up and few frames wait), so the kernel's TAP
 * queue holds the rest: the host's flow control reaches back to the sender.
 *
 * The TAP device is opened IFF_TAP | IFF_NO_PI: one read or write is one
 * Ethernet frame, without a packet-information header.
 *
 * With --scenario, the TAP is the wire of the scenario's first network
 * device (its parameters and timed actions apply: `at 30s rescind net0`);
 * without one, a network device net0 is added for it.
 */
#define _GNU_SOURCE 1

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "keelhost/keelhost.h"

#define KH_TAP_BURST  16        /* frames read per loop turn */
#define KH_FRAME_MAX  1514u     /* Ethernet without FCS at MTU 1500 */

static void tap_send(void *ctx, const uint8_t *frame, uint32_t len)
{
	struct keelhost *kh = ctx;

	if (write(kh->tap_fd, frame, len) == (ssize_t)len)
		kh->tap_out++;
	else
		kh->tap_drops++;
}

int kh_nic_device(struct keelhost *kh)
{
	for (int i = 0; kh->sc && i < kh->sc->ndevs; i++)
		if (!strcmp(kh->sc->devs[i].type, "network"))
			return kh->devidx[i];
	return host_device_add(kh->h, "network", "net0");
}

int kh_tap_open(struct keelhost *kh)
{
	struct ifreq ifr;
	struct host_net_port port = { .ctx = kh, .send = tap_send };
	int fd, di;

	if (strlen(kh->tap_name) >= IFNAMSIZ) {
		kh_log(kh, "keel-host: TAP name %s too long", kh->tap_name);
		return -EINVAL;
	}
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		kh_log(kh, "keel-host: /dev/net/tun: %s", strerror(errno));
		return -errno;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	memcpy(ifr.ifr_name, kh->tap_name, strlen(kh->tap_name));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		kh_log(kh, "keel-host: TAP %s: %s", kh->tap_name, strerror(errno));
		goto fail;
	}
	di = kh_nic_device(kh);
	if (di < 0 || host_net_attach(kh->h, di, &port) < 0) {
		kh_log(kh, "keel-host: no network device for TAP %s", kh->tap_name);
		goto fail;
	}
	kh->tap_fd = fd;
	kh->tap_dev = di;
	kh_log(kh, "keel-host: device %s: network, wire TAP %s", host_device_name(kh->h, di),
	       kh->tap_name);
	return 0;
fail:
	close(fd);
	return -EINVAL;
}

bool kh_tap_wants_input(struct keelhost *kh)
{
	return kh->tap_fd >= 0 && kh->h && host_net_can_receive(kh->h, kh->tap_dev);
}

/* Frames from the TAP to the guest while the device takes them. */
void kh_tap_input(struct keelhost *kh)
{
	uint8_t frame[KH_FRAME_MAX + 4];

	for (int i = 0; i < KH_TAP_BURST && kh_tap_wants_input(kh); i++) {
		ssize_t r = read(kh->tap_fd, frame, sizeof(frame));

		if (r <= 0)
			return;                 /* EAGAIN: the TAP is empty */
		if (host_net_receive(kh->h, kh->tap_dev, frame, (uint32_t)r) == 0)
			kh->tap_in++;
		else
			kh->tap_drops++;        /* runt or oversized: not for the guest */
	}
}

void kh_tap_close(struct keelhost *kh)
{
	if (kh->tap_fd >= 0)
		close(kh->tap_fd);
	kh->tap_fd = -1;
}

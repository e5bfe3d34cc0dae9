/*
 * net/config.c: the network options of keel.cfg, `net=on|off`,
 * `ip=dhcp|ADDR/PREFIX,GATEWAY` and `mtu=N` (kernel/cmdline.c calls these; a value
 * they refuse is reported by the option's name). Parsing is strict: four
 * decimal octets, a prefix of 1..32, a gateway inside that prefix.
 */
#include "net/net.h"

#include <errno.h>
#include <string.h>

struct net_config net_config;

/* "A.B.C.D" at *p, stopped by `end` (or NUL); host byte order in *out. */
static int parse_ipv4(const char **p, char end, uint32_t *out)
{
	const char *s = *p;
	uint32_t v = 0;

	for (int i = 0; i < 4; i++) {
		unsigned octet = 0;
		int digits = 0;

		while (*s >= '0' && *s <= '9' && digits < 3) {
			octet = octet * 10 + (unsigned)(*s++ - '0');
			digits++;
		}
		if (digits == 0 || octet > 255)
			return -EINVAL;
		v = v << 8 | octet;
		if (i < 3 && *s++ != '.')
			return -EINVAL;
	}
	if (*s != end)
		return -EINVAL;
	*p = s;
	*out = v;
	return 0;
}

static int parse_prefix(const char **p, uint8_t *out)
{
	const char *s = *p;
	unsigned v = 0;
	int digits = 0;

	while (*s >= '0' && *s <= '9' && digits < 2) {
		v = v * 10 + (unsigned)(*s++ - '0');
		digits++;
	}
	if (digits == 0 || v < 1 || v > 32 || *s != ',')
		return -EINVAL;
	*p = s;
	*out = (uint8_t)v;
	return 0;
}

static uint32_t to_net(uint32_t host)
{
	return (host >> 24) | (host >> 8 & 0xff00) | (host << 8 & 0xff0000) | host << 24;
}

int net_config_set_ip(const char *value)
{
	const char *p = value;
	uint32_t addr, gw, mask;
	uint8_t prefix;

	if (strcmp(value, "dhcp") == 0) {
		net_config.nc_static = false;
		return 0;
	}
	if (parse_ipv4(&p, '/', &addr) < 0)
		return -EINVAL;
	p++;
	if (parse_prefix(&p, &prefix) < 0)
		return -EINVAL;
	p++;
	if (parse_ipv4(&p, '\0', &gw) < 0)
		return -EINVAL;
	mask = prefix == 32 ? 0xffffffffu : ~(0xffffffffu >> prefix);
	if ((addr & mask) != (gw & mask) || addr == gw)
		return -EINVAL;
	net_config.nc_static = true;
	net_config.nc_addr = to_net(addr);
	net_config.nc_netmask = to_net(mask);
	net_config.nc_gateway = to_net(gw);
	net_config.nc_prefix = prefix;
	return 0;
}

int net_config_set_mtu(const char *value)
{
	unsigned v = 0;
	int digits = 0;

	while (*value >= '0' && *value <= '9' && digits < 5) {
		v = v * 10 + (unsigned)(*value++ - '0');
		digits++;
	}
	if (digits == 0 || *value != '\0' || v < 576 || v > NET_MTU_MAX)
		return -EINVAL;
	net_config.nc_mtu = (uint16_t)v;
	return 0;
}

int net_config_set_net(const char *value)
{
	if (strcmp(value, "on") == 0)
		net_config.nc_off = false;
	else if (strcmp(value, "off") == 0)
		net_config.nc_off = true;
	else
		return -EINVAL;
	return 0;
}

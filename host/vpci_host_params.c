/*
 * The simulated vPCI server's device parameters (docs/scenarios.md "vPCI
 * device"): the function template, accepted versions, timed events and the
 * fault switches; and the defaults (one 16 KiB 64-bit BAR, 4 MSI-X entries,
 * versions 1.4 down to 1.1, a 60 s eject deadline).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/host_priv.h"
#include "host/nvme_host.h"
#include "host/vpci_host.h"

static int vh_u64(const char *v, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long n = strtoull(v, &end, 0);

	if (!*v || n > max)
		return -EINVAL;
	if (*end == 'K' || *end == 'k')
		n <<= 10, end++;
	else if (*end == 'M' || *end == 'm')
		n <<= 20, end++;
	else if (*end == 'G' || *end == 'g')
		n <<= 30, end++;
	if (*end)
		return -EINVAL;
	*out = n;
	return 0;
}

static int vh_p_bar(struct vh_dev *v, int i, const char *val)
{
	char buf[32], *slash;
	uint64_t sz;

	snprintf(buf, sizeof(buf), "%s", val);
	slash = strchr(buf, '/');
	if (slash)
		*slash = 0;
	if (vh_u64(buf, 1ull << 40, &sz) || sz < 4096 || (sz & (sz - 1)))
		return -EINVAL;
	v->proto.bar_size[i] = sz;
	v->proto.bar64[i] = !(slash && !strcmp(slash + 1, "32"));
	if (!v->proto.bar64[i] && sz > (1ull << 31))
		return -EINVAL;
	return v->proto.bar64[i] && i == VPCI_BARS - 1 ? -EINVAL : 0;
}

static int vh_p_versions(struct vh_dev *v, const char *val)
{
	char buf[64], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", val);
	v->nversions = 0;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		unsigned maj, min;

		if (sscanf(t, "%u.%u", &maj, &min) != 2 || v->nversions >= 4)
			return -EINVAL;
		v->versions[v->nversions++] = maj << 16 | min;
	}
	return v->nversions ? 0 : -EINVAL;
}

/* S@T (hot-add, hot-remove, eject) or S.K@T (msi) */
static int vh_p_event(struct vh_dev *v, char kind, const char *val)
{
	char buf[32], *at, *dot;
	struct vh_event *e;
	uint64_t slot, idx = 0;

	snprintf(buf, sizeof(buf), "%s", val);
	at = strchr(buf, '@');
	if (!at || v->nev >= VH_MAX_EVENTS)
		return -EINVAL;
	*at = 0;
	dot = strchr(buf, '.');
	if (dot) {
		*dot = 0;
		if (kind != 'm' || vh_u64(dot + 1, VH_MAX_INTS - 1, &idx))
			return -EINVAL;
	}
	e = &v->ev[v->nev];
	if (vh_u64(buf, VH_MAX_FUNCS - 1, &slot) || host_parse_ns(at + 1, &e->at))
		return -EINVAL;
	e->kind = kind;
	e->slot = (uint8_t)slot;
	e->index = (uint8_t)idx;
	v->nev++;
	return 0;
}

int vh_param(struct host_dev *d, const char *key, const char *val)
{
	struct vh_dev *v = d->priv;
	uint64_t n;

	if (!strncmp(key, "nvme", 4) || !strcmp(key, "file")) {
		int err = nh_param(d, &v->nvme, key, val);

		v->proto.msix_off = v->nvme ? NH_MSIX_OFF : 0;
		return err;
	}
	if (!strncmp(key, "bar", 3) && key[3] >= '0' && key[3] <= '5' && !key[4])
		return vh_p_bar(v, key[3] - '0', val);
	if (!strcmp(key, "versions"))
		return vh_p_versions(v, val);
	if (!strcmp(key, "config"))
		return vh_p_config(&v->proto, val);
	if (!strcmp(key, "dump"))
		return vh_p_dump(&v->proto, val);
	if (!strcmp(key, "resource"))
		return vh_p_resource(&v->proto, val);
	if (!strcmp(key, "hot-add"))
		return vh_p_event(v, 'a', val);
	if (!strcmp(key, "hot-remove"))
		return vh_p_event(v, 'r', val);
	if (!strcmp(key, "eject"))
		return vh_p_event(v, 'e', val);
	if (!strcmp(key, "msi"))
		return vh_p_event(v, 'm', val);
	if (!strcmp(key, "eject-deadline"))
		return host_parse_ns(val, &v->eject_deadline);
	if (!strcmp(key, "dead")) {
		v->proto.dead = !strcmp(val, "yes");
		return v->proto.dead || !strcmp(val, "no") ? 0 : -EINVAL;
	}
	if (!strcmp(key, "dup-slot") || !strcmp(key, "eject-cfg-ones")) {
		bool b = !strcmp(val, "yes");

		if (!b && strcmp(val, "no"))
			return -EINVAL;
		*(key[0] == 'd' ? &v->dup_slot : &v->eject_cfg_ones) = b;
		return 0;
	}
	if (!strcmp(key, "eject-rescind") || !strcmp(key, "readd-after-eject")) {
		bool b = !strcmp(val, "yes");

		if (!b && strcmp(val, "no"))
			return -EINVAL;
		*(key[0] == 'e' ? &v->eject_rescind : &v->readd_after_eject) = b;
		return 0;
	}
	if (vh_u64(val, 0xFFFFFFFFull, &n))
		return -EINVAL;
	if (!strcmp(key, "vendor") && n <= 0xFFFF)
		v->proto.vendor = (uint16_t)n;
	else if (!strcmp(key, "device") && n <= 0xFFFF)
		v->proto.device = (uint16_t)n;
	else if (!strcmp(key, "class") && n <= 0xFFFFFF)
		v->proto.class_code = (uint32_t)n;
	else if (!strcmp(key, "rev") && n <= 0xFF)
		v->proto.revision = (uint8_t)n;
	else if (!strcmp(key, "subsys"))
		v->proto.subsys = (uint32_t)n;
	else if (!strcmp(key, "msix") && n <= VH_MSIX_MAX)
		v->proto.msix = (uint32_t)n;
	else if (!strcmp(key, "functions") && n >= 1 && n <= VH_MAX_FUNCS)
		v->nfuncs_boot = (uint32_t)n;
	else if (!strcmp(key, "eject-on-create"))
		v->eject_on_create = (uint32_t)n;
	else if (!strcmp(key, "eject-on-request"))
		v->eject_on_request = (uint32_t)n;
	else if (!strcmp(key, "relations-on-reqs"))
		v->relations_on_reqs = (uint32_t)n;
	else if (!strcmp(key, "bad-relations"))
		v->bad_relations = (uint32_t)n;
	else
		return -EINVAL;
	return 0;
}

int vh_init(struct host_dev *d)
{
	struct vh_dev *v = d->priv;

	v->proto = (struct vh_proto){
		.vendor = 0x1414, .device = 0xB111, .class_code = 0x010802, .revision = 1,
		.subsys = 0x00011414, .bar_size = { 16384 }, .bar64 = { true }, .msix = 4,
		.msix_cap = 0x40,
	};
	v->nfuncs_boot = 1;
	v->nversions = 4;
	v->versions[0] = VPCI_VERSION_1_4;
	v->versions[1] = VPCI_VERSION_1_3;
	v->versions[2] = VPCI_VERSION_1_2;
	v->versions[3] = VPCI_VERSION_1_1;
	v->eject_deadline = 60ull * 1000000000ull;
	v->eject_rescind = true;
	v->tail = &v->head;
	return 0;
}

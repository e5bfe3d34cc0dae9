/*
 * The simulated NVMe controller's scenario keys (docs/scenarios.md "NVMe
 * controller") on a vpci device: nvme=yes turns each function into a
 * controller (its MSI-X table moves to NH_MSIX_OFF in BAR 0, after the
 * registers and doorbells); the store is memory of nvme-size bytes or the
 * raw image file=PATH, opened on first use.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/backing.h"
#include "host/host_priv.h"
#include "host/nvme_host.h"

static int nh_u64(const char *v, uint64_t *out)
{
	char *end;
	unsigned long long n = strtoull(v, &end, 0);

	if (!*v)
		return -EINVAL;
	if (*end == 'K' || *end == 'k')
		n <<= 10, end++;
	else if (*end == 'M' || *end == 'm')
		n <<= 20, end++;
	if (*end)
		return -EINVAL;
	*out = n;
	return 0;
}

static int nh_bool(const char *val, bool *out)
{
	*out = !strcmp(val, "yes");
	return *out || !strcmp(val, "no") ? 0 : -EINVAL;
}

static int nh_num(struct nh_dev *n, const char *key, uint64_t x)
{
	static const struct { const char *key; size_t off; } keys[] = {
		{ "nvme-drop", offsetof(struct nh_dev, drop_nth) },
		{ "nvme-dup", offsetof(struct nh_dev, dup_nth) },
		{ "nvme-error", offsetof(struct nh_dev, err_nth) },
		{ "nvme-fatal", offsetof(struct nh_dev, cfs_nth) },
		{ "nvme-bad-cid", offsetof(struct nh_dev, badcid_nth) },
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(key, keys[i].key)) {
			if (x > 0xFFFFFFFFull)
				return -EINVAL;
			*(uint32_t *)(void *)((char *)n + keys[i].off) = (uint32_t)x;
			return 0;
		}
	if (!strcmp(key, "nvme-size") && x >= 4096 && !(x & 4095))
		n->size = x;
	else if (!strcmp(key, "nvme-bs") && (x == 512 || x == 4096))
		n->lbads = x == 512 ? 9 : 12;
	else if (!strcmp(key, "nvme-queues") && x >= 1 && x < NH_MAX_Q)
		n->queues = (uint32_t)x;
	else
		return -EINVAL;
	return 0;
}

int nh_param(struct host_dev *d, struct nh_dev **pn, const char *key, const char *val)
{
	struct nh_dev *n = *pn;
	uint64_t x;
	bool b;

	(void)d;
	if (!n) {
		if (!(n = calloc(1, sizeof(*n))))
			return -ENOMEM;
		n->size = 1u << 20;
		n->lbads = 9;
		n->queues = 4;
		n->dsm = true;
		*pn = n;
	}
	if (!strcmp(key, "nvme"))
		return nh_bool(val, &b) ? -EINVAL : (b ? 0 : (nh_destroy(n), *pn = NULL, 0));
	if (!strcmp(key, "file")) {
		int err;

		if (strlen(val) >= sizeof(n->file))
			return -EINVAL;
		err = backing_check_file(val);  /* the store opens only on first use */
		if (err < 0)
			return err;
		snprintf(n->file, sizeof(n->file), "%s", val);
		return 0;
	}
	if (!strcmp(key, "nvme-dsm"))
		return nh_bool(val, &n->dsm);
	if (!strcmp(key, "nvme-hostile-id"))
		return nh_bool(val, &n->hostile_id);
	if (!strcmp(key, "nvme-stuck-phase"))
		return nh_bool(val, &n->stuck_phase);
	if (!strcmp(key, "nvme-delay"))
		return host_parse_ns(val, &n->delay);
	if (nh_u64(val, &x))
		return -EINVAL;
	return nh_num(n, key, x);
}

int nh_open_store(struct nh_dev *n)
{
	int err;

	if (n->store)
		return 0;
	if (n->file[0]) {
		err = backing_open_file(&n->store, n->file, false, BACKING_SYNC_FLUSH);
		if (!err)
			n->size = backing_size(n->store) & ~4095ull;
		return err;
	}
	return backing_open_mem(&n->store, n->size);
}

void nh_destroy(struct nh_dev *n)
{
	if (!n)
		return;
	if (n->store)
		backing_close(n->store);
	free(n);
}

/*
 * A simulated vPCI function built from a real function's config space dump
 * (docs/scenarios.md "vPCI device": dump=FILE; the files in test-images/pci/).
 *
 * The file is what `lspci -xxxx -s BDF` prints (`-xxx` gives 256 bytes):
 * a title line "BB:DD.F description", then lines "OFF: 16 hex bytes" with
 * OFF a multiple of 16 below 4096. A dump cannot say how large a BAR is
 * (sizes come from the hardware, not from config space), so the file adds
 * one comment line per memory BAR, "# barN SIZE" (SIZE in bytes, K, M or
 * G); lspci skips comment lines, so the same file is what `lspci -F FILE`
 * reads. Every register past the 64-byte header is then served from the
 * image (host/vpci_func.c); the header is served as for any simulated
 * function: IDs and class from the image, BARs through masks made from the
 * sizes and the widths the image's BAR registers give.
 *
 * Read only: the file is copied, then checked (one function, type 0 header,
 * no I/O BAR with a size, sizes powers of two, an MSI-X table in BAR 0),
 * then used.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/vpci_host.h"

#define DUMP_LINE_MAX   128
#define DUMP_CAP_STEPS  48          /* a loop in the list ends here */
#define PCI_BAR_TYPE    0x6u

struct dump {
	uint8_t cfg[VH_CFG_SPACE];
	unsigned len;                   /* bytes up to the last line seen */
	uint64_t size[VPCI_BARS];
	int titles;
};

static uint32_t rd(const uint8_t *c, unsigned off, unsigned n)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint32_t)c[off + i] << (8 * i);
	return v;
}

static int dump_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long n = strtoull(s, &end, 0);

	if (*end == 'K')
		n <<= 10, end++;
	else if (*end == 'M')
		n <<= 20, end++;
	else if (*end == 'G')
		n <<= 30, end++;
	if (end == s || (*end && *end != '\n') || n < 16 || n > (1ull << 40) || (n & (n - 1)))
		return -EINVAL;
	*out = n;
	return 0;
}

/* "OFF: b0 b1 ... b15"; 1 when the line is data, 0 when it is not. */
static int dump_data_line(struct dump *d, const char *line)
{
	unsigned off, b[16];
	int used = 0;

	if (sscanf(line, "%x: %n", &off, &used) != 1 || !used || line[used - 2] != ':')
		return 0;
	if (off % 16 || off >= VH_CFG_SPACE)
		return -EINVAL;
	for (int i = 0; i < 16; i++) {
		int n = 0;

		if (sscanf(line + used, "%2x%n", &b[i], &n) != 1 || n != 2)
			return i ? -EINVAL : 0;      /* "00:03.0 ...": a title line */
		used += n;
		while (line[used] == ' ')
			used++;
	}
	for (int i = 0; i < 16; i++)
		d->cfg[off + i] = (uint8_t)b[i];
	if (off + 16 > d->len)
		d->len = off + 16;
	return 1;
}

static int dump_line(struct dump *d, const char *line)
{
	unsigned i;
	char size[32];
	int r;

	if (line[0] == '#') {
		if (sscanf(line, "# bar%u %31s", &i, size) == 2)
			return i < VPCI_BARS ? dump_size(size, &d->size[i]) : -EINVAL;
		return 0;                       /* any other comment */
	}
	if (line[0] == '\n' || !line[0])
		return 0;
	r = dump_data_line(d, line);
	if (r)
		return r < 0 ? r : 0;
	d->titles++;                            /* "BB:DD.F description" */
	return d->titles > 1 ? -EINVAL : 0;     /* one function per file */
}

static int dump_read(struct dump *d, const char *path)
{
	char line[DUMP_LINE_MAX];
	FILE *f = fopen(path, "r");
	int err = 0;

	if (!f)
		return -errno;
	while (!err && fgets(line, sizeof(line), f))
		err = strchr(line, '\n') || feof(f) ? dump_line(d, line) : -EINVAL;
	fclose(f);
	return err;
}

/* MSI-X from the capability list: table size, capability, table offset
 * (BIR 0 only: the simulated function serves its table in BAR 0). */
static int dump_msix(const struct dump *d, struct vh_proto *p)
{
	unsigned off = d->cfg[0x34] & 0xFCu;

	p->msix = 0;
	if (!(rd(d->cfg, 0x06, 2) & PCI_STATUS_CAP_LIST))
		return 0;
	for (int step = 0; step < DUMP_CAP_STEPS && off >= 0x40 && off + 12 <= 256; step++) {
		if (d->cfg[off] == PCI_CAP_ID_MSIX) {
			uint32_t t = rd(d->cfg, off + PCI_MSIX_TABLE, 4);

			if ((t & 7u) != 0 || !d->size[0])
				return -EINVAL;
			p->msix = (rd(d->cfg, off + PCI_MSIX_CTRL, 2) & PCI_MSIX_CTRL_SIZE) + 1;
			if (p->msix > VH_MSIX_MAX)
				return -EINVAL;
			p->msix_cap = (uint16_t)off;
			p->msix_off = t & ~7u;
			return 0;
		}
		off = d->cfg[off + 1] & 0xFCu;
	}
	return 0;
}

/* BAR widths from the image's BAR registers, sizes from the comments. */
static int dump_bars(const struct dump *d, struct vh_proto *p)
{
	for (int i = 0; i < VPCI_BARS; i++) {
		uint32_t bar = rd(d->cfg, PCI_CFG_BAR0 + 4u * (unsigned)i, 4);

		p->bar_size[i] = d->size[i];
		p->bar64[i] = false;
		if (!d->size[i])
			continue;
		if (bar & PCI_BAR_IO || (i > 0 && p->bar64[i - 1]))
			return -EINVAL;         /* an I/O BAR, or the top half of a 64-bit one */
		p->bar64[i] = (bar & PCI_BAR_TYPE) == PCI_BAR_MEM64;
		if (p->bar64[i] && i == VPCI_BARS - 1)
			return -EINVAL;
		if (!p->bar64[i] && d->size[i] > (1ull << 31))
			return -EINVAL;
	}
	return 0;
}

int vh_p_dump(struct vh_proto *p, const char *path)
{
	struct dump *d = calloc(1, sizeof(*d));
	int err;

	if (!d)
		return -ENOMEM;
	err = dump_read(d, path);
	if (!err && (d->len < 256 || rd(d->cfg, 0, 2) == 0xFFFF || (d->cfg[0x0E] & 0x7F) != 0))
		err = -EINVAL;                  /* short, absent, or not a type 0 header */
	if (!err)
		err = dump_bars(d, p);
	if (!err)
		err = dump_msix(d, p);
	if (err)
		goto out;
	p->vendor = (uint16_t)rd(d->cfg, 0, 2);
	p->device = (uint16_t)rd(d->cfg, 2, 2);
	p->revision = d->cfg[8];
	p->class_code = rd(d->cfg, 9, 3);
	p->subsys = rd(d->cfg, 0x2C, 4);
	memcpy(p->image, d->cfg, sizeof(p->image));
	p->image_len = (uint16_t)d->len;
out:
	free(d);
	return err;
}

/*
 * The PCI listing, in the spirit of `lspci -vv`: for each function its
 * address (domain:bus:dev.fn), class, vendor:device, revision, the BARs
 * with their addresses and sizes, the MSI-X capability and the driver (or
 * "no driver"). Written to a buffer so that tests can read what the boot
 * log shows.
 */
#include <stdarg.h>
#include <stdio.h>

#include "drivers/pci.h"
#include "include/hyperv/vpci.h"
#include "kernel/log.h"

struct pci_out {
	char *buf;
	size_t cap, len;
};

static void out(struct pci_out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->len + 1 >= o->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len = o->len + (size_t)n < o->cap ? o->len + (size_t)n : o->cap - 1;
}

static const char *pci_size_unit(uint64_t size, uint64_t *v)
{
	static const char *const unit[] = { "", "K", "M", "G", "T" };
	int u = 0;

	*v = size;
	while (*v >= 1024 && !(*v % 1024) && u < 4) {
		*v /= 1024;
		u++;
	}
	return unit[u];
}

/* lspci's forms: "[40] Name" and "[100 v1] Name"; an ID lspci has no name
 * for as lspci prints it ("[48] #ff", "[100 v1] Extended Capability ID 0x2a"). */
static void pci_list_cap(struct pci_out *o, const struct pci_func *f, const struct pci_cap *c)
{
	const char *name = pci_cap_name(c);

	if (c->ext)
		out(o, "\tCapabilities: [%03x v%u] ", c->off, c->ver);
	else
		out(o, "\tCapabilities: [%02x] ", c->off);
	if (!c->ext && c->id == PCI_CAP_ID_MSIX && c->off == f->msix_cap)
		out(o, "MSI-X: Enable%c Count=%u\n", f->nmsix ? '+' : '-', f->msix_size);
	else if (name)
		out(o, "%s\n", name);
	else if (c->ext)
		out(o, "Extended Capability ID %#x\n", c->id);
	else
		out(o, "#%02x\n", c->id);
}

static void pci_list_one(struct pci_out *o, struct pci_func *f)
{
	out(o, "%04x:%02x:%02x.%u Class %06x: Device %04x:%04x (rev %02x) serial %u\n",
	    f->domain, f->bus, f->devfn >> 3, f->devfn & 7u, f->class_code, f->vendor, f->device,
	    f->revision, f->serial);
	for (int i = 0; i < PCI_BARS; i++) {
		uint64_t v;
		const char *u;

		if (!f->bar[i].size)
			continue;
		u = pci_size_unit(f->bar[i].size, &v);
		out(o, "\tRegion %d: Memory at %llx (%s-bit, non-prefetchable) [size=%llu%s]\n", i,
		    (unsigned long long)f->bar[i].addr, f->bar[i].is64 ? "64" : "32",
		    (unsigned long long)v, u);
	}
	for (unsigned i = 0; i < f->ncaps; i++)
		pci_list_cap(o, f, &f->caps[i]);
	if (f->nmsix) {
		uint64_t handled = 0;

		for (unsigned i = 0; i < f->nmsix; i++)
			handled += f->msix[i].handled;
		out(o, "\tInterrupts: %u vectors, %llu handled\n", f->nmsix,
		    (unsigned long long)handled);
	}
	if (f->gone)
		out(o, "\tfunction gone: vendor ffff\n");
	if (f->drv && f->state == PF_BOUND)
		out(o, "\tKernel driver in use: %s\n", f->drv->name);
	else if (f->drv)
		out(o, "\tKernel driver: %s (%s)\n", f->drv->name, pci_func_state_name(f->state));
	else if (f->state == PF_NO_DRIVER)
		out(o, "\tno driver\n");
	else
		out(o, "\tno driver yet (%s)\n", pci_func_state_name(f->state));
}

size_t pci_list_format(char *buf, size_t cap)
{
	struct pci_out o = { buf, cap, 0 };

	if (cap)
		buf[0] = 0;
	for (struct pci_func *f = pci_func_first(); f; f = f->next)
		pci_list_one(&o, f);
	return o.len;
}

void pci_lspci(void)
{
	static char buf[4096];
	char *line = buf;

	pci_list_format(buf, sizeof(buf));
	for (char *p = buf; *p; p++)
		if (*p == '\n') {
			*p = 0;
			pr_info("%s\n", line);
			line = p + 1;
		}
}

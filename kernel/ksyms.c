/*
 * Symbol lookup in the table the second link pass embeds (.ksyms, see
 * kernel/ksyms.h and scripts/ksyms-gen.sh). Layout, all little endian:
 *   struct ksyms_hdr { u32 magic "KSYM", u32 count, u32 names_off, u32 pad }
 *   struct ksyms_ent { u32 off, u16 size, u16 name } [count], sorted by off
 *   (8 bytes an entry: the table is about a tenth of keel.efi)
 *   names: NUL-terminated strings; ent.name is an offset from names_off
 * Offsets are from the image base, so the table needs no relocation.
 */
#include <stddef.h>

#include "kernel/ksyms.h"

#define KSYMS_MAGIC 0x4d59534bu         /* "KSYM" */

struct ksyms_hdr {
	uint32_t magic, count, names_off, pad;
};

struct ksyms_ent {
	uint32_t off;
	uint16_t size, name;
};
_Static_assert(sizeof(struct ksyms_ent) == 8, "ksyms entry layout");

extern const char __ksyms_start[] KSYMS_HIDDEN, __ksyms_end[] KSYMS_HIDDEN;

static const struct ksyms_hdr *ksyms_table(void)
{
	const struct ksyms_hdr *h = (const struct ksyms_hdr *)__ksyms_start;
	size_t len = (size_t)(__ksyms_end - __ksyms_start);

	if (len < sizeof(*h) || h->magic != KSYMS_MAGIC ||
	    sizeof(*h) + (size_t)h->count * sizeof(struct ksyms_ent) > h->names_off ||
	    h->names_off > len)
		return NULL;
	return h;
}

uint32_t ksym_count(void)
{
	const struct ksyms_hdr *h = ksyms_table();

	return h ? h->count : 0;
}

const char *ksym_lookup(uint64_t addr, uint64_t *off)
{
	const struct ksyms_hdr *h = ksyms_table();
	const struct ksyms_ent *e;
	uint64_t rel;
	uint32_t lo = 0, hi;

	if (h == NULL || h->count == 0 || addr < (uintptr_t)__text_start ||
	    addr >= (uintptr_t)__text_end)
		return NULL;
	rel = addr - (uintptr_t)__image_base;
	e = (const struct ksyms_ent *)(h + 1);
	if (rel < e[0].off)
		return NULL;
	/* binary search: the last entry with off <= rel */
	hi = h->count;
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (e[mid].off <= rel)
			lo = mid;
		else
			hi = mid;
	}
	/* past the end of a sized symbol: padding between functions */
	if (e[lo].size != 0 && rel >= (uint64_t)e[lo].off + e[lo].size)
		return NULL;
	if (off != NULL)
		*off = rel - e[lo].off;
	return (const char *)h + h->names_off + e[lo].name;
}

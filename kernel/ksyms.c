/*
 * Symbol lookup in the table the second link pass embeds (.ksyms, see
 * kernel/ksyms.h and scripts/ksyms-gen.sh). Layout, all little endian:
 *   struct ksyms_hdr { u32 magic "KSM2", u32 count, u32 npairs,
 *                      u32 names_off, u16 max_depth, u16 pad }
 *   u32 off[count]     function offsets from the image base, ascending
 *   u16 size[count]    their sizes (0: unknown, e.g. assembly)
 *   u8 pair[npairs][2] what code 0x80 + i stands for: two codes
 *   names at names_off: one NUL-terminated code string per symbol, in
 *                      table order; a code below 0x80 is that character
 * The names are byte-pair encoded (about half their plain size: keel.efi's
 * size budget); a pair nests at most max_depth deep, which the decoder's
 * stack holds. Offsets are from the image base: no relocations.
 */
#include <errno.h>
#include <stddef.h>

#include "kernel/ksyms.h"

#define KSYMS_MAGIC     0x324d534bu     /* "KSM2" */
#define KSYMS_PAIR_BASE 0x80u
#define KSYMS_MAX_DEPTH 16

struct ksyms_hdr {
	uint32_t magic, count, npairs, names_off;
	uint16_t max_depth, pad;
};
_Static_assert(sizeof(struct ksyms_hdr) == 20, "ksyms header layout");

extern const char __ksyms_start[] KSYMS_HIDDEN, __ksyms_end[] KSYMS_HIDDEN;

static const struct ksyms_hdr *ksyms_table(void)
{
	const struct ksyms_hdr *h = (const struct ksyms_hdr *)__ksyms_start;
	size_t len = (size_t)(__ksyms_end - __ksyms_start);

	if (len < sizeof(*h) || h->magic != KSYMS_MAGIC ||
	    h->npairs > 256 - KSYMS_PAIR_BASE || h->max_depth >= KSYMS_MAX_DEPTH ||
	    sizeof(*h) + (size_t)h->count * 6 + (size_t)h->npairs * 2 > h->names_off ||
	    h->names_off > len)
		return NULL;
	return h;
}

uint32_t ksym_count(void)
{
	const struct ksyms_hdr *h = ksyms_table();

	return h ? h->count : 0;
}

/* The index of the symbol containing image offset rel, or -ENOENT. */
static int ksyms_find(const struct ksyms_hdr *h, uint64_t rel)
{
	const uint32_t *offs = (const uint32_t *)(h + 1);
	const uint16_t *sizes = (const uint16_t *)(offs + h->count);
	uint32_t lo = 0, hi = h->count;

	if (h->count == 0 || rel < offs[0])
		return -ENOENT;
	/* binary search: the last entry with off <= rel */
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (offs[mid] <= rel)
			lo = mid;
		else
			hi = mid;
	}
	/* past the end of a sized symbol: padding between functions */
	if (sizes[lo] != 0 && rel >= (uint64_t)offs[lo] + sizes[lo])
		return -ENOENT;
	return (int)lo;
}

/*
 * Expands symbol idx's codes into buf (always NUL-terminated, truncated to
 * len). Only reads inside the table: a code string that runs off its end
 * or a pair code outside the pair table ends the name.
 */
static void ksyms_decode(const struct ksyms_hdr *h, uint32_t idx, char *buf, size_t len)
{
	const uint8_t *pair = (const uint8_t *)h + sizeof(*h) + (size_t)h->count * 6;
	const uint8_t *p = (const uint8_t *)h + h->names_off;
	const uint8_t *end = (const uint8_t *)__ksyms_end;
	uint8_t stack[KSYMS_MAX_DEPTH + 1];
	size_t n = 0;

	for (; idx > 0 && p < end; p++)
		if (*p == 0)
			idx--;
	for (; p < end && *p != 0; p++) {
		unsigned sp = 0;

		stack[sp++] = *p;
		while (sp > 0) {
			uint8_t c = stack[--sp];

			if (c < KSYMS_PAIR_BASE) {
				if (n + 1 < len)
					buf[n++] = (char)c;
			} else if (c - KSYMS_PAIR_BASE < h->npairs && sp + 2 <= sizeof(stack)) {
				/* right half under the left: the left expands first */
				stack[sp++] = pair[2 * (c - KSYMS_PAIR_BASE) + 1];
				stack[sp++] = pair[2 * (c - KSYMS_PAIR_BASE)];
			}
		}
	}
	if (len > 0)
		buf[n] = '\0';
}

int ksym_lookup(uint64_t addr, uint64_t *off, char *name, size_t len)
{
	const struct ksyms_hdr *h = ksyms_table();
	uint64_t rel;
	int idx;

	if (h == NULL || addr < (uintptr_t)__text_start || addr >= (uintptr_t)__text_end)
		return -ENOENT;
	rel = addr - (uintptr_t)__image_base;
	idx = ksyms_find(h, rel);
	if (idx < 0)
		return idx;
	if (off != NULL)
		*off = rel - ((const uint32_t *)(h + 1))[idx];
	ksyms_decode(h, (uint32_t)idx, name, len);
	return 0;
}

/*
 * _relocate: applies keel.efi's own relocations at entry. gnu-efi's crt0
 * calls it (System V ABI) with the load address and the ELF _DYNAMIC table
 * before efi_main; it replaces libgnuefi.a's relocator, which reads only
 * DT_RELA, so that the link can pack its ~500 relative relocations as DT_RELR
 * (ld.lld --pack-dyn-relocs=relr: 12 KiB of .rela become ~100 bytes).
 *
 * Formats: ELF gABI "Dynamic Section" (DT_RELR 36, DT_RELRSZ 35,
 * DT_RELRENT 37) and the x86-64 psABI (R_X86_64_RELATIVE 8: B + A). The link
 * uses --apply-dynamic-relocs, so every target already holds its link-time
 * value (image base 0): a relocation adds the load base.
 *
 * It runs before relocation: it must not read any pointer stored in data
 * (only its arguments and PC-relative code), and boot/ has no stack
 * protector.
 */
#include <efi.h>

enum {
	DT_NULL = 0, DT_RELA = 7, DT_RELASZ = 8, DT_RELAENT = 9,
	DT_RELRSZ = 35, DT_RELR = 36, DT_RELRENT = 37,
};
#define R_X86_64_NONE     0
#define R_X86_64_RELATIVE 8

struct reloc_dyn {
	INT64 tag;
	UINT64 val;
};

struct reloc_rela {
	UINT64 offset, info;
	INT64 addend;
};

/* Two of the relocations (packed descriptor-table pointers) are unaligned. */
typedef UINT64 reloc_u64 __attribute__((aligned(1), may_alias));

EFI_STATUS _relocate(UINT64 base, const struct reloc_dyn *dyn, EFI_HANDLE image,
		     EFI_SYSTEM_TABLE *st);

EFI_STATUS _relocate(UINT64 base, const struct reloc_dyn *dyn, EFI_HANDLE image,
		     EFI_SYSTEM_TABLE *st)
{
	UINT64 rela = 0, relasz = 0, relaent = sizeof(struct reloc_rela);
	UINT64 relr = 0, relrsz = 0;
	UINT64 *where = NULL;

	(void)image;
	(void)st;
	for (; dyn->tag != DT_NULL; dyn++) {
		switch (dyn->tag) {
		case DT_RELA:    rela = dyn->val; break;
		case DT_RELASZ:  relasz = dyn->val; break;
		case DT_RELAENT: relaent = dyn->val; break;
		case DT_RELR:    relr = dyn->val; break;
		case DT_RELRSZ:  relrsz = dyn->val; break;
		default:         break;
		}
	}
	if (relaent < sizeof(struct reloc_rela))
		return EFI_LOAD_ERROR;

	for (UINT64 off = 0; rela != 0 && off + relaent <= relasz; off += relaent) {
		const struct reloc_rela *r = (const void *)(base + rela + off);

		switch ((UINT32)r->info) {
		case R_X86_64_NONE:
			break;
		case R_X86_64_RELATIVE:
			*(reloc_u64 *)(base + r->offset) = base + (UINT64)r->addend;
			break;
		default:        /* -Bsymbolic + hidden: nothing else is expected */
			return EFI_LOAD_ERROR;
		}
	}

	/* RELR: an even entry is an address (relocate it, then the words after
	 * it follow); an odd entry is a bitmap over the next 63 words. */
	for (UINT64 off = 0; relr != 0 && off + 8 <= relrsz; off += 8) {
		UINT64 e = *(const UINT64 *)(base + relr + off);

		if ((e & 1) == 0) {
			where = (UINT64 *)(base + e);
			*where++ += base;
			continue;
		}
		if (where == NULL)
			return EFI_LOAD_ERROR;
		for (int i = 0; (e >>= 1) != 0; i++)
			if (e & 1)
				where[i] += base;
		where += 63;
	}
	return EFI_SUCCESS;
}

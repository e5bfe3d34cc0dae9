#!/bin/sh
# scripts/reloc-check.sh ELF: fail unless every dynamic relocation of ELF
# writes inside __data_start .. __data_end. boot/relocate.c patches them
# before the kernel's page tables exist, while the firmware may already map
# the PE's read-only sections read-only (linker.ld), so a relocated pointer
# in .text or .rodata would fault on some firmware and not on others.
set -eu
NM=${NM:-llvm-nm}
elf=$1
range=$($NM --defined-only "$elf" | awk '$3 == "__data_start" { s = $1 } $3 == "__data_end" { e = $1 } END { print s, e }')
set -- $range
[ $# -eq 2 ] || { echo "reloc-check: no __data_start/__data_end in $elf" >&2; exit 1; }
# readelf lists RELA offsets and the RELR-expanded offsets, one hex number
# first on each line.
bad=$(readelf -rW "$elf" | awk -v s="$1" -v e="$2" '
	function hex(h,   v, i) { v = 0; h = tolower(h)
		for (i = 1; i <= length(h); i++) v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
		return v }
	BEGIN { lo = hex(s); hi = hex(e) }
	$1 ~ /^[0-9a-f]+$/ && length($1) >= 8 { a = hex($1); n++; if (a < lo || a + 8 > hi) print $1 }
	END { if (n == 0) print "none" > "/dev/stderr" }')
# Only R_X86_64_RELATIVE (in .rela or packed in .relr) is applied by
# boot/relocate.c: a symbol relocation (JUMP_SLOT, GLOB_DAT, 64) would be
# left unapplied, and lld puts .rela.plt in the header page where the PE
# loader rejects the image ("Unsupported"). A weak undefined symbol is the
# usual cause.
sym=$(readelf -rW "$elf" | awk '$3 ~ /^R_X86_64_/ && $3 != "R_X86_64_RELATIVE" { print $3, $5 }')
if [ -n "$sym" ]; then
	echo "reloc-check: relocations other than R_X86_64_RELATIVE in $elf (an undefined or weak symbol?):" >&2
	echo "$sym" | head -n 10 >&2
	exit 1
fi
if [ -n "$bad" ]; then
	echo "reloc-check: relocations outside .data in $elf:" >&2
	echo "$bad" | head -n 10 >&2
	exit 1
fi

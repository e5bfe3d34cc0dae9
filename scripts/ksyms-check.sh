#!/bin/sh
# scripts/ksyms-check.sh PASS1 PASS2: fail unless every symbol of the first
# link pass has the same address and type in the second, i.e. adding the
# .ksyms table moved nothing (mk/efi.mk). Only the symbols that bound the
# table itself may differ.
set -eu
NM=${NM:-llvm-nm}
filter='^[0-9a-f]+ [A-Za-z] (__ksyms_end|__image_end)$'
a=$(mktemp) b=$(mktemp)
trap 'rm -f "$a" "$b"' EXIT
$NM -n --defined-only "$1" | grep -Ev "$filter" > "$a"
$NM -n --defined-only "$2" | grep -Ev "$filter" > "$b"
if ! cmp -s "$a" "$b"; then
	echo "ksyms-check: symbols moved between link passes ($1 -> $2):" >&2
	diff "$a" "$b" | head -n 20 >&2
	exit 1
fi

#!/bin/sh
# scripts/boot-tests.sh BUILD [NAME...]: the QEMU boot-test suite. Checks
# the image itself (keel.efi a PE32+ EFI application of at most 192 KiB, the
# kernel image inside it reported and valid too, no test-hook strings from
# tests/boot/test-hook-names.txt in the kernel image, sgdisk -v clean, VHD
# size) and what
# make shows a user (tests/ux/run-tests.sh), then runs the tests of
# tests/boot/boot-tests.txt (all, or the named ones) two at a time, each
# through scripts/boot-test.sh, and writes $BUILD/results/boot.txt
# (`PASS name` / `FAIL name`). Failures print why and the serial log. Exits 0 either way: scripts/test-summary.sh judges.
# With names it runs only those boot tests (no image or UX checks) and
# writes $BUILD/results/boot-partial.txt: the full suite's boot.txt, which
# the summary reads, stays as the last full run left it.
set -u
build=$1; shift
table=tests/boot/boot-tests.txt
out=$build/results/boot.txt
[ $# -gt 0 ] && out=$build/results/boot-partial.txt
work=$build/tests/boot
mkdir -p "$build/results" "$work"
: > "$out"

check() {       # name, then a command that must succeed
	n=$1; shift
	if "$@" >"$work/$n.check" 2>&1; then
		echo "PASS $n" | tee -a "$out"
	else
		echo "FAIL $n" | tee -a "$out"
		cat "$work/$n.check"
	fi
}

# PE32+ x86-64 EFI application (subsystem 10).
pe_efi_app() {
	objdump -f "$1" | grep -q 'file format pei-x86-64' || { echo "$1: not PE32+ x86-64"; return 1; }
	objdump -p "$1" | grep -Eq '^Subsystem[[:space:]]+0*a[[:space:]]' ||
		{ echo "$1: subsystem is not EFI application (10)"; return 1; }
}
# keel.efi as shipped: the zboot loader with the LZ4-packed kernel image
# (mk/efi.mk), at most 192 KiB.
efi_ok() {
	f=$build/keel.efi
	sz=$(stat -c %s "$f")
	echo "keel.efi: $sz bytes"
	[ "$sz" -le 196608 ] || { echo "keel.efi is $sz bytes, limit 196608"; return 1; }
	pe_efi_app "$f"
}
# The kernel image keel.efi unpacks (build/keel-kernel.efi): its size is
# reported, not limited (keel.efi's budget is the one that counts).
kernel_ok() {
	f=$build/keel-kernel.efi
	echo "keel-kernel.efi: $(stat -c %s "$f") bytes (uncompressed, inside keel.efi as LZ4)"
	lz4 -dc "$f.lz4" | cmp - "$f" || { echo "$f.lz4 does not unpack to $f"; return 1; }
	pe_efi_app "$f"
}
# The product keel.efi must not contain test behaviour (KEEL_TEST_HOOKS):
# none of the known switch names or test-only messages may be in it. Its
# text is compressed: the strings are read from the kernel image it carries.
no_test_hooks() {
	strings -n 4 "$build/keel-kernel.efi" > "$work/keel.efi.strings"
	found=0
	grep -Ev '^[[:space:]]*(#|$)' tests/boot/test-hook-names.txt > "$work/hook-names"
	while IFS= read -r hook; do
		if grep -qF -- "$hook" "$work/keel.efi.strings"; then
			echo "keel.efi contains test-hook string '$hook':"
			grep -F -- "$hook" "$work/keel.efi.strings" | head -n 3 | sed 's/^/  /'
			found=1
		fi
	done < "$work/hook-names"
	[ "$found" = 0 ]
}
gpt_ok() { sgdisk -v "$build/keel.img" | grep -q 'No problems found'; }
vhd_ok() {
	v=$(qemu-img info -f vpc --output=json "$build/keel-azure.vhd" | sed -n 's/.*"virtual-size": *\([0-9]*\).*/\1/p' | head -n1)
	f=$(stat -c %s "$build/keel-azure.vhd")
	echo "keel-azure.vhd virtual size $v, file $f bytes"
	# fixed VHD: the data, then one 512-byte footer
	[ -n "$v" ] && [ $(( v % 1048576 )) -eq 0 ] && [ "$f" -eq $(( v + 512 )) ]
}
if [ $# -eq 0 ]; then
	check image-efi-pe32plus-under-192k efi_ok
	check image-kernel-uncompressed-size kernel_ok
	check image-no-test-hooks no_test_hooks
	check image-gpt-valid gpt_ok
	check image-vhd-size-mib vhd_ok
	# What make itself shows a user (no QEMU): tests/ux/run-tests.sh.
	tests/ux/run-tests.sh "$build" > "$work/ux.out" 2>&1
	grep -E '^(PASS|FAIL) ' "$work/ux.out" | tee -a "$out"
	grep -q '^FAIL ' "$work/ux.out" && grep -vE '^(PASS|FAIL) ' "$work/ux.out"
fi

# The test lines, optionally filtered by name.
grep -Ev '^[[:space:]]*(#|$)' "$table" > "$work/lines"
if [ $# -gt 0 ]; then
	for n in "$@"; do grep -E "^${n}[[:space:]]+[|]" "$work/lines"; done > "$work/lines.sel"
	mv "$work/lines.sel" "$work/lines"
fi

# Two QEMUs at a time (2 cores); each test's output goes to its own file
# and is shown in table order afterwards.
n=$(wc -l < "$work/lines")
i=1
while [ "$i" -le "$n" ]; do echo "$i"; i=$((i + 1)); done |
	xargs -P 2 -I '{}' sh -c 'line=$(sed -n "{}p" "$1/lines"); scripts/boot-test.sh "$2" "$line" > "$1/out.{}" 2>&1' sh "$work" "$build"

i=1
while [ "$i" -le "$n" ]; do
	if [ -f "$work/out.$i" ]; then
		cat "$work/out.$i"
		grep -E '^(PASS|FAIL) ' "$work/out.$i" | head -n 1 | sed 's/:.*//' >> "$out"
	else
		name=$(sed -n "${i}p" "$work/lines" | awk -F ' [|] ' '{ print $1 }' | tr -d ' ')
		echo "FAIL $name (no output)" | tee -a "$out"
	fi
	rm -f "$work/out.$i"
	i=$((i + 1))
done
[ $# -gt 0 ] && echo "boot-tests: a partial run ($*): results in $out, boot.txt untouched"
exit 0

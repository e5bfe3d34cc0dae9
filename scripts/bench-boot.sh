#!/bin/sh
# scripts/bench-boot.sh BUILD [N]: keel.efi's size and the kernel image's,
# the ready time (the kernel's own `keel: ready in N us`, TSC time since the
# kernel image's efi_main) and the zboot loader's LZ4 decompression before
# it (`keel: zboot unpacked ... in N us`) as the median of N boots (default
# 5), with QEMU's whole wall time (firmware included) beside them. Boots run one at a time so they do not disturb each other.
# Every row: `bench-boot NAME VALUE UNIT  what it measures` (the product
# keel.img, no keel-host).
set -eu
build=$1 n=${2:-5}
dir=$build/bench
mkdir -p "$dir"
size=$(stat -c %s "$build/keel.efi")
row() { printf 'bench-boot %-12s %8s %-5s  %s\n' "$@"; }
row efi-size "$size" bytes "size of keel.efi: zboot loader + LZ4 kernel image (budget 196608)"
row kernel-size "$(stat -c %s "$build/keel-kernel.efi")" bytes "size of the kernel image keel.efi unpacks (keel-kernel.efi)"

test-images/setcfg.sh "$build/keel.img" "$dir/bench.img" "console=serial on_ready=poweroff"
: > "$dir/ready" ; : > "$dir/wall" ; : > "$dir/unpack"
i=0
while [ "$i" -lt "$n" ]; do
	t0=$(date +%s%N)
	st=0
	scripts/run-qemu.sh --timeout 90 --log "$dir/serial.log" --workdir "$dir" \
		"$dir/bench.img" >/dev/null 2>&1 || st=$?
	t1=$(date +%s%N)
	us=$(tr -d '\r' < "$dir/serial.log" | sed -n 's/^keel: ready in \([0-9]*\) us$/\1/p' | head -n1)
	if [ "$st" != 0 ] || [ -z "$us" ]; then
		echo "bench-boot: boot $i failed (QEMU status $st); serial log:" >&2
		tail -n 40 "$dir/serial.log" >&2
		exit 1
	fi
	echo "$us" >> "$dir/ready"
	tr -d '\r' < "$dir/serial.log" |
		sed -n 's/^keel: zboot unpacked .* bytes in \([0-9]*\) us.*/\1/p' | head -n1 >> "$dir/unpack"
	echo $(( (t1 - t0) / 1000000 )) >> "$dir/wall"
	i=$((i + 1))
done
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
row ready "$(median "$dir/ready")" us "efi_main -> \"keel: ready\" by Keel's TSC (median of $n boots)"
row zboot-unpack "$(median "$dir/unpack")" us "LZ4 decompression of the kernel image by keel.efi's zboot loader, before efi_main (TSC; median of $n boots)"
row wall "$(median "$dir/wall")" ms "QEMU start -> power-off: firmware, Keel, ACPI S5 (median of $n boots)"
rm -f "$dir/bench.img"

#!/bin/sh
# test-images/mkdata.sh OUT.img [SIZE_MIB]
# A data disk for the storage tests, built with the real
# tools and no root: GPT (sgdisk) with three partitions, a FAT file system
# (mkfs.vfat, given the partition size so the backup GPT survives) holding a
# few files (mcopy), a scratch partition the end-to-end test writes a
# pattern into, and a spare one. Everything is reproducible: fixed disk and
# partition GUIDs, volume id, file contents and timestamps, so the same
# script always builds the same bytes. `sgdisk -v` must find no problems.
#
#   1  1 MiB .. 17 MiB   0700 Microsoft basic data  "keel-data"  FAT, files
#   2  17 MiB .. 25 MiB  8300 Linux filesystem      "scratch"    zeroes
#   3  25 MiB .. end-1M  8300 Linux filesystem      "spare"      zeroes
set -eu
out=$1 size=${2:-32}
export MTOOLS_SKIP_CHECK=1

[ "$size" -ge 28 ] || { echo "mkdata: $size MiB is too small (>= 28)" >&2; exit 1; }
tmp=$out.tmp
dir=$out.files
rm -rf "$tmp" "$dir"
mkdir -p "$dir"
truncate -s "${size}M" "$tmp"

p1s=2048;               p1e=$(( 17 * 2048 - 1 ))
p2s=$(( 17 * 2048 ));   p2e=$(( 25 * 2048 - 1 ))
p3s=$(( 25 * 2048 ));   p3e=$(( size * 2048 - 2048 - 1 ))
sgdisk -o -U 4b45454c-0000-4000-8000-646174616473 \
	-n "1:$p1s:$p1e" -t 1:0700 -c 1:keel-data -u 1:4b45454c-0001-4000-8000-706172743031 \
	-n "2:$p2s:$p2e" -t 2:8300 -c 2:scratch   -u 2:4b45454c-0002-4000-8000-706172743032 \
	-n "3:$p3s:$p3e" -t 3:8300 -c 3:spare     -u 3:4b45454c-0003-4000-8000-706172743033 \
	"$tmp" >/dev/null
mkfs.vfat --invariant -i 4b45454c -n KEELDATA --offset="$p1s" "$tmp" \
	$(( (p1e - p1s + 1) / 2 )) >/dev/null 2>"$tmp.err" || { cat "$tmp.err" >&2; exit 1; }
rm -f "$tmp.err"

# A few files: text, a larger deterministic binary, a nested one.
printf 'Keel data disk\nbuilt by test-images/mkdata.sh\n' > "$dir/README.TXT"
i=0
while [ $i -lt 2048 ]; do printf 'keel block %08d ........................................\n' $i; i=$((i + 1)); done > "$dir/BLOCKS.TXT"
mkdir "$dir/DIR"
printf 'nested file\n' > "$dir/DIR/NESTED.TXT"
touch -d '2024-01-01 00:00:00' "$dir"/DIR/* "$dir"/*
mcopy -s -m -i "$tmp@@1M" "$dir/README.TXT" "$dir/BLOCKS.TXT" "$dir/DIR" ::/
rm -rf "$dir"

if ! sgdisk -v "$tmp" | grep -q 'No problems found'; then
	sgdisk -v "$tmp" >&2
	echo "mkdata: sgdisk -v reports problems in $out" >&2
	exit 1
fi
mv "$tmp" "$out"

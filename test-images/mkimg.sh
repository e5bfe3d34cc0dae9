#!/bin/sh
# test-images/mkimg.sh OUT.img KEEL.efi [CMDLINE] [SIZE_MIB]
# A bootable Gen2-style disk without root or loop devices (docs/protocols/gen2-platform.md
# §12.1, docs/protocols/toolchain.md "Disk images without root"): GPT, one EFI System
# Partition from 1 MiB to 1 MiB before the end (1 MiB aligned both ends),
# FAT32, holding EFI/BOOT/BOOTX64.EFI and EFI/BOOT/keel.cfg (one line:
# CMDLINE). `sgdisk -v` must find no problems.
set -eu
out=$1 efi=$2 cmdline=${3-} size=${4:-64}
export MTOOLS_SKIP_CHECK=1

[ "$size" -ge 40 ] || { echo "mkimg: $size MiB is too small for FAT32" >&2; exit 1; }
tmp=$out.tmp
rm -f "$tmp"
truncate -s "${size}M" "$tmp"
first=2048                                      # 1 MiB in 512-byte sectors
last=$(( size * 2048 - 2048 - 1 ))              # 1 MiB before the end
sgdisk -o -n "1:$first:$last" -t 1:ef00 -c "1:EFI System" "$tmp" >/dev/null
# mkfs.vfat must be given the partition size (KiB) or it overwrites the
# backup GPT; 512-byte clusters so a small partition still is FAT32.
mkfs.vfat -F 32 -s 1 -S 512 -n KEEL --offset="$first" "$tmp" \
	$(( (last - first + 1) / 2 )) >/dev/null 2>"$tmp.err" || { cat "$tmp.err" >&2; exit 1; }
rm -f "$tmp.err"
mmd -i "$tmp@@1M" ::/EFI ::/EFI/BOOT
mcopy -i "$tmp@@1M" "$efi" ::/EFI/BOOT/BOOTX64.EFI
printf '%s\n' "$cmdline" > "$tmp.cfg"
mcopy -i "$tmp@@1M" "$tmp.cfg" ::/EFI/BOOT/keel.cfg
rm -f "$tmp.cfg"
if ! sgdisk -v "$tmp" | grep -q 'No problems found'; then
	sgdisk -v "$tmp" >&2
	echo "mkimg: sgdisk -v reports problems in $out" >&2
	exit 1
fi
mv "$tmp" "$out"

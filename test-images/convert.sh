#!/bin/sh
# test-images/convert.sh vhdx|vhd IN.img OUT
#   vhdx: Hyper-V's format, dynamic (docs/protocols/gen2-platform.md §12.2); 1 MiB blocks
#         keep the file small (docs/protocols/toolchain.md).
#   vhd:  Azure's format: fixed VHD whose virtual size is exactly the raw
#         size, a multiple of 1 MiB (force_size keeps QEMU from rounding it
#         to a CHS geometry).
set -eu
kind=$1 in=$2 out=$3
size=$(stat -c %s "$in")
[ $(( size % 1048576 )) -eq 0 ] || { echo "convert: $in is not a multiple of 1 MiB" >&2; exit 1; }
case $kind in
vhdx) fmt=vhdx; qemu-img convert -f raw -O vhdx -o subformat=dynamic,block_size=1M "$in" "$out.tmp" ;;
vhd)  fmt=vpc; qemu-img convert -f raw -O vpc -o subformat=fixed,force_size=on "$in" "$out.tmp" ;;
*)    echo "convert: unknown kind $kind" >&2; exit 1 ;;
esac
# (a fixed VHD has no header, only a footer: name the format or it probes raw)
virt=$(qemu-img info -f $fmt --output=json "$out.tmp" | sed -n 's/.*"virtual-size": *\([0-9]*\).*/\1/p' | head -n1)
if [ "$virt" != "$size" ]; then
	echo "convert: $out has virtual size $virt, expected $size" >&2
	exit 1
fi
mv "$out.tmp" "$out"

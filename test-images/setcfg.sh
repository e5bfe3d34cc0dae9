#!/bin/sh
# test-images/setcfg.sh BASE.img OUT.img CMDLINE
# A copy of BASE.img (sparse, cheap) whose EFI/BOOT/keel.cfg holds CMDLINE:
# how boot tests get images with their own command line (mtools, no root).
set -eu
base=$1 out=$2 cmdline=$3
export MTOOLS_SKIP_CHECK=1
cp --sparse=always "$base" "$out.tmp"
printf '%s\n' "$cmdline" > "$out.cfg"
mcopy -o -i "$out.tmp@@1M" "$out.cfg" ::/EFI/BOOT/keel.cfg
rm -f "$out.cfg"
mv "$out.tmp" "$out"

#!/bin/sh
# tests/storage/e2e.sh KEELSIM DATA.img WORKDIR RESULTS
# The storage end-to-end test. keelsim runs Keel against
# the simulated storage host with LUN 0 backed by a copy of the data disk
# (test-images/mkdata.sh); Keel lists the GPT partitions, hashes the whole
# disk and writes a known pattern into the "scratch" partition
# (drivers/diskinfo.h). Every check compares with what the real tools say
# about the image file, never with constants:
#   partitions  the guest's list == `sgdisk -p` / `sgdisk -i N` (number,
#               start, end, type GUID, name), and as many of them
#   sha256      the guest's whole-disk SHA-256 == `sha256sum` of the image
#   pattern     the image file afterwards holds exactly the pattern in the
#               range the guest wrote (od + awk), and no other byte changed
#               (cmp against the original)
# Writes PASS/FAIL lines to RESULTS (appends); exits 0.
set -u
sim=$1 data=$2 work=$3 results=$4
here=$(cd "$(dirname "$0")" && pwd)
sim=$(cd "$(dirname "$sim")" && pwd)/$(basename "$sim")

pass() { echo "PASS storage/$1" >> "$results"; echo "PASS storage/$1"; }
fail() { echo "FAIL storage/$1" >> "$results"; echo "FAIL storage/$1: $2"; }

mkdir -p "$work"
img=$work/e2e.img
log=$work/e2e.log
cp "$data" "$img" || { fail e2e-setup "cannot copy $data"; exit 0; }

# The scratch range: 64 blocks, 8 blocks into the partition named "scratch".
nparts=$(sgdisk -p "$img" | awk '/^Number/ { on = 1; next } on && NF { n++ } END { print n + 0 }')
scratch=""
i=1
while [ "$i" -le "$nparts" ]; do
	name=$(sgdisk -i "$i" "$img" | sed -n "s/^Partition name: '\(.*\)'$/\1/p")
	if [ "$name" = scratch ]; then
		scratch=$(sgdisk -i "$i" "$img" | awk '/^First sector:/ { print $3 }')
	fi
	i=$((i + 1))
done
[ -n "$scratch" ] || { fail e2e-setup "no partition named scratch in $data"; exit 0; }
plba=$((scratch + 8))
pcount=64
orig_sha=$(sha256sum "$img" | cut -d' ' -f1)
size=$(stat -c %s "$img")

# The scenario runs in $work so the image path stays short (image=e2e.img).
sed "s/\$PATTERN/$plba,$pcount/" "$here/e2e.scn" > "$work/e2e-run.scn"
if (cd "$work" && timeout 300 "$sim" e2e-run.scn --seed 1 --verbose) > "$log" 2>&1; then
	pass e2e-run
else
	fail e2e-run "keelsim failed, see $log"
	tail -30 "$log"
fi

# Partitions: sgdisk's view of each one against the guest's line.
guest_parts=$(grep -c '^diskinfo: sd0: part ' "$log")
ok=1
[ "$guest_parts" -eq "$nparts" ] || { ok=0; echo "guest lists $guest_parts partitions, sgdisk $nparts"; }
i=1
while [ "$i" -le "$nparts" ]; do
	info=$(sgdisk -i "$i" "$img")
	first=$(echo "$info" | awk '/^First sector:/ { print $3 }')
	last=$(echo "$info" | awk '/^Last sector:/ { print $3 }')
	type=$(echo "$info" | awk '/^Partition GUID code:/ { print $4 }')
	name=$(echo "$info" | sed -n "s/^Partition name: '\(.*\)'$/\1/p")
	# the same start and end as the table `sgdisk -p` prints
	row=$(sgdisk -p "$img" | awk -v n="$i" '/^Number/ { on = 1; next } on && $1 == n { print $2, $3 }')
	[ "$row" = "$first $last" ] || { ok=0; echo "sgdisk -p and -i disagree on $i"; }
	want="diskinfo: sd0: part $i start $first end $last type $type"
	got=$(grep "^diskinfo: sd0: part $i " "$log" | head -1)
	case "$got" in
	"$want guid "*" name \"$name\"") ;;
	*) ok=0; echo "partition $i: guest says '$got', sgdisk says '$want ... name \"$name\"'" ;;
	esac
	i=$((i + 1))
done
if [ "$ok" = 1 ] && [ "$nparts" -gt 0 ]; then pass e2e-partitions; else fail e2e-partitions "see above"; fi

# Whole-disk SHA-256 (hashed before the pattern write).
gsha=$(sed -n 's/^diskinfo: sd0: sha256 \([0-9a-f]*\) bytes \([0-9]*\)$/\1 \2/p' "$log")
if [ "$gsha" = "$orig_sha $size" ]; then
	pass e2e-sha256
else
	fail e2e-sha256 "guest '$gsha', sha256sum '$orig_sha $size'"
fi

# The pattern: every byte of the range in the image file, then nothing else.
bad=$(dd if="$img" bs=512 skip="$plba" count="$pcount" 2>/dev/null | od -An -v -tu1 -w1 |
	awk -v base=$((plba * 512)) '
		{ o = base + NR - 1; want = (o * 7 + int(o / 512) * 13 + 90) % 256
		  if ($1 != want) bad++ }
		END { if (NR != '"$((pcount * 512))"') bad += 1000000; print bad + 0 }')
outside=$(cmp -l "$data" "$img" 2>/dev/null |
	awk -v lo=$((plba * 512 + 1)) -v hi=$((plba * 512 + pcount * 512)) '
		$1 < lo || $1 > hi { n++ } END { print n + 0 }')
if grep -q "^diskinfo: sd0: pattern lba $plba count $pcount ok" "$log" && [ "$bad" = 0 ] &&
   [ "$outside" = 0 ]; then
	pass e2e-pattern
else
	fail e2e-pattern "guest: '$(grep '^diskinfo: sd0: pattern' "$log")', wrong bytes in the file: $bad, changed bytes outside the range: $outside"
fi
exit 0

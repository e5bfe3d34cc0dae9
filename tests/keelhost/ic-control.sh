#!/bin/sh
# tests/keelhost/ic-control.sh BUILD RESULTS
# keel-host's control socket against Keel in QEMU (the test image: it
# writes a pattern at boot, drivers/diskinfo.c disk-pattern=LBA,COUNT):
#   ic-kvp       `keel-ctl SOCK kvp-list` lists Keel's intrinsic items
#                OSName=Keel and a non-empty OSVersion
#   ic-timesync  the wall clock Keel logs after the SYNC sample
#                ("ic: timesync: clock set to S.MS UTC") is within 1 s of
#                the host's `date` read the moment the line appears
#   ic-shutdown  `keel-ctl SOCK shutdown` a few seconds after ready: keel-host
#                sees S_OK, QEMU exits with status 0, and the pattern Keel
#                wrote before the request is in the image file (od + awk,
#                diskinfo_pattern_byte's formula)
# Appends PASS/FAIL lines to RESULTS; exits 0.
set -u
build=$1 results=$2
tmo=${KEELHOST_TEST_TIMEOUT:-240}
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$build/tests/keelhost/ic-control
ctl=$dir/keel.ctl
kctl=$build/keelhost/keel-ctl
pass() { echo "PASS keelhost/$1" | tee -a "$results"; }
fail() { echo "FAIL keelhost/$1: $2" | tee -a "$results"; }

rm -rf "$dir" && mkdir -p "$dir"
cp --sparse=always "$build/keelhost/data.img" "$dir/data.img"
# the scratch range: 16 blocks, 8 blocks into the partition named "scratch"
scratch=""
n=$(sgdisk -p "$dir/data.img" | awk '/^Number/ { go = 1; next } go && NF { c++ } END { print c + 0 }')
i=1
while [ "$i" -le "$n" ]; do
	info=$(sgdisk -i "$i" "$dir/data.img")
	if printf '%s\n' "$info" | grep -q "^Partition name: 'scratch'$"; then
		scratch=$(printf '%s\n' "$info" | awk '/^First sector:/ { print $3 }')
	fi
	i=$((i + 1))
done
[ -n "$scratch" ] || { fail ic-shutdown "no scratch partition in data.img"; exit 0; }
plba=$((scratch + 8)) pcount=16
sed "s/\$PATTERN/$plba,$pcount/" "$root/tests/keelhost/ic-control.scn" > "$dir/ic-control.scn"
"$root/test-images/setcfg.sh" "$build/testhooks/keel.img" "$dir/keel.img" "console=serial" ||
	{ fail ic-shutdown "cannot build the disk"; exit 0; }

(cd "$dir" && "$root/scripts/run-stack.sh" --build "$build" --image "$dir/keel.img" \
	--scenario "$dir/ic-control.scn" --control "$ctl" --log "$dir/serial.log" \
	--host-log "$dir/keel-host.log" --timeout "$tmo" >"$dir/run.out" 2>&1
 echo $? > "$dir/status") &

# Watch the serial log: the host's clock the moment the time-sync line shows.
host_at="" i=0
while [ ! -f "$dir/status" ] && [ $i -lt $((tmo * 20)) ]; do
	if [ -z "$host_at" ] && grep -q 'ic: timesync: clock set to' "$dir/serial.log" 2>/dev/null; then
		host_at=$(date +%s.%N)
	fi
	grep -q "^diskinfo: sd0: pattern lba $plba count $pcount" "$dir/serial.log" 2>/dev/null &&
		grep -q '^keel: ready in' "$dir/serial.log" && [ -n "$host_at" ] && break
	sleep 0.05
	i=$((i + 1))
done
sleep 3

# kvp-list
"$kctl" "$ctl" kvp-list > "$dir/kvp.out" 2>&1
if grep -qx 'auto OSName=Keel' "$dir/kvp.out" && grep -Eqx 'auto OSVersion=.+' "$dir/kvp.out" &&
   tail -n 1 "$dir/kvp.out" | grep -qx ok; then
	pass ic-kvp
else
	fail ic-kvp "kvp-list said: $(tr '\n' ';' < "$dir/kvp.out")"
fi

# time sync: Keel's clock against the host's at the moment of its line
guest=$(tr -d '\r' < "$dir/serial.log" | sed -n 's/.*ic: timesync: clock set to \([0-9]*\.[0-9]*\) UTC.*/\1/p' | head -n 1)
if [ -n "$guest" ] && [ -n "$host_at" ] &&
   awk -v g="$guest" -v h="$host_at" 'BEGIN { d = h - g; if (d < 0) d = -d; exit !(d <= 1) }'; then
	pass ic-timesync
else
	fail ic-timesync "Keel's clock '${guest:-none}', the host's '${host_at:-none}' at its line"
fi

# shutdown
"$kctl" "$ctl" shutdown "ic-control test" > "$dir/shutdown.out" 2>&1
j=0
while [ ! -f "$dir/status" ] && [ $j -lt $((tmo * 10)) ]; do sleep 0.1; j=$((j + 1)); done
wait
st=$(cat "$dir/status" 2>/dev/null || echo none)
bad=$(dd if="$dir/data.img" bs=512 skip="$plba" count="$pcount" 2>/dev/null | od -An -v -tu1 -w1 |
	awk -v base=$((plba * 512)) -v want_n=$((pcount * 512)) '
		{ o = base + NR - 1; want = (o * 7 + int(o / 512) * 13 + 90) % 256
		  if ($1 != want) bad++ }
		END { if (NR != want_n) bad += 1000000; print bad + 0 }')
if [ "$st" = 0 ] && tail -n 1 "$dir/shutdown.out" | grep -qx ok && [ "$bad" = 0 ] &&
   grep -q 'ic: shutdown: request flags=0x0 reason="ic-control test" -> S_OK' "$dir/keel-host.log"; then
	pass ic-shutdown
else
	fail ic-shutdown "run-stack status $st, keel-ctl said '$(tr '\n' ';' < "$dir/shutdown.out")', wrong pattern bytes in the image: $bad"
	tail -n 20 "$dir/serial.log"
	tail -n 20 "$dir/keel-host.log"
fi
exit 0

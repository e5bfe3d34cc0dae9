#!/bin/sh
# tests/keelhost/bench.sh BUILD [RUNS]
# make bench row of keel-host: wall time to `keel: ready` under QEMU (TCG)
# with keel-host serving one storvsc disk, split into firmware (QEMU start,
# OVMF, loader until efi_main: wall time minus Keel's own figure) and Keel
# (efi_main to ready, from the ready line: transport bring-up, VMBus, the
# disk), median of RUNS boots (default 3); plus the transport's own numbers
# Keel measures at boot (mailbox round trip, doorbell -> kick -> MSI-X);
# plus keel-host --timeline's split of Keel's time from kernel start to
# ready into its own computation and its waits on the host (docs/timeline.md
# "A real boot"), median of the runs.
# Boots the test image (BUILD/testhooks/keel.img): only a KEEL_TEST_HOOKS
# build measures the transport at boot.
set -u
build=$1 runs=${2:-3}
root=$(cd "$(dirname "$0")/../.." && pwd)
absbuild=$(cd "$build" && pwd)
dir=$absbuild/bench/keelhost
mkdir -p "$dir"
cp --sparse=always "$absbuild/keelhost/data.img" "$dir/data.img" 2>/dev/null ||
	"$root/test-images/mkdata.sh" "$dir/data.img" >/dev/null
"$root/test-images/setcfg.sh" "$absbuild/testhooks/keel.img" "$dir/keel.img" \
	"console=serial on_ready=poweroff" || exit 1

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR ? v[int((NR + 1) / 2)] : 0) }'; }
: > "$dir/wall" ; : > "$dir/keel" ; : > "$dir/rtt" ; : > "$dir/kick" ; : > "$dir/split"
i=0
while [ $i -lt "$runs" ]; do
	i=$((i + 1))
	rm -f "$dir/serial.log"
	t0=$(now_ms)
	(cd "$dir" && "$root/scripts/run-stack.sh" --build "$absbuild" --image "$dir/keel.img" \
		--disk "$dir/data.img" --log "$dir/serial.log" --host-log "$dir/keel-host.log" \
		--timeline "$dir/timeline.svg" --timeout 120 >/dev/null 2>&1) &
	pid=$!
	t1=""
	while kill -0 "$pid" 2>/dev/null; do
		if [ -z "$t1" ] && grep -q 'keel: ready in' "$dir/serial.log" 2>/dev/null; then
			t1=$(now_ms)
		fi
		sleep 0.01
	done
	wait "$pid"
	keel_us=$(sed -n 's/.*keel: ready in \([0-9]*\) us.*/\1/p' "$dir/serial.log" | head -n 1)
	if [ -z "$t1" ] || [ -z "$keel_us" ]; then
		echo "bench-keelhost: run $i did not reach ready (see $dir)" >&2
		continue
	fi
	echo $((t1 - t0)) >> "$dir/wall"
	echo $((keel_us / 1000)) >> "$dir/keel"
	sed -n 's/.*round trips: min \([0-9]*\) us, median \([0-9]*\) us, max \([0-9]*\) us.*/\2 \1 \3/p' \
		"$dir/serial.log" >> "$dir/rtt"
	sed -n 's/.*MSI-X pending in \([0-9]*\) us.*/\1/p' "$dir/serial.log" >> "$dir/kick"
	# own computation, firmware hand-off, round trips (count, ms), halts (count, ms)
	sed -n 's/.*\] ready: [0-9.]* ms total, \([0-9.]*\) ms .*firmware hand-off \([0-9.]*\) ms.*; \([0-9]*\) mailbox round trips \([0-9.]*\) ms; \([0-9]*\) halts until a host interrupt \([0-9.]*\) ms.*/\1 \2 \3 \4 \5 \6/p' \
		"$dir/keel-host.log" >> "$dir/split"
done
wall=$(median < "$dir/wall") keel=$(median < "$dir/keel")
rtt=$(cut -d' ' -f1 "$dir/rtt" | median) kick=$(median < "$dir/kick")
printf 'bench-keelhost ready-wall   %6s ms  QEMU start -> "keel: ready" (median of %s, test image, keel-host + 1 storvsc disk)\n' "$wall" "$runs"
printf 'bench-keelhost firmware     %6s ms  QEMU + OVMF + loader until efi_main (wall - Keel)\n' "$((wall - keel))"
printf 'bench-keelhost keel         %6s ms  efi_main -> ready (transport and its boot-time measurement, VMBus, disk)\n' "$keel"
printf 'bench-keelhost mailbox-rtt  %6s us  guest request -> keel-host answer (median of 64, median run)\n' "$rtt"
"$root/tests/keelhost/protocol.sh" "$absbuild" 2000 | grep '^bench-keelhost'
printf 'bench-keelhost msix-kick    %6s us  doorbell -> keel-host kick -> MSI-X pending (median run)\n' "$kick"
# The run with the median own computation, its figures side by side.
sort -n "$dir/split" | awk -v runs="$runs" '{ v[NR] = $0 } END {
	if (!NR) { print "bench-keelhost keel-own          - ms  (no ready: line from keel-host --timeline)"; exit }
	split(v[int((NR + 1) / 2)], f, " ")
	printf "bench-keelhost keel-own     %6.1f ms  Keel\047s own computation, kernel start -> ready (goal: under 1 ms on real hardware; here QEMU TCG software emulation, test image; median of %s)\n", f[1], runs
	printf "bench-keelhost keel-waits   %6.1f ms  the same boot waiting on the host after kernel start: %d mailbox round trips %.1f ms (65 are the test image\047s transport measurement), %d halts until a host interrupt %.1f ms\n", f[4] + f[6], f[3], f[4], f[5], f[6]
	printf "bench-keelhost fw-handoff   %6.1f ms  the same boot before kernel start: QEMU, OVMF and the UEFI loader (keel-host --timeline)\n", f[2] }'

#!/bin/sh
# tests/keelhost/bench-ic.sh KEELSIM-BENCH KEELSIM-CG WORKDIR
# The integration-service rows of make bench:
#  1. ic-shutdown-to-poweroff: virtual time from the host's shutdown request
#     to the guest's power-off with 4 disks and 8 writes in flight
#     (tests/scenarios/ic-shutdown-io.scn, each request time of its AT
#     parameter, seeds 1-5): the run ends at power-off, so the time is the
#     run's virtual end minus AT; median and maximum over the 15 runs.
#  2. ic-guest-instr-per-heartbeat: callgrind with collection switched on
#     only inside guest entry points and off inside calls into the host (as
#     tests/storage/bench.sh), for N1 and N2 heartbeats;
#     per heartbeat = (Ir(N2) - Ir(N1)) / (N2 - N1): boot cancels out.
set -eu
bin=$1 cg=$2 work=$3
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$work"
: > "$work/sd.txt"
for at in 1ms 2ms 3500us; do
	sed -e '/^param AT/d' -e "s/\$AT/$at/" "$root/tests/scenarios/ic-shutdown-io.scn" > "$work/sd-$at.scn"
	ns=$(echo "$at" | sed -e 's/us$/000/' -e 's/ms$/000000/')
	: > "$work/sd-$at.log"
	for seed in 1 2 3 4 5; do
		"$bin" "$work/sd-$at.scn" --seed $seed >> "$work/sd-$at.log" 2>&1 ||
			{ echo "bench-ic: ic-shutdown-io.scn failed ($work/sd-$at.log)" >&2; exit 1; }
	done
	sed -n 's/^seed [0-9]*: pass.* virtual end \([0-9]*\) ns$/\1/p' "$work/sd-$at.log" |
		awk -v at="$ns" '{ print $1 - at }' >> "$work/sd.txt"
done
sort -n "$work/sd.txt" | awk '{ v[NR] = $1 } END {
	if (NR == 0) { print "bench-ic: no shutdown runs measured" > "/dev/stderr"; exit 1 }
	printf "bench-ic ic-shutdown-to-poweroff  median %.2f ms, max %.2f ms virtual time from the shutdown request to power-off (4 disks, 8 writes in flight; keelsim ic-shutdown-io.scn, %d runs)\n",
		v[int((NR + 1) / 2)] / 1e6, v[NR] / 1e6, NR }'

command -v valgrind >/dev/null || { echo "bench-ic: no valgrind" >&2; exit 1; }
toggles="--collect-atstart=no --toggle-collect=wq_run_once \
--toggle-collect=hosted_deliver_irqs --toggle-collect=hosted_fire_timer \
--toggle-collect=host_hypercall --toggle-collect=host_wrmsr \
--toggle-collect=host_rdmsr --toggle-collect=host_cpuid \
--toggle-collect=host_mmio_read --toggle-collect=host_mmio_write"
n1=100 n2=300
ir=""
for n in $n1 $n2; do
	sed "s/\$BEATS/$n/" "$root/tests/keelhost/bench-heartbeat.scn" > "$work/hb-$n.scn"
	# shellcheck disable=SC2086
	valgrind --tool=callgrind $toggles --callgrind-out-file="$work/hb-$n.out" \
		"$cg" "$work/hb-$n.scn" --seed 1 > "$work/hb-$n.log" 2>&1 ||
		{ echo "bench-ic: callgrind run failed ($work/hb-$n.log)" >&2; exit 1; }
	ir="$ir $(sed -n 's/^summary: *//p' "$work/hb-$n.out")"
done
# shellcheck disable=SC2086
set -- $ir
echo "$1 $2" | awk -v n1=$n1 -v n2=$n2 '{
	per = ($2 - $1) / (n2 - n1)
	if (per < 100) { print "bench-ic: callgrind measured nothing (toggle functions renamed?)" > "/dev/stderr"; exit 1 }
	printf "bench-ic ic-guest-instr-per-heartbeat  %.0f guest instructions per heartbeat (callgrind on keelsim-cg, %d vs %d heartbeats)\n", per, n1, n2 }'

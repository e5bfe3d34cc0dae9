#!/bin/sh
# tests/storage/bench.sh KEELSIM-BENCH KEELSIM-CG WORKDIR
# The storage bench rows (make bench-storage), against a
# memory-backed LUN (tests/storage/bench.scn) and, in the rows named nvme-*,
# a memory-backed NVMe namespace on a vPCI function (bench-nvme.scn):
#  1. IOPS and MB/s: the guest's load generator (sim/blkload.c, mode bench)
#     runs 4 KiB random reads and writes at queue depth 1 and 32 and 1 MiB
#     sequential reads (and at depth 4), best of three, per second of process
#     CPU time of the whole simulation (guest, host and scheduler share one
#     thread; CPU time, not wall time, so busy neighbours on a shared
#     machine do not count), -O2 without sanitizers.
#  2. Guest instructions per 4 KiB I/O: callgrind with collection switched
#     on only inside guest entry points (work items, interrupt and timer
#     delivery) and off inside calls into the host (hypercalls, MSRs, device
#     MMIO: the simulated NVMe controller runs a command inside the doorbell
#     write), for
#     N1 and N2 I/Os; per I/O = (Ir(N2) - Ir(N1)) / (N2 - N1), so setup and
#     boot cancel out. Goal: <= 2,000.
set -eu
bin=$1 cg=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"

dev=""
scn() { # MODE QD IOS BS -> file (dev "" = storvsc, "-nvme" = NVMe)
	f=$work/bench$dev-$1-$2-$3.scn
	sed -e "s/\$MODE/$1/" -e "s/\$QD/$2/" -e "s/\$IOS/$3/" -e "s/\$BS/$4/" \
		"$here/bench$dev.scn" > "$f"
	echo "$f"
}

"$bin" "$(scn bench 1 1 4096)" --seed 1 | grep '^bench-storage' || {
	echo "bench-storage: the bench run failed" >&2; exit 1; }
dev=-nvme
"$bin" "$(scn bench 1 1 4096)" --seed 1 | grep '^bench-storage' |
	sed 's/^bench-storage /bench-storage nvme-/' || {
	echo "bench-storage: the NVMe bench run failed" >&2; exit 1; }

command -v valgrind >/dev/null || { echo "bench-storage: no valgrind" >&2; exit 1; }
toggles="--collect-atstart=no --toggle-collect=wq_run_once \
--toggle-collect=hosted_deliver_irqs --toggle-collect=hosted_fire_timer \
--toggle-collect=host_hypercall --toggle-collect=host_wrmsr \
--toggle-collect=host_rdmsr --toggle-collect=host_cpuid \
--toggle-collect=host_mmio_read --toggle-collect=host_mmio_write"
n1=1000 n2=3000
for dev in "" -nvme; do
for mode in randread randwrite; do
	for qd in 1 32; do
		ir=""
		for n in $n1 $n2; do
			out=$work/cg$dev-$mode-$qd-$n.out
			# shellcheck disable=SC2086
			valgrind --tool=callgrind $toggles --callgrind-out-file="$out" \
				"$cg" "$(scn "$mode" "$qd" "$n" 4096)" --seed 1 \
				> "$work/cg$dev-$mode-$qd-$n.log" 2>&1 ||
				{ echo "bench-storage: callgrind run failed ($work/cg$dev-$mode-$qd-$n.log)" >&2; exit 1; }
			ir="$ir $(sed -n 's/^summary: *//p' "$out")"
		done
		set -- $ir
		# A toggle function renamed away would measure nothing: fail then.
		echo "$mode $qd $1 $2" | awk -v n1=$n1 -v n2=$n2 -v dev="${dev#-}" '{
			per = ($4 - $3) / (n2 - n1)
			if (per < 100) { print "bench-storage: callgrind measured nothing (toggle functions renamed?)" > "/dev/stderr"; exit 1 }
			printf "bench-storage %sguest-instr-4K-%s-qd%-3s %6.0f instructions/IO  (goal <= 2000; callgrind, %d vs %d I/Os)\n",
				(dev == "" ? "" : dev "-"), $1, $2, per, n1, n2 }'
	done
done
done

#!/bin/sh
# tests/storage/bench.sh KEELSIM-BENCH KEELSIM-CG-OZ WORKDIR
# The storage bench rows (make bench-storage), against a
# memory-backed LUN (tests/storage/bench.scn) and, in the rows named nvme-*,
# a memory-backed NVMe namespace on a vPCI function (bench-nvme.scn):
#  1. IOPS and MB/s: the guest's load generator (sim/blkload.c, mode bench)
#     runs 4 KiB random reads and writes at queue depth 1 and 32 and 1 MiB
#     sequential reads (and at depth 4), best of three, per second of process
#     CPU time of the whole simulation (guest, host and scheduler share one
#     thread; CPU time, not wall time, so busy neighbours on a shared
#     machine do not count), keelsim built -O2 without sanitizers.
#  2. Guest instructions per 4 KiB I/O: callgrind on keelsim built with
#     keel.efi's -Oz (mk/sim_net.mk keelsim-cg-oz), collection switched
#     on only inside guest entry points (work items, interrupt and timer
#     delivery) and off inside calls into the host (hypercalls, MSRs, device
#     MMIO: the simulated NVMe controller runs a command inside the doorbell
#     write), for
#     N1 and N2 I/Os; per I/O = (Ir(N2) - Ir(N1)) / (N2 - N1), so setup and
#     boot cancel out. Goals: storvsc <= 2,000; NVMe <= 1,200 and below
#     storvsc's.
# Any run that fails (a scenario check, the end-of-run memory check, a
# missing row) fails the bench: a message on stderr and exit status 1.
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

fail() { echo "bench-storage: FAILED: $*" >&2; exit 1; }

# DEV-PREFIX WHAT: one keelsim-bench run of the throughput cases; its rows
# are relabelled to say what they measure.
rows() {
	f=$(scn bench 1 1 4096)
	"$bin" "$f" --seed 1 > "$f.log" 2>&1 ||
		fail "the ${2} throughput run failed (exit $?): see $f.log"
	n=$(grep -c '^bench-storage ' "$f.log") || true
	[ "$n" -ge 6 ] || fail "the ${2} throughput run printed $n of 6 rows: see $f.log"
	grep '^bench-storage ' "$f.log" | sed \
		-e "s/^bench-storage /bench-storage $1/" \
		-e "s|  (|  (keelsim, memory $2, hosted -O2, per CPU s of the whole sim; |"
}

dev=""
rows "" LUN
dev=-nvme
rows nvme- namespace

command -v valgrind >/dev/null || fail "no valgrind"
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
				fail "callgrind run failed: see $work/cg$dev-$mode-$qd-$n.log"
			ir="$ir $(sed -n 's/^summary: *//p' "$out")"
		done
		set -- $ir
		[ $# -eq 2 ] || fail "no callgrind summary for$dev $mode QD$qd"
		# A toggle function renamed away would measure nothing: fail then.
		echo "$mode $qd $1 $2" | awk -v n1=$n1 -v n2=$n2 -v dev="${dev#-}" '{
			per = ($4 - $3) / (n2 - n1)
			if (per < 100) { print "bench-storage: FAILED: callgrind measured nothing (toggle functions renamed?)" > "/dev/stderr"; exit 1 }
			goal = dev == "" ? "goal <= 2000" : "goal <= 1,200, below storvsc'"'"'s"
			printf "bench-storage %sguest-instr-4K-%s-qd%-3s %6.0f instructions/IO  (%s; callgrind guest instructions, keel.efi -Oz, memory %s, %d vs %d I/Os)\n",
				(dev == "" ? "" : dev "-"), $1, $2, per, goal, (dev == "" ? "LUN" : "namespace"), n1, n2 }' ||
			fail "callgrind row for$dev $mode QD$qd"
	done
done
done

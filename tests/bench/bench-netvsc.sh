#!/bin/bash
# tests/bench/bench-netvsc.sh KEELSIM-BENCH KEELSIM-CG-OZ WORKDIR
# The netvsc bench rows (make bench-netvsc), one NIC against the simulated
# NetVSP (tests/bench/bench-netvsc.scn):
#  1. Frames per CPU second, received and sent, 64 B and 1514 B frames (a
#     1500 B MTU payload): process CPU time of the whole simulation (guest
#     driver, rings, simulated host and scheduler in one thread, -O2, no
#     sanitizers) for N1 and N2 frames; frames/s = (N2 - N1) / (t2 - t1), so
#     boot cancels out. One run each: a shared machine makes it noisy.
#  2. Guest instructions per 1514 B frame each way: callgrind on keelsim
#     built with keel.efi's -Oz, collection on only inside guest entry points
#     (work items, interrupt and timer delivery) and off inside calls into
#     the host (hypercalls, MSRs); per frame = (Ir(N2) - Ir(N1)) / (N2 - N1).
#     It counts the stack's stand-in too (sim/netdev_sim.c: a counter per
#     received frame, a 4-byte store per sent one). Goal: <= 1,500.
set -eu
bin=$1 cg=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"

scn() { # DIR SIZE N -> file
	local rx=0 tx=0
	if [ "$1" = rx ]; then rx=$3; else tx=$3; fi
	f=$work/bench-netvsc-$1-$2-$3.scn
	sed -e "s/\$RX/$rx/" -e "s/\$TX/$tx/" -e "s/\$SIZE/$2/g" "$here/bench-netvsc.scn" > "$f"
	echo "$f"
}

cpu() { # FILE -> CPU seconds of one keelsim run
	local t
	TIMEFORMAT='%U %S'
	t=$( { time "$bin" "$1" --seed 1 > "$1.log" 2>&1; } 2>&1 ) ||
		{ echo "bench-netvsc: run failed ($1.log)" >&2; exit 1; }
	echo "$t" | awk '{ print $1 + $2 }'
}

n1=100000 n2=1000000
for dir in rx tx; do
	for size in 64 1514; do
		t1=$(cpu "$(scn $dir $size $n1)")
		t2=$(cpu "$(scn $dir $size $n2)")
		awk -v d=$dir -v s=$size -v a=$t1 -v b=$t2 -v n1=$n1 -v n2=$n2 'BEGIN {
			what = d == "rx" ? "received" : "sent"
			printf "bench-netvsc %s %4d B: %9.0f frames/CPU s  (%s through netvsc + ring + simulated host, -O2; %d vs %d frames, %.2f vs %.2f s)\n",
				d, s, (n2 - n1) / (b - a), what, n1, n2, a, b }'
	done
done

command -v valgrind >/dev/null || { echo "bench-netvsc: no valgrind" >&2; exit 1; }
toggles="--collect-atstart=no --toggle-collect=wq_run_once \
--toggle-collect=hosted_deliver_irqs --toggle-collect=hosted_fire_timer \
--toggle-collect=host_hypercall --toggle-collect=host_wrmsr \
--toggle-collect=host_rdmsr --toggle-collect=host_cpuid"
n1=2000 n2=6000
for dir in rx tx; do
	ir=""
	for n in $n1 $n2; do
		out=$work/cg-$dir-$n.out
		# shellcheck disable=SC2086
		valgrind --tool=callgrind $toggles --callgrind-out-file="$out" \
			"$cg" "$(scn $dir 1514 $n)" --seed 1 > "$work/cg-$dir-$n.log" 2>&1 ||
			{ echo "bench-netvsc: callgrind run failed ($work/cg-$dir-$n.log)" >&2; exit 1; }
		ir="$ir $(sed -n 's/^summary: *//p' "$out")"
	done
	set -- $ir
	echo "$dir $1 $2" | awk -v n1=$n1 -v n2=$n2 '{
		per = ($3 - $2) / (n2 - n1)
		if (per < 50) { print "bench-netvsc: callgrind measured nothing (toggle functions renamed?)" > "/dev/stderr"; exit 1 }
		printf "bench-netvsc guest-instr-%s-1514B %6.0f instructions/frame  (goal <= 1500; callgrind, keel.efi -Oz, %d vs %d frames)\n",
			$1, per, n1, n2 }'
done

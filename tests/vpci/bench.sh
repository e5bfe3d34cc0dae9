#!/bin/sh
# tests/vpci/bench.sh BUILD: make bench rows for vPCI bring-up, in keelsim's
# virtual time (host/vpci_host.c serves the bus; seed 1, the scheduler's
# step cost included):
#   bringup-1fn        one bus, one function: from the run's start (VMBus
#                      connect, the offer about 3 us later) to the bus
#                      ready (every function listed and registered)
#   bringup-8fn-10ms   one bus, eight functions, every vPCI request
#                      answered 10 ms late; compared with one function
#                      under the same latency. Requests of different
#                      functions overlap, so the goal is near one latency
#                      chain per function: at most 1.5x the single one.
#   bringup-3bus       three buses of one function each, no latency
#   cfg-read           wall time of one config space read through the seam
#                      (guest pci_cfg_read -> vPCI window MMIO -> platform
#                      seam -> simulated host), -O2 build: the test function
#                      reads its vendor ID N times (guest switch
#                      vpci-cfg-reads=N); (time per seed with N - without) / N
# Timing goes here, never into a test: nothing is asserted.
build=${1:-build}
sim=$build/host/keelsim-bench build_kind=-O2
[ -x "$sim" ] || { sim=$build/host/keelsim; build_kind="ASan build"; }
dir=$build/tests/vpci-bench
mkdir -p "$dir"

ready_ns() {	# NAME SCENARIO-TEXT: the latest "ready DEV at N ns"
	printf '%s\n' "$2" > "$dir/$1.scn"
	"$sim" --seed 1 --verbose "$dir/$1.scn" 2>/dev/null |
		sed -n 's/^ready [^ ]* at \([0-9]*\) ns$/\1/p' | sort -n | tail -1
}

ms() { awk -v n="$1" 'BEGIN { printf "%.3f ms", n / 1e6 }'; }

fn='vendor=0x1414 device=0xfff0 bar0=16K msix=4'
t1=$(ready_ns one "device vpci gpu $fn
until 1s
expect ready gpu")
l1=$(ready_ns one-lat "device vpci gpu $fn
on packet gpu every delay 10ms
until 5s
expect ready gpu")
l8=$(ready_ns eight-lat "device vpci gpu $fn functions=8
on packet gpu every delay 10ms
until 5s
expect ready gpu")
t3=$(ready_ns three "device vpci a $fn
device vpci b $fn
device vpci c $fn
until 1s
expect ready all")
seeds_per_s() {	# NAME N: seeds per second of one function with N extra reads
	printf 'guest-switch vpci-cfg-reads=%s\ndevice vpci gpu %s\nuntil 1s\nexpect ready gpu\n' \
		"$2" "$fn" > "$dir/$1.scn"
	"$sim" "$dir/$1.scn" --seeds 1-40 --bench 2>/dev/null | sed -n 's/^bench-sim .* \([0-9][0-9]*\) seeds\/s.*/\1/p'
}
reads=20000
s0=$(seeds_per_s cfg0 0)
sn=$(seeds_per_s cfgn $reads)
for v in "$t1" "$l1" "$l8" "$t3" "$s0" "$sn"; do
	[ -n "$v" ] || { echo "bench-vpci: a run did not become ready (see $dir)"; exit 1; }
done
vt='keelsim virtual time, seed 1'
printf 'bench-vpci bringup-1fn        %s run start to bus ready (%s; 1 bus, 1 function, host answers at once)\n' \
	"$(ms "$t1")" "$vt"
printf 'bench-vpci bringup-8fn-10ms   %s run start to bus ready (%s; 1 bus, 8 functions, 10 ms host latency per request; 1 function: %s; ratio %s, goal <= 1.50)\n' \
	"$(ms "$l8")" "$vt" "$(ms "$l1")" "$(awk -v a="$l8" -v b="$l1" 'BEGIN { printf "%.2f", a / b }')"
printf 'bench-vpci bringup-3bus       %s run start to last bus ready (%s; 3 buses of 1 function, host answers at once)\n' \
	"$(ms "$t3")" "$vt"
printf 'bench-vpci cfg-read           %s ns wall time per config space read through the seam (hosted %s, guest -> vPCI window -> simulated host; %s reads per seed: %s seeds/s, without: %s seeds/s)\n' \
	"$(awk -v a="$sn" -v b="$s0" -v n="$reads" 'BEGIN { printf "%.1f", (1 / a - 1 / b) * 1e9 / n }')" \
	"$build_kind" "$reads" "$sn" "$s0"

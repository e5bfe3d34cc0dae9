#!/bin/sh
# tests/sim/timeline.sh KEELSIM DIR: keelsim --timeline draws the two
# multi-NIC pictures of docs/timeline.md into DIR and checks them:
#   timeline/NAME-wellformed   xmllint --noout accepts the SVG
#   timeline/NAME-lanes        a lane for each queue the run uses
#   timeline/NAME-deadlock     the red deadlock marker is there in the
#                              legacy design and absent from the fixed one
# Prints `PASS timeline/...` / `FAIL timeline/... (why)` lines (make test-sim
# appends them to its results); exits 1 if any failed.
set -u
sim=$1
dir=$2
scn=$(cd "$(dirname "$0")/../scenarios" && pwd)
mkdir -p "$dir"
st=0

result() {      # name, problem ("" = pass)
	if [ -z "$2" ]; then echo "PASS timeline/$1"; else echo "FAIL timeline/$1 ($2)"; st=1; fi
}

# NAME, lanes that must be there, deadlock markers wanted (yes/no)
check() {
	svg=$dir/$1.svg
	why=""
	"$sim" "$scn/$1.scn" --seed 1 --timeline "$svg" > "$dir/$1.log" 2>&1 ||
		why="keelsim failed: $(tail -n 3 "$dir/$1.log" | tr '\n' ' ')"
	[ -n "$why" ] || [ -s "$svg" ] || why="no picture written"
	if [ -z "$why" ] && ! xmllint --noout "$svg" > "$dir/$1.xmllint" 2>&1; then
		why="not well formed: $(head -n 2 "$dir/$1.xmllint" | tr '\n' ' ')"
	fi
	result "$1-wellformed" "$why"
	[ -z "$why" ] || return
	for lane in $2; do
		grep -q "class=\"lane-label\"[^>]*>$lane</text>" "$svg" ||
			{ why="no lane '$lane'"; break; }
	done
	result "$1-lanes" "$why"
	n=$(grep -c '<g class="deadlock">' "$svg")
	if [ "$3" = yes ] && [ "$n" = 0 ]; then
		why="no deadlock marker"
	elif [ "$3" = no ] && [ "$n" != 0 ]; then
		why="$n deadlock marker(s) in a run without a deadlock"
	fi
	result "$1-deadlock" "$why"
}

command -v xmllint > /dev/null || { echo "FAIL timeline (xmllint missing: scripts/deps.sh)"; exit 1; }
check vmbus-multinic-deadlock "host vmbus_msg vmbus_chan echo-r1 echo-r2 echo-r1-sub echo-r2-sub" no
check vmbus-multinic-deadlock-legacy "host vmbus_msg echo-r1 echo-r2" yes
exit $st

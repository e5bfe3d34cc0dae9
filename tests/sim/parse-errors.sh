#!/bin/sh
# tests/sim/parse-errors.sh KEELSIM: keelsim's own failure paths.
#
#   parse-errors/NAME.scn  must not parse; its first line `# error: LINE: TEXT`
#                          is the message keelsim must print as FILE:LINE: TEXT
#                          (TEXT may be the start of it), exactly once, and no
#                          seed may run (three are asked for)
#   must-fail/NAME.scn     parses but every run fails; its first line
#                          `# fail: TEXT` is part of the failure keelsim prints;
#                          a line `# seed: N` runs seed N instead of seed 1
#                          (a race the seed must pick)
#
# Prints one `PASS sim-errors/NAME` / `FAIL sim-errors/NAME (...)` line per
# file (make test-sim appends them to its results); exits 1 if any failed.
set -u
sim=$1
dir=$(dirname "$0")
out=$(mktemp)
trap 'rm -f "$out"' EXIT
st=0

check() {   # NAME KIND EXPECTED-OUTPUT
	if [ "$rc" -eq 0 ]; then
		echo "FAIL sim-errors/$1 (keelsim accepted it, status 0)"
		st=1
	elif ! grep -qF -- "$3" "$out"; then
		echo "FAIL sim-errors/$1 (no \"$3\" in: $(head -c 300 "$out" | tr '\n' ' '))"
		st=1
	elif [ "$2" = parse ] && [ "$(grep -cF -- "$3" "$out")" -ne 1 ]; then
		echo "FAIL sim-errors/$1 (\"$3\" printed $(grep -cF -- "$3" "$out") times, not once)"
		st=1
	elif [ "$2" = parse ] && grep -q 'seed [0-9]' "$out"; then
		echo "FAIL sim-errors/$1 (a seed ran: $(grep -m1 'seed [0-9]' "$out"))"
		st=1
	else
		echo "PASS sim-errors/$1"
	fi
}

for f in "$dir"/parse-errors/*.scn; do
	want=$(sed -n '1s/^# error: //p' "$f")
	line=${want%%: *}
	"$sim" "$f" --seeds 1-3 >"$out" 2>&1
	rc=$?
	check "parse/$(basename "$f" .scn)" parse "$f:$line: ${want#*: }"
done
for f in "$dir"/must-fail/*.scn; do
	want=$(sed -n '1s/^# fail: //p' "$f")
	seed=$(sed -n 's/^# seed: \([0-9][0-9]*\)$/\1/p' "$f")
	"$sim" "$f" --seed "${seed:-1}" >"$out" 2>&1
	rc=$?
	check "run/$(basename "$f" .scn)" run "$want"
done
exit $st

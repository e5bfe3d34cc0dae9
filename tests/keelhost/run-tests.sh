#!/bin/sh
# tests/keelhost/run-tests.sh BUILD [NAME...]
# The keel-host boot tests: each line of tests/keelhost/tests.txt
# boots the image it names (BUILD/keel.img, the product, or
# BUILD/testhooks/keel.img, built with KEEL_TEST_HOOKS), as a copy with the
# test's keel.cfg, in
# QEMU + OVMF against keel-host serving the test's scenario, through
# scripts/run-stack.sh, under a timeout. Writes BUILD/results/keelhost.txt
# (`PASS name` / `FAIL name: why`); on a failure prints the guest's serial
# log and keel-host's log. Exits 0 even when tests fail (the summary counts).
set -u
build=$1; shift
tmo=${KEELHOST_TEST_TIMEOUT:-150}
root=$(cd "$(dirname "$0")/../.." && pwd)
absbuild=$(cd "$build" && pwd)
data=$absbuild/keelhost/data.img
results=$absbuild/results/keelhost.txt
mkdir -p "$absbuild/results"
: > "$results"

# the disk checks shared with the keelsim storage test (partitions, SHA-256, pattern)
. "$root/tests/storage/diskcheck.sh"

field() { printf '%s\n' "$line" | awk -F ' [|] ' -v i="$1" '{ v = $i; gsub(/^ +| +$/, "", v); print v }'; }
clean() { sed -e 's/\r//g' -e 's/\x1b\[[0-9;=?]*[A-Za-z]//g' "$1"; }

# $1 regexes joined by " && ", $2 1 = must appear, 0 = must not; prints the first problem
checkall() {
	[ "$1" = - ] && return 0
	printf '%s\n' "$1" | awk 'BEGIN { RS = " && " } { sub(/\n$/, ""); print }' |
	while IFS= read -r re; do
		[ -z "$re" ] && continue
		if grep -Eq -- "$re" "$dir/serial.clean"; then found=1; else found=0; fi
		if [ "$found" != "$2" ]; then
			if [ "$2" = 1 ]; then echo "missing /$re/"; else echo "unexpected /$re/"; fi
			return 0
		fi
	done
}

# Every must-appear regex matches exactly one line of the serial log.
check_once() {
	printf '%s\n' "$must" | awk 'BEGIN { RS = " && " } { sub(/\n$/, ""); print }' |
	while IFS= read -r re; do
		[ -z "$re" ] && continue
		c=$(grep -Ec -- "$re" "$dir/serial.clean")
		[ "$c" = 1 ] || { echo "/$re/ matches $c lines, not once"; return 0; }
	done
}

# keel-host --timeline (docs/timeline.md "A real boot"): the picture is
# well formed and holds the lanes and markers of this boot, and the
# time-to-ready split in keel-host's log adds up.
check_timeline() {
	svg=$dir/timeline.svg
	[ -s "$svg" ] || { echo "no timeline picture written"; return 0; }
	xmllint --noout "$svg" > "$dir/xmllint.out" 2>&1 ||
		{ echo "timeline not well formed: $(head -n 2 "$dir/xmllint.out" | tr '\n' ' ')"; return 0; }
	lanes=$(sed -n 's/.*class="lane-label"[^>]*>\([^<]*\)<.*/\1/p' "$svg" | tr '\n' ' ')
	want="host firmware keel"
	[ "$image" = testhooks ] && want="$want vmbus_msg vmbus_chan"
	for l in $want; do
		case " $lanes" in *" $l "*) ;; *) echo "timeline: no lane '$l' (lanes: $lanes)"; return 0 ;; esac
	done
	# the product image has no work-queue hook: Keel's lane only
	[ "$image" = product ] && [ "$lanes" != "host firmware keel " ] &&
		{ echo "timeline: work-queue lanes from the product image: $lanes"; return 0; }
	n=$(grep -c '<g class="ready">' "$svg")
	[ "$n" = 1 ] || { echo "timeline: $n ready lines, want 1"; return 0; }
	n=$(grep -c '<g class="deadlock">' "$svg")
	[ "$n" = 0 ] || { echo "timeline: $n deadlock lines in a boot without one"; return 0; }
	devs=$(sed -n 's/.*VMBus version [0-9.]*, \([0-9]*\) device(s).*/\1/p' "$dir/keel-host.log")
	# a marker has a tooltip (<title>); the legend's samples do not
	n=$(grep -c '<g class="offer"><title>' "$svg")
	[ "$n" -ge "${devs:-1}" ] && [ "$n" -ge 1 ] ||
		{ echo "timeline: $n offer markers for ${devs:-?} device(s)"; return 0; }
	want=$(grep -c '^\[[ 0-9.]*\] host: rescind ' "$dir/keel-host.log")
	n=$(grep -c '<g class="rescind"><title>' "$svg")
	[ "$n" = "$want" ] || { echo "timeline: $n rescind markers, keel-host logged $want"; return 0; }
	for c in to-guest to-host wait; do
		grep -q "<g class=\"$c\"><title>" "$svg" || { echo "timeline: no $c marker"; return 0; }
	done
	line=$(grep -m 1 '\] ready: ' "$dir/keel-host.log")
	[ -n "$line" ] || { echo "timeline: no ready: line in keel-host's log"; return 0; }
	printf '%s\n' "$line" | awk '{
		if (match($0, /ready: [0-9.]+ ms total, [0-9.]+ ms Keel.s own computation, [0-9.]+ ms waiting on the host/) == 0) {
			print "timeline: ready: line not understood: " $0; exit }
		split(substr($0, RSTART, RLENGTH), w, " ")
		if (w[2] + 0 <= 0 || (w[5] + w[10]) - w[2] > 0.15 || w[2] - (w[5] + w[10]) > 0.15)
			print "timeline: the split does not add up: " substr($0, RSTART, RLENGTH) }'
}

run_one() {
	name=$(field 1) image=$(field 2) scn=$(field 3) cfg=$(field 4) must=$(field 5) mustnot=$(field 6) checks=$(field 7)
	dir=$absbuild/tests/keelhost/$name
	rm -rf "$dir" && mkdir -p "$dir"
	why=""
	case $image in
	product) base=$absbuild/keel.img ;;
	testhooks) base=$absbuild/testhooks/keel.img ;;
	*) base=""; why="unknown image '$image' (product or testhooks)" ;;
	esac
	cp --sparse=always "$data" "$dir/data.img"
	# A scenario with $PATTERN gets the scratch range ("LBA,COUNT") of the
	# data disk for its guest-switch disk-pattern= (the "pattern" check).
	scnpath=$root/tests/keelhost/$scn prange=""
	if [ "$scn" != - ] && grep -q '\$PATTERN' "$scnpath"; then
		prange=$(diskcheck_scratch "$dir/data.img") || why="no scratch partition in $data"
		sed "s/\$PATTERN/$(echo "$prange" | tr ' ' ,)/" "$scnpath" > "$dir/scenario.scn"
		scnpath=$dir/scenario.scn
	fi
	[ -n "$why" ] || "$root/test-images/setcfg.sh" "$base" "$dir/keel.img" "$cfg" || why="cannot build the disk"
	st=0
	if [ -z "$why" ] && [ "$scn" = - ]; then
		# no keel-host at all: plain QEMU, as in the QEMU boot tests (tests/boot/)
		"$root/scripts/run-qemu.sh" --timeout "$tmo" --log "$dir/serial.log" \
			"$dir/keel.img" >"$dir/run.out" 2>&1 || st=$?
	elif [ -z "$why" ]; then
		# keel-host resolves the scenario's image=data.img in its directory
		case " $checks " in *" timeline "*) tl="--timeline $dir/timeline.svg" ;; *) tl="" ;; esac
		# shellcheck disable=SC2086  # $tl is one option and its value, or nothing
		(cd "$dir" && "$root/scripts/run-stack.sh" --build "$absbuild" --image "$dir/keel.img" $tl \
			--scenario "$scnpath" --log "$dir/serial.log" \
			--host-log "$dir/keel-host.log" --timeout "$tmo" >"$dir/run.out" 2>&1) || st=$?
	fi
	[ -f "$dir/serial.log" ] || : > "$dir/serial.log"
	clean "$dir/serial.log" > "$dir/serial.clean"
	want_st=0
	for c in $checks; do
		case $c in exit=*) want_st=${c#exit=} ;; esac
	done
	if [ -z "$why" ] && [ "$st" != "$want_st" ]; then
		case $st in
		3) why="keel-host reported a failure (host-side check)" ;;
		124) why="timed out after ${tmo}s" ;;
		*) why="QEMU exit status $st, expected $want_st" ;;
		esac
	fi
	[ -n "$why" ] || why=$(checkall "$must" 1)
	[ -n "$why" ] || why=$(checkall "$mustnot" 0)
	disk=sd0
	for c in $checks; do
		[ -n "$why" ] && break
		case $c in
		disk=*) disk=${c#disk=} ;;
		parts) why=$(diskcheck_parts "$dir/serial.clean" "$dir/data.img" "$disk") ;;
		sha256) why=$(diskcheck_sha256 "$dir/serial.clean" "$data" "$disk") ;;
		pattern)
			if [ -z "$prange" ]; then
				why="check pattern: the scenario has no \$PATTERN"
			else
				# shellcheck disable=SC2086  # "LBA COUNT": two arguments
				why=$(diskcheck_pattern "$dir/serial.clean" "$data" "$dir/data.img" "$disk" $prange)
			fi ;;
		once) why=$(check_once) ;;
		timeline) why=$(check_timeline) ;;
		exit=*) ;;
		-) ;;
		*) why="unknown check $c" ;;
		esac
	done
	if [ -z "$why" ]; then
		echo "PASS keelhost/$name" | tee -a "$results"
		return
	fi
	echo "FAIL keelhost/$name: $why" | tee -a "$results"
	echo "---- guest serial log ($dir/serial.log) ----"
	tail -n 80 "$dir/serial.clean"
	echo "---- keel-host log ($dir/keel-host.log) ----"
	tail -n 60 "$dir/keel-host.log" 2>/dev/null
	[ -s "$dir/run.out" ] && { echo "---- run-stack ----"; tail -n 20 "$dir/run.out"; }
	echo "---- end of $name ----"
}

mkdir -p "$absbuild/tests/keelhost"
for f in "$absbuild/keel.img" "$absbuild/testhooks/keel.img" "$absbuild/host/keel-host" "$absbuild/tests/keelhost-protocol" "$data"; do
	if [ ! -e "$f" ]; then
		echo "FAIL keelhost (missing $f)" | tee -a "$results"
		exit 0
	fi
done
# The transport without QEMU first (fast, precise failures): "protocol".
want_proto=1
if [ $# -gt 0 ]; then
	want_proto=0
	for n in "$@"; do [ "$n" = protocol ] && want_proto=1; done
fi
if [ $want_proto = 1 ]; then
	"$root/tests/keelhost/protocol.sh" "$absbuild" 200 > "$absbuild/tests/keelhost-protocol.out" 2>&1
	grep -E '^(PASS|FAIL) ' "$absbuild/tests/keelhost-protocol.out" | tee -a "$results"
	grep -q '^FAIL ' "$absbuild/tests/keelhost-protocol.out" &&
		grep -vE '^(PASS|FAIL) |^bench' "$absbuild/tests/keelhost-protocol.out"
fi
grep -v '^#' "$root/tests/keelhost/tests.txt" | grep -v '^[[:space:]]*$' | while IFS= read -r line; do
	if [ $# -gt 0 ]; then
		want=0
		for n in "$@"; do [ "$(field 1)" = "$n" ] && want=1; done
		[ $want = 1 ] || continue
	fi
	run_one
done
# keel-host's control socket: kvp-list, the time-sync clock, shutdown.
want_ic=1
if [ $# -gt 0 ]; then
	want_ic=0
	for n in "$@"; do [ "$n" = ic-control ] && want_ic=1; done
fi
[ $want_ic = 1 ] && "$root/tests/keelhost/ic-control.sh" "$absbuild" "$results"
# `make run`'s built-in network peer: lease, ping, GET / (no root).
want_peer=1
if [ $# -gt 0 ]; then
	want_peer=0
	for n in "$@"; do [ "$n" = nic-peer ] && want_peer=1; done
fi
[ $want_peer = 1 ] && "$root/tests/keelhost/nic-peer.sh" "$absbuild" "$results"
exit 0

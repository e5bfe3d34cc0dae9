#!/bin/sh
# tests/storage/e2e.sh KEELSIM DATA.img WORKDIR RESULTS
# The storage end-to-end tests in keelsim, one per row of the table at the
# end: the scenario's disk is a copy of the data disk (test-images/mkdata.sh)
# - "e2e": LUN 0 of a storvsc device (tests/storage/e2e.scn), Keel's sd0
# - "nvme-file": namespace 1 of an NVMe controller on a vPCI bus, backed by
#   the image file (file=, tests/storage/nvme-file.scn), Keel's nvme0n1
# Keel lists the GPT partitions, hashes the whole disk and writes a known
# pattern into the "scratch" partition (drivers/diskinfo.h). The checks
# (tests/storage/diskcheck.sh, shared with the keel-host boot tests) compare
# with what the real tools say about the image file, never with constants:
#   partitions  the guest's list == `sgdisk -p` / `sgdisk -i N` (number,
#               start, end, type GUID, unique GUID, name), and as many
#   sha256      the guest's whole-disk SHA-256 == `sha256sum` of the image
#   pattern     the image file afterwards holds exactly the pattern in the
#               range the guest wrote (od + awk), and no other byte changed
#               (cmp against the original)
# Writes PASS/FAIL lines to RESULTS (appends); exits 0.
set -u
sim=$1 data=$2 work=$3 results=$4
here=$(cd "$(dirname "$0")" && pwd)
sim=$(cd "$(dirname "$sim")" && pwd)/$(basename "$sim")
. "$here/diskcheck.sh"

pass() { echo "PASS storage/$1" >> "$results"; echo "PASS storage/$1"; }
fail() { echo "FAIL storage/$1" >> "$results"; echo "FAIL storage/$1: $2"; }
check() { # NAME PROBLEM
	if [ -z "$2" ]; then pass "$1"; else fail "$1" "$2"; fi
}

# e2e_one TEST SCENARIO DISK: the scenario names its image e2e.img and
# carries $PATTERN (the range "LBA,COUNT" for guest-switch disk-pattern=).
e2e_one() {
	t=$1 scn=$2 disk=$3
	dir=$work/$t
	img=$dir/e2e.img
	log=$dir/e2e.log
	mkdir -p "$dir"
	cp "$data" "$img" || { fail "$t-setup" "cannot copy $data"; return; }
	range=$(diskcheck_scratch "$img") ||
		{ fail "$t-setup" "no partition named scratch in $data"; return; }
	# shellcheck disable=SC2086  # "LBA COUNT": two words
	set -- $range
	plba=$1 pcount=$2
	# The scenario runs in $dir so the image path stays short (e2e.img).
	sed "s/\$PATTERN/$plba,$pcount/" "$here/$scn" > "$dir/e2e-run.scn"
	if (cd "$dir" && timeout 300 "$sim" e2e-run.scn --seed 1 --verbose) > "$log" 2>&1; then
		pass "$t-run"
	else
		fail "$t-run" "keelsim failed, see $log"
		tail -30 "$log"
	fi
	check "$t-partitions" "$(diskcheck_parts "$log" "$img" "$disk")"
	check "$t-sha256" "$(diskcheck_sha256 "$log" "$data" "$disk")"
	check "$t-pattern" "$(diskcheck_pattern "$log" "$data" "$img" "$disk" "$plba" "$pcount")"
}

e2e_one e2e       e2e.scn       sd0
e2e_one nvme-file nvme-file.scn nvme0n1
exit 0

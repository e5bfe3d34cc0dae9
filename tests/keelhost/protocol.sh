#!/bin/sh
# tests/keelhost/protocol.sh BUILD [ROUNDS]
# keel-host's transport without QEMU: starts keel-host (no devices), runs the
# fake ivshmem client (tests/keelhost/protocol.c, BUILD/tests/keelhost-protocol)
# against it, then checks that keel-host reported the client's deliberate
# host-side violation (a hypercall before the hypercall page) and exited 1.
# Prints PASS/FAIL lines and the host-rtt bench row; on a failure keel-host's log.
set -u
build=$1 rounds=${2:-1000}
dir=$build/tests/keelhost/protocol
mkdir -p "$dir"
sock=/tmp/keel-proto-$$.sock ram=/dev/shm/keel-proto-$$ ready=/tmp/keel-proto-$$.ready
trap 'rm -f "$sock" "$ram" "$ready"; [ -n "${kh-}" ] && kill "$kh" 2>/dev/null' EXIT
"$build/host/keel-host" --socket "$sock" --ram "$ram" --ram-size 64M \
	--log "$dir/keel-host.log" --ready-file "$ready" &
kh=$!
i=0
while [ ! -e "$ready" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
timeout 60 "$build/tests/keelhost-protocol" "$sock" "$rounds" > "$dir/client.out" 2>&1
cst=$?
i=0
while kill -0 "$kh" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
kill "$kh" 2>/dev/null
wait "$kh"
khst=$?
kh=""
cat "$dir/client.out"
grep -q '^PASS keelhost/protocol-hypercall-outside-ram' "$dir/client.out" ||
	echo "FAIL keelhost/protocol-client: client status $cst, see $dir/client.out"
if [ "$khst" = 1 ] && grep -q 'FAIL host-side violation: hypercall 0x5c without an enabled hypercall page' \
	"$dir/keel-host.log"; then
	echo "PASS keelhost/protocol-violation-reported"
else
	echo "FAIL keelhost/protocol-violation-reported: keel-host exit $khst"
	echo "---- keel-host log ----"
	tail -n 30 "$dir/keel-host.log"
fi

#!/bin/sh
# tests/keelhost/nic-peer.sh BUILD RESULTS
# `make run`'s networking without root: the product keel.img with
# app=httpd booted by scripts/run-stack.sh as `make run` starts it
# (--nic peer, the data disk, a control socket), keel-host's built-in peer
# (keelhost/peer.c) on the NIC's wire. Once keel-host printed its three
# result lines, `keel-ctl shutdown` ends the run. Checks:
#   - the address in "peer: Keel is A (DHCP lease ...)" is the one Keel
#     logs (`net: eth0: inet A ...`), and the peer gave it
#   - "peer: ping A: N/N replies" with N = 5 (host/netpeer_probe.h)
#   - "peer: GET http://A/ -> HTTP/1.1 200 OK, B bytes, "T"": B is the size
#     of httpd's page and T its <title>, both read from apps/httpd.c
#   - `keel-ctl kvp-list` (the KVP intrinsic items, docs/protocols/ic.md
#     "KVP") says NetworkAddressIPv4 is that DHCP address, and, within
#     10 s, NetworkAddressIPv6 has Keel's link-local address
#   - the shutdown stops httpd first: "app: httpd stopped" comes before
#     "shutdown: powering off" in the serial log
#   - the result lines follow keel-host's "peer: Keel reported ready" (the
#     guest trace's ready point), QEMU exits 0 after the shutdown and
#     keel-host reports no failure (exit 0)
# Appends one PASS/FAIL line (keelhost/nic-peer) to RESULTS; exits 0.
set -u
build=$(cd "$1" && pwd) results=$2
tmo=${KEELHOST_TEST_TIMEOUT:-240}
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$build/tests/keelhost/nic-peer
ctl=$dir/keel.ctl
pass() { echo "PASS keelhost/nic-peer" | tee -a "$results"; }
fail() {
	echo "FAIL keelhost/nic-peer: $1" | tee -a "$results"
	echo "---- guest serial log ----"; tr -d '\r' < "$dir/serial.log" 2>/dev/null | tail -n 30
	echo "---- keel-host log ----"; tail -n 30 "$dir/keel-host.log" 2>/dev/null
	echo "---- run-stack ----"; tail -n 10 "$dir/run.out" 2>/dev/null
}

rm -rf "$dir" && mkdir -p "$dir"
cp --sparse=always "$build/keelhost/data.img" "$dir/data.img"
"$root/test-images/setcfg.sh" "$build/keel.img" "$dir/keel.img" "console=serial app=httpd" ||
	{ fail "cannot build the disk"; exit 0; }

(cd "$dir" && "$root/scripts/run-stack.sh" --build "$build" --image "$dir/keel.img" \
	--disk "$dir/data.img" --nic peer --control "$ctl" --log "$dir/serial.log" \
	--host-log "$dir/keel-host.log" --timeout "$tmo" >"$dir/run.out" 2>&1
 echo $? > "$dir/status") &

# keel-host prints the GET line last (or a summary when it stopped early)
i=0
while [ ! -f "$dir/status" ] && [ $i -lt $((tmo * 10)) ]; do
	grep -q 'keel-host: peer: GET ' "$dir/keel-host.log" 2>/dev/null && break
	sleep 0.1
	i=$((i + 1))
done
# the link-local IPv6 address becomes Keel's once duplicate address
# detection ends, a second or so after the lease: read until it is listed
# (KVP computes the items at every read)
k=0
while [ ! -f "$dir/status" ] && [ $k -lt 40 ]; do
	"$build/keelhost/keel-ctl" "$ctl" kvp-list > "$dir/kvp.out" 2>&1
	grep -q '^auto NetworkAddressIPv6=.' "$dir/kvp.out" && break
	sleep 0.25
	k=$((k + 1))
done
"$build/keelhost/keel-ctl" "$ctl" shutdown "nic-peer test" > "$dir/shutdown.out" 2>&1
j=0
while [ ! -f "$dir/status" ] && [ $j -lt $((tmo * 10)) ]; do sleep 0.1; j=$((j + 1)); done
wait
st=$(cat "$dir/status" 2>/dev/null || echo none)

# what httpd serves: the page's size and title, from its source (the C
# string's pieces joined, escapes kept: each \n or \" is one byte)
raw=$(sed -n '/^static const char httpd_index\[\] =/,/;$/p' "$root/apps/httpd.c" |
	sed -n 's/^[^"]*"\(.*\)"[;]*$/\1/p' | tr -d '\n')
size=$(printf '%s' "$raw" | sed 's/\\n/N/g; s/\\"/"/g' | wc -c)
title=$(printf '%s' "$raw" | sed -n 's/.*<title>\(.*\)<\/title>.*/\1/p')

keel=$(tr -d '\r' < "$dir/serial.log" | sed -n 's/^net: eth0: inet \([0-9.]*\) .*/\1/p' | head -n 1)
lease=$(sed -n 's/.*keel-host: peer: Keel is \([0-9.]*\) (DHCP lease from the built-in peer [0-9.]*)$/\1/p' \
	"$dir/keel-host.log")
ping=$(sed -n 's/.*keel-host: peer: ping \([0-9.]*\): \([0-9]*\/[0-9]*\) replies$/\1 \2/p' \
	"$dir/keel-host.log")
ready_at=$(grep -n 'keel-host: peer: Keel reported ready' "$dir/keel-host.log" | head -n 1 | cut -d: -f1)
lease_at=$(grep -n 'keel-host: peer: Keel is ' "$dir/keel-host.log" | head -n 1 | cut -d: -f1)
get=$(sed -n 's/.*keel-host: peer: GET \(.*\)$/\1/p' "$dir/keel-host.log")
kvp4=$(sed -n 's/^auto NetworkAddressIPv4=//p' "$dir/kvp.out")
kvp6=$(sed -n 's/^auto NetworkAddressIPv6=//p' "$dir/kvp.out")
stopped_at=$(tr -d '\r' < "$dir/serial.log" | grep -n 'app: httpd stopped' | head -n 1 | cut -d: -f1)
off_at=$(tr -d '\r' < "$dir/serial.log" | grep -n 'shutdown: powering off' | head -n 1 | cut -d: -f1)
want_get="http://$keel/ -> HTTP/1.1 200 OK, $size bytes, \"$title\""

if [ -z "$keel" ]; then
	fail "Keel logged no DHCP address (net: eth0: inet)"
elif [ "$lease" != "$keel" ]; then
	fail "the peer's lease line says '${lease:-nothing}', Keel logged $keel"
elif [ -z "$ready_at" ] || [ "$lease_at" -lt "$ready_at" ]; then
	fail "the results do not follow Keel's ready (ready line ${ready_at:-missing}, lease line $lease_at)"
elif [ "$ping" != "$keel 5/5" ]; then
	fail "ping line: '${ping:-none}', want '$keel 5/5'"
elif [ "$get" != "$want_get" ]; then
	fail "GET line: '${get:-none}', want '$want_get'"
elif [ "$kvp4" != "$keel" ]; then
	fail "KVP NetworkAddressIPv4 is '$kvp4', want the lease $keel (kvp-list: $(tr '\n' ';' < "$dir/kvp.out"))"
elif ! printf '%s\n' "$kvp6" | grep -Eq '(^|;)fe80::[0-9a-f:]+(;|$)'; then
	fail "KVP NetworkAddressIPv6 is '$kvp6', want a link-local fe80:: address"
elif [ -z "$stopped_at" ] || [ -z "$off_at" ] || [ "$stopped_at" -gt "$off_at" ]; then
	fail "'app: httpd stopped' (line ${stopped_at:-missing}) not before 'shutdown: powering off' (line ${off_at:-missing})"
elif [ "$st" != 0 ]; then
	fail "run-stack status $st after the shutdown (keel-ctl: $(tr '\n' ';' < "$dir/shutdown.out"))"
else
	pass
fi
exit 0

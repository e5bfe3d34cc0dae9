#!/bin/sh
# scripts/run-net.sh [run-stack options] [-- QEMU ARGS]
# `make run-net`: Keel with its NIC on a private network you can reach.
# Makes a network namespace with a TAP device and dnsmasq (DHCP + DNS,
# scripts/net-ns.sh), runs keel-host --tap + QEMU inside it
# (scripts/run-stack.sh), prints Keel's address and a curl command as soon
# as dnsmasq leased it, and removes everything when Keel stops (power-off,
# Ctrl-C). Needs root (namespaces, TAP).
set -u
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" -ne 0 ]; then
	echo "run-net: needs root (network namespace and TAP device)" >&2
	exit 2
fi
id=$$
ns=keelnet$id tap=ktap$id
dir=$(mktemp -d /tmp/keel-net.XXXXXX)
watcher=""
cleanup() {
	[ -n "$watcher" ] && kill "$watcher" 2>/dev/null
	"$here/net-ns.sh" down "$ns" "$dir"
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
"$here/net-ns.sh" up "$ns" "$tap" "$dir" || { echo "run-net: network set-up failed" >&2; exit 2; }

# dnsmasq's lease file names Keel's address once DHCP is done.
(
	while :; do
		a=$(awk 'NR == 1 { print $3 }' "$dir/leases" 2>/dev/null)
		if [ -n "$a" ]; then
			echo "run-net: Keel is at $a (namespace $ns); try:" >&2
			echo "  ip netns exec $ns curl http://$a/" >&2
			echo "  ip netns exec $ns ping -c 3 $a" >&2
			echo "  ip netns exec $ns iperf3 -c $a   (APP=iperf3; -R: Keel sends)" >&2
			exit 0
		fi
		sleep 1
	done
) &
watcher=$!
st=0
ip netns exec "$ns" "$here/run-stack.sh" --tap "$tap" "$@" || st=$?
exit "$st"

#!/bin/sh
# scripts/net-ns.sh up NS TAP DIR | down NS DIR
# A private network for Keel's NIC (root only): network namespace NS with
# the TAP device TAP (keel-host --tap attaches to it from inside NS) at
# 10.77.0.1/24, and dnsmasq on it serving DHCP (10.77.0.50-99) and DNS
# (keel.test -> 10.77.0.1). DIR holds dnsmasq's pid, lease and log files.
# `down` stops dnsmasq and deletes the namespace (the TAP goes with it).
set -u
NET_HOST=10.77.0.1

up() {
	ns=$1 tap=$2 dir=$3
	mkdir -p "$dir"
	ip netns add "$ns" || return 1
	ip -n "$ns" link set lo up &&
	ip -n "$ns" tuntap add dev "$tap" mode tap &&
	ip -n "$ns" addr add "$NET_HOST/24" dev "$tap" &&
	ip -n "$ns" link set "$tap" up || return 1
	: > "$dir/leases"
	# --user=root: the lease file lives in a root-owned temporary directory
	ip netns exec "$ns" dnsmasq --conf-file=/dev/null --user=root \
		--interface="$tap" --bind-interfaces --except-interface=lo \
		--dhcp-range=10.77.0.50,10.77.0.99,255.255.255.0,1h \
		--dhcp-option=option:router,"$NET_HOST" \
		--dhcp-option=option:dns-server,"$NET_HOST" \
		--dhcp-leasefile="$dir/leases" --pid-file="$dir/dnsmasq.pid" \
		--no-resolv --no-hosts --address=/keel.test/"$NET_HOST" \
		--log-dhcp --log-facility="$dir/dnsmasq.log" || return 1
}

down() {
	ns=$1 dir=$2
	if [ -s "$dir/dnsmasq.pid" ]; then
		kill "$(cat "$dir/dnsmasq.pid")" 2>/dev/null
	fi
	ip netns del "$ns" 2>/dev/null
	return 0
}

case ${1:-} in
up) shift; up "$@" ;;
down) shift; down "$@" ;;
*) echo "usage: $0 up NS TAP DIR | down NS DIR" >&2; exit 2 ;;
esac

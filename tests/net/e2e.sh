#!/bin/sh
# tests/net/e2e.sh BUILD [--bench]
# Networking end to end against real Linux tools: a private network
# namespace with a TAP device and dnsmasq (scripts/net-ns.sh), keel.img with
# app=httpd (default ip=dhcp) booted in QEMU beside keel-host --tap
# (scripts/run-stack.sh), then from the namespace:
#   dhcp      Keel's logged address is the one in dnsmasq's lease file,
#             leased to Keel's MAC
#   ping      ping -c 3: three answers
#   burst     256 pings of 1400 bytes, 64 in flight: every one answered
#             (NET_BURST_INFLIGHT=N to try another depth)
#   page      curl /: the httpd's page
#   stats     curl /stats: eth0 with its RX/TX counters, no TX frame dropped
#             (the burst above fills the NIC's send sections)
#   download  curl /download/N byte for byte against the formula of
#             apps/httpd.h (byte i = (i*7 + (i>>8)) & 0xff), generated here
#   iperf3    skipped: Keel has no iperf3-compatible app
# and at the end keel-host reported no host-side violation. Writes
# BUILD/results/net.txt (PASS/FAIL/SKIP lines); SKIP (whole suite) when not
# root or without /dev/net/tun. Everything is torn down, also on failure.
# --bench: only the download, printed as one throughput row (make bench).
set -u
build=$1
mode=${2:-test}
here=$(cd "$(dirname "$0")/../.." && pwd)
mib=${NET_DOWNLOAD_MIB:-4}
tmo=${NET_TEST_TIMEOUT:-240}
results=$build/results/net.txt
mkdir -p "$build/results"
[ "$mode" = --bench ] && results=/dev/null
: > "$results" 2>/dev/null

say() { echo "$*"; echo "$*" >> "$results"; }
pass() { say "PASS net-$1${2:+: $2}"; }
fail() { say "FAIL net-$1: $2"; failed=1; }

if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/net/tun ]; then
	say "SKIP net: needs root and /dev/net/tun (network namespace, TAP device)"
	exit 0
fi
for t in ip dnsmasq curl ping perl; do
	command -v "$t" >/dev/null 2>&1 || { say "FAIL net: $t missing (scripts/deps.sh installs it)"; exit 0; }
done

id=$$
ns=keelnet$id tap=ktap$id
dir=$(mktemp -d /tmp/keel-net.XXXXXX)
failed=0
cleanup() {
	[ -s "$dir/qemu.pid" ] && kill "$(cat "$dir/qemu.pid")" 2>/dev/null
	[ -n "${stackpid:-}" ] && wait "$stackpid" 2>/dev/null
	"$here/scripts/net-ns.sh" down "$ns" "$dir"
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
inns() { ip netns exec "$ns" "$@"; }
logs() {
	echo "--- guest serial log"; sed 's/\r//g' "$dir/serial.log" | tail -n 40
	echo "--- keel-host log"; tail -n 20 "$dir/keel-host.log"
	echo "--- dnsmasq log"; tail -n 20 "$dir/dnsmasq.log"
}

if ! "$here/scripts/net-ns.sh" up "$ns" "$tap" "$dir"; then
	fail setup "cannot create namespace $ns with TAP $tap and dnsmasq"
	exit 0
fi
"$here/test-images/setcfg.sh" "$build/keel.img" "$dir/keel.img" "console=serial app=httpd"
inns "$here/scripts/run-stack.sh" --build "$build" --image "$dir/keel.img" --tap "$tap" \
	--log "$dir/serial.log" --host-log "$dir/keel-host.log" --timeout "$tmo" \
	--pidfile "$dir/qemu.pid" > "$dir/stack.out" 2>&1 &
stackpid=$!

# Keel logs `net: eth0: inet A netmask M gateway G` once DHCP bound.
ip=""
i=0
while [ $i -lt "$tmo" ] && kill -0 "$stackpid" 2>/dev/null; do
	ip=$(sed -n 's/^net: eth0: inet \([0-9.]*\) .*/\1/p' "$dir/serial.log" 2>/dev/null | head -n 1)
	[ -n "$ip" ] && grep -q '^httpd: listening' "$dir/serial.log" && break
	sleep 1
	i=$((i + 1))
done
if [ -z "$ip" ]; then
	fail dhcp "Keel logged no DHCP address within $tmo s"
	logs
	exit 0
fi

if [ "$mode" = --bench ]; then
	# three downloads, the median's rate
	for k in 1 2 3; do
		inns curl -sS --max-time 120 -o "$dir/dl" -w '%{size_download} %{time_total}\n' \
			"http://$ip/download/$mib" >> "$dir/times" ||
			{ echo "bench-net-e2e: download failed" >&2; logs >&2; exit 1; }
	done
	sort -n -k2 "$dir/times" | sed -n 2p | awk -v mib="$mib" '{
		printf "bench-net-e2e download %8.2f MiB/s  HTTP GET /download/%d (%d bytes, %.2f s, median of 3) by curl in a namespace -> TAP -> keel-host -> Keel in QEMU\n", $1 / 1048576 / $2, mib, $1, $2 }'
	exit 0
fi

# dhcp: the lease dnsmasq wrote (expiry MAC IP name client-id)
mac=$(sed -n 's/^net:     link\/ether \([0-9a-f:]*\).*/\1/p' "$dir/serial.log" | head -n 1)
lease=$(awk -v ip="$ip" '$3 == ip { print $2 }' "$dir/leases")
if [ -n "$lease" ] && [ "$lease" = "$mac" ]; then
	pass dhcp "$ip leased to $mac"
else
	fail dhcp "Keel logged $ip (MAC ${mac:-none}); dnsmasq's leases: $(tr '\n' ';' < "$dir/leases")"
fi

out=$(inns ping -c 3 -W 5 "$ip" 2>&1)
got=$(printf '%s\n' "$out" | grep -c "bytes from $ip: icmp_seq=")
if [ "$got" = 3 ]; then
	pass ping "$(printf '%s\n' "$out" | sed -n 's/^rtt min\/avg\/max\/mdev = /rtt min\/avg\/max\/mdev /p')"
else
	fail ping "$got of 3 answers: $(printf '%s\n' "$out" | tail -n 2 | tr '\n' ' ')"
fi

# Back-to-back frames into the guest's receive path (64 in flight, a new one
# every 10 ms): none is lost. The replies outrun the NIC's send sections
# (16 of 6144 bytes) while the host's completions lag: the stack's transmit
# queue holds them.
inflight=${NET_BURST_INFLIGHT:-64}
out=$(inns ping -q -c 256 -l "$inflight" -i 0.01 -s 1400 -W 5 "$ip" 2>&1)
if printf '%s\n' "$out" | grep -q '^256 packets transmitted, 256 received'; then
	pass burst "256 pings of 1400 bytes, $inflight in flight, all answered"
else
	fail burst "$(printf '%s\n' "$out" | grep 'packets transmitted')"
fi

page=$(inns curl -sS --max-time 30 "http://$ip/" 2>&1)
if printf '%s\n' "$page" | grep -q '<h1>Keel</h1>' &&
   printf '%s\n' "$page" | grep -q 'href="/download/1"'; then
	pass page
else
	fail page "curl http://$ip/ gave: $(printf '%s\n' "$page" | head -n 3 | tr '\n' ' ')"
fi

stats=$(inns curl -sS --max-time 30 "http://$ip/stats" 2>&1)
if printf '%s\n' "$stats" | grep -q "^eth0: <UP" &&
   printf '%s\n' "$stats" | grep -q "inet $ip/" &&
   printf '%s\n' "$stats" | grep -Eq "RX: packets [1-9][0-9]* bytes" &&
   printf '%s\n' "$stats" | grep -Eq "TX: packets [1-9][0-9]* bytes [0-9]+ dropped 0 "; then
	pass stats "$(printf '%s\n' "$stats" | grep -m 1 'TX:' | sed 's/^ *//')"
else
	fail stats "curl http://$ip/stats gave: $(printf '%s\n' "$stats" | head -n 8 | tr '\n' ' ')"
fi

# The expected bytes, generated from the formula independently of Keel.
perl -e 'binmode STDOUT; my $n = shift; my $b = "";
	for my $i (0 .. $n - 1) { $b .= chr(($i * 7 + ($i >> 8)) & 0xff) } print $b' \
	$((mib * 1048576)) > "$dir/want"
r=$(inns curl -sS --max-time 120 -o "$dir/dl" -w '%{size_download} %{time_total}' \
	"http://$ip/download/$mib" 2>&1)
if cmp "$dir/want" "$dir/dl" > "$dir/cmp.out" 2>&1; then
	pass download "$(echo "$r" | awk '{ printf "%d bytes in %.2f s", $1, $2 }')"
else
	fail download "curl: $r; cmp: $(cat "$dir/cmp.out")"
fi

say "SKIP net-iperf3: Keel has no iperf3-compatible app"

# Power off (QEMU stopped), then keel-host's verdict.
kill "$(cat "$dir/qemu.pid")" 2>/dev/null
wait "$stackpid"
stackpid=""
if grep -q 'HOST-SIDE VIOLATION' "$dir/keel-host.log"; then
	fail host "$(grep -m1 'HOST-SIDE VIOLATION' "$dir/keel-host.log")"
else
	pass host "$(grep -m1 'TAP .*frames to the guest' "$dir/keel-host.log" | sed 's/.*keel-host: //')"
fi
[ "$failed" = 0 ] || logs
exit 0

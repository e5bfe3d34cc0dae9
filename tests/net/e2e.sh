#!/bin/sh
# tests/net/e2e.sh BUILD [--bench]
# Networking end to end against real Linux tools: a private network
# namespace with a TAP device and dnsmasq (scripts/net-ns.sh), keel.img with
# app=httpd (default ip=dhcp) booted in QEMU beside keel-host --tap
# (scripts/run-stack.sh), then from the namespace:
#   dhcp      Keel's logged address is the one in dnsmasq's lease file,
#             leased to Keel's MAC
#   ping      ping -c 20 (every 0.2 s): twenty answers
#   ping-mtu  ping -M do -s 1472: a full 1500-byte IP packet, not
#             fragmented, answered
#   burst     256 pings of 1400 bytes, 64 in flight: every one answered
#             (NET_BURST_INFLIGHT=N to try another depth)
#   page      curl /: the httpd's page
#   stats     curl /stats: eth0 with its RX/TX counters, no TX frame dropped
#             (the burst above fills the NIC's send sections)
#   download  curl /download/N byte for byte against the formula of
#             apps/httpd.h (byte i = (i*7 + (i>>8)) & 0xff), generated here
#   download-sha256  curl /download/16: its SHA-256 against the SHA-256 of
#             the same formula's 16 MiB, generated here
#   host      keel-host reported no host-side violation and no ring stall
#             (host->guest data left unread with the guest's interrupts
#             unmasked for 2 s: a lost signal, keelhost/stall.c)
#   capture   tshark captured the TAP through the whole first boot; reading
#             the capture back, no frame is malformed (_ws.malformed) and no
#             dissector reports an expert error
#   rescind   a second boot with tests/net/rescind.scn: the NIC is rescinded
#             during a ping run and offered again; Keel logs the interface
#             detached, gets the same address again, and the pings resume
# A third boot with app=iperf3 (apps/iperf3.h), the real iperf3 client:
#   iperf3    iperf3 -c ADDR -t 5 --json: Keel's logged received bytes are
#             the client's "receiver" figure (its results message) and at
#             least 90% of the bytes the client sent, none more
#   iperf3-reverse  the same with -R: Keel's logged sent bytes are the
#             client's "sender" figure, and the client received at least
#             90% of them, none more
#   iperf3-busy     a second client during the first test is refused with
#             ACCESS_DENIED ("the server is busy")
#   iperf3-udp      iperf3 -u is refused (SERVER_ERROR) and Keel logs why
#   iperf3-host     keel-host reported no host-side violation, no ring stall
# Writes
# BUILD/results/net.txt (PASS/FAIL/SKIP lines); SKIP (whole suite) when not
# root or without /dev/net/tun. Everything is torn down, also on failure.
# --bench: only the download, printed as one throughput row (make bench).
# --bench-iperf3: only the iperf3 boot, 10 s each way, two rows (make bench).
# --iperf3: only the iperf3 boot and its checks (results in net.txt).
set -u
build=$1
mode=${2:-test}
here=$(cd "$(dirname "$0")/../.." && pwd)
mib=${NET_DOWNLOAD_MIB:-4}
tmo=${NET_TEST_TIMEOUT:-240}
results=$build/results/net.txt
mkdir -p "$build/results"
case $mode in --bench*) results=/dev/null ;; esac
: > "$results" 2>/dev/null

say() { echo "$*"; echo "$*" >> "$results"; }
pass() { say "PASS net-$1${2:+: $2}"; }
fail() { say "FAIL net-$1: $2"; failed=1; }

if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/net/tun ]; then
	say "SKIP net: needs root and /dev/net/tun (network namespace, TAP device)"
	exit 0
fi
for t in ip dnsmasq curl ping perl sha256sum tshark iperf3; do
	command -v "$t" >/dev/null 2>&1 || { say "FAIL net: $t missing (scripts/deps.sh installs it)"; exit 0; }
done

id=$$
ns=keelnet$id tap=ktap$id
dir=$(mktemp -d /tmp/keel-net.XXXXXX)
failed=0
cleanup() {
	[ -s "$dir/qemu.pid" ] && kill "$(cat "$dir/qemu.pid")" 2>/dev/null
	[ -n "${stackpid:-}" ] && wait "$stackpid" 2>/dev/null
	[ -n "${pingpid:-}" ] && kill "$pingpid" 2>/dev/null
	[ -n "${busypid:-}" ] && kill "$busypid" 2>/dev/null
	[ -n "${cappid:-}" ] && kill "$cappid" 2>/dev/null && wait "$cappid" 2>/dev/null
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

# boot [run-stack options]: Keel (app=httpd) in QEMU beside keel-host --tap,
# in the namespace, in the background; serial.log, keel-host.log, qemu.pid.
boot() {
	rm -f "$dir/serial.log" "$dir/qemu.pid"
	inns "$here/scripts/run-stack.sh" --build "$build" --image "$dir/keel-$app.img" --tap "$tap" \
		--log "$dir/serial.log" --host-log "$dir/keel-host.log" --timeout "$tmo" \
		--pidfile "$dir/qemu.pid" "$@" > "$dir/stack.out" 2>&1 &
	stackpid=$!
}

# Power off (QEMU stopped); keel-host checks and exits.
halt() {
	kill "$(cat "$dir/qemu.pid")" 2>/dev/null
	wait "$stackpid"
	stackpid=""
}

# wait_ip [N [SEC]]: Keel's address from the Nth (default first) line
# `net: ethN: inet A netmask M gateway G`, once the app ($app) listens;
# empty after SEC (default $tmo) seconds.
app=httpd
wait_ip() {
	k=0
	while [ $k -lt "${2:-$tmo}" ] && kill -0 "$stackpid" 2>/dev/null; do
		a=$(sed -n 's/^net: eth[0-9]*: inet \([0-9.]*\) .*/\1/p' "$dir/serial.log" \
			2>/dev/null | sed -n "${1:-1}p")
		[ -n "$a" ] && grep -q "^$app: listening" "$dir/serial.log" && { echo "$a"; return; }
		sleep 1
		k=$((k + 1))
	done
}

# The formula of apps/httpd.h for N MiB on stdout: byte i = (i*7 + (i>>8))
# & 0xff. Block k of 256 bytes is (7j + k) & 0xff for j = 0..255, so 256
# distinct blocks make every size quickly.
pattern() {
	perl -e 'binmode STDOUT; my $n = shift; my @blk;
		for my $k (0 .. 255) { $blk[$k] = pack("C*", map { ($_ * 7 + $k) & 0xff } 0 .. 255) }
		for my $k (0 .. $n * 4096 - 1) { print $blk[$k & 255] }' "$1"
}

# iperf3_run NAME SECS [ARGS]: the real client against Keel at $ip for SECS
# seconds with --json (output in $dir/iperf3-NAME.json). Sets c_sent and
# c_recv (the client's end.sum_sent and end.sum_received bytes), mbit (the
# receiver's Mbit/s) and k_bytes (the byte count of the result line Keel
# logs after the test), or err (why not).
iperf3_run() {
	name=$1 secs=$2
	shift 2
	err="" c_sent="" c_recv="" mbit="" k_bytes=""
	before=$(grep -c '^iperf3: result:' "$dir/serial.log")
	inns timeout $((secs + 30)) iperf3 -c "$ip" -t "$secs" --json "$@" \
		> "$dir/iperf3-$name.json" 2> "$dir/iperf3-$name.err"
	set -- $(perl -MJSON::PP -e 'local $/; my $j = eval { decode_json(<STDIN>) };
		if (!$j) { print "error: no JSON from the client\n"; exit }
		if ($j->{error}) { print "error: $j->{error}\n"; exit }
		my $e = $j->{end};
		printf "%d %d %.2f\n", $e->{sum_sent}{bytes}, $e->{sum_received}{bytes},
			$e->{sum_received}{bits_per_second} / 1e6' < "$dir/iperf3-$name.json")
	if [ "$1" = error: ]; then
		err="iperf3 $*: $(head -c 300 "$dir/iperf3-$name.err" | tr '\n' ' ')"
		err="$err$(grep -m1 'keel-host: ring stall:' "$dir/keel-host.log" | sed 's/^/; keel-host: /')"
		return
	fi
	c_sent=$1 c_recv=$2 mbit=$3
	# Keel logs its result after the client's IPERF_DONE
	i=0
	while [ $i -lt 50 ] && [ "$(grep -c '^iperf3: result:' "$dir/serial.log")" -le "$before" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	k_bytes=$(sed -n 's/^iperf3: result: [a-z]* \([0-9]*\) bytes .*/\1/p' "$dir/serial.log" |
		sed -n "$((before + 1))p")
	[ -n "$k_bytes" ] || err="Keel logged no result line for the test"
}

# iperf3_check NAME KEEL OTHER: Keel's own count KEEL against the client's
# count OTHER of the same bytes at the other end: OTHER <= KEEL for what
# Keel sent, KEEL <= OTHER for what it received; the smaller at least 90%
# of the larger (bytes in flight when the test ends are not counted).
# Empty, or what is wrong.
iperf3_check() {
	awk -v n="$1" -v s="$2" -v b="$3" 'BEGIN {
		if (s + 0 <= 0 || b + 0 <= 0) print n ": no bytes";
		else if (s + 0 > b + 0) print n ": " s " is more than " b;
		else if (s + 0 < 0.9 * b) print n ": " s " is less than 90% of " b }'
}

# The third boot: app=iperf3, tests in both directions, a busy server, UDP.
iperf3_tests() {
	app=iperf3
	boot
	ip=$(wait_ip)
	if [ -z "$ip" ]; then
		fail iperf3 "the iperf3 boot logged no address or no listening app within $tmo s"
		logs
		return
	fi
	# a second client 1.5 s into the first test: refused while busy
	( sleep 1.5; inns timeout 20 iperf3 -c "$ip" -t 1 > "$dir/busy.out" 2>&1 ) &
	busypid=$!
	iperf3_run recv 5
	wait "$busypid"
	busypid=""
	bad=$err
	[ -n "$bad" ] || [ "$k_bytes" = "$c_recv" ] ||
		bad="Keel logged $k_bytes bytes received, its results message said $c_recv"
	[ -n "$bad" ] || bad=$(iperf3_check "Keel received vs the client sent" "$k_bytes" "$c_sent")
	if [ -z "$bad" ]; then
		pass iperf3 "client->Keel 5 s: $mbit Mbit/s, Keel received $k_bytes of the client's $c_sent bytes"
	else
		fail iperf3 "$bad"
	fi
	if grep -q 'the server is busy running a test' "$dir/busy.out" &&
	   grep -q '^iperf3: busy with a test' "$dir/serial.log"; then
		pass iperf3-busy "a second client refused: $(tr -d '\n' < "$dir/busy.out")"
	else
		fail iperf3-busy "a second client during the test got: $(head -c 300 "$dir/busy.out" | tr '\n' ' ')"
	fi
	iperf3_run send 5 -R
	bad=$err
	[ -n "$bad" ] || [ "$k_bytes" = "$c_sent" ] ||
		bad="Keel logged $k_bytes bytes sent, its results message said $c_sent"
	[ -n "$bad" ] || bad=$(iperf3_check "the client received vs Keel sent" "$c_recv" "$k_bytes")
	if [ -z "$bad" ]; then
		pass iperf3-reverse "Keel->client 5 s: $mbit Mbit/s, the client received $c_recv of Keel's $k_bytes bytes"
	else
		fail iperf3-reverse "$bad"
	fi
	out=$(inns timeout 20 iperf3 -c "$ip" -u -t 1 2>&1)
	if printf '%s\n' "$out" | grep -q 'not implemented' &&
	   grep -q '^iperf3: test refused.*UDP tests are not supported' "$dir/serial.log"; then
		pass iperf3-udp "$(printf '%s\n' "$out" | grep error)"
	else
		fail iperf3-udp "iperf3 -u gave: $(printf '%s\n' "$out" | tail -n 2 | tr '\n' ' ')"
	fi
	halt
	if grep -q 'HOST-SIDE VIOLATION\|keel-host: ring stall:' "$dir/keel-host.log"; then
		fail iperf3-host "$(grep -m1 'HOST-SIDE VIOLATION\|keel-host: ring stall:' "$dir/keel-host.log")"
	else
		pass iperf3-host "$(grep -m1 'TAP .*frames to the guest' "$dir/keel-host.log" | sed 's/.*keel-host: //')"
	fi
}

# make bench: 10 s each way, one row each.
iperf3_bench() {
	app=iperf3
	boot
	ip=$(wait_ip)
	[ -n "$ip" ] || { echo "bench-net-iperf3: Keel logged no address" >&2; logs >&2; exit 1; }
	iperf3_run recv 10
	[ -z "$err" ] || { echo "bench-net-iperf3: $err" >&2; logs >&2; exit 1; }
	echo "net iperf3 TCP receive (client->Keel, 1 stream, 10 s, QEMU TCG): $mbit Mbit/s ($k_bytes bytes received; iperf3 -c in a namespace -> TAP -> keel-host -> Keel)"
	iperf3_run send 10 -R
	[ -z "$err" ] || { echo "bench-net-iperf3: $err" >&2; logs >&2; exit 1; }
	echo "net iperf3 TCP send (Keel->client, -R, 1 stream, 10 s, QEMU TCG): $mbit Mbit/s ($c_recv bytes received by the client)"
	halt
}

if ! "$here/scripts/net-ns.sh" up "$ns" "$tap" "$dir"; then
	fail setup "cannot create namespace $ns with TAP $tap and dnsmasq"
	exit 0
fi
for a in httpd iperf3; do
	"$here/test-images/setcfg.sh" "$build/keel.img" "$dir/keel-$a.img" "console=serial app=$a"
done
if [ "$mode" = --bench-iperf3 ]; then
	iperf3_bench
	exit 0
fi
if [ "$mode" = --iperf3 ]; then
	iperf3_tests
	[ "$failed" = 0 ] || logs
	exit 0
fi

# Every frame on the TAP, from before the first DHCP packet (tshark says
# "Capturing on" once the capture runs). Not for --bench: it costs CPU.
if [ "$mode" != --bench ]; then
	# not through inns (a subshell): $! is tshark itself, which ends on
	# SIGTERM with the capture file complete
	ip netns exec "$ns" tshark -q -i "$tap" -w "$dir/tap.pcapng" > "$dir/tshark.out" 2>&1 &
	cappid=$!
	i=0
	while [ $i -lt 100 ] && ! grep -q '^Capturing on' "$dir/tshark.out"; do
		sleep 0.1
		i=$((i + 1))
	done
fi
boot
ip=$(wait_ip)
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

out=$(inns ping -c 20 -i 0.2 -W 5 "$ip" 2>&1)
got=$(printf '%s\n' "$out" | grep -c "bytes from $ip: icmp_seq=")
if [ "$got" = 20 ]; then
	pass ping "20 of 20 answers, $(printf '%s\n' "$out" | sed -n 's/^rtt min\/avg\/max\/mdev = /rtt min\/avg\/max\/mdev /p')"
else
	fail ping "$got of 20 answers: $(printf '%s\n' "$out" | tail -n 2 | tr '\n' ' ')"
fi

# 1472 bytes of ICMP data + 8 + 20 = a 1500-byte IP packet, the MTU, with
# don't-fragment set: it goes whole and the echo comes back whole.
out=$(inns ping -c 3 -M do -s 1472 -W 5 "$ip" 2>&1)
got=$(printf '%s\n' "$out" | grep -c "^1480 bytes from $ip: icmp_seq=")
if [ "$got" = 3 ]; then
	pass ping-mtu "ping -M do -s 1472: 3 of 3 answers of 1480 bytes"
else
	fail ping-mtu "ping -M do -s 1472: $got of 3 answers: $(printf '%s\n' "$out" | tail -n 3 | tr '\n' ' ')"
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
pattern "$mib" > "$dir/want"
r=$(inns curl -sS --max-time 120 -o "$dir/dl" -w '%{size_download} %{time_total}' \
	"http://$ip/download/$mib" 2>&1)
if cmp "$dir/want" "$dir/dl" > "$dir/cmp.out" 2>&1; then
	pass download "$(echo "$r" | awk '{ printf "%d bytes in %.2f s", $1, $2 }')"
else
	fail download "curl: $r; cmp: $(cat "$dir/cmp.out")"
fi

# 16 MiB (about 1 s at TCG speed): its SHA-256 against the formula's.
big=16
want=$(pattern "$big" | sha256sum | cut -d' ' -f1)
r=$(inns curl -sS --max-time 120 -o "$dir/dl16" -w '%{size_download} %{time_total}' \
	"http://$ip/download/$big" 2>&1)
got=$(sha256sum "$dir/dl16" 2>/dev/null | cut -d' ' -f1)
rm -f "$dir/dl16"
if [ -n "$got" ] && [ "$got" = "$want" ]; then
	pass download-sha256 "$(echo "$r" | awk '{ printf "%d bytes in %.2f s", $1, $2 }'), sha256 $got"
else
	fail download-sha256 "curl: $r; sha256 ${got:-none}, the formula's $want"
fi

halt
if grep -q 'HOST-SIDE VIOLATION\|keel-host: ring stall:' "$dir/keel-host.log"; then
	fail host "$(grep -m1 'HOST-SIDE VIOLATION\|keel-host: ring stall:' "$dir/keel-host.log")"
else
	pass host "$(grep -m1 'TAP .*frames to the guest' "$dir/keel-host.log" | sed 's/.*keel-host: //')"
fi
[ "$failed" = 0 ] || logs

# The capture: every frame of the boot, read back. A frame a dissector could
# not parse carries _ws.malformed; checksum, length and sequence problems
# are expert infos of severity error.
kill "$cappid" 2>/dev/null
wait "$cappid"
cappid=""
frames=$(tshark -r "$dir/tap.pcapng" -T fields -e frame.number 2>/dev/null | wc -l)
tshark -r "$dir/tap.pcapng" -Y '_ws.malformed || _ws.expert.severity == error' \
	-T fields -e frame.number -e _ws.col.Protocol -e _ws.col.Info \
	> "$dir/malformed" 2> "$dir/tshark-read.all"
grep -v 'Running as user "root"' "$dir/tshark-read.all" > "$dir/tshark-read.err"
bad=$(wc -l < "$dir/malformed")
if [ "$frames" -gt 0 ] && [ "$bad" = 0 ] && [ ! -s "$dir/tshark-read.err" ]; then
	pass capture "$frames frames on the TAP, none malformed"
elif [ "$frames" = 0 ]; then
	fail capture "tshark captured no frame: $(tr '\n' ' ' < "$dir/tshark.out")"
else
	fail capture "$bad of $frames frames malformed or with expert errors:$(head -n 10 "$dir/malformed" | tr '\t\n' ' ;')$(tr '\n' ' ' < "$dir/tshark-read.err")"
fi

# The second boot: the NIC rescinded during a ping run, then offered again
# (tests/net/rescind.scn, times from the guest's ready signal). The ping runs
# from the first address until three answers came after the second address.
failed=0
boot --scenario "$here/tests/net/rescind.scn"
ip=$(wait_ip)
if [ -z "$ip" ]; then
	fail rescind "the second boot logged no DHCP address within $tmo s"
	logs
	exit 0
fi
inns ping -O -i 0.2 -W 1 "$ip" > "$dir/ping.out" 2>&1 &
pingpid=$!
ip2=$(wait_ip 2 60)
after=0
if [ -n "$ip2" ]; then
	n0=$(grep -c 'bytes from' "$dir/ping.out")
	i=0
	while [ $i -lt 100 ] && [ "$after" -lt 3 ]; do
		sleep 0.1
		after=$(($(grep -c 'bytes from' "$dir/ping.out") - n0))
		i=$((i + 1))
	done
fi
kill "$pingpid" 2>/dev/null
wait "$pingpid" 2>/dev/null
pingpid=""
before=$(sed -n '/no answer yet/q; /bytes from/p' "$dir/ping.out" | wc -l)
lost=$(grep -c 'no answer yet' "$dir/ping.out")
detached=$(grep -m1 '^net: eth[0-9]*: detached' "$dir/serial.log" | tr -d '\r')
if [ -z "$detached" ]; then
	fail rescind "Keel logged no detached interface; keel-host: $(grep -m2 '^scenario:' "$dir/keel-host.log" | tr '\n' ' ')"
elif [ "$before" = 0 ]; then
	fail rescind "no ping answered before the rescind (DHCP after the scenario's 15 s?)"
elif [ -z "$ip2" ]; then
	fail rescind "'$detached', then no second address within 60 s"
elif [ "$ip2" != "$ip" ]; then
	fail rescind "address $ip before the rescind, $ip2 after"
elif [ "$after" -lt 3 ]; then
	fail rescind "$ip back, but only $after answers after it"
else
	pass rescind "$before answers, '$detached', $lost unanswered, $ip again, answers resume"
fi
halt
[ "$failed" = 0 ] || logs

failed=0
iperf3_tests
[ "$failed" = 0 ] || logs
exit 0

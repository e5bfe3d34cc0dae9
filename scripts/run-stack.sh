#!/bin/sh
# scripts/run-stack.sh [options] [-- QEMU ARGS...]
# The whole stack: keel-host, the simulated Hyper-V host as its own
# process, then QEMU booting a Keel image through OVMF (scripts/run-qemu.sh),
# linked by guest RAM in a shared file and an ivshmem-doorbell device
# (docs/protocols/keelhost-transport.md). Both are torn down when either ends:
# guest power-off, Ctrl-A x (serial on the terminal), Ctrl-C (serial in a
# file or socket), a timeout; the /dev/shm file and the socket go too.
#
# Options:
#   --build DIR         build tree (default: build): keel.img, host/keel-host
#   --image IMG         Keel disk image (default: DIR/keel.img)
#   --disk IMG          a data disk for keel-host's storage device (repeatable)
#   --nvme IMG          a data disk for an NVMe controller on a vPCI bus
#                       (repeatable; Keel names it nvme0n1, nvme1n1, ...)
#   --vpci DUMP         a vPCI bus with one function whose config space is
#                       an `lspci -xxxx` dump (test-images/pci/; repeatable)
#   --echo N            N echo devices
#   --tap NAME          a network device whose wire is the TAP device NAME
#                       (keelhost/tap.c; scripts/net-ns.sh makes one)
#   --nic peer          a network device whose wire is keel-host's built-in
#                       peer (keelhost/peer.c): DHCP, ping, GET /, no root
#   --scenario FILE     a scenario (docs/scenarios.md) instead of --disk/--echo
#   --timeline OUT.svg  keel-host draws the boot (docs/timeline.md) and prints
#                       the time-to-ready split in its log
#   --log FILE          the guest's serial log to FILE (default: the terminal)
#   --interactive       serial in both directions on the terminal (the shell,
#                       apps/shell/; `make run`), and --reset. The terminal
#                       is raw: Ctrl-C goes to the guest, Ctrl-A x quits
#                       QEMU (keel-host then ends). --log or --serial
#                       still take the serial port (then only --reset)
#   --reset             a guest reset (the shell's `reboot`, keel-ctl
#                       restart) boots Keel again, as on Hyper-V, instead of
#                       ending QEMU (run-qemu.sh's -no-reboot); keel-host
#                       serves the new boot
#   --serial SPEC       the serial port as QEMU's -serial SPEC (tests)
#   --host-log FILE     keel-host's message log (default: DIR/keel-host.log;
#                       "-" puts it on the terminal too, interleaved)
#   --control PATH      keel-host's control socket (keelhost/control.c);
#                       `DIR/keelhost/keel-ctl PATH shutdown` asks Keel to
#                       shut down, `... kvp-list` lists its KVP items
#   --timeout SEC       stop everything after SEC seconds (exit status 124)
#   --pidfile FILE      QEMU's pid (to stop it early)
#   --mem SIZE          guest RAM (default 512M)
#   --display           a QEMU window too (scripts/run-qemu.sh --display)
#   --busy-poll, -v     passed to keel-host (spin instead of sleeping; trace)
#   --help              this text
# Without --log or --serial the serial port is on the terminal as with
# --interactive (Ctrl-C to the guest, Ctrl-A x quits); with either, Ctrl-C
# stops QEMU and keel-host.
# Exit status: QEMU's (0 after an ACPI power-off); 3 when QEMU was fine but
# keel-host reported a failure (a host-side violation, an expectation).
set -u
here=$(cd "$(dirname "$0")" && pwd)

build=build img="" log="" inter=0 reset=0 serial="" hostlog="" tmo=0 pidf="" mem=512M display=""
hostargs="" ctl=""
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--image) img=$2; shift 2 ;;
	--disk) hostargs="$hostargs --disk $2"; shift 2 ;;
	--nvme) hostargs="$hostargs --nvme $2"; shift 2 ;;
	--vpci) hostargs="$hostargs --vpci $2"; shift 2 ;;
	--echo) hostargs="$hostargs --echo $2"; shift 2 ;;
	--tap) hostargs="$hostargs --tap $2"; shift 2 ;;
	--nic) hostargs="$hostargs --nic $2"; shift 2 ;;
	--scenario) hostargs="$hostargs --scenario $2"; shift 2 ;;
	--control) hostargs="$hostargs --control $2"; ctl=$2; shift 2 ;;
	--timeline) hostargs="$hostargs --timeline $2"; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--interactive) inter=1; reset=1; shift ;;
	--reset) reset=1; shift ;;
	--serial) serial=$2; shift 2 ;;
	--host-log) hostlog=$2; shift 2 ;;
	--timeout) tmo=$2; shift 2 ;;
	--pidfile) pidf=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--display) display=--display; shift ;;
	--busy-poll|-v) hostargs="$hostargs $1"; shift ;;
	-h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	--) shift; break ;;
	*) echo "run-stack: unknown option $1" >&2; exit 2 ;;
	esac
done
[ -n "$img" ] || img=$build/keel.img
[ -n "$hostlog" ] || hostlog=$build/keel-host.log
kh=$build/host/keel-host
for f in "$img" "$kh"; do
	[ -e "$f" ] || { echo "run-stack: $f is missing (make BUILD=$build keel-host images)" >&2; exit 2; }
done

id=$$
sock=/tmp/keel-host-$id.sock
ram=/dev/shm/keel-$id
ready=/tmp/keel-host-$id.ready
khpid=""
cleanup() {
	[ -n "$khpid" ] && kill "$khpid" 2>/dev/null
	rm -f "$ram" "$sock" "$ready"
}
trap cleanup EXIT
# Ctrl-C, when the serial port is not on the terminal (below), reaches the
# whole process group (QEMU and keel-host too): note it
# and go through the normal tear-down; a user's stop is a clean exit.
interrupted=0
trap 'interrupted=1' INT
trap 'exit 143' TERM

if [ "$hostlog" = - ]; then khlog=""; else khlog="--log $hostlog"; fi
# shellcheck disable=SC2086  # word splitting of the option lists is wanted
"$kh" --socket "$sock" --ram "$ram" --ram-size "$mem" --ready-file "$ready" \
	$khlog $hostargs &
khpid=$!
i=0
while [ ! -e "$ready" ]; do
	if ! kill -0 "$khpid" 2>/dev/null; then
		echo "run-stack: keel-host did not start (see $hostlog)" >&2
		[ "$hostlog" != - ] && tail -n 20 "$hostlog" >&2
		khpid=""
		exit 2
	fi
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "run-stack: keel-host not listening after 5 s" >&2; exit 2; }
	sleep 0.05
done

[ -n "$ctl" ] && echo "run-stack: control: $build/keelhost/keel-ctl $ctl shutdown (or kvp-list, heartbeat, help)" >&2
set -- --mem "$mem" "$img" -- \
	-object "memory-backend-file,id=ram0,size=$mem,mem-path=$ram,share=on" \
	-machine memory-backend=ram0 \
	-chardev "socket,path=$sock,id=ivs" \
	-device ivshmem-doorbell,chardev=ivs,vectors=1 "$@"
# After run-qemu.sh's -no-reboot, which it overrides: QEMU resets the
# machine, OVMF boots Keel again, and Keel finds the same keel-host.
[ "$reset" = 1 ] && set -- "$@" -action reboot=reset
[ -n "$pidf" ] && set -- --pidfile "$pidf" "$@"
[ "$tmo" != 0 ] && set -- --timeout "$tmo" "$@"
[ -n "$display" ] && set -- "$display" "$@"
# Serial on the terminal through mon:stdio (run-qemu.sh's default): QEMU
# puts the terminal in raw mode without signals, so Ctrl-C is a byte for the
# guest (the shell drops its line) and Ctrl-A x quits QEMU, which ends
# keel-host. With a socket (--serial, a test driving the shell) or a file
# (--log) the terminal keeps its signals: Ctrl-C reaches the whole process
# group (QEMU and keel-host too) and the INT trap above makes it a clean stop.
if [ -n "$serial" ]; then
	set -- --serial "$serial" "$@"
elif [ -n "$log" ]; then
	set -- --log "$log" "$@"
else
	if [ "$inter" = 1 ]; then
		echo "run-stack: keel-host and QEMU running; the keel> prompt follows keel: ready." \
		     "Ctrl-A x stops both (Ctrl-C goes to the guest); reboot restarts Keel" >&2
	else
		echo "run-stack: keel-host and QEMU running; Ctrl-A x stops both (Ctrl-C goes to the guest)" >&2
	fi
fi
st=0
"$here/run-qemu.sh" "$@" || st=$?
[ "$interrupted" = 1 ] && st=0

# QEMU is gone: keel-host sees the socket close, checks and exits.
khst=0
i=0
while kill -0 "$khpid" 2>/dev/null && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill "$khpid" 2>/dev/null
wait "$khpid" || khst=$?
khpid=""
[ "$hostlog" != - ] && echo "run-stack: keel-host log in $hostlog (keel-host exit $khst)" >&2
if [ "$st" = 0 ] && [ "$khst" != 0 ] && [ "$interrupted" = 0 ]; then
	exit 3
fi
exit "$st"

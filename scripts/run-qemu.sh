#!/bin/sh
# scripts/run-qemu.sh [options] IMAGE [-- QEMU ARGS...]
# Boot a Keel disk image in QEMU + OVMF the way every Keel run does
# (docs/protocols/toolchain.md "Booting under OVMF in QEMU"): q35, TCG (KVM cannot run
# guests here), OVMF code read-only as pflash plus a fresh copy of the OVMF
# variables for this run only (a reused one can drop into the shell), no
# default devices, the disk with bootindex 0 so the firmware boots
# \EFI\BOOT\BOOTX64.EFI at once, isa-debug-exit at 0xf4, no reboot.
#
# Options:
#   --format raw|vhdx|vpc  image format (default: from the file name)
#   --log FILE             serial to FILE (default: standard output, with
#                          the QEMU monitor on Ctrl-A c; Ctrl-A x quits);
#                          /dev/stdout is standard output without the monitor,
#                          written on, never truncated (`make run > file`)
#   --serial SPEC          the serial port as QEMU's -serial SPEC (a test
#                          driving the shell through a socket)
#   --timeout SEC          kill QEMU after SEC seconds (exit status 124)
#   --workdir DIR          where the per-run OVMF variables go (default: the
#                          image's directory)
#   --display              show a window instead of -display none (needs
#                          qemu-system-gui: scripts/deps.sh display)
#   --mem SIZE             guest memory (default 256M)
#   --pidfile FILE         QEMU writes its pid there (to stop it early)
# Everything after -- goes to QEMU unchanged (later: keel-host's ivshmem).
# Exit status: QEMU's (isa-debug-exit value V gives (V << 1) | 1).
set -eu

fmt="" log="" serialspec="" tmo=0 workdir="" display=0 mem=256M pidargs=""
while [ $# -gt 0 ]; do
	case $1 in
	--format) fmt=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--serial) serialspec=$2; shift 2 ;;
	--timeout) tmo=$2; shift 2 ;;
	--workdir) workdir=$2; shift 2 ;;
	--display) display=1; shift ;;
	--mem) mem=$2; shift 2 ;;
	--pidfile) pidargs="-pidfile $2"; shift 2 ;;
	--) break ;;
	-*) echo "run-qemu: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || { echo "usage: run-qemu.sh [options] IMAGE [-- QEMU ARGS]" >&2; exit 2; }
img=$1; shift
[ "${1-}" = "--" ] && shift
[ -f "$img" ] || { echo "run-qemu: no image $img" >&2; exit 2; }
if [ -z "$fmt" ]; then
	case $img in
	*.vhdx) fmt=vhdx ;;
	*.vhd) fmt=vpc ;;
	*) fmt=raw ;;
	esac
fi

# OVMF from Debian's ovmf package: code and variables must be the same size.
code="" vars=""
for pair in OVMF_CODE_4M.fd:OVMF_VARS_4M.fd OVMF_CODE.fd:OVMF_VARS.fd; do
	c=/usr/share/OVMF/${pair%%:*} v=/usr/share/OVMF/${pair##*:}
	if [ -f "$c" ] && [ -f "$v" ]; then
		code=$c vars=$v
		break
	fi
done
if [ -z "$code" ]; then
	echo "run-qemu: OVMF not found (/usr/share/OVMF/OVMF_CODE_4M.fd and" \
	     "OVMF_VARS_4M.fd); install the Debian package ovmf" >&2
	exit 2
fi

[ -n "$workdir" ] || workdir=$(dirname "$img")
mkdir -p "$workdir"
myvars=$(mktemp "$workdir/ovmf-vars.XXXXXX")
trap 'rm -f "$myvars"' EXIT INT TERM
cp "$vars" "$myvars"

if [ -n "$serialspec" ]; then
	serial=$serialspec
else
	# QEMU's file: back-end opens with O_TRUNC: a redirected standard
	# output would lose what was written before; stdio writes on where it is.
	case $log in
	"") serial="mon:stdio" ;;
	/dev/stdout) serial="stdio" ;;
	*) serial="file:$log"; : > "$log" ;;
	esac
fi
if [ "$display" = 1 ]; then
	"$(dirname "$0")/deps.sh" display || exit 2
	disp=""
else
	disp="-display none"
fi

set -- -machine q35 -accel tcg,thread=multi -cpu max -m "$mem" -smp 1,maxcpus=2 \
	-nodefaults -no-reboot \
	-drive "if=pflash,format=raw,unit=0,readonly=on,file=$code" \
	-drive "if=pflash,format=raw,unit=1,file=$myvars" \
	-drive "if=none,id=keeldisk,format=$fmt,snapshot=on,file=$img" \
	-device virtio-blk-pci,drive=keeldisk,bootindex=0 \
	-device VGA \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-serial "$serial" $disp $pidargs "$@"

st=0
if [ "$tmo" != 0 ]; then
	timeout --foreground -k 5 "$tmo" ${QEMU:-qemu-system-x86_64} "$@" || st=$?
else
	${QEMU:-qemu-system-x86_64} "$@" || st=$?
fi
exit $st

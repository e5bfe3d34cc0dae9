#!/bin/sh
# scripts/deps.sh: check the Debian 12 packages Keel needs; install the
# missing ones when running as root, otherwise print the exact command and
# fail. Never names a mirror: apt uses the machine's own sources.
#
#   scripts/deps.sh                    check (and install) the packages
#   scripts/deps.sh display            QEMU's window (--display): qemu-system-gui
#   scripts/deps.sh lwip-source DIR    `apt-get source lwip` into DIR/lwip
#                                      (mk/lwip.mk); adds a deb-src entry
#                                      derived from the machine's own apt
#                                      sources when apt knows no source
set -eu

# The deb-src twin of every deb entry in the machine's apt sources (deb822
# .sources files, or one-line sources.list), on stdout.
deb_src_entries() {
	for f in /etc/apt/sources.list.d/*.sources; do
		case "$f" in */keel-deb-src.*|*"*"*) continue ;; esac
		sed -n '/^Types:.*[[:space:]]deb\([[:space:]]\|$\)/,/^$/p' "$f" |
			sed 's/^Types:.*/Types: deb-src/'
		echo
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		case "$f" in */keel-deb-src.*) continue ;; esac
		[ -f "$f" ] || continue
		sed -n 's/^deb[[:space:]]/deb-src /p' "$f"
	done
}

lwip_source() {
	dir=$1
	if ! apt-cache showsrc lwip 2>/dev/null | grep -q '^Package: lwip'; then
		if [ "$(id -u)" -ne 0 ]; then
			echo "deps: apt knows no source for lwip; as root run:" >&2
			echo "  scripts/deps.sh lwip-source $dir" >&2
			exit 1
		fi
		entries=$(deb_src_entries)
		if [ -z "$entries" ]; then
			echo "deps: no deb entry in /etc/apt to derive a deb-src entry from" >&2
			exit 1
		fi
		case "$entries" in
		*Types:*) out=/etc/apt/sources.list.d/keel-deb-src.sources ;;
		*) out=/etc/apt/sources.list.d/keel-deb-src.list ;;
		esac
		printf '%s\n' "$entries" > "$out"
		echo "deps: wrote $out (deb-src twins of the machine's apt sources)"
		apt-get update >/dev/null
	fi
	rm -rf "$dir/lwip" "$dir/fetch"
	mkdir -p "$dir/fetch"
	# dpkg-source applies Debian's patches; the sandbox user cannot write
	# into a build tree owned by root, hence APT::Sandbox::User.
	(cd "$dir/fetch" && apt-get -q -o APT::Sandbox::User=root source lwip) \
		>"$dir/fetch.log" 2>&1 || {
		tail -n 20 "$dir/fetch.log" >&2
		echo "deps: apt-get source lwip failed, see $dir/fetch.log" >&2
		exit 1
	}
	mv "$dir"/fetch/lwip-*/ "$dir/lwip"
	rm -rf "$dir/fetch"
}

# `scripts/deps.sh display`: QEMU's window (make run RUN_OPTS=--display)
# needs the GTK front end, Debian's qemu-system-gui, and a graphical session.
display_deps() {
	st=$(dpkg-query -W -f='${Status}' qemu-system-gui 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*)
		echo "deps: --display needs QEMU's GTK window, Debian package qemu-system-gui:" >&2
		echo "  sudo apt-get update && sudo apt-get install -y qemu-system-gui" >&2
		return 1 ;;
	esac
	if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
		echo "deps: --display needs a graphical session (DISPLAY or WAYLAND_DISPLAY is unset)" >&2
		return 1
	fi
}
if [ "${1:-}" = display ]; then
	display_deps
	exit
fi

if [ "${1:-}" = lwip-source ]; then
	[ -n "${2:-}" ] || { echo "usage: $0 lwip-source DIR" >&2; exit 2; }
	lwip_source "$2"
	exit 0
fi

# dnsmasq-base, not dnsmasq: the binary for tests/net (scripts/net-ns.sh runs
# it in a namespace) without a system-wide DNS service. tshark: tests/net
# captures the TAP and checks every frame's dissection.
# iperf3: tests/net measures the iperf3 app (apps/iperf3.c) with the real client.
PACKAGES="make clang lld llvm binutils gnu-efi newlib-source lz4 \
qemu-system-x86 ovmf mtools dosfstools gdisk qemu-utils \
valgrind libclang-rt-14-dev coreutils xz-utils diffutils dpkg-dev \
dnsmasq-base iproute2 curl iputils-ping pciutils tshark iperf3 \
libxml2-utils"

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "deps: dpkg-query not found: not a Debian system; install the" \
	     "equivalents of: $PACKAGES" >&2
	exit 0
fi

missing=""
for p in $PACKAGES; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done

[ -z "$missing" ] && exit 0

echo "deps: missing Debian packages:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	# wireshark-common asks whether non-root users may capture: no (the
	# tests capture as root), answered before apt-get so it never asks.
	echo "wireshark-common wireshark-common/install-setuid boolean false" |
		debconf-set-selections
	apt-get update
	# shellcheck disable=SC2086
	apt-get install -y --no-install-recommends $missing
	echo "deps: installed:$missing"
	exit 0
fi

echo "deps: run this, then try again:" >&2
echo "  sudo apt-get update && sudo apt-get install -y$missing" >&2
exit 1

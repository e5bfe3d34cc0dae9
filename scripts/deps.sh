#!/bin/sh
# scripts/deps.sh: check the Debian 12 packages Keel needs; install the
# missing ones when running as root, otherwise print the exact command and
# fail. Never names a mirror: apt uses the machine's own sources.
set -eu

PACKAGES="make clang lld llvm binutils gnu-efi newlib-source \
qemu-system-x86 ovmf mtools dosfstools gdisk qemu-utils \
valgrind libclang-rt-14-dev coreutils xz-utils diffutils"

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
	apt-get update
	# shellcheck disable=SC2086
	apt-get install -y --no-install-recommends $missing
	echo "deps: installed:$missing"
	exit 0
fi

echo "deps: run this, then try again:" >&2
echo "  sudo apt-get update && sudo apt-get install -y$missing" >&2
exit 1

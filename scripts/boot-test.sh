#!/bin/sh
# scripts/boot-test.sh BUILD LINE: run one boot test, given as its line of
# tests/boot/boot-tests.txt (format described there). Builds the test's disk
# from $BUILD/keel.img, boots it with scripts/run-qemu.sh (always under a
# timeout), stops QEMU when the "stop when" regex matches, then checks.
# Prints `PASS name` or `FAIL name: why` followed by the serial log.
set -u
build=$1 line=$2
tmo=${BOOT_TEST_TIMEOUT:-90}
BOOT_TEST_LOADOPTS=${BOOT_TEST_LOADOPTS:-on_ready=poweroff}

field() { printf '%s\n' "$line" | awk -F ' [|] ' -v i="$1" '{ v = $i; gsub(/^ +| +$/, "", v); print v }'; }
name=$(field 1) disk=$(field 2) cfg=$(field 3) until=$(field 4)
want_exit=$(field 5) expect=$(field 6) reject=$(field 7)

dir=$build/tests/boot
mkdir -p "$dir"
raw=$dir/$name.img log=$dir/$name.log clean=$dir/$name.clean pidf=$dir/$name.pid
rm -f "$log" "$clean" "$pidf"

fail() {
	echo "FAIL $name: $1"
	if [ -s "$clean" ]; then
		echo "---- serial log of $name ($log) ----"
		tail -n 200 "$clean"
		echo "---- end of $name ----"
	fi
	exit 0
}

base=$build/keel.img
[ "$disk" = testhooks ] && base=$build/testhooks/keel.img
test-images/setcfg.sh "$base" "$raw" "$cfg" || fail "cannot build the disk"
case $disk in
raw|testhooks) img=$raw ;;
vhdx) img=$dir/$name.vhdx; test-images/convert.sh vhdx "$raw" "$img" || fail "vhdx conversion" ;;
vhd) img=$dir/$name.vhd; test-images/convert.sh vhd "$raw" "$img" || fail "vhd conversion" ;;
shell)  # no BOOTX64.EFI: the UEFI shell runs startup.nsh, which starts
	# \keel.efi with load options (keel.cfg then sits in the root)
	img=$raw
	printf 'fs0:\\keel.efi %s\r\n' "$BOOT_TEST_LOADOPTS" > "$dir/$name.nsh"
	MTOOLS_SKIP_CHECK=1 mmove -i "$img@@1M" ::/EFI/BOOT/BOOTX64.EFI ::/keel.efi &&
	MTOOLS_SKIP_CHECK=1 mmove -i "$img@@1M" ::/EFI/BOOT/keel.cfg ::/keel.cfg &&
	MTOOLS_SKIP_CHECK=1 mcopy -i "$img@@1M" "$dir/$name.nsh" ::/startup.nsh ||
		fail "cannot build the shell disk" ;;
corrupt)  # keel.efi with one byte of its LZ4 payload changed: the middle
	# of the file lies in the payload (mk/efi.mk "zboot"), which is 95 % of it
	img=$raw efi=$dir/$name.efi
	MTOOLS_SKIP_CHECK=1 mcopy -o -i "$img@@1M" ::/EFI/BOOT/BOOTX64.EFI "$efi" &&
	off=$(( $(stat -c %s "$efi") / 2 )) &&
	b=$(od -An -tu1 -j "$off" -N1 "$efi" | tr -d ' ') &&
	printf "\\$(printf %03o $(( b ^ 0x55 )))" |
		dd of="$efi" bs=1 seek="$off" conv=notrunc 2>/dev/null &&
	MTOOLS_SKIP_CHECK=1 mcopy -o -i "$img@@1M" "$efi" ::/EFI/BOOT/BOOTX64.EFI ||
		fail "cannot build the corrupt disk" ;;
*) fail "unknown disk kind $disk" ;;
esac

cleanlog() { sed -e 's/\r//g' -e 's/\x1b\[[0-9;=?]*[A-Za-z]//g' "$log" > "$clean"; }

scripts/run-qemu.sh --timeout "$tmo" --log "$log" --workdir "$dir" \
	--pidfile "$pidf" "$img" >"$dir/$name.qemu" 2>&1 &
runner=$!
stopped=0
while kill -0 "$runner" 2>/dev/null; do
	if [ "$until" != - ] && [ -f "$log" ]; then
		cleanlog
		if grep -Eq -- "$until" "$clean"; then
			sleep 1          # let the rest of the report out
			[ -s "$pidf" ] && kill "$(cat "$pidf")" 2>/dev/null
			stopped=1
			break
		fi
	fi
	sleep 0.25
done
wait "$runner"
st=$?
[ -f "$log" ] || : > "$log"
cleanlog

[ "$st" = 124 ] && [ "$stopped" = 0 ] && fail "timed out after ${tmo}s"
if [ "$want_exit" != - ] && [ "$st" != "$want_exit" ]; then
	fail "QEMU exit status $st, expected $want_exit"
fi
if [ "$until" != - ] && [ "$stopped" = 0 ] && ! grep -Eq -- "$until" "$clean"; then
	fail "QEMU exited ($st) before /$until/"
fi
n=$(grep -c 'keel: ready in' "$clean")
[ "$n" -le 1 ] || fail "'keel: ready in' appears $n times"

checkall() {    # $1 = regexes joined by " && ", $2 = 1 if they must appear
	[ "$1" = - ] && return 0
	printf '%s\n' "$1" | awk 'BEGIN { RS = " && " } { sub(/\n$/, ""); print }' |
	while IFS= read -r re; do
		[ -z "$re" ] && continue
		if grep -Eq -- "$re" "$clean"; then found=1; else found=0; fi
		if [ "$found" != "$2" ]; then
			if [ "$2" = 1 ]; then echo "missing /$re/"; else echo "unexpected /$re/"; fi
			return 0
		fi
	done
}
why=$(checkall "$expect" 1)
[ -z "$why" ] || fail "$why"
why=$(checkall "$reject" 0)
[ -z "$why" ] || fail "$why"
echo "PASS $name"
rm -f "$raw" "$dir/$name.vhdx" "$dir/$name.vhd"

#!/bin/sh
# tests/shell/run.sh BUILD: the serial shell (apps/shell/) end to end.
# Boots BUILD/shell/keel.img (KEEL_SHELL=1, mk/shell.mk) with
# `console=serial shell=on` against keel-host and a fresh data disk
# (scripts/run-stack.sh), its COM1 on a unix socket that tests/shell/drive.py
# types into: each command's answer is checked against what this test knows
# the stack holds (the data disk's size and GPT, the storvsc device). Last,
# `poweroff` must end QEMU through the orderly shutdown (exit status 0).
# Writes BUILD/results/shell.txt; exits 0 even when tests fail.
set -u
build=$1
tmo=${SHELL_TEST_TIMEOUT:-400}
dir=$build/tests/shell
results=$build/results/shell.txt
mkdir -p "$dir" "$build/results"
: > "$results"
sock=$dir/serial.sock
rm -f "$sock"

test-images/setcfg.sh "$build/shell/keel.img" "$dir/keel.img" "console=serial shell=on" ||
	{ echo "FAIL shell/image: cannot build the disk" | tee -a "$results"; exit 0; }
test-images/mkdata.sh "$dir/data.img" >/dev/null ||
	{ echo "FAIL shell/image: cannot build the data disk" | tee -a "$results"; exit 0; }

scripts/run-stack.sh --build "$build" --image "$dir/keel.img" --disk "$dir/data.img" \
	--serial "unix:$sock,server=on,wait=on" --timeout "$tmo" \
	--host-log "$dir/keel-host.log" > "$dir/stack.out" 2>&1 &
stack=$!
python3 tests/shell/drive.py "$sock" "$results" "$dir/serial.log"
wait "$stack"
st=$?
if [ "$st" = 0 ]; then
	echo "PASS shell/poweroff" | tee -a "$results"
else
	echo "FAIL shell/poweroff: run-stack exit status $st (see $dir/stack.out)" | tee -a "$results"
fi
if grep -q '^FAIL' "$results"; then
	echo "---- serial log ($dir/serial.log) ----"
	tail -n 80 "$dir/serial.log"
fi
exit 0

#!/bin/sh
# tests/shell/run.sh BUILD: the serial shell (apps/shell/) end to end.
# Boots BUILD/shell/keel.img (KEEL_SHELL=1, mk/shell.mk) with
# `console=serial shell=on app=httpd` (make run's pair) against keel-host
# (scripts/run-stack.sh) with a fresh data disk, a NIC on keel-host's
# built-in peer (--nic peer: DHCP lease 10.0.2.15, ping, GET /), a vPCI bus
# with the function of test-images/pci/virtio-net.txt (SHELL_TEST_DUMP=NAME
# another dump there), and --reset (a guest reset boots
# Keel again, as make run's --interactive does). COM1 is on a unix socket
# that tests/shell/drive.py types into: each command's answer is checked
# against what this test knows the stack holds (the data disk's size and GPT,
# the storvsc, netvsc and vPCI devices, the lease, the dump's IDs), then
# `reboot` must bring Keel back. Here: httpd served the peer's GET while the
# shell ran, and `poweroff` ended QEMU through the orderly shutdown (exit 0).
# Last, tests/shell/terminal.py boots the image once more with
# --interactive on a pseudo-terminal and presses Ctrl-C and Ctrl-A x.
# Writes BUILD/results/shell.txt; exits 0 even when tests fail.
set -u
build=$1
tmo=${SHELL_TEST_TIMEOUT:-400}
dir=$build/tests/shell
results=$build/results/shell.txt
mkdir -p "$dir" "$build/results"
: > "$results"
sock=$dir/serial.sock
dump=test-images/pci/${SHELL_TEST_DUMP:-virtio-net.txt}
rm -f "$sock"

test-images/setcfg.sh "$build/shell/keel.img" "$dir/keel.img" "console=serial shell=on app=httpd" ||
	{ echo "FAIL shell/image: cannot build the disk" | tee -a "$results"; exit 0; }
test-images/mkdata.sh "$dir/data.img" >/dev/null ||
	{ echo "FAIL shell/image: cannot build the data disk" | tee -a "$results"; exit 0; }

scripts/run-stack.sh --build "$build" --image "$dir/keel.img" --disk "$dir/data.img" \
	--nic peer --vpci "$dump" --reset \
	--serial "unix:$sock,server=on,wait=on" --timeout "$tmo" \
	--host-log "$dir/keel-host.log" > "$dir/stack.out" 2>&1 &
stack=$!
python3 tests/shell/drive.py "$sock" "$results" "$dir/serial.log" "$dump"
wait "$stack"
st=$?
# httpd answered keel-host's peer (its page's title is "Keel", apps/httpd.c)
# while the shell took commands
if grep -q 'keel-host: peer: GET http://10\.0\.2\.15/ -> HTTP/1\.1 200 OK, [0-9]* bytes, "Keel"' \
	"$dir/keel-host.log"; then
	echo "PASS shell/httpd-serves" | tee -a "$results"
else
	echo "FAIL shell/httpd-serves: no 'peer: GET http://10.0.2.15/ -> HTTP/1.1 200 OK' in $dir/keel-host.log" |
		tee -a "$results"
fi
if [ "$st" = 0 ]; then
	echo "PASS shell/poweroff" | tee -a "$results"
else
	echo "FAIL shell/poweroff: run-stack exit status $st (see $dir/stack.out)" | tee -a "$results"
fi
# make run's keys on a real terminal: Ctrl-C goes to the guest, Ctrl-A x
# ends the stack (README "The serial shell"; scripts/run-stack.sh)
python3 tests/shell/terminal.py "$results" "$dir/terminal.log" -- \
	scripts/run-stack.sh --build "$build" --image "$dir/keel.img" --disk "$dir/data.img" \
	--interactive --timeout "$tmo" --host-log "$dir/keel-host-terminal.log" \
	--pidfile "$dir/terminal-qemu.pid"
if grep -q '^FAIL' "$results"; then
	echo "---- serial log ($dir/serial.log) ----"
	tail -n 80 "$dir/serial.log"
fi
exit 0

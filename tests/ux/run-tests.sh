#!/bin/sh
# tests/ux/run-tests.sh BUILD: what a user sees from make, checked without
# QEMU (run by scripts/boot-tests.sh, results in its boot.txt):
#   ux-deps-apt-command   `make` on a machine without clang/lld (simulated:
#                         a PATH without them, a dpkg-query that says they
#                         are not installed, a non-root id) stops and prints
#                         the exact apt-get command
#   ux-make-n-quiet       `make -n` on a built tree runs nothing; with other
#                         flags it would recompile (so the check can fail)
#   ux-partial-results    the summary counts the suites that ran and names
#                         the one that left no results
#   ux-run-ctrl-a-x       make run's stack (scripts/run-stack.sh) gives QEMU
#                         the serial on mon:stdio, where Ctrl-A x quits
#   ux-run-display        make run passes RUN_OPTS=--display on, and
#                         --display without qemu-system-gui stops with the
#                         apt-get command
#   ux-run-nvme           make run NVME=IMG gives run-stack.sh --nvme IMG
#                         (the boot itself: keel-host test nvme-boot)
#   ux-run-no-truncate    `make run > file` keeps what was written before
#                         QEMU started (serial to /dev/stdout never truncates)
#   ux-boot-partial       test-boot with BOOT_TESTS leaves boot.txt alone
# (the run-* checks start a stand-in QEMU, $QEMU, that records its arguments)
# Prints `PASS name` / `FAIL name: why` lines.
set -u
# ux-boot-partial runs boot-tests.sh, which runs this file in a full run:
# the inner run has nothing to add
[ -n "${KEEL_UX_NESTED:-}" ] && exit 0
build=$1
# run from inside `make test-boot`: the makes below start afresh
unset MAKEFLAGS MFLAGS MAKELEVEL
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$build/tests/ux
rm -rf "$work" && mkdir -p "$work"
work=$(cd "$work" && pwd)

result() {      # name, problem ("" = pass)
	if [ -z "$2" ]; then echo "PASS $1"; else echo "FAIL $1: $2"; fi
}

# ---- ux-deps-apt-command ----
fake=$work/bin
mkdir -p "$fake"
for d in /usr/local/bin /usr/bin /bin; do
	for f in "$d"/*; do
		n=${f##*/}
		case $n in clang*|ld.lld*|lld*|llvm-*|dpkg-query|id|apt-get) continue ;; esac
		[ -e "$fake/$n" ] || ln -s "$f" "$fake/$n"
	done
done
cat > "$fake/dpkg-query" <<'EOF'
#!/bin/sh
# dpkg-query -W -f='${Status}' PACKAGE: clang and lld are not installed
for p; do :; done
case $p in clang|lld) exit 1 ;; *) printf 'install ok installed' ;; esac
EOF
printf '#!/bin/sh\necho 1000\n' > "$fake/id"
printf '#!/bin/sh\necho "apt-get must not run" >&2\nexit 99\n' > "$fake/apt-get"
chmod +x "$fake/dpkg-query" "$fake/id" "$fake/apt-get"
st=0
(cd "$root" && PATH=$fake make --no-print-directory BUILD="$work/nobuild") \
	> "$work/deps.out" 2>&1 || st=$?
want='  sudo apt-get update && sudo apt-get install -y clang lld'
why=""
if [ "$st" = 0 ]; then
	why="make exited 0 without clang and lld"
elif ! grep -qxF -- "$want" "$work/deps.out"; then
	why="no line '$want' in: $(tr '\n' '|' < "$work/deps.out" | cut -c1-300)"
elif [ -e "$work/nobuild/obj" ]; then
	why="make started compiling without the tools"
fi
result ux-deps-apt-command "$why"

# ---- ux-make-n-quiet ----
why=""
(cd "$root" && make --no-print-directory -n BUILD="$build") > "$work/make-n.out" 2>&1
if grep -Evq "^make: (Nothing to be done for 'all'|'.*' is up to date)\.$" "$work/make-n.out"; then
	why="make -n would run: $(head -n 3 "$work/make-n.out" | cut -c1-120 | tr '\n' '|')"
fi
if [ -z "$why" ]; then
	(cd "$root" && make --no-print-directory -n BUILD="$build" EXTRA_CFLAGS=-DKEEL_UX_PROBE=1) \
		> "$work/make-n-flags.out" 2>&1
	grep -q -- '-DKEEL_UX_PROBE=1 .* -c ' "$work/make-n-flags.out" ||
		why="make -n with new flags would not recompile"
fi
result ux-make-n-quiet "$why"

# ---- ux-partial-results ----
why=""
res=$work/results
mkdir -p "$res"
printf 'PASS a\nPASS b\nFAIL c: broken\n' > "$res/boot.txt"
st=0
"$root/scripts/test-summary.sh" "$res" boot keelhost > "$work/summary.out" 2>&1 || st=$?
for want in "FAIL keelhost: no results ($res/keelhost.txt missing or empty)" "boot: 1 failed:" "  FAIL c: broken" \
	    "partial: 1 of 2 suites left no results (keelhost)" "2 passed, 2 failed"; do
	grep -qxF -- "$want" "$work/summary.out" || { why="no line '$want'"; break; }
done
[ -n "$why" ] || [ "$st" != 0 ] || why="test-summary.sh exited 0 with failures"
result ux-partial-results "$why"

# ---- stand-ins for QEMU and keel-host ----
fq=$work/fake-qemu
cat > "$fq" <<EOF
#!/bin/sh
# records its arguments; prints what a guest would on the serial
echo "\$@" > "$work/qemu.args"
echo serial-text
EOF
fb=$work/fakebuild
mkdir -p "$fb/host"
: > "$fb/keel.img"
cat > "$fb/host/keel-host" <<'EOF'
#!/bin/sh
# says it is listening, then has nothing to do
while [ $# -gt 0 ]; do [ "$1" = --ready-file ] && : > "$2"; shift; done
exit 0
EOF
chmod +x "$fq" "$fb/host/keel-host"

# ---- ux-run-ctrl-a-x ----
why=""
rm -f "$work/qemu.args"
(cd "$root" && QEMU=$fq scripts/run-stack.sh --build "$fb" --host-log "$work/kh.log") \
	< /dev/null > "$work/stack.out" 2>&1
if [ ! -s "$work/qemu.args" ]; then
	why="QEMU did not start: $(tr '\n' '|' < "$work/stack.out" | cut -c1-200)"
elif ! grep -q -- '-serial mon:stdio' "$work/qemu.args"; then
	why="QEMU's serial is not mon:stdio: $(grep -o -- '-serial [^ ]*' "$work/qemu.args")"
fi
result ux-run-ctrl-a-x "$why"

# ---- ux-run-display ----
why=""
(cd "$root" && make --no-print-directory -n run BUILD="$build" RUN_OPTS=--display) \
	> "$work/run-n.out" 2>&1
tr '\n' ' ' < "$work/run-n.out" | grep -q 'scripts/run-stack.sh [^;]*--display' ||
	why="make run does not pass --display to run-stack.sh"
if [ -z "$why" ]; then
	mkdir -p "$work/nogui"
	printf '#!/bin/sh\nexit 1\n' > "$work/nogui/dpkg-query"   # nothing installed
	chmod +x "$work/nogui/dpkg-query"
	rm -f "$work/qemu.args"
	st=0
	(cd "$root" && PATH=$work/nogui:$PATH QEMU=$fq scripts/run-qemu.sh --display \
		"$fb/keel.img") < /dev/null > "$work/display.out" 2>&1 || st=$?
	if [ -e "$work/qemu.args" ]; then
		why="--display without qemu-system-gui started QEMU"
	elif [ "$st" = 0 ] || ! grep -q 'apt-get install -y qemu-system-gui' "$work/display.out"; then
		why="no apt-get command for qemu-system-gui (status $st): $(head -c 200 "$work/display.out")"
	fi
fi
result ux-run-display "$why"

# ---- ux-run-nvme ----
why=""
(cd "$root" && make --no-print-directory -n run BUILD="$build" NVME=/x/a.img) \
	> "$work/run-nvme.out" 2>&1
tr '\n' ' ' < "$work/run-nvme.out" | grep -q 'scripts/run-stack.sh [^;]*--nvme /x/a\.img' ||
	why="make run does not pass --nvme /x/a.img to run-stack.sh"
result ux-run-nvme "$why"

# ---- ux-run-no-truncate ----
why=""
{ echo before-qemu; (cd "$root" && QEMU=$fq scripts/run-qemu.sh --log /dev/stdout \
	"$fb/keel.img") < /dev/null; } > "$work/run.out" 2>&1
grep -qx before-qemu "$work/run.out" || why="the line before QEMU is gone from the file"
grep -qx serial-text "$work/run.out" || why="${why:+$why; }no serial text in the file"
result ux-run-no-truncate "$why"

# ---- ux-boot-partial ----
why=""
pb=$work/partial
mkdir -p "$pb/results"
echo "PASS full-run" > "$pb/results/boot.txt"
(cd "$root" && KEEL_UX_NESTED=1 timeout 120 scripts/boot-tests.sh "$pb" no-such-boot-test) \
	> "$work/partial.out" 2>&1
[ "$(cat "$pb/results/boot.txt")" = "PASS full-run" ] ||
	why="boot.txt changed: $(head -n 2 "$pb/results/boot.txt" | tr '\n' '|')"
[ -n "$why" ] || [ -e "$pb/results/boot-partial.txt" ] || why="no boot-partial.txt"
result ux-boot-partial "$why"
exit 0

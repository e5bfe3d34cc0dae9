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
# Prints `PASS name` / `FAIL name: why` lines.
set -u
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
exit 0

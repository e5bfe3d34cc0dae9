#!/bin/sh
# scripts/test-summary.sh RESULTS_DIR [SUITE...]: sum every suite's
# RESULTS_DIR/<suite>.txt (`PASS name` / `FAIL name` lines) and print the
# final line `N passed, N failed`. Exit 1 when anything failed, when a named
# suite left no results file, or when nothing ran at all. Results are partial
# when a suite left none: the counts cover the others, and a `partial:` line
# names the missing suites (each also counts as one failure).
set -u
dir=$1; shift
missing=0 names=""
for s in "$@"; do
	if [ ! -s "$dir/$s.txt" ]; then
		echo "FAIL $s: no results ($dir/$s.txt missing or empty)"
		missing=$((missing + 1))
		names="$names${names:+ }$s"
	fi
done
pass=0 fail=0
for f in "$dir"/*.txt; do
	[ -f "$f" ] || continue
	p=$(grep -c '^PASS ' "$f")
	q=$(grep -c '^FAIL ' "$f")
	pass=$((pass + p)) fail=$((fail + q))
	if [ "$q" -gt 0 ]; then
		echo "$(basename "$f" .txt): $q failed:"
		grep '^FAIL ' "$f" | sed 's/^/  /'
	fi
done
fail=$((fail + missing))
[ "$missing" -gt 0 ] && echo "partial: $missing of $# suites left no results ($names)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]

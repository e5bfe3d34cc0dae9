#!/bin/sh
# docs/tour.md names files, functions and tests a reader is sent to; each must
# still exist. Checks every path-like name (a/b.c, tests/x/y.scn) and every
# backquoted identifier with an underscore (a function, type, test or switch
# name) against the tracked files. Run from anywhere: tests/docs/check-tour.sh
# [repo]. Exit 0 when all resolve, 1 otherwise (each missing name printed).
set -eu
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"
doc=docs/tour.md
bad=0

for f in $(perl -ne 'print "$1\n" while m{(?<![\w/.-])((?:boot|kernel|vmbus|drivers|host|hosted|sim|tests|include|lib|net|apps|docs)/[\w./-]+\.(?:c|h|S|scn|md|ld))(?![\w])}g' "$doc" | sort -u); do
	if [ ! -e "$f" ]; then
		echo "check-tour: $doc names $f, which does not exist"
		bad=1
	fi
done
for n in $(grep -oE '`[a-z_][a-z0-9_]*_[a-z0-9_]*`' "$doc" | tr -d '`' | sort -u); do
	if ! git grep -q -w -F "$n" -- '*.c' '*.h' '*.S' '*.scn' 2>/dev/null; then
		echo "check-tour: $doc names $n, which no source file defines or uses"
		bad=1
	fi
done
[ "$bad" = 0 ] && echo "check-tour: every file and name in $doc exists"
exit "$bad"

#!/bin/sh
# docs/tour.md names files, functions and tests a reader is sent to; each must
# still exist. Checks every path-like name (a/b.c, tests/x/y.scn) and every
# backquoted identifier with an underscore (a function, type, test or switch
# name) against the tracked files, and each name a stop tells the reader to
# read in a file against that file. Run from anywhere: tests/docs/check-tour.sh
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
# Each stop opens with a paragraph of where to read: a backquoted file, then
# the backquoted names to read in it, until the next file. Each such name
# must occur in the file it follows (a name that lives elsewhere, say in a
# header as a static inline, sends the reader to the wrong file).
pairs=$(perl -ne '
	if (/^## \d+\./) { $in = 1; $seen = 0; $f = ""; next }
	next unless $in;
	if (/^\s*$/) { $in = 0 if $seen; next }
	$seen = 1;
	while (/`([^`]+)`/g) {
		my $t = $1;
		if ($t =~ m{^[\w.-]+(?:/[\w.-]+)+\.(?:c|h|S|ld)$}) { $f = $t }
		elsif ($f ne "" && $t =~ /^[a-z_][a-z0-9_]*$/) { print "$f $t\n" }
	}' "$doc")
npairs=0
while read -r f n; do
	[ -n "$f" ] || continue
	npairs=$((npairs + 1))
	if [ -e "$f" ] && ! grep -q -w -F "$n" "$f"; then
		echo "check-tour: $doc sends the reader to $f for $n, which is not in that file"
		bad=1
	fi
done <<EOF
$pairs
EOF
[ "$npairs" -gt 0 ] || { echo "check-tour: found no file-and-name pairs in $doc"; bad=1; }
[ "$bad" = 0 ] && echo "check-tour: every file and name in $doc exists ($npairs names each in its named file)"
exit "$bad"

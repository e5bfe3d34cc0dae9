#!/bin/sh
# Code and documents say the thing itself: no file outside docs/protocols/
# speaks of numbered issues, of who leads the work or of what was asked of it
# (the patterns below).
# A comment that needs a source cites docs/protocols/ or a public name
# (docs/style.md, rule 13). Run from anywhere: tests/docs/check-mentions.sh [repo]
# Prints each offending line as FILE:LINE:TEXT; exit 0 when there is none,
# 1 otherwise. The patterns are written with [ ] so they do not match
# themselves; this file's prose avoids the phrases.
set -eu
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"

pattern='\bissues?[ ]#?[0-9]|\bthe[ ]lead\b|\bthe[ ]brief\b'

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	hits=$(git grep -n -I -i -E "$pattern" -- . ':!docs/protocols' || true)
else
	hits=$(grep -rn -I -i -E "$pattern" --exclude-dir=.git \
		--exclude-dir='build*' --exclude-dir=protocols . || true)
fi

if [ -n "$hits" ]; then
	printf '%s\n' "$hits"
	printf "check-mentions: %s lines match %s\n" "$(printf "%s\n" "$hits" | wc -l)" "$pattern"
	exit 1
fi
printf "check-mentions: no tracked file matches %s\n" "$pattern"

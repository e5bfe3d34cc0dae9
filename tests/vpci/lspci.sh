#!/bin/sh
# tests/vpci/lspci.sh BUILD: Keel's vPCI listing checked against lspci.
# For every config space dump in test-images/pci/ (what `lspci -xxxx`
# prints, with one "# barN SIZE" comment per memory BAR), keelsim serves a
# vPCI function built from the dump (device parameter dump=,
# host/vpci_host_dump.c), Keel lists it, and the listing is compared field
# by field with what `lspci -F DUMP -vv -nn` prints: vendor:device, class
# and prog-if, revision, each memory BAR (index, width, prefetchable), the
# MSI-X table size, and the capability list (offset, and lspci's text must
# start with Keel's name for it). lspci cannot know BAR sizes from a dump;
# Keel's sizes are compared with the dump's "# barN" lines. Not compared:
# I/O BARs (a vPCI bus assigns memory BARs only) and MSI-X Enable (the
# dump shows the state the real device's driver left).
# Plain POSIX awk (mawk has no {n} intervals).
# Prints PASS or FAIL per dump, SKIP without lspci; exits 1 on a FAIL.
build=${1:-build}
sim=$(cd "$build" && pwd)/host/keelsim
images=$(cd "$(dirname "$0")/../../test-images/pci" && pwd)
command -v lspci >/dev/null || { echo "SKIP vpci/lspci: no lspci (scripts/deps.sh installs pciutils)"; exit 0; }
dir=$build/tests/vpci-lspci
rm -rf "$dir" && mkdir -p "$dir"
bad=0

# The fields of an lspci -vv -nn listing, one "KEY VALUE" line each.
lspci_fields() {
	awk '
	NR == 1 {
		if (match($0, /\[[0-9a-f][0-9a-f][0-9a-f][0-9a-f]:[0-9a-f][0-9a-f][0-9a-f][0-9a-f]\]/)) print "ids", substr($0, RSTART + 1, 9)
		if (match($0, /\[[0-9a-f][0-9a-f][0-9a-f][0-9a-f]\]:/)) cls = substr($0, RSTART + 1, 4)
		pi = "00"; if (match($0, /\(prog-if [0-9a-f][0-9a-f]/)) pi = substr($0, RSTART + 9, 2)
		print "class", cls pi
		rev = "00"; if (match($0, /\(rev [0-9a-f][0-9a-f]\)/)) rev = substr($0, RSTART + 5, 2)
		print "rev", rev
	}
	/^\tRegion [0-5]: Memory at / {
		i = substr($2, 1, 1)
		if (i == upper) next            # the top half of a 64-bit BAR
		w = ($0 ~ /64-bit/) ? 64 : 32
		p = ($0 ~ /, prefetchable/) ? "prefetchable" : "non-prefetchable"
		print "region", i, w, p
		if (w == 64) upper = i + 1
	}
	/^\tCapabilities: \[/ {
		off = $0; sub(/^\tCapabilities: \[/, "", off); sub(/\].*/, "", off)
		txt = $0; sub(/^[^]]*\] /, "", txt)
		print "cap", off "|" txt
		if (txt ~ /^MSI-X: / && match(txt, /Count=[0-9]+/)) print "msix", substr(txt, RSTART + 6, RLENGTH - 6)
	}'
}

# The same fields of Keel's listing, plus each region's size.
keel_fields() {
	awk '
	/^[0-9a-f][0-9a-f][0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]\.[0-7] Class / {
		print "ids", substr($5, 1, 9)
		print "class", substr($3, 1, 6)
		rev = $0; sub(/.*\(rev /, "", rev); print "rev", substr(rev, 1, 2)
	}
	/^\tRegion [0-5]: Memory at / {
		w = ($0 ~ /64-bit/) ? 64 : 32
		p = ($0 ~ /, prefetchable/) ? "prefetchable" : "non-prefetchable"
		print "region", substr($2, 1, 1), w, p
		sz = $0; sub(/.*\[size=/, "", sz); sub(/\].*/, "", sz)
		print "size", substr($2, 1, 1), sz
	}
	/^\tCapabilities: \[/ {
		off = $0; sub(/^\tCapabilities: \[/, "", off); sub(/\].*/, "", off)
		txt = $0; sub(/^[^]]*\] /, "", txt)
		print "cap", off "|" txt
		if (txt ~ /^MSI-X: / && match(txt, /Count=[0-9]+/)) print "msix", substr(txt, RSTART + 6, RLENGTH - 6)
	}'
}

# "# bar0 512K" lines of the dump as "size 0 512K".
dump_sizes() {
	sed -n 's/^# bar\([0-5]\) \([0-9]*[KMG]*\)$/size \1 \2/p' "$1"
}

# Keel's capability name must start lspci's text, at a word boundary.
caps_match() {
	awk -F'|' '
	FNR == NR { k[++nk] = $1; kt[nk] = $2; next }
	{ l[++nl] = $1; lt[nl] = $2 }
	END {
		if (nk != nl) { printf "%d capabilities, lspci %d\n", nk, nl; exit 1 }
		for (i = 1; i <= nk; i++) {
			name = kt[i]; sub(/: Enable.*/, "", name)
			if (k[i] != l[i]) { printf "capability %d at [%s], lspci [%s]\n", i, k[i], l[i]; exit 1 }
			rest = substr(lt[i], length(name) + 1)
			if (substr(lt[i], 1, length(name)) != name || (rest != "" && rest !~ /^[: (]/)) {
				printf "[%s] \"%s\", lspci \"%s\"\n", k[i], name, lt[i]; exit 1
			}
		}
	}' "$1" "$2"
}

compare() {	# NAME KEY DIR: the KEY lines of Keel's and lspci's (sizes: the dump's) agree
	src=$3/lspci.txt
	[ "$2" = size ] && src=$3/dump.txt
	grep "^$2 " "$3/keel.txt" | sort > "$3/k.$2"
	grep "^$2 " "$src" | sort > "$3/l.$2"
	cmp -s "$3/k.$2" "$3/l.$2" && return 0
	echo "FAIL vpci/lspci: $1: $2: keel [$(tr '\n' ';' < "$3/k.$2")] lspci [$(tr '\n' ';' < "$3/l.$2")]"
	return 1
}

for img in "$images"/*.txt; do
	name=$(basename "$img" .txt)
	d=$dir/$name
	mkdir -p "$d"
	lspci -F "$img" -vv -nn 2>/dev/null > "$d/lspci-vv.txt"
	lspci_fields < "$d/lspci-vv.txt" > "$d/lspci.txt"
	dump_sizes "$img" > "$d/dump.txt"
	printf 'device vpci fn dump=%s\nuntil 1s\nexpect ready fn by 500ms\n' "$img" > "$d/real.scn"
	if ! "$sim" --seed 1 --verbose "$d/real.scn" > "$d/keelsim.txt" 2>&1; then
		echo "FAIL vpci/lspci: $name: keelsim failed, see $d/keelsim.txt"
		bad=1
		continue
	fi
	sed -n '/^pci listing at the end:$/,/^end of pci listing$/p' "$d/keelsim.txt" > "$d/keel-list.txt"
	keel_fields < "$d/keel-list.txt" > "$d/keel.txt"
	ok=1
	for key in ids class rev region msix size; do
		compare "$name" "$key" "$d" || ok=0
	done
	grep '^cap ' "$d/keel.txt" | cut -c5- > "$d/k.cap"
	grep '^cap ' "$d/lspci.txt" | cut -c5- > "$d/l.cap"
	if ! why=$(caps_match "$d/k.cap" "$d/l.cap"); then
		echo "FAIL vpci/lspci: $name: capabilities: $why"
		ok=0
	fi
	if [ $ok = 1 ]; then
		echo "PASS vpci/lspci: $name ($(sed -n 's/^ids //p' "$d/keel.txt"), $(wc -l < "$d/k.cap") capabilities) listed as lspci lists it"
	else
		bad=1
	fi
done
exit $bad

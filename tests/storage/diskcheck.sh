# tests/storage/diskcheck.sh: the disk checks shared by the storage
# end-to-end tests, sourced (`. diskcheck.sh`) by tests/storage/e2e.sh
# (keelsim) and tests/keelhost/run-tests.sh (keel-host + QEMU). Each compares
# what Keel printed about one disk (drivers/diskinfo.h lines, "diskinfo:
# DISK: ...", for any disk name: sd0, nvme0n1) with what the real tools say
# about its image file, never with constants. Each check prints its first
# problem, or nothing when the check holds.
#
#   diskcheck_scratch IMG                the pattern range: "LBA COUNT", 64
#                                        blocks 8 blocks into the partition
#                                        named "scratch" (test-images/mkdata.sh)
#   diskcheck_parts LOG IMG DISK         as many partitions as `sgdisk -p`,
#                                        each one's start, end, type GUID,
#                                        unique GUID and name == `sgdisk -i N`
#   diskcheck_sha256 LOG ORIG DISK       the whole-disk SHA-256 (and size) ==
#                                        `sha256sum` of ORIG (the image as it
#                                        was before the run: Keel hashes
#                                        before it writes the pattern)
#   diskcheck_pattern LOG ORIG IMG DISK LBA COUNT
#                                        Keel says the pattern write was ok,
#                                        IMG holds exactly the pattern in the
#                                        range, and `cmp` with ORIG finds no
#                                        changed byte outside it
# LOG is the guest's log with carriage returns and escapes removed.

diskcheck_scratch() {
	_n=$(sgdisk -p "$1" 2>/dev/null | awk '/^Number/ { on = 1; next } on && NF { n++ } END { print n + 0 }')
	_i=1
	while [ "$_i" -le "$_n" ]; do
		_info=$(sgdisk -i "$_i" "$1")
		if [ "$(printf '%s\n' "$_info" | sed -n "s/^Partition name: '\(.*\)'$/\1/p")" = scratch ]; then
			_first=$(printf '%s\n' "$_info" | awk '/^First sector:/ { print $3 }')
			echo "$((_first + 8)) 64"
			return 0
		fi
		_i=$((_i + 1))
	done
	return 1
}

diskcheck_parts() {
	_log=$1 _img=$2 _disk=$3
	_n=$(sgdisk -p "$_img" 2>/dev/null | awk '/^Number/ { on = 1; next } on && NF { n++ } END { print n + 0 }')
	_k=$(grep -c "^diskinfo: $_disk: part " "$_log")
	[ "$_n" = "$_k" ] || { echo "Keel lists $_k partitions of $_disk, sgdisk $_n"; return 0; }
	[ "$_n" -gt 0 ] || { echo "sgdisk finds no partitions in $_img"; return 0; }
	_i=1
	while [ "$_i" -le "$_n" ]; do
		_info=$(sgdisk -i "$_i" "$_img")
		_first=$(printf '%s\n' "$_info" | awk '/^First sector:/ { print $3 }')
		_last=$(printf '%s\n' "$_info" | awk '/^Last sector:/ { print $3 }')
		_type=$(printf '%s\n' "$_info" | awk '/^Partition GUID code:/ { print $4 }')
		_guid=$(printf '%s\n' "$_info" | awk '/^Partition unique GUID:/ { print $4 }')
		_name=$(printf '%s\n' "$_info" | sed -n "s/^Partition name: '\(.*\)'$/\1/p")
		# the same start and end as the table `sgdisk -p` prints
		_row=$(sgdisk -p "$_img" | awk -v n="$_i" '/^Number/ { on = 1; next } on && $1 == n { print $2, $3 }')
		[ "$_row" = "$_first $_last" ] || { echo "sgdisk -p and -i disagree on $_i"; return 0; }
		_want="diskinfo: $_disk: part $_i start $_first end $_last type $_type guid $_guid name \"$_name\""
		_got=$(grep "^diskinfo: $_disk: part $_i " "$_log" | head -1)
		[ "$_got" = "$_want" ] || { echo "partition $_i: Keel '$_got', sgdisk '$_want'"; return 0; }
		_i=$((_i + 1))
	done
}

diskcheck_sha256() {
	_want="$(sha256sum "$2" | cut -d' ' -f1) $(stat -c %s "$2")"
	_got=$(sed -n "s/^diskinfo: $3: sha256 \([0-9a-f]*\) bytes \([0-9]*\)$/\1 \2/p" "$1")
	[ "$_got" = "$_want" ] || echo "Keel's SHA-256 of $3 '${_got:-none}', sha256sum '$_want'"
}

diskcheck_pattern() {
	_log=$1 _orig=$2 _img=$3 _disk=$4 _lba=$5 _count=$6
	grep -q "^diskinfo: $_disk: pattern lba $_lba count $_count ok" "$_log" || {
		echo "Keel: '$(grep "^diskinfo: $_disk: pattern" "$_log")', not 'pattern lba $_lba count $_count ok'"
		return 0; }
	# every byte of the range in the image file (drivers/diskinfo.h's formula)
	_bad=$(dd if="$_img" bs=512 skip="$_lba" count="$_count" 2>/dev/null | od -An -v -tu1 -w1 |
		awk -v base=$((_lba * 512)) -v len=$((_count * 512)) '
			{ o = base + NR - 1; want = (o * 7 + int(o / 512) * 13 + 90) % 256
			  if ($1 != want) bad++ }
			END { if (NR != len) bad += 1000000; print bad + 0 }')
	[ "$_bad" = 0 ] || { echo "$_bad wrong bytes in $_img at lba $_lba count $_count"; return 0; }
	# then nothing else
	_outside=$(cmp -l "$_orig" "$_img" 2>/dev/null |
		awk -v lo=$((_lba * 512 + 1)) -v hi=$((_lba * 512 + _count * 512)) '
			$1 < lo || $1 > hi { n++ } END { print n + 0 }')
	[ "$_outside" = 0 ] || echo "cmp: $_outside changed bytes outside lba $_lba count $_count"
}

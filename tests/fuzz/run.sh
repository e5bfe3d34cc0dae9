#!/bin/sh
# tests/fuzz/run.sh MODE DIR SECONDS NAME...: run the libFuzzer harnesses
# built into DIR/bin (mk/fuzz.mk).
#
#   fuzz   each NAME for SECONDS from its seeds; new inputs kept in
#          DIR/corpus/NAME, crashes in DIR/artifacts/NAME/; exit 1 on a crash
#   test   replay every committed input of tests/fuzz/corpus/NAME/ (each
#          finding-* file on its own: a finding that still crashes is a
#          FAIL until its fix lands), then fuzz SECONDS; prints PASS/FAIL
#          lines, libFuzzer's output goes to stderr
#   bench  executions per second of each NAME fuzzing for SECONDS (a
#          harness stopped early by a crash is measured replaying its seeds)
#   prove  NAME is a harness built over a planted bug: it must crash;
#          prints the time and executions it took
#
# FUZZ_ARGS in the environment: more libFuzzer flags for fuzz, test and
# bench runs (e.g. "-fork=2 -ignore_crashes=1" to go on past a finding).
# Seeds: tests/fuzz/corpus/NAME/ (tests/fuzz/mkcorpus.py writes them);
# finding-* files there are reproducers of crashes, never fuzzing seeds.
set -u
mode=$1 dir=$2 secs=$3
shift 3
here=$(dirname "$0")
st=0

# Longest input per harness: a whole ring, a small disk image, ...
max_len() {
	case $1 in
	ring*) echo 8208 ;;
	gpt) echo 65537 ;;
	cmdline) echo 1024 ;;
	vmbus_msg) echo 8192 ;;
	*) echo 4096 ;;
	esac
}

# Copy the seeds (not the findings) of harness $1 into $2.
seeds() {
	rm -rf "$2" && mkdir -p "$2"
	for f in "$here/corpus/$1"/*; do
		[ -f "$f" ] || continue
		case $(basename "$f") in finding-*) continue ;; esac
		cp "$f" "$2/"
	done
}

# Run harness $1 for $2 seconds on corpus dir $3 (plus read-only seed dir
# $4); libFuzzer's output in $5. Returns libFuzzer's status.
run_for() {
	mkdir -p "$dir/artifacts/$1"
	ASAN_OPTIONS=abort_on_error=0:detect_leaks=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	"$dir/bin/$1" -max_total_time="$2" -timeout=25 -rss_limit_mb=2048 \
		-max_len="$(max_len "$1")" -print_final_stats=1 \
		-artifact_prefix="$dir/artifacts/$1/" ${FUZZ_ARGS:-} "$3" "$4" > "$5" 2>&1
}

# What one execution of harness $1 is (for the bench rows).
what() {
	case $1 in
	ring) echo "one ring (<= 8 KiB) drained, then 20 sends" ;;
	gpt) echo "one disk image: both GPT headers and entry arrays" ;;
	cmdline) echo "one command line parsed and reported" ;;
	storvsc) echo "one SCSI parse pass, block I/O session or LUN scan" ;;
	nvme) echo "one NVMe page: identify controller, namespace, list; completions reaped" ;;
	mailbox) echo "one keel-host transport bring-up (64 pings) and interrupts" ;;
	vmbus_msg) echo "one guest boot fed the input's SynIC messages" ;;
	msgpath) echo "one whole guest bring-up against the simulated host" ;;
	netvsc) echo "one host packet: transfer-page header, its ranges' RNDIS messages" ;;
	netvsc_rx) echo "one receive buffer and up to 64 host packets through the NIC's channel callback" ;;
	ic) echo "one sequence of IC packets: headers, NEGOTIATE, heartbeat, KVP" ;;
	vpci) echo "one vPCI message: relations list and BAR masks" ;;
	net) echo "one sequence of Ethernet frames into lwIP (10 ms virtual time each)" ;;
	iperf3) echo "one iperf3 client message read as parameters and as results" ;;
	*) echo "one input" ;;
	esac
}

stat_of() {   # stat_of LOG KEY: a libFuzzer final statistic
	sed -n "s/^stat::$2: *//p" "$1" | tail -n 1
}

# Replay the files given; status non-zero if any crashes.
replay() {
	name=$1
	shift
	ASAN_OPTIONS=abort_on_error=0:detect_leaks=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	"$dir/bin/$name" -timeout=25 -rss_limit_mb=2048 "$@"
}

for name in "$@"; do
	log=$dir/logs/$name.log
	mkdir -p "$dir/logs"
	case $mode in
	fuzz)
		seeds "$name" "$dir/seeds/$name"
		mkdir -p "$dir/corpus/$name"
		echo "fuzz: $name for $secs s (corpus $dir/corpus/$name)"
		if run_for "$name" "$secs" "$dir/corpus/$name" "$dir/seeds/$name" "$log"; then
			runs=$(stat_of "$log" number_of_executed_units)
			echo "fuzz: $name: no crash (${runs:-see $log for the} runs," \
			     "$(stat_of "$log" average_exec_per_sec) exec/s)"
		else
			echo "fuzz: $name: CRASH, see $log and $dir/artifacts/$name/"
			grep -m 3 -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log"
			st=1
		fi
		;;
	test)
		n=0
		rm -f "$log.findings"
		for f in "$here/corpus/$name"/*; do
			[ -f "$f" ] || continue
			case $(basename "$f") in
			finding-*)
				if replay "$name" "$f" >> "$log.findings" 2>&1; then
					echo "PASS fuzz/$name/$(basename "$f") (finding no longer crashes)"
				else
					echo "FAIL fuzz/$name/$(basename "$f"): the finding still crashes" \
					     "(replay: $dir/bin/$name $f; log $log.findings)"
				fi
				;;
			*) n=$((n + 1)) ;;
			esac
		done
		seeds "$name" "$dir/seeds/$name"
		if [ "$n" -eq 0 ]; then
			echo "FAIL fuzz/$name/seeds: no seed corpus in $here/corpus/$name"
		elif replay "$name" "$dir/seeds/$name"/* > "$log.replay" 2>&1; then
			echo "PASS fuzz/$name/seeds ($n inputs replayed)"
		else
			echo "FAIL fuzz/$name/seeds: a committed input crashes (see $log.replay)"
		fi
		rm -rf "$dir/test-corpus/$name" && mkdir -p "$dir/test-corpus/$name"
		if run_for "$name" "$secs" "$dir/test-corpus/$name" "$dir/seeds/$name" "$log"; then
			echo "PASS fuzz/$name/run ($secs s, $(stat_of "$log" number_of_executed_units) runs)"
		else
			art=$(sed -n 's/.*Test unit written to //p' "$log" | tail -n 1)
			echo "FAIL fuzz/$name/run: crash in $secs s, reproducer ${art:-none} (log $log)"
		fi
		cat "$log" >&2
		;;
	bench)
		seeds "$name" "$dir/seeds/$name"
		rm -rf "$dir/bench-corpus/$name" && mkdir -p "$dir/bench-corpus/$name"
		if run_for "$name" "$secs" "$dir/bench-corpus/$name" "$dir/seeds/$name" "$log"; then
			printf 'bench-fuzz %-10s %7s exec/s  (%s runs in %s s; one run = %s; ASan+UBSan+coverage)\n' \
			       "$name" "$(stat_of "$log" average_exec_per_sec)" \
			       "$(stat_of "$log" number_of_executed_units)" "$secs" "$(what "$name")"
		else
			# A known finding stops fuzzing early: measure by replaying the
			# seeds instead (no mutation), and say so.
			nseeds=$(ls "$dir/seeds/$name" | wc -l)
			t0=$(date +%s.%N)
			replay "$name" -runs=20 "$dir/seeds/$name"/* > "$log.bench" 2>&1
			t1=$(date +%s.%N)
			printf 'bench-fuzz %-10s %7s exec/s  (fuzzing stopped at a crash, see %s; rate of replaying its %s seeds 20 times each; one run = %s)\n' \
			       "$name" "$(awk "BEGIN { printf \"%d\", $nseeds * 20 / ($t1 - $t0) }")" \
			       "$log" "$nseeds" "$(what "$name")"
		fi
		;;
	prove)
		base=${name%-planted}
		seeds "$base" "$dir/seeds/$base"
		rm -rf "$dir/prove-corpus/$name" && mkdir -p "$dir/prove-corpus/$name"
		t0=$(date +%s.%N)
		if run_for "$name" "$secs" "$dir/prove-corpus/$name" "$dir/seeds/$base" "$log"; then
			echo "fuzz-prove: $name did NOT crash within $secs s: the harness misses the planted bug"
			st=1
		else
			t1=$(date +%s.%N)
			execs=$(sed -n 's/^#\([0-9]*\).*/\1/p' "$log" | tail -n 1)
			printf 'fuzz-prove: %s crashed after %.1f s wall, about %s executions:\n' \
			       "$name" "$(awk "BEGIN { print $t1 - $t0 }")" "${execs:-?}"
			grep -m 2 -E '^(==[0-9]+==ERROR|SUMMARY)' "$log"
		fi
		;;
	*)
		echo "run.sh: unknown mode $mode" >&2
		exit 2
		;;
	esac
done
exit $st

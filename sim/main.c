/*
 * keelsim's command line:
 *
 *   keelsim SCENARIO... [--seed N | --seeds A-B] [--trace] [--verbose]
 *           [--results FILE] [--bench] [--max-fail N] [--jobs N]
 *           [--timeline FILE.svg]
 *
 * Runs every variant of every scenario over the seeds (default: the
 * scenario's `seeds`, 500 unless it says otherwise, seeds 1..N). Prints one
 * result line per scenario file with a hash over all its seeds' trace
 * hashes; a failing seed prints its reason, the last 200 trace lines and the
 * replay command. Exits 0 only when every seed of every scenario passed.
 * --results appends `PASS name` / `FAIL name` lines for make test.
 * --bench prints the seeds-per-second row for make bench.
 * --timeline draws one seed (--seed N, one scenario file; the last variant
 * when it has several) as an SVG picture over virtual time (sim/timeline.c).
 *
 * With several scenario files, each runs in a child process of its own
 * (--jobs N at a time): a guest panic leaves the guest's state unreliable (a fiber stack
 * abandoned mid-item), so the child stops that file at once and the next
 * file starts from a clean process; a child that dies is reported as a
 * failure of its file, never of the whole run.
 */
#define _POSIX_C_SOURCE 200809L   /* clock_gettime, fork, waitpid */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim/sim.h"

static void usage(void)
{
	char buf[2048];

	host_profile_list(buf, sizeof(buf));
	fprintf(stderr,
		"usage: keelsim SCENARIO... [--seed N | --seeds A-B] [--trace] [--verbose]\n"
		"               [--results FILE] [--bench] [--max-fail N] [--jobs N]\n"
		"               [--timeline FILE.svg] (with --seed N and one scenario)\n"
		"host profiles:\n%s", buf);
	exit(2);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static const char *base(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

struct run_args {
	uint64_t s_from, s_to;
	bool seeds_given, bench;
	int max_fail;
	struct sim_opts o;
	const char *results;
	const char *timeline;    /* --timeline FILE.svg, or NULL */
};

/* Append one line to the results file (children share it: O_APPEND). */
static void result_line(const char *results, const char *fmt, const char *name,
			const char *detail)
{
	FILE *rf;

	if (!results || !(rf = fopen(results, "a")))
		return;
	fprintf(rf, fmt, name, detail);
	fclose(rf);
}

/* The picture's title: the scenario's file name and the seed. */
static const char *timeline_title(const char *file, uint64_t seed)
{
	static char title[300];

	snprintf(title, sizeof(title), "%s, seed %llu", base(file), (unsigned long long)seed);
	return title;
}

/* Every variant of one scenario file over its seeds: 0 when all passed, 1
 * when some failed, 3 when a guest panic stopped it (nothing freed). */
static int run_file(const char *file, const struct run_args *a)
{
	struct sim_scenario *v = NULL;
	int nv = sim_scenario_load(file, &v);
	uint64_t hash = 0xcbf29ce484222325ull, runs = 0, steps = 0;
	uint64_t from = 1, to = 0;
	int fails = 0;
	bool stop = false;
	double t0 = now_s(), dt;
	char detail[64];

	if (nv <= 0) {
		printf("FAIL %s: does not parse\n", file);
		result_line(a->results, "FAIL sim/%s%s\n", base(file), " (parse error)");
		return 1;
	}
	if (sim_global_init(64ull << 20) < 0) {
		fprintf(stderr, "keelsim: hosted_init failed\n");
		free(v);
		return 2;
	}
	for (int k = 0; k < nv && fails < a->max_fail && !stop; k++) {
		from = a->seeds_given ? a->s_from : 1;
		to = a->seeds_given ? a->s_to : v[k].seeds;
		for (uint64_t s = from; s <= to && fails < a->max_fail && !stop; s++) {
			struct sim_result r;

			if (a->timeline)
				sim_timeline_begin();
			sim_run_seed(&v[k], s, &a->o, &r);
			if (a->timeline && sim_timeline_write(a->timeline, timeline_title(file, s)))
				fails++;
			runs++;
			steps += r.steps;
			hash = (hash ^ r.hash) * 0x100000001b3ull;
			if (!r.pass)
				fails++;
			stop = r.panicked;
			if (a->seeds_given && a->s_from == a->s_to)
				printf("seed %llu: %s, trace hash %016llx, %llu steps, "
				       "virtual end %llu ns\n", (unsigned long long)s,
				       r.pass ? "pass" : "FAIL", (unsigned long long)r.hash,
				       (unsigned long long)r.steps,
				       (unsigned long long)r.end_ns);
		}
	}
	dt = now_s() - t0;
	printf("%s %s: %d variant(s) x seeds %llu-%llu = %llu runs, hash %016llx, "
	       "%.0f seeds/s, %.0f steps/seed%s\n", fails ? "FAIL" : "PASS", file, nv,
	       (unsigned long long)from, (unsigned long long)to,
	       (unsigned long long)runs, (unsigned long long)hash,
	       dt > 0 ? (double)runs / dt : 0.0, runs ? (double)steps / (double)runs : 0.0,
	       stop ? " (stopped after a guest panic)" : "");
	if (a->bench)
		printf("bench-sim %-28s %10.0f seeds/s (one core, %llu seeds)\n",
		       base(file), dt > 0 ? (double)runs / dt : 0.0, (unsigned long long)runs);
	snprintf(detail, sizeof(detail), " (%d variants x %llu seeds)", nv,
		 (unsigned long long)(to - from + 1));
	result_line(a->results, fails ? "FAIL sim/%s%s\n" : "PASS sim/%s%s\n", base(file),
		    detail);
	free(v);
	if (stop)               /* after a panic the state is not safe to free */
		return 3;
	sim_global_fini();
	return fails ? 1 : 0;
}

/* Wait for one child; a child that died (not exit 0/1) fails its file. */
static int reap(pid_t *pids, const char **names, int n, const char *results)
{
	int st;
	pid_t p = wait(&st);

	for (int i = 0; i < n; i++) {
		if (pids[i] != p)
			continue;
		pids[i] = 0;
		if (WIFEXITED(st) && WEXITSTATUS(st) <= 1)
			return WEXITSTATUS(st);
		printf("FAIL %s: keelsim child died (%s %d)\n", names[i],
		       WIFSIGNALED(st) ? "signal" : "status",
		       WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
		result_line(results, "FAIL sim/%s%s\n", base(names[i]), " (keelsim died)");
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *files[256];
	pid_t pids[256] = { 0 };
	int nfiles = 0, jobs = 1, running = 0, bad = 0;
	struct run_args a = { .max_fail = 3 };

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
			a.s_from = a.s_to = strtoull(argv[++i], NULL, 0);
			a.seeds_given = true;
		} else if (!strcmp(argv[i], "--seeds") && i + 1 < argc) {
			char *dash;

			a.s_from = strtoull(argv[++i], &dash, 0);
			if (*dash != '-')
				usage();
			a.s_to = strtoull(dash + 1, NULL, 0);
			if (a.s_to < a.s_from)
				usage();
			a.seeds_given = true;
		} else if (!strcmp(argv[i], "--trace")) {
			a.o.trace = true;
		} else if (!strcmp(argv[i], "--verbose")) {
			a.o.verbose = true;
		} else if (!strcmp(argv[i], "--results") && i + 1 < argc) {
			a.results = argv[++i];
		} else if (!strcmp(argv[i], "--timeline") && i + 1 < argc) {
			a.timeline = argv[++i];
		} else if (!strcmp(argv[i], "--bench")) {
			a.bench = true;
		} else if (!strcmp(argv[i], "--max-fail") && i + 1 < argc) {
			a.max_fail = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--jobs") && i + 1 < argc) {
			jobs = atoi(argv[++i]);
			if (jobs < 1)
				usage();
		} else if (argv[i][0] == '-') {
			usage();
		} else if (nfiles < 256) {
			files[nfiles++] = argv[i];
		}
	}
	if (!nfiles || (a.timeline && (nfiles != 1 || !a.seeds_given || a.s_from != a.s_to)))
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* One file: nothing to protect from it, so run it here (tools such as
	 * callgrind then measure this process). */
	if (nfiles == 1) {
		int rc = run_file(files[0], &a);

		return rc == 3 ? 1 : rc;
	}
	for (int f = 0; f < nfiles; f++) {
		if (running == jobs) {
			bad += reap(pids, files, nfiles, a.results) != 0;
			running--;
		}
		fflush(NULL);
		pids[f] = fork();
		if (pids[f] < 0) {
			perror("keelsim: fork");
			return 2;
		}
		if (pids[f] == 0) {
			int rc = run_file(files[f], &a);

			if (rc == 3)            /* skip LeakSanitizer: see run_file */
				_exit(1);
			exit(rc);               /* LeakSanitizer runs at exit */
		}
		running++;
	}
	while (running-- > 0)
		bad += reap(pids, files, nfiles, a.results) != 0;
	return bad ? 1 : 0;
}

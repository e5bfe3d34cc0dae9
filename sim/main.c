/*
 * keelsim's command line:
 *
 *   keelsim SCENARIO... [--seed N | --seeds A-B] [--trace] [--verbose]
 *           [--results FILE] [--bench] [--max-fail N]
 *
 * Runs every variant of every scenario over the seeds (default: the
 * scenario's `seeds`, 500 unless it says otherwise, seeds 1..N). Prints one
 * result line per scenario file with a hash over all its seeds' trace
 * hashes; a failing seed prints its reason, the last 200 trace lines and the
 * replay command. Exits 0 only when every seed of every scenario passed.
 * --results appends `PASS name` / `FAIL name` lines for make test.
 * --bench prints the seeds-per-second row for make bench.
 */
#define _POSIX_C_SOURCE 199309L   /* clock_gettime */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/sim.h"

static void usage(void)
{
	char buf[2048];

	host_profile_list(buf, sizeof(buf));
	fprintf(stderr,
		"usage: keelsim SCENARIO... [--seed N | --seeds A-B] [--trace] [--verbose]\n"
		"               [--results FILE] [--bench] [--max-fail N]\n"
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

int main(int argc, char **argv)
{
	const char *files[256];
	int nfiles = 0, max_fail = 3;
	uint64_t s_from = 0, s_to = 0;
	bool seeds_given = false, bench = false;
	const char *results = NULL;
	struct sim_opts o = { 0 };
	FILE *rf = NULL;
	int bad = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
			s_from = s_to = strtoull(argv[++i], NULL, 0);
			seeds_given = true;
		} else if (!strcmp(argv[i], "--seeds") && i + 1 < argc) {
			char *dash;

			s_from = strtoull(argv[++i], &dash, 0);
			if (*dash != '-')
				usage();
			s_to = strtoull(dash + 1, NULL, 0);
			if (s_to < s_from)
				usage();
			seeds_given = true;
		} else if (!strcmp(argv[i], "--trace")) {
			o.trace = true;
		} else if (!strcmp(argv[i], "--verbose")) {
			o.verbose = true;
		} else if (!strcmp(argv[i], "--results") && i + 1 < argc) {
			results = argv[++i];
		} else if (!strcmp(argv[i], "--bench")) {
			bench = true;
		} else if (!strcmp(argv[i], "--max-fail") && i + 1 < argc) {
			max_fail = atoi(argv[++i]);
		} else if (argv[i][0] == '-') {
			usage();
		} else if (nfiles < 256) {
			files[nfiles++] = argv[i];
		}
	}
	if (!nfiles)
		usage();
	if (results && !(rf = fopen(results, "a"))) {
		perror(results);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (sim_global_init(64ull << 20) < 0) {
		fprintf(stderr, "keelsim: hosted_init failed\n");
		return 2;
	}
	for (int f = 0; f < nfiles; f++) {
		struct sim_scenario *v = NULL;
		int nv = sim_scenario_load(files[f], &v);
		uint64_t hash = 0xcbf29ce484222325ull, runs = 0, steps = 0;
		int fails = 0;
		double t0 = now_s(), dt;
		uint64_t from = 1, to = 0;

		if (nv <= 0) {
			printf("FAIL %s: does not parse\n", files[f]);
			if (rf)
				fprintf(rf, "FAIL sim/%s (parse error)\n", base(files[f]));
			bad++;
			continue;
		}
		for (int k = 0; k < nv && fails < max_fail; k++) {
			from = seeds_given ? s_from : 1;
			to = seeds_given ? s_to : v[k].seeds;
			for (uint64_t s = from; s <= to && fails < max_fail; s++) {
				struct sim_result r;

				sim_run_seed(&v[k], s, &o, &r);
				runs++;
				steps += r.steps;
				hash = (hash ^ r.hash) * 0x100000001b3ull;
				if (!r.pass)
					fails++;
				if (seeds_given && s_from == s_to)
					printf("seed %llu: %s, trace hash %016llx, %llu steps, "
					       "virtual end %llu ns\n", (unsigned long long)s,
					       r.pass ? "pass" : "FAIL", (unsigned long long)r.hash,
					       (unsigned long long)r.steps,
					       (unsigned long long)r.end_ns);
			}
		}
		dt = now_s() - t0;
		printf("%s %s: %d variant(s) x seeds %llu-%llu = %llu runs, hash %016llx, "
		       "%.0f seeds/s, %.0f steps/seed\n", fails ? "FAIL" : "PASS", files[f], nv,
		       (unsigned long long)from, (unsigned long long)to,
		       (unsigned long long)runs, (unsigned long long)hash,
		       dt > 0 ? (double)runs / dt : 0.0, runs ? (double)steps / (double)runs : 0.0);
		if (bench)
			printf("bench-sim %-28s %10.0f seeds/s (one core, %llu seeds)\n",
			       base(files[f]), dt > 0 ? (double)runs / dt : 0.0,
			       (unsigned long long)runs);
		if (rf)
			fprintf(rf, "%s sim/%s (%d variants x %llu seeds)\n", fails ? "FAIL" : "PASS",
				base(files[f]), nv, (unsigned long long)(to - from + 1));
		if (fails)
			bad++;
		free(v);
	}
	if (rf)
		fclose(rf);
	sim_global_fini();
	return bad ? 1 : 0;
}

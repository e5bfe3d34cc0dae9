/*
 * The hosted unit-test runner (docs/style.md §14: tests are a table, runnable one
 * by name).
 *
 *   unit-tests [--list] [--quick] [--no-fork] [--results FILE] [NAME...]
 *
 * Each test runs in a forked child on a fresh hosted platform and work-queue
 * core; a crash, panic or sanitizer report fails only that test. A test
 * fails when it returns non-zero, or when it left an unexpected deadlock
 * report. Results: one "PASS name" / "FAIL name" line per test, to stdout
 * and to FILE. UNIT_SHOW_REPORTS=1 prints each test's last deadlock report.
 */
#define _DEFAULT_SOURCE 1

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/unit/harness.h"

static const struct unit_test *const suites[] = {
	wq_tests, sync_tests, timer_tests, deadlock_tests, hosted_tests, vmbus_tests,
	storvsc_tests, storvsc_lib_tests, gpt_tests, storvsc_io_tests, block_tests,
	storvsc_arena_tests,
	net_ipv4_tests, net_txq_tests, net_dhcp_tests, net_ipv6_tests, net_httpd_tests,
	net_config_tests, net_fuzz_tests, net_dns_tests, net_conn_tests, net_peer_tests,
	netvsc_parse_tests, netvsc_tx_tests, netvsc_rndis_tests,
	ic_msg_tests, ic_kvp_tests,
	vpci_tests,
	shell_tests,
	nvme_tests,
	nvme_queue_tests,
	acpi_crs_tests,
	zboot_lz4_tests,
	iperf3_msg_tests, iperf3_tests,
};

int t_events[64];
int t_nevents;
static bool expect_deadlock;
static bool external_events;

void t_log(int v)
{
	if (t_nevents < (int)(sizeof(t_events) / sizeof(t_events[0])))
		t_events[t_nevents++] = v;
}

void t_expect_deadlock(void)
{
	expect_deadlock = true;
}

void t_external_events(bool pending)
{
	external_events = pending;
}

void t_run_until(uint64_t until)
{
	unsigned long guard = 0;

	for (;;) {
		uint64_t d;

		kassert(++guard < 1000000);
		wq_run_until_idle();
		if (hosted_irq_pending()) {
			hosted_deliver_irqs();
			continue;
		}
		d = hosted_timer_deadline();
		if (d && d <= until) {
			if (d > hosted_now_ns())
				hosted_set_now_ns(d);
			hosted_fire_timer();
			continue;
		}
		break;
	}
	if (until != WQ_FOREVER && until > hosted_now_ns())
		hosted_set_now_ns(until);
}

/* The hosted stall check's view of interrupt sources: only raised ones. */
static bool irq_may_wake(void *arg)
{
	(void)arg;
	return external_events || hosted_irq_pending() > 0;
}

static int run_one(const struct unit_test *t)
{
	int r;

	if (hosted_init(16u << 20) != 0)
		return 1;
	wq_set_may_wake(irq_may_wake, NULL);
	wq_set_deadlock_action(WQ_DEADLOCK_RECORD);
	wq_init();
	timer_init();
	t_nevents = 0;
	expect_deadlock = false;
	external_events = false;
	r = t->fn();
	if (getenv("UNIT_SHOW_REPORTS") && wq_deadlock_count())
		fprintf(stderr, "%s", wq_last_deadlock_report());
	if (r == 0 && !expect_deadlock && wq_deadlock_count()) {
		fprintf(stderr, "  unexpected deadlock report:\n%s", wq_last_deadlock_report());
		r = 1;
	}
	wq_fini();
	hosted_fini();
	return r;
}

static int run_forked(const struct unit_test *t)
{
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return run_one(t);
	if (pid == 0)
		exit(run_one(t) ? 1 : 0);   /* exit, not _exit: LeakSanitizer runs at exit */
	if (waitpid(pid, &status, 0) < 0)
		return 1;
	return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static bool selected(const char *name, int argc, char **argv, int first)
{
	int i;

	if (first >= argc)
		return true;
	for (i = first; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return true;
	return false;
}

int main(int argc, char **argv)
{
	bool list = false, quick = false, fork_each = true;
	const char *results = NULL;
	FILE *rf = NULL;
	int i, first, npass = 0, nfail = 0, matched = 0;
	size_t s;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--list"))
			list = true;
		else if (!strcmp(argv[i], "--quick"))
			quick = true;
		else if (!strcmp(argv[i], "--no-fork"))
			fork_each = false;
		else if (!strcmp(argv[i], "--results") && i + 1 < argc)
			results = argv[++i];
		else {
			fprintf(stderr, "usage: %s [--list] [--quick] [--no-fork] "
				"[--results FILE] [NAME...]\n", argv[0]);
			return 2;
		}
	}
	first = i;
	if (results && !(rf = fopen(results, "w"))) {
		perror(results);
		return 2;
	}
	for (s = 0; s < sizeof(suites) / sizeof(suites[0]); s++) {
		const struct unit_test *t;

		for (t = suites[s]; t->name; t++) {
			int r;

			if (!selected(t->name, argc, argv, first) ||
			    (quick && t->speed == SLOW))
				continue;
			matched++;
			if (list) {
				printf("%s%s\n", t->name, t->speed == SLOW ? " (slow)" : "");
				continue;
			}
			r = fork_each ? run_forked(t) : run_one(t);
			printf("%s %s\n", r ? "FAIL" : "PASS", t->name);
			fflush(stdout);
			if (rf)
				fprintf(rf, "%s %s\n", r ? "FAIL" : "PASS", t->name);
			if (r)
				nfail++;
			else
				npass++;
		}
	}
	if (rf)
		fclose(rf);
	if (!matched) {
		fprintf(stderr, "no test matched\n");
		return 2;
	}
	if (!list)
		printf("unit: %d passed, %d failed\n", npass, nfail);
	return nfail ? 1 : 0;
}

/*
 * keel-host: the simulated Hyper-V host as a process. Start it
 * first, then QEMU (scripts/run-stack.sh does both):
 *
 *   keel-host --socket SOCK --ram FILE [--ram-size 512M]
 *             [--scenario FILE.scn | --disk IMAGE... --nvme IMAGE... --echo N
 *              --profile NAME]
 *             [--nic peer | --nic tap=NAME] [--log FILE] [-v] [--busy-poll]
 *             [--ready-file FILE]
 *             [--control PATH]   (keelhost/control.c: shutdown, kvp-list, ...)
 *             [--timeline OUT.svg]
 *
 *   QEMU: -object memory-backend-file,id=ram0,size=512M,mem-path=FILE,share=on
 *         -machine q35,memory-backend=ram0 -m 512M
 *         -chardev socket,path=SOCK,id=ivs -device ivshmem-doorbell,chardev=ivs,vectors=1
 *
 * keel-host creates the guest-RAM file (and removes it at exit if it made
 * it), listens on SOCK, serves one QEMU until it disconnects (guest power
 * off) or SIGINT/SIGTERM, then prints a summary and checks the scenario's
 * host-side expectations. --nic peer: the network device's wire is the
 * built-in peer (keelhost/peer.c: DHCP, ping and a web page fetch, no
 * root); --nic tap=NAME (or --tap NAME): a TAP device (keelhost/tap.c).
 * With --scenario either is the wire of the scenario's first network device. Exit status: 0 when no host-side violation
 * happened and every checkable expectation held, 1 otherwise, 2 on a
 * usage or set-up error.
 */
#define _GNU_SOURCE 1

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keelhost/keelhost.h"

/* sim/scenario.c's default guest is the real one: that is what keel-host serves. */
bool sim_have_keel_guest = true;

static void usage(void)
{
	char buf[2048];

	host_profile_list(buf, sizeof(buf));
	fprintf(stderr,
		"usage: keel-host --socket SOCK --ram FILE [--ram-size 512M]\n"
		"                 [--scenario FILE.scn | --disk IMAGE... --nvme IMAGE... "
		"--vpci DUMP... --echo N --profile NAME]\n"
		"                 [--nic peer | --nic tap=NAME] [--log FILE] [-v] [--busy-poll] "
		"[--ready-file FILE] [--control PATH]\n"
		"                 [--timeline OUT.svg]\n"
		"host profiles:\n%s", buf);
	exit(2);
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);

	if (end == s)
		return -1;
	switch (*end) {
	case 'G': case 'g': v <<= 30; end++; break;
	case 'M': case 'm': v <<= 20; end++; break;
	case 'K': case 'k': v <<= 10; end++; break;
	default: break;
	}
	if (*end)
		return -1;
	*out = v;
	return 0;
}

static void on_signal(int sig)
{
	kh_stop_signal = sig;
}

static void summary(struct keelhost *kh)
{
	kh_log(kh, "keel-host: summary: guest ready %.3f s after keel-host start; requests: "
	       "cpuid %llu rdmsr %llu wrmsr %llu hypercall %llu ping %llu; doorbells %llu, "
	       "kicks %llu, messages guest->host %llu host->guest %llu, EOM nudges %llu, "
	       "ring stalls %llu",
	       (double)kh->ready_wall_ns / 1e9,
	       (unsigned long long)kh->req_count[KH_OP_CPUID],
	       (unsigned long long)kh->req_count[KH_OP_RDMSR],
	       (unsigned long long)kh->req_count[KH_OP_WRMSR],
	       (unsigned long long)kh->req_count[KH_OP_HYPERCALL],
	       (unsigned long long)kh->req_count[KH_OP_PING],
	       (unsigned long long)kh->doorbells, (unsigned long long)kh->kicks,
	       (unsigned long long)kh->msgs_in, (unsigned long long)kh->msgs_out,
	       (unsigned long long)kh->eom_nudges, (unsigned long long)kh->ring_stalls);
	if (kh->tap_fd >= 0)
		kh_log(kh, "keel-host: TAP %s: frames to the guest %llu, from the guest %llu, "
		       "dropped %llu", kh->tap_name, (unsigned long long)kh->tap_in,
		       (unsigned long long)kh->tap_out, (unsigned long long)kh->tap_drops);
	kh_peer_summary(kh);
	if (kh->h && host_connected(kh->h))
		kh_log(kh, "keel-host: VMBus version %u.%u, %d device(s)",
		       VMBUS_VERSION_MAJOR(host_version(kh->h)),
		       VMBUS_VERSION_MINOR(host_version(kh->h)), host_device_count(kh->h));
}

int main(int argc, char **argv)
{
	static struct keelhost kh = {
		.listen_fd = -1, .conn_fd = -1, .shm_fd = -1, .host_efd = -1, .guest_efd = -1,
		.tap_fd = -1, .ctl_listen = -1, .ctl_fd = -1, .ctl_wait_dev = -1,
		.ram_size = 512ull << 20, .profile = "ws2022",
	};
	struct sim_scenario *variants = NULL;
	const char *log_path = NULL, *ready_file = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	int rc = 2, fails = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "-v")) {
			kh.verbose++;
		} else if (!strcmp(a, "--busy-poll")) {
			kh.busy_poll = true;
		} else if (!v) {
			usage();
		} else if (!strcmp(a, "--socket")) {
			kh.sock_path = v, i++;
		} else if (!strcmp(a, "--ram")) {
			kh.ram_path = v, i++;
		} else if (!strcmp(a, "--ram-size")) {
			if (parse_size(v, &kh.ram_size) < 0)
				usage();
			i++;
		} else if (!strcmp(a, "--scenario")) {
			kh.scenario_path = v, i++;
		} else if (!strcmp(a, "--disk")) {
			if (kh.ndisks >= KH_MAX_DISKS)
				usage();
			kh.disks[kh.ndisks++] = v, i++;
		} else if (!strcmp(a, "--nvme")) {
			if (kh.nnvmes >= KH_MAX_DISKS)
				usage();
			kh.nvmes[kh.nnvmes++] = v, i++;
		} else if (!strcmp(a, "--vpci")) {
			if (kh.nvpcis >= KH_MAX_DISKS)
				usage();
			kh.vpcis[kh.nvpcis++] = v, i++;
		} else if (!strcmp(a, "--echo")) {
			kh.nechoes = atoi(v), i++;
		} else if (!strcmp(a, "--tap")) {
			kh.tap_name = v, i++;
		} else if (!strcmp(a, "--nic")) {
			if (!strcmp(v, "peer"))
				kh.nic_peer = true;
			else if (!strncmp(v, "tap=", 4) && v[4])
				kh.tap_name = v + 4;
			else
				usage();
			i++;
		} else if (!strcmp(a, "--profile")) {
			kh.profile = v, i++;
		} else if (!strcmp(a, "--log")) {
			log_path = v, i++;
		} else if (!strcmp(a, "--control")) {
			kh.ctl_path = v, i++;
		} else if (!strcmp(a, "--ready-file")) {
			ready_file = v, i++;
		} else if (!strcmp(a, "--timeline")) {
			kh.timeline_path = v, i++;
		} else {
			usage();
		}
	}
	if (!kh.sock_path || !kh.ram_path || (kh.nic_peer && kh.tap_name))
		usage();
	kh.log = stdout;
	if (log_path && !(kh.log = fopen(log_path, "w"))) {
		perror(log_path);
		return 2;
	}
	kh.start_ns = kh_mono_ns();
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (kh.scenario_path) {
		int nv = sim_scenario_load(kh.scenario_path, &variants);

		if (nv <= 0)
			goto out;
		if (nv > 1)
			kh_log(&kh, "keel-host: %s has %d variants: serving the first",
			       kh.scenario_path, nv);
		kh.sc = &variants[0];
	}
	if (kh_server_init(&kh) < 0 || kh_ram_open(&kh) < 0 || kh_setup_host(&kh) < 0)
		goto out;
	if ((kh.tap_name && kh_tap_open(&kh) < 0) || (kh.nic_peer && kh_peer_open(&kh) < 0) ||
	    kh_control_open(&kh) < 0)
		goto out;
	if (kh.timeline_path && kh_timeline_open(&kh) < 0)
		goto out;
	kh_log(&kh, "keel-host: listening on %s, guest RAM %s (%llu MiB)", kh.sock_path,
	       kh.ram_path, (unsigned long long)(kh.ram_size >> 20));
	if (ready_file) {
		FILE *f = fopen(ready_file, "w");

		if (f)
			fclose(f);
	}
	if (kh_loop(&kh) < 0)
		goto out;
	summary(&kh);
	fails = kh_check_expectations(&kh);
	if (kh.tl && kh_timeline_write(&kh) < 0)
		fails++;
	rc = fails ? 1 : 0;
	kh_log(&kh, "keel-host: exit %d (%d failed check(s))", rc, fails);
out:
	if (kh.h)
		host_destroy(kh.h);
	free(kh.prof);
	free(variants);
	kh_timeline_close(&kh);
	kh_tap_close(&kh);
	kh_peer_close(&kh);
	kh_control_close(&kh);
	kh_ram_close(&kh);
	kh_server_fini(&kh);
	if (kh.log != stdout)
		fclose(kh.log);
	return rc;
}

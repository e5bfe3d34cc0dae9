/*
 * The hosted unit-test harness: the test table type, CHECK macros and the
 * helpers that drive the hosted platform (run work, deliver interrupts, move
 * the virtual clock). Each test runs in its own child process on a fresh
 * platform (hosted_init), work-queue core (wq_init, timer_init) and with
 * deadlock reports recorded, so one broken test cannot take others down.
 */
#ifndef KEEL_TEST_HARNESS_H
#define KEEL_TEST_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hosted/hosted.h"
#include "kernel/log.h"
#include "kernel/timer.h"
#include "kernel/wq.h"

enum test_speed { QUICK, SLOW };

struct unit_test {
	const char *name;
	int (*fn)(void);          /* 0 = pass */
	enum test_speed speed;
};

/* Each test file exports its table, ended by { NULL }. */
extern const struct unit_test wq_tests[];
extern const struct unit_test sync_tests[];
extern const struct unit_test timer_tests[];
extern const struct unit_test deadlock_tests[];
extern const struct unit_test hosted_tests[];
extern const struct unit_test vmbus_tests[];     /* vmbus_ring_test.c (VMBus owner) */
extern const struct unit_test storvsc_tests[];   /* storvsc_scsi_test.c (storvsc owner) */
extern const struct unit_test storvsc_lib_tests[]; /* storvsc_lib_test.c: crc32, sha256 */
extern const struct unit_test gpt_tests[];       /* gpt_test.c */
extern const struct unit_test storvsc_io_tests[]; /* storvsc_io_test.c */
extern const struct unit_test block_tests[];     /* block_test.c */
extern const struct unit_test storvsc_arena_tests[]; /* storvsc_arena_test.c */
extern const struct unit_test net_txq_tests[];   /* net_txq_test.c: transmit queue */
extern const struct unit_test net_ipv4_tests[];  /* net_ipv4_test.c: ARP, ICMP */
extern const struct unit_test net_dhcp_tests[];  /* net_dhcp_test.c */
extern const struct unit_test net_ipv6_tests[];  /* net_ipv6_test.c: SLAAC */
extern const struct unit_test net_httpd_tests[]; /* net_httpd_test.c: TCP + HTTP */
extern const struct unit_test net_config_tests[]; /* net_config_test.c: ip=, net=, app= */
extern const struct unit_test net_fuzz_tests[];  /* net_fuzz_test.c: mutated frames */
extern const struct unit_test net_dns_tests[];   /* net_dns_test.c: conn_resolve */
extern const struct unit_test net_conn_tests[];  /* net_conn_test.c: conn_connect */
extern const struct unit_test net_peer_tests[];  /* net_peer_test.c: keel-host's peer */
extern const struct unit_test netvsc_parse_tests[]; /* netvsc_parse_test.c */
extern const struct unit_test netvsc_tx_tests[];    /* netvsc_tx_test.c */
extern const struct unit_test netvsc_rndis_tests[]; /* netvsc_rndis_test.c */
extern const struct unit_test ic_msg_tests[];    /* ic_msg_test.c */
extern const struct unit_test ic_kvp_tests[];    /* ic_kvp_test.c */
extern const struct unit_test vpci_tests[];      /* vpci_parse_test.c */
extern const struct unit_test shell_tests[];     /* shell_test.c */
extern const struct unit_test nvme_tests[];      /* nvme_parse_test.c */
extern const struct unit_test nvme_queue_tests[]; /* nvme_queue_test.c */
extern const struct unit_test acpi_crs_tests[];  /* acpi_crs_test.c */
extern const struct unit_test zboot_lz4_tests[]; /* zboot_lz4_test.c: keel.efi's LZ4 decoder */
extern const struct unit_test iperf3_msg_tests[]; /* iperf3_msg_test.c: apps/iperf3_msg.c */
extern const struct unit_test iperf3_tests[];     /* iperf3_test.c: the server over lwIP */

#define MS (1000ull * 1000ull)

/* Fail the current test (return 1) with a message naming the check. */
#define CHECK(cond)                                                           \
	do {                                                                  \
		if (!(cond)) {                                                \
			fprintf(stderr, "  check failed: %s (%s:%d)\n", #cond,    \
				__FILE__, __LINE__);                          \
			return 1;                                             \
		}                                                             \
	} while (0)

#define CHECK_EQ(a, b)                                                        \
	do {                                                                  \
		long long a_ = (long long)(a), b_ = (long long)(b);           \
		if (a_ != b_) {                                               \
			fprintf(stderr, "  check failed: %s == %s (%lld != %lld) (%s:%d)\n", \
				#a, #b, a_, b_, __FILE__, __LINE__);          \
			return 1;                                             \
		}                                                             \
	} while (0)

/* Run work, deliver interrupts and fire timers until nothing is left before
 * virtual time `until` (the clock then stands at `until`, or at the last
 * deadline fired when until is WQ_FOREVER). */
void t_run_until(uint64_t until);
static inline void t_run(void) { t_run_until(hosted_now_ns()); }
static inline void t_run_for(uint64_t ns) { t_run_until(hosted_now_ns() + ns); }
static inline void t_run_all(void) { t_run_until(WQ_FOREVER); }

/* The test expects deadlock reports: the runner will not fail it for them. */
void t_expect_deadlock(void);
/* The test itself will act later (complete, raise an interrupt) as a host
 * would: tell the stall check that something outside may still wake a
 * waiter (keelsim answers this from its pending host events). */
void t_external_events(bool pending);

/* A little event log items append to, to check orders. */
void t_log(int v);
extern int t_events[64];
extern int t_nevents;

#endif

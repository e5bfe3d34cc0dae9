/*
 * keel-host: the simulated Hyper-V host (host/) as its own Linux process,
 * serving the real keel.efi booted by OVMF in QEMU (wire
 * format include/keelhost/mailbox.h).
 *
 * Files, one concept each:
 *   main.c      command line, set-up and tear-down, the final report
 *   server.c    the ivshmem server side of QEMU's protocol (socket, memfd,
 *               eventfds) and the kick
 *   guestram.c  guest RAM: the shared file QEMU's memory backend uses
 *               (file offset == guest-physical address)
 *   loop.c      the real-time event loop: poll(), mailbox requests, host
 *               work, timed events and scenario actions
 *   msglog.c    the readable log of every VMBus message, both directions
 *   setup.c     devices, profile, triggers and expectations from a scenario
 *               (parsed by sim/scenario.c, the format of docs/scenarios.md)
 *   tap.c       the network device's wire: a Linux TAP device (--nic tap=NAME)
 *   peer.c      or the built-in peer (--nic peer): DHCP, ping, HTTP, no root
 *   control.c   the operator's control socket (--control): shutdown,
 *               restart, KVP items, heartbeat state
 *   timeline.c  --timeline: the boot as a picture, and the time-to-ready split
 *
 * One struct keelhost holds everything and is passed down (docs/style.md §10).
 * Single-threaded, like the host library it drives.
 */
#ifndef KEEL_KEELHOST_H
#define KEEL_KEELHOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <poll.h>
#include <stdio.h>

#include "host/host.h"
#include "include/keelhost/mailbox.h"
#include "sim/sim.h"

#define KH_MAX_DISKS 8
#define KH_STALL_DEVS  16       /* devices and channels the stall watch follows */
#define KH_STALL_CHANS 8

/*
 * keel-host's life, one transition function (loop.c kh_transition):
 *
 *   WAIT_QEMU --connect--> WAIT_READY --ready--> SERVING
 *       |                      |                    |
 *       +------- signal -------+-- signal, hangup --+------> DONE
 *
 * A second READY in SERVING (the guest rebooted) stays in SERVING.
 */
enum kh_state { KH_WAIT_QEMU, KH_WAIT_READY, KH_SERVING, KH_DONE };
enum kh_event { KE_CONNECT, KE_READY, KE_HANGUP, KE_SIGNAL };

struct keelhost {
	/* ---- configuration (main.c) ---- */
	const char *sock_path;
	const char *ram_path;
	uint64_t ram_size;
	const char *scenario_path;
	const char *disks[KH_MAX_DISKS];
	int ndisks;
	const char *nvmes[KH_MAX_DISKS];  /* --nvme: NVMe namespace images */
	int nnvmes;
	const char *vpcis[KH_MAX_DISKS];  /* --vpci: lspci -xxxx dumps, a bus each */
	int nvpcis;
	int nechoes;
	const char *profile;
	const char *tap_name;           /* --nic tap=NAME: network device on this TAP */
	bool nic_peer;                  /* --nic peer: its wire is the built-in peer */
	int verbose;                    /* 1: host trace records too */
	bool busy_poll;                 /* spin instead of sleeping in poll() */
	FILE *log;                      /* the message log (stdout by default) */
	const char *timeline_path;      /* --timeline: the picture (timeline.c) */

	/* ---- ivshmem server (server.c) ---- */
	int listen_fd, conn_fd;
	int shm_fd;
	int host_efd;                   /* peer 0 vector 0: the guest rings us */
	int guest_efd;                  /* peer 1 vector 0: we kick the guest */
	struct keelhost_mailbox *mb;    /* the memfd, mapped */

	/* ---- the TAP wire (tap.c) ---- */
	int tap_fd;                     /* -1 without --tap */
	int tap_dev;                    /* the network device's index */
	uint64_t tap_in, tap_out, tap_drops;

	/* ---- the built-in peer (peer.c), NULL without --nic peer ---- */
	struct kh_peer *peer;

	/* ---- the control socket (control.c): one client at a time ---- */
	const char *ctl_path;           /* --control, or NULL */
	int ctl_listen, ctl_fd;
	char ctl_buf[512];
	size_t ctl_len;
	int ctl_wait_dev;               /* a request waiting for the guest, or -1 */
	int ctl_wait_req;               /* its enum host_ic_req */

	/* ---- guest RAM (guestram.c) ---- */
	uint8_t *ram;
	bool ram_created;

	/* ---- the host library and the scenario (setup.c) ---- */
	struct host *h;
	struct host_profile *prof;
	struct sim_scenario *sc;        /* NULL without --scenario */
	int devidx[SIM_MAX_DEVS];
	int trig_index[SIM_MAX_TRIGGERS];
	bool acted[SIM_MAX_ACTIONS];

	/* ---- run state (loop.c) ---- */
	enum kh_state state;            /* kicks only in KH_SERVING */
	uint64_t epoch_ns;              /* CLOCK_MONOTONIC at ready: host time 0 */
	uint64_t start_ns;              /* CLOCK_MONOTONIC at start */
	uint64_t connect_ns;            /* CLOCK_MONOTONIC when QEMU connected */
	struct kh_timeline *tl;         /* --timeline's records, or NULL */
	uint64_t ready_wall_ns;         /* start -> ready */
	uint64_t simp_gpa;              /* SIMP page, from the guest's WRMSR */
	uint64_t slot_empty_since;      /* lost-EOM watchdog */
	bool violation_logged;
	/* ring stall watch (stall.c): per channel, the guest's read_index
	 * while it left data unread with interrupts unmasked, and since when */
	struct kh_stall {
		int64_t rd;
		uint64_t since;
		bool told;
	} stall[KH_STALL_DEVS][KH_STALL_CHANS];
	uint64_t stall_next;            /* CLOCK_MONOTONIC of the next look */
	uint64_t ring_stalls;
	/* statistics */
	uint64_t req_count[KH_OP_COUNT];
	uint64_t kicks, doorbells, eom_nudges, host_runs;
	uint64_t msgs_in, msgs_out;
};

/* stall.c: log a channel whose guest has left host->guest data unread,
 * interrupts unmasked, for KH_STALL_NS (a lost signal; counted). */
void kh_stall_watch(struct keelhost *kh);

/* server.c */
int kh_server_init(struct keelhost *kh);          /* memfd + mailbox + listen */
int kh_server_accept(struct keelhost *kh);        /* QEMU connects: send the fds */
void kh_server_kick(struct keelhost *kh);         /* write the guest's eventfd */
void kh_server_fini(struct keelhost *kh);

/* guestram.c */
int kh_ram_open(struct keelhost *kh);
void *kh_ram_ptr(struct keelhost *kh, uint64_t gpa, size_t len);
void kh_ram_close(struct keelhost *kh);

/* setup.c */
int kh_setup_host(struct keelhost *kh);
void kh_run_actions(struct keelhost *kh, uint64_t now);
uint64_t kh_next_action(const struct keelhost *kh);
/* Host-side expectations of the scenario at the end; returns failures. */
int kh_check_expectations(struct keelhost *kh);

/* tap.c */
int kh_tap_open(struct keelhost *kh);             /* after kh_setup_host */
bool kh_tap_wants_input(struct keelhost *kh);     /* poll the TAP for POLLIN now */
void kh_tap_input(struct keelhost *kh);
void kh_tap_close(struct keelhost *kh);
/* The scenario's first network device, or a new one named net0. */
int kh_nic_device(struct keelhost *kh);

/* peer.c */
int kh_peer_open(struct keelhost *kh);            /* after kh_setup_host */
void kh_peer_service(struct keelhost *kh);        /* each loop turn */
int kh_peer_timeout_ms(struct keelhost *kh);      /* its share of poll()'s timeout */
void kh_peer_summary(struct keelhost *kh);
void kh_peer_close(struct keelhost *kh);

/* control.c */
int kh_control_open(struct keelhost *kh);         /* after kh_setup_host */
int kh_control_pollfds(struct keelhost *kh, struct pollfd *p);  /* returns how many */
void kh_control_serve(struct keelhost *kh, const struct pollfd *p, int n);
void kh_control_close(struct keelhost *kh);
/* timeline.c (every call is a no-op without kh_timeline_open) */
int kh_timeline_open(struct keelhost *kh);
void kh_timeline_request(struct keelhost *kh, uint64_t seq);
void kh_timeline_trace(struct keelhost *kh, int kind, uint32_t a, uint32_t b, uint64_t c);
int kh_timeline_write(struct keelhost *kh);       /* after kh_loop */
void kh_timeline_close(struct keelhost *kh);

/* loop.c */
uint64_t kh_mono_ns(void);
uint64_t kh_now(struct keelhost *kh);             /* host time (0 before ready) */
void kh_transition(struct keelhost *kh, enum kh_event ev);
int kh_loop(struct keelhost *kh);                 /* until QEMU leaves or a signal */
extern volatile int kh_stop_signal;

/* msglog.c */
void kh_log(struct keelhost *kh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void kh_log_guest_post(struct keelhost *kh, uint64_t in_gpa, uint64_t result);
void kh_log_host_deliver(struct keelhost *kh);
void kh_log_trace(struct keelhost *kh, int kind, uint32_t a, uint32_t b, uint64_t c);

#endif

/*
 * keel-host's real-time event loop around the host library (host/host.h:
 * event driven, no threads; here driven by poll() instead of keelsim's
 * seeded scheduler).
 *
 * One iteration:
 *   1. poll() the listening socket (QEMU connects once), the connection
 *      (hang-up = QEMU exited), the doorbell eventfd (the guest rang), the
 *      TAP (--nic tap=NAME, keelhost/tap.c; only while the network device
 *      takes frames), with a timeout to the next host timed event, scenario
 *      action, watchdog or built-in peer timer (--nic peer, keelhost/peer.c);
 *   2. answer a pending mailbox request (include/keelhost/mailbox.h): the
 *      guest spins on it with interrupts off, so it goes first, and again
 *      between host work items;
 *   3. due scenario actions, then every ready host work item, then the
 *      built-in peer's timers and the frames it has for the guest.
 *
 * Host -> guest interrupts: raise_irq sets the vector's bit in the mailbox
 * and kicks the guest's eventfd, but only once the guest said READY (kicks
 * before MSI-X is on are lost; bits raised earlier go out with the first
 * kick).
 *
 * Lost-EOM watchdog: the guest and keel-host really run at once, so the
 * host library can see the SynIC slot full, set MessagePending and wait for
 * an EOM while the guest, having just emptied the slot, has already looked
 * at the flag (docs/protocols/vmbus.md §2.4: the hypervisor re-checks on its own).
 * When messages wait, the slot has been empty for KH_EOM_NUDGE_NS and no
 * EOM came, keel-host delivers the EOM itself, and counts it.
 */
#define _GNU_SOURCE 1

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "include/hyperv/hv_wire.h"
#include "keelhost/keelhost.h"

#define KH_EOM_NUDGE_NS   2000000ull      /* 2 ms */
#define KH_MAX_RUNS       256             /* host items between mailbox checks */

volatile int kh_stop_signal;

uint64_t kh_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t kh_now(struct keelhost *kh)
{
	return kh->epoch_ns ? kh_mono_ns() - kh->epoch_ns : 0;
}

static const char *const state_names[] = {
	[KH_WAIT_QEMU] = "waiting for QEMU", [KH_WAIT_READY] = "waiting for the guest",
	[KH_SERVING] = "serving", [KH_DONE] = "done",
};

/* The state diagram is in keelhost.h. */
void kh_transition(struct keelhost *kh, enum kh_event ev)
{
	enum kh_state old = kh->state, next = old;

	switch (old) {
	case KH_WAIT_QEMU:
		next = ev == KE_CONNECT ? KH_WAIT_READY : ev == KE_SIGNAL ? KH_DONE : old;
		break;
	case KH_WAIT_READY:
		next = ev == KE_READY ? KH_SERVING : ev == KE_CONNECT ? old : KH_DONE;
		break;
	case KH_SERVING:
		next = ev == KE_HANGUP || ev == KE_SIGNAL ? KH_DONE : old;
		break;
	case KH_DONE:
		break;
	default:
		kh_log(kh, "keel-host: BUG: state %d", (int)old);
		next = KH_DONE;
		break;
	}
	if (next == KH_SERVING && !kh->epoch_ns) {
		kh->epoch_ns = kh_mono_ns();
		kh->ready_wall_ns = kh->epoch_ns - kh->start_ns;
	}
	if (next != old && kh->verbose)
		kh_log(kh, "keel-host: %s -> %s", state_names[old], state_names[next]);
	kh->state = next;
}

/* ---- the host library's environment ---- */

static void *env_gmem(void *ctx, uint64_t gpa, size_t len)
{
	return kh_ram_ptr(ctx, gpa, len);
}

static uint64_t env_now(void *ctx)
{
	return kh_now(ctx);
}

static void env_raise_irq(void *ctx, int vector)
{
	struct keelhost *kh = ctx;

	if (vector < 0 || vector > 255)
		return;
	__atomic_fetch_or(&kh->mb->irq_pending[vector / 64], 1ull << (vector % 64),
			  __ATOMIC_SEQ_CST);
	if (kh->state == KH_SERVING)
		kh_server_kick(kh);
}

static uint64_t env_rand(void *ctx)
{
	static uint64_t x = 0x9E3779B97F4A7C15ull;

	(void)ctx;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

static void env_trace(void *ctx, int kind, uint32_t a, uint32_t b, uint64_t c)
{
	kh_log_trace(ctx, kind, a, b, c);
	kh_timeline_trace(ctx, kind, a, b, c);
}

/* Integration-service exchanges, decoded; heartbeats only with -v. */
static void env_log(void *ctx, int detail, const char *line)
{
	struct keelhost *kh = ctx;

	if (detail <= kh->verbose)
		kh_log(kh, "%s", line);
}

/* The time-sync device sends the real clock (docs/protocols/ic.md "Time sync"). */
static uint64_t env_wall_ns(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

const struct host_env *kh_host_env(struct keelhost *kh)
{
	static struct host_env env = {
		.gmem = env_gmem, .now_ns = env_now, .raise_irq = env_raise_irq,
		.rand = env_rand, .trace = env_trace, .log = env_log, .wall_ns = env_wall_ns,
	};

	env.ctx = kh;
	return &env;
}

/* ---- mailbox requests ---- */

/* One handler per op (include/keelhost/mailbox.h enum kh_op): status out. */
typedef int (*kh_op_fn)(struct keelhost *kh, const uint64_t *arg, uint64_t *val);

static int op_ready(struct keelhost *kh, const uint64_t *arg, uint64_t *val)
{
	(void)val;
	if (arg[1] != KH_READY_MAGIC)
		return KH_EBADOP;
	kh_transition(kh, KE_READY);
	kh_log(kh, "keel-host: guest ready (apic %llu, vector 0x%llx): transport up",
	       (unsigned long long)arg[0], (unsigned long long)arg[2]);
	return KH_OK;
}

/* A round trip; arg1 != 0 also asks for a bare kick (the guest's interrupt
 * test: no vector bit, so no handler runs). */
static int op_ping(struct keelhost *kh, const uint64_t *arg, uint64_t *val)
{
	val[0] = arg[0];
	if (arg[1])
		kh_server_kick(kh);
	return KH_OK;
}

static int op_cpuid(struct keelhost *kh, const uint64_t *arg, uint64_t *val)
{
	uint32_t out[4];

	host_cpuid(kh->h, (uint32_t)arg[0], (uint32_t)arg[1], out);
	for (int i = 0; i < 4; i++)
		val[i] = out[i];
	return KH_OK;
}

static int op_rdmsr(struct keelhost *kh, const uint64_t *arg, uint64_t *val)
{
	val[0] = host_rdmsr(kh->h, (uint32_t)arg[0]);
	return KH_OK;
}

static int op_wrmsr(struct keelhost *kh, const uint64_t *arg, uint64_t *val)
{
	(void)val;
	/* the message log reads host->guest messages back from the SIMP slot */
	if ((uint32_t)arg[0] == HV_MSR_SIMP)
		kh->simp_gpa = arg[1] & HV_SYNIC_PAGE_ENABLE ? arg[1] & ~0xFFFull : 0;
	host_wrmsr(kh->h, (uint32_t)arg[0], arg[1]);
	return KH_OK;
}

static int op_hypercall(struct keelhost *kh, const uint64_t *arg, uint64_t *val)
{
	val[0] = host_hypercall(kh->h, arg[0], arg[1], arg[2]);
	if ((arg[0] & 0xFFFF) == HVCALL_POST_MESSAGE && !(arg[0] & HV_HYPERCALL_FAST))
		kh_log_guest_post(kh, arg[1], val[0]);
	return KH_OK;
}

/* Device MMIO (a vPCI config window, BARs): the host library's device that
 * claimed the address answers (host/host_mmio.c). Sizes other than 1, 2, 4
 * and 8 are refused; the address is the library's to check. */
static bool mmio_size_ok(uint64_t size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

static int op_mmio_read(struct keelhost *kh, const uint64_t *arg, uint64_t *val)
{
	if (!mmio_size_ok(arg[1]))
		return KH_EBADOP;
	val[0] = host_mmio_read(kh->h, arg[0], (unsigned)arg[1]);
	return KH_OK;
}

static int op_mmio_write(struct keelhost *kh, const uint64_t *arg, uint64_t *val)
{
	(void)val;
	if (!mmio_size_ok(arg[1]))
		return KH_EBADOP;
	host_mmio_write(kh->h, arg[0], (unsigned)arg[1], arg[2]);
	return KH_OK;
}

static const kh_op_fn kh_ops[KH_OP_COUNT] = {
	[KH_OP_READY] = op_ready, [KH_OP_CPUID] = op_cpuid, [KH_OP_RDMSR] = op_rdmsr,
	[KH_OP_WRMSR] = op_wrmsr, [KH_OP_HYPERCALL] = op_hypercall, [KH_OP_PING] = op_ping,
	[KH_OP_MMIO_READ] = op_mmio_read, [KH_OP_MMIO_WRITE] = op_mmio_write,
};

/* Copy the request out (the guest owns it), run it, publish the answer. */
static void serve_mailbox(struct keelhost *kh)
{
	struct keelhost_mailbox *mb = kh->mb;
	uint64_t seq = __atomic_load_n(&mb->req_seq, __ATOMIC_ACQUIRE), arg[4], val[4] = { 0 };
	uint32_t op;
	int st;

	if (seq == mb->resp_seq)
		return;
	kh_timeline_request(kh, seq);
	op = mb->req_op;
	memcpy(arg, (const void *)mb->req_arg, sizeof(arg));
	if (op < KH_OP_COUNT && kh_ops[op]) {
		kh->req_count[op]++;
		st = kh_ops[op](kh, arg, val);
	} else {
		kh_log(kh, "keel-host: unknown mailbox op %u: refused", op);
		st = KH_EBADOP;
	}
	memcpy(mb->resp_val, val, sizeof(val));
	mb->resp_status = (uint32_t)st;
	__atomic_store_n(&mb->resp_seq, seq, __ATOMIC_RELEASE);
	/* the first kick carries interrupts raised before READY */
	if (op == KH_OP_READY && st == KH_OK &&
	    (mb->irq_pending[0] | mb->irq_pending[1] | mb->irq_pending[2] | mb->irq_pending[3]))
		kh_server_kick(kh);
}

/* ---- host work ---- */

static void eom_watchdog(struct keelhost *kh)
{
	const uint32_t *type;

	if (!kh->simp_gpa || !host_pending_host_msgs(kh->h)) {
		kh->slot_empty_since = 0;
		return;
	}
	type = kh_ram_ptr(kh, kh->simp_gpa + HV_VMBUS_SINT * sizeof(struct hv_message), 4);
	if (!type || __atomic_load_n(type, __ATOMIC_ACQUIRE) != 0) {
		kh->slot_empty_since = 0;
		return;
	}
	if (!kh->slot_empty_since) {
		kh->slot_empty_since = kh_mono_ns();
		return;
	}
	if (kh_mono_ns() - kh->slot_empty_since < KH_EOM_NUDGE_NS)
		return;
	kh->slot_empty_since = 0;
	kh->eom_nudges++;
	if (kh->verbose)
		kh_log(kh, "keel-host: slot empty with %u message(s) waiting and no EOM: "
		       "retrying delivery", host_pending_host_msgs(kh->h));
	host_wrmsr(kh->h, HV_MSR_EOM, 0);
}

static void run_host(struct keelhost *kh)
{
	struct host_work w[64];
	int runs = 0, n;

	kh_run_actions(kh, kh_now(kh));
	while (runs < KH_MAX_RUNS * 16 && (n = host_ready(kh->h, w, 64)) > 0) {
		for (int i = 0; i < n; i++) {
			host_run(kh->h, &w[i]);
			kh->host_runs++;
			if (++runs % KH_MAX_RUNS == 0)
				serve_mailbox(kh);
		}
		serve_mailbox(kh);
	}
	eom_watchdog(kh);
	kh_stall_watch(kh);
	if (host_violation(kh->h) && !kh->violation_logged) {
		char recent[2048];

		kh->violation_logged = true;
		host_recent_guest_msgs(kh->h, recent, sizeof(recent));
		kh_log(kh, "keel-host: HOST-SIDE VIOLATION: %s\n recent guest messages:\n%s",
		       host_violation(kh->h), recent);
	}
}

/* poll() timeout in ms: the next host event, scenario action or watchdog. */
static int next_timeout(struct keelhost *kh)
{
	uint64_t now = kh_now(kh), t = 0, cand[2];
	struct host_work w[1];
	int ms;

	if (kh->state != KH_SERVING)
		return 1000;
	if (kh->busy_poll || host_ready(kh->h, w, 1) > 0)
		return 0;                       /* run_host stopped early: go on */
	cand[0] = host_next_deadline(kh->h);
	cand[1] = kh_next_action(kh);
	for (int i = 0; i < 2; i++)
		if (cand[i] && (!t || cand[i] < t))
			t = cand[i];
	if (host_pending_host_msgs(kh->h))
		t = t && t < now + KH_EOM_NUDGE_NS ? t : now + KH_EOM_NUDGE_NS;
	if (!t)
		ms = 1000;
	else if (t <= now)
		return 0;
	else
		ms = (int)((t - now + 999999) / 1000000);
	ms = ms > 1000 ? 1000 : ms;
	return ms < kh_peer_timeout_ms(kh) ? ms : kh_peer_timeout_ms(kh);
}

int kh_loop(struct keelhost *kh)
{
	for (;;) {
		struct pollfd p[4];
		int np = 0, r, tap = -1, ctl, nctl;

		if (kh_stop_signal) {
			kh_log(kh, "keel-host: signal %d: stopping", kh_stop_signal);
			kh_transition(kh, KE_SIGNAL);
		}
		if (kh->state == KH_DONE)
			return 0;
		p[np++] = (struct pollfd){ .fd = kh->conn_fd >= 0 ? kh->conn_fd : kh->listen_fd,
					   .events = POLLIN };
		if (kh->host_efd >= 0)
			p[np++] = (struct pollfd){ .fd = kh->host_efd, .events = POLLIN };
		if (kh_tap_wants_input(kh)) {
			tap = np;
			p[np++] = (struct pollfd){ .fd = kh->tap_fd, .events = POLLIN };
		}
		ctl = np;
		nctl = kh_control_pollfds(kh, &p[np]);
		np += nctl;
		r = poll(p, (nfds_t)np, next_timeout(kh));
		if (r < 0 && errno != EINTR) {
			kh_log(kh, "keel-host: poll: %s", strerror(errno));
			return -1;
		}
		if (r > 0 && p[0].revents) {
			if (kh->conn_fd < 0) {
				if (kh_server_accept(kh) == 0) {
					kh->connect_ns = kh_mono_ns();
					kh_transition(kh, KE_CONNECT);
				}
			} else if (p[0].revents & (POLLHUP | POLLERR | POLLIN)) {
				char c;

				/* QEMU never sends; readable means end of file */
				if (!(p[0].revents & POLLIN) || read(kh->conn_fd, &c, 1) <= 0) {
					kh_log(kh, "keel-host: QEMU disconnected (guest powered off "
					       "or QEMU stopped)");
					kh_transition(kh, KE_HANGUP);
					continue;
				}
			}
		}
		if (kh->host_efd >= 0 && np > 1 && (p[1].revents & POLLIN)) {
			uint64_t v;

			if (read(kh->host_efd, &v, sizeof(v)) == sizeof(v))
				kh->doorbells += v;
		}
		if (!kh->h)
			continue;
		serve_mailbox(kh);
		if (tap >= 0 && r > 0 && (p[tap].revents & POLLIN))
			kh_tap_input(kh);
		kh_control_serve(kh, &p[ctl], r > 0 ? nctl : 0);
		run_host(kh);
		kh_peer_service(kh);
	}
}

/*
 * keel-host's transport without QEMU: this program plays QEMU's ivshmem
 * device and a minimal guest against a running keel-host, so the server
 * protocol (QEMU docs/specs/ivshmem-spec.txt; docs/protocols/keelhost-transport.md "The server
 * side") and the mailbox (include/keelhost/mailbox.h) are checked in
 * milliseconds and fail with a precise reason.
 *
 *   keelhost-protocol SOCK [ROUNDS]
 *
 * Checks, in order: the server's messages (version 0, our id, -1 with the
 * shared memory, peer 0 with its doorbell eventfd, our id with our vector
 * eventfd); the mailbox header; READY; ROUNDS pings (round-trip times
 * printed as a bench row); a ping that asks for a kick arrives on our
 * eventfd; CPUID 0x40000000 says "Microsoft Hv"; an unknown op is refused;
 * a hypercall with its input outside guest RAM is answered with a failure
 * status, not a crash; 3000 random requests (random synthetic MSRs, random
 * hypercalls into guest RAM: a hostile guest) are all answered. Prints `PASS name` / `FAIL name: why` lines; exits 1
 * on any failure.
 */
#define _GNU_SOURCE 1

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "include/hyperv/hv_wire.h"
#include "include/keelhost/mailbox.h"

static int fails;
static struct keelhost_mailbox *mb;
static int doorbell_fd = -1, vector_fd = -1;
static uint64_t seq;

static void result(const char *name, const char *why)
{
	if (why) {
		printf("FAIL keelhost/protocol-%s: %s\n", name, why);
		fails++;
	} else {
		printf("PASS keelhost/protocol-%s\n", name);
	}
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* One 8-byte message and maybe a file descriptor. */
static int recv_msg(int s, int64_t *v, int *fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = v, .iov_len = sizeof(*v) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;

	*fd = -1;
	if (recvmsg(s, &m, MSG_WAITALL) != (ssize_t)sizeof(*v))
		return -1;
	for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(fd, CMSG_DATA(c), sizeof(int));
	return 0;
}

/* The guest side of a request: as platform_ivshmem.c does it. */
static int request(uint32_t op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t *val)
{
	uint64_t one = 1, t0 = now_ns();

	mb->req_op = op;
	mb->req_arg[0] = a0;
	mb->req_arg[1] = a1;
	mb->req_arg[2] = a2;
	mb->req_arg[3] = 0;
	__atomic_store_n(&mb->req_seq, ++seq, __ATOMIC_RELEASE);
	if (write(doorbell_fd, &one, sizeof(one)) != sizeof(one))
		return -EIO;
	while (__atomic_load_n(&mb->resp_seq, __ATOMIC_ACQUIRE) != seq) {
		uint64_t dt = now_ns() - t0;

		if (dt > 2000000000ull)
			return -ETIMEDOUT;
		if (dt > 1000000)               /* spin 1 ms (as the guest does), then sleep */
			usleep(100);
		else
			__builtin_ia32_pause();
	}
	if (val)
		memcpy(val, (const void *)mb->resp_val, sizeof(mb->resp_val));
	return (int)mb->resp_status;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static const int64_t want[] = { 0, KH_GUEST_PEER, -1, KH_HOST_PEER, KH_GUEST_PEER };
	int s, shm_fd = -1, rounds = argc > 2 ? atoi(argv[2]) : 1000;
	uint64_t val[4], *rtt;
	char why[160];

	if (argc < 2 || rounds < 1) {
		fprintf(stderr, "usage: keelhost-protocol SOCK [ROUNDS]\n");
		return 2;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		result("connect", strerror(errno));
		return 1;
	}
	/* ---- the server's five messages ---- */
	why[0] = 0;
	for (int i = 0; i < 5 && !why[0]; i++) {
		int64_t v;
		int fd;

		if (recv_msg(s, &v, &fd) < 0)
			snprintf(why, sizeof(why), "message %d missing", i + 1);
		else if (v != want[i])
			snprintf(why, sizeof(why), "message %d is %lld, expected %lld", i + 1,
				 (long long)v, (long long)want[i]);
		else if ((i >= 2) != (fd >= 0))
			snprintf(why, sizeof(why), "message %d: file descriptor %s", i + 1,
				 fd >= 0 ? "unexpected" : "missing");
		if (i == 2)
			shm_fd = fd;
		else if (i == 3)
			doorbell_fd = fd;
		else if (i == 4)
			vector_fd = fd;
	}
	result("handshake", why[0] ? why : NULL);
	if (why[0])
		return 1;
	mb = mmap(NULL, KH_SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, shm_fd, 0);
	result("mailbox", mb == MAP_FAILED ? "cannot map the shared memory" :
		mb->magic != KH_MAGIC || mb->version != KH_VERSION ? "bad magic or version" :
		mb->host_peer != KH_HOST_PEER ? "bad host peer" : NULL);
	if (mb == MAP_FAILED)
		return 1;
	seq = mb->req_seq;
	result("ready", request(KH_OP_READY, 0, KH_READY_MAGIC, KH_GUEST_VECTOR, NULL) != KH_OK ?
		"READY not accepted" : NULL);

	/* ---- round trips ---- */
	rtt = calloc((size_t)rounds, sizeof(*rtt));
	why[0] = 0;
	for (int i = 0; i < rounds && !why[0]; i++) {
		uint64_t t0 = now_ns();

		if (request(KH_OP_PING, (uint64_t)i * 3, 0, 0, val) != KH_OK || val[0] != (uint64_t)i * 3)
			snprintf(why, sizeof(why), "ping %d not echoed", i);
		rtt[i] = now_ns() - t0;
	}
	result("ping", why[0] ? why : NULL);
	qsort(rtt, (size_t)rounds, sizeof(*rtt), cmp_u64);
	printf("bench-keelhost host-rtt     %6llu us  eventfd doorbell -> keel-host answer, no QEMU "
	       "(median of %d; min %llu us, max %llu us)\n",
	       (unsigned long long)(rtt[rounds / 2] / 1000), rounds,
	       (unsigned long long)(rtt[0] / 1000), (unsigned long long)(rtt[rounds - 1] / 1000));
	free(rtt);

	/* ---- a kick arrives on our vector eventfd ---- */
	{
		struct pollfd p = { .fd = vector_fd, .events = POLLIN };
		uint64_t n;

		while (read(vector_fd, &n, sizeof(n)) == sizeof(n))
			;                       /* nothing should be there; drain anyway */
		request(KH_OP_PING, 0, 1, 0, NULL);
		result("kick", poll(&p, 1, 1000) == 1 ? NULL : "no kick within 1 s");
	}

	/* ---- host-library requests ---- */
	request(KH_OP_CPUID, HV_CPUID_VENDOR_AND_MAX, 0, 0, val);
	result("cpuid", val[1] == HV_CPUID_VENDOR_EBX && val[2] == HV_CPUID_VENDOR_ECX &&
		val[3] == HV_CPUID_VENDOR_EDX ? NULL : "leaf 0x40000000 is not \"Microsoft Hv\"");
	result("bad-op", request(KH_OP_COUNT + 7, 0, 0, 0, NULL) == KH_EBADOP ? NULL :
		"an unknown op was not refused");
	memset(val, 0, sizeof(val));
	result("hypercall-outside-ram",
	       request(KH_OP_HYPERCALL, HVCALL_POST_MESSAGE, 0xFFFFFFFF000ull, 0, val) == KH_OK &&
	       (val[0] & 0xFFFF) != HV_STATUS_SUCCESS ? NULL :
	       "a PostMessage from outside guest RAM was not refused");

	/* ---- hostile guest: random requests, every one must be answered ---- */
	{
		uint64_t x = 0x4B45454C484F5354ull;     /* fixed seed: a failure replays */
		int bad = -1;

		for (int i = 0; i < 3000 && bad < 0; i++) {
			uint64_t a[3];
			uint32_t op;

			for (int k = 0; k < 3; k++) {
				x ^= x << 13, x ^= x >> 7, x ^= x << 17;
				a[k] = x;
			}
			op = 1 + (uint32_t)(a[0] % (KH_OP_COUNT + 1));   /* incl. one unknown op */
			if (op == KH_OP_READY)
				op = KH_OP_PING;
			/* synthetic MSRs and small GPAs: into guest RAM, where it hurts */
			if (op == KH_OP_RDMSR || op == KH_OP_WRMSR)
				a[0] = 0x40000000u + (a[0] & 0xFF);
			if (op == KH_OP_HYPERCALL) {
				a[0] = (a[0] & 0x3FFFF) | 0x5C;
				a[1] &= 0x3FFFFFF;
				a[2] &= 0x3FFFFFF;
			}
			if (op == KH_OP_PING)
				a[1] = 0;
			if (request(op, a[0], a[1], a[2], NULL) < 0)
				bad = i;
		}
		snprintf(why, sizeof(why), "request %d of 3000 not answered", bad);
		result("fuzz", bad < 0 ? NULL : why);
	}
	close(s);
	return fails ? 1 : 0;
}

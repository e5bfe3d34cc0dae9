/*
 * The ivshmem server side of QEMU's protocol (QEMU docs/specs/ivshmem-spec.txt
 * "The ivshmem Client-Server Protocol"; docs/protocols/keelhost-transport.md
 * "The server side"). Debian ships no ivshmem-server, so keel-host plays it
 * for exactly one client, QEMU's ivshmem-doorbell device:
 *
 *   over the Unix socket, 8-byte little-endian integers, a file descriptor
 *   as SCM_RIGHTS where noted:
 *     0                      protocol version
 *     KH_GUEST_PEER          the client's own id
 *     -1   + shm memfd       the shared region (BAR2): our mailbox
 *     KH_HOST_PEER + efd     "peer 0 is connected": vector 0 of peer 0, the
 *                            eventfd QEMU writes when the guest rings
 *                            (host_peer << 16 | 0)
 *     KH_GUEST_PEER + efd    interrupt setup: vector 0 of the guest, the
 *                            eventfd we write to raise its MSI-X entry 0
 *
 * The memfd holds the mailbox header before QEMU connects, so the guest
 * finds it whenever it looks.
 */
#define _GNU_SOURCE 1

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "host/vpci_host.h"
#include "keelhost/keelhost.h"

static int send_msg(int fd, int64_t v, int pass_fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = &v, .iov_len = sizeof(v) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	/* x86-64 is little-endian: the integer goes as it is. */
	if (pass_fd >= 0) {
		struct cmsghdr *c;

		memset(&u, 0, sizeof(u));
		m.msg_control = u.buf;
		m.msg_controllen = sizeof(u.buf);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
	}
	if (sendmsg(fd, &m, MSG_NOSIGNAL) != (ssize_t)sizeof(v))
		return -errno;
	return 0;
}

int kh_server_init(struct keelhost *kh)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct keelhost_mailbox *mb;
	int rc;

	kh->conn_fd = kh->host_efd = kh->guest_efd = -1;
	kh->shm_fd = memfd_create("keel-host-mailbox", MFD_CLOEXEC);
	if (kh->shm_fd < 0 || ftruncate(kh->shm_fd, KH_SHM_SIZE) < 0) {
		rc = -errno;
		perror("keel-host: memfd");
		goto fail;
	}
	mb = mmap(NULL, KH_SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, kh->shm_fd, 0);
	if (mb == MAP_FAILED) {
		rc = -errno;
		perror("keel-host: mmap memfd");
		goto fail;
	}
	kh->mb = mb;
	mb->version = KH_VERSION;
	mb->size = KH_SHM_SIZE;
	mb->host_peer = KH_HOST_PEER;
	mb->guest_peer = KH_GUEST_PEER;
	/* the high gap, and the low gap above the simulated host's framebuffer
	 * reservation (half of the low gap, docs/protocols/vpci.md §7.3): the
	 * guest's own framebuffer is QEMU's, elsewhere */
	mb->mmio[0].base = VH_HIGH_GAP_BASE;
	mb->mmio[0].size = VH_HIGH_GAP_SIZE;
	mb->mmio[1].base = VH_LOW_GAP_BASE + VH_LOW_GAP_SIZE / 2;
	mb->mmio[1].size = VH_LOW_GAP_SIZE / 2;
	__atomic_store_n(&mb->magic, KH_MAGIC, __ATOMIC_RELEASE);

	if (strlen(kh->sock_path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "keel-host: socket path too long: %s\n", kh->sock_path);
		rc = -ENAMETOOLONG;
		goto fail;
	}
	strcpy(sa.sun_path, kh->sock_path);
	unlink(kh->sock_path);
	kh->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (kh->listen_fd < 0 || bind(kh->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(kh->listen_fd, 1) < 0) {
		rc = -errno;
		fprintf(stderr, "keel-host: listen on %s: %s\n", kh->sock_path, strerror(errno));
		goto fail;
	}
	return 0;
fail:
	kh_server_fini(kh);
	return rc;
}

int kh_server_accept(struct keelhost *kh)
{
	int fd = accept4(kh->listen_fd, NULL, NULL, SOCK_CLOEXEC), rc;

	if (fd < 0)
		return -errno;
	if (kh->conn_fd >= 0) {
		kh_log(kh, "keel-host: a second ivshmem client refused (one guest per keel-host)");
		close(fd);
		return -EBUSY;
	}
	kh->host_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	kh->guest_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (kh->host_efd < 0 || kh->guest_efd < 0) {
		rc = -errno;
		goto fail;
	}
	if ((rc = send_msg(fd, 0, -1)) < 0 ||                        /* version */
	    (rc = send_msg(fd, KH_GUEST_PEER, -1)) < 0 ||            /* its id */
	    (rc = send_msg(fd, -1, kh->shm_fd)) < 0 ||               /* shared memory */
	    (rc = send_msg(fd, KH_HOST_PEER, kh->host_efd)) < 0 ||   /* peer 0, vector 0 */
	    (rc = send_msg(fd, KH_GUEST_PEER, kh->guest_efd)) < 0)   /* own vector 0 */
		goto fail;
	kh->conn_fd = fd;
	kh_log(kh, "keel-host: QEMU connected (ivshmem peer %u, 1 vector)", KH_GUEST_PEER);
	return 0;
fail:
	fprintf(stderr, "keel-host: ivshmem handshake failed: %s\n", strerror(-rc));
	close(fd);
	if (kh->host_efd >= 0)
		close(kh->host_efd);
	if (kh->guest_efd >= 0)
		close(kh->guest_efd);
	kh->host_efd = kh->guest_efd = -1;
	return rc;
}

void kh_server_kick(struct keelhost *kh)
{
	uint64_t one = 1;

	if (kh->guest_efd < 0)
		return;
	kh->kicks++;
	kh->mb->irq_kicks++;
	/* EAGAIN: the counter is saturated, the guest has a kick pending anyway */
	if (write(kh->guest_efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		kh_log(kh, "keel-host: kick failed: %s", strerror(errno));
}

void kh_server_fini(struct keelhost *kh)
{
	if (kh->conn_fd >= 0)
		close(kh->conn_fd);
	if (kh->host_efd >= 0)
		close(kh->host_efd);
	if (kh->guest_efd >= 0)
		close(kh->guest_efd);
	if (kh->listen_fd >= 0) {
		close(kh->listen_fd);
		unlink(kh->sock_path);
	}
	if (kh->mb)
		munmap(kh->mb, KH_SHM_SIZE);
	if (kh->shm_fd >= 0)
		close(kh->shm_fd);
	kh->conn_fd = kh->host_efd = kh->guest_efd = kh->listen_fd = kh->shm_fd = -1;
	kh->mb = NULL;
}

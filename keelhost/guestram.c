/*
 * Guest RAM as keel-host sees it: the file QEMU's memory backend uses
 * (`-object memory-backend-file,mem-path=FILE,share=on` + `-machine
 * memory-backend=...`). keel-host creates it at the guest's size before
 * QEMU starts and maps it shared; file offset == guest-physical address for
 * all RAM while the guest has less than about 2.75 GiB (docs/protocols/keelhost-transport.md
 * "What works"). Every host access goes through kh_ram_ptr, which refuses
 * what is not RAM: guest-provided GPAs are untrusted.
 */
#define _GNU_SOURCE 1

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "keelhost/keelhost.h"

#define KH_RAM_MAX (2ull << 30)         /* keep below q35's PCI hole */

int kh_ram_open(struct keelhost *kh)
{
	int fd, rc;

	if (kh->ram_size == 0 || kh->ram_size > KH_RAM_MAX || (kh->ram_size & 0xFFFFF)) {
		fprintf(stderr, "keel-host: guest RAM size must be a multiple of 1 MiB up to "
			"2 GiB (one-to-one file offsets)\n");
		return -EINVAL;
	}
	/* Created here (and removed at exit) unless the caller made it. */
	fd = open(kh->ram_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0)
		kh->ram_created = true;
	else if (errno == EEXIST)
		fd = open(kh->ram_path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		fprintf(stderr, "keel-host: %s: %s\n", kh->ram_path, strerror(errno));
		return rc;
	}
	if (ftruncate(fd, (off_t)kh->ram_size) < 0) {
		rc = -errno;
		fprintf(stderr, "keel-host: size %s: %s\n", kh->ram_path, strerror(errno));
		goto fail;
	}
	kh->ram = mmap(NULL, kh->ram_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (kh->ram == MAP_FAILED) {
		rc = -errno;
		kh->ram = NULL;
		perror("keel-host: mmap guest RAM");
		goto fail;
	}
	close(fd);
	return 0;
fail:
	close(fd);
	return rc;
}

void *kh_ram_ptr(struct keelhost *kh, uint64_t gpa, size_t len)
{
	if (!kh->ram || gpa >= kh->ram_size || len > kh->ram_size - gpa)
		return NULL;
	return kh->ram + gpa;
}

void kh_ram_close(struct keelhost *kh)
{
	if (kh->ram)
		munmap(kh->ram, kh->ram_size);
	kh->ram = NULL;
	if (kh->ram_created)
		unlink(kh->ram_path);
}

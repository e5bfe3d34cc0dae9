/*
 * LUN backing stores for the simulated storage host (see host/backing.h):
 * a raw image file through pread/pwrite with an fsync policy, zeroed
 * memory, or a memory snapshot of an image file.
 *
 * Durability rule: backing_write returns only after the
 * data is in the file (pwrite done; fdatasync too when the policy or FUA
 * asks), and the storage host sends the write's completion only after
 * backing_write returned 0.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/backing.h"

struct backing {
	int fd;                     /* -1 for memory */
	uint8_t *mem;               /* memory and snapshot stores */
	uint64_t size;
	bool read_only;
	enum backing_sync sync;
	struct backing_stats st;
};

static int backing_alloc(struct backing **out, uint64_t size)
{
	struct backing *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	b->fd = -1;
	b->size = size;
	*out = b;
	return 0;
}

int backing_check_file(const char *path)
{
	struct stat sb;
	int fd = open(path, O_RDONLY), r = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) < 0)
		r = -errno;
	else if (S_ISDIR(sb.st_mode))
		r = -EISDIR;
	else if (!S_ISREG(sb.st_mode) || sb.st_size <= 0)
		r = -EINVAL;                    /* what backing_open_file refuses */
	close(fd);
	return r;
}

int backing_open_file(struct backing **out, const char *path, bool read_only,
		      enum backing_sync sync)
{
	struct backing *b = NULL;
	struct stat sb;
	int fd, r;

	fd = open(path, read_only ? O_RDONLY : O_RDWR);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size <= 0) {
		r = -EINVAL;
		goto fail;
	}
	r = backing_alloc(&b, (uint64_t)sb.st_size);
	if (r < 0)
		goto fail;
	b->fd = fd;
	b->read_only = read_only;
	b->sync = sync;
	*out = b;
	return 0;
fail:
	close(fd);
	return r;
}

int backing_open_mem(struct backing **out, uint64_t size)
{
	struct backing *b;
	int r;

	if (size == 0 || size > (1ull << 40))
		return -EINVAL;
	r = backing_alloc(&b, size);
	if (r < 0)
		return r;
	/* calloc of a large block maps fresh zero pages lazily: cheap per seed. */
	b->mem = calloc(1, size);
	if (!b->mem) {
		free(b);
		return -ENOMEM;
	}
	*out = b;
	return 0;
}

int backing_open_snapshot(struct backing **out, const char *path)
{
	struct backing *file = NULL, *b = NULL;
	int r;

	r = backing_open_file(&file, path, true, BACKING_SYNC_NONE);
	if (r < 0)
		return r;
	r = backing_open_mem(&b, file->size);
	if (r < 0)
		goto fail;
	r = backing_read(file, 0, b->mem, file->size);
	if (r < 0)
		goto fail;
	backing_close(file);
	*out = b;
	return 0;
fail:
	backing_close(b);
	backing_close(file);
	return r;
}

void backing_close(struct backing *b)
{
	if (!b)
		return;
	if (b->fd >= 0)
		close(b->fd);
	free(b->mem);
	free(b);
}

uint64_t backing_size(const struct backing *b)
{
	return b->size;
}

bool backing_read_only(const struct backing *b)
{
	return b->read_only;
}

static bool backing_range_ok(const struct backing *b, uint64_t off, uint64_t len)
{
	return off <= b->size && len <= b->size - off;
}

/* The whole range through pread or pwrite, retrying short transfers and
 * EINTR (a write's buffer is only read: the cast keeps one loop). */
static int backing_file_io(struct backing *b, bool write, uint8_t *p, size_t len,
			   uint64_t off)
{
	while (len) {
		ssize_t n = write ? pwrite(b->fd, p, len, (off_t)off)
				  : pread(b->fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

int backing_read(struct backing *b, uint64_t off, void *buf, size_t len)
{
	uint8_t *p = buf;

	if (!backing_range_ok(b, off, len))
		return -ERANGE;
	b->st.reads++;
	b->st.bytes_read += len;
	if (b->mem) {
		memcpy(buf, b->mem + off, len);
		return 0;
	}
	return backing_file_io(b, false, p, len, off);
}

static int backing_sync_file(struct backing *b)
{
	b->st.syncs++;
	return fdatasync(b->fd) < 0 ? -errno : 0;
}

int backing_write(struct backing *b, uint64_t off, const void *buf, size_t len, bool fua)
{
	const uint8_t *p = buf;
	int err;

	if (b->read_only)
		return -EROFS;
	if (!backing_range_ok(b, off, len))
		return -ERANGE;
	b->st.writes++;
	b->st.bytes_written += len;
	if (b->mem) {
		memcpy(b->mem + off, buf, len);
		return 0;
	}
	err = backing_file_io(b, true, (uint8_t *)p, len, off);
	if (err)
		return err;
	if (b->sync == BACKING_SYNC_ALWAYS || (fua && b->sync == BACKING_SYNC_FLUSH))
		return backing_sync_file(b);
	return 0;
}

int backing_flush(struct backing *b)
{
	b->st.flushes++;
	if (b->fd < 0 || b->sync == BACKING_SYNC_NONE || b->read_only)
		return 0;
	return backing_sync_file(b);
}

int backing_discard(struct backing *b, uint64_t off, uint64_t len)
{
	static const uint8_t zero[4096];

	if (b->read_only)
		return -EROFS;
	if (!backing_range_ok(b, off, len))
		return -ERANGE;
	b->st.discards++;
	if (b->mem) {
		memset(b->mem + off, 0, len);
		return 0;
	}
	/* Portable: write zeroes (a hole punch would need Linux-only fallocate). */
	while (len) {
		size_t n = len < sizeof(zero) ? (size_t)len : sizeof(zero);
		int r = backing_write(b, off, zero, n, false);

		if (r < 0)
			return r;
		off += n;
		len -= n;
	}
	return 0;
}

void backing_get_stats(const struct backing *b, struct backing_stats *st)
{
	*st = b->st;
}

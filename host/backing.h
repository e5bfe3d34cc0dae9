/*
 * A LUN's backing store for the simulated storage host: a raw image file
 * (pread/pwrite, with an fsync policy) or a block of host memory (optionally
 * loaded from an image: a snapshot whose writes never reach the file).
 *
 * The storage host calls backing_write before it acknowledges a write, so
 * an acknowledged write is in the file; the sync policy
 * says when it is also made durable (fdatasync).
 *
 * Host-only code (host/), used by host/scsi_disk.c. Single-threaded; the
 * calls block on the file, which is fine for a simulator: virtual time does
 * not move while they run.
 */
#ifndef KEEL_HOST_BACKING_H
#define KEEL_HOST_BACKING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* When a file-backed LUN calls fdatasync. */
enum backing_sync {
	BACKING_SYNC_FLUSH,     /* on SYNCHRONIZE CACHE and FUA writes (default) */
	BACKING_SYNC_ALWAYS,    /* after every write, before it is acknowledged */
	BACKING_SYNC_NONE,      /* never (page cache only; fastest) */
};

struct backing;

/* Whether path can be an image: 0 for a readable, non-empty regular file;
 * -errno from opening it, -EISDIR, or -EINVAL (empty, not a regular file).
 * Scenario parameters that name an image check it when they are set, so a
 * missing file is a scenario error, not a failure of every run. */
int backing_check_file(const char *path);
/* A raw image file, read-write unless read_only. The size is the file's. */
int backing_open_file(struct backing **out, const char *path, bool read_only,
		      enum backing_sync sync);
/* size bytes of zeroed memory. */
int backing_open_mem(struct backing **out, uint64_t size);
/* A memory copy of an image file: writes stay in memory. */
int backing_open_snapshot(struct backing **out, const char *path);
void backing_close(struct backing *b);

uint64_t backing_size(const struct backing *b);
bool backing_read_only(const struct backing *b);

/* Whole-range I/O; 0 or -errno (-ERANGE outside the store, -EIO short I/O). */
int backing_read(struct backing *b, uint64_t off, void *buf, size_t len);
/* fua: make this write durable before returning (file policy FLUSH). */
int backing_write(struct backing *b, uint64_t off, const void *buf, size_t len, bool fua);
int backing_flush(struct backing *b);
/* Deallocate: reads of the range return zeroes afterwards. */
int backing_discard(struct backing *b, uint64_t off, uint64_t len);

/* Counters (tests, traces). */
struct backing_stats {
	uint64_t reads, writes, bytes_read, bytes_written, flushes, syncs, discards;
};
void backing_get_stats(const struct backing *b, struct backing_stats *st);

#endif

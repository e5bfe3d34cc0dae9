/*
 * newlib's system layer for the bare-metal kernel (docs/protocols/toolchain.md "newlib for
 * the kernel": this target wants the plain names, only _exit keeps its
 * underscore). stdout and stderr go to the console; stdin has no input
 * (read returns 0, end of file); there are no files, so every other
 * descriptor is EBADF. Return values and errno follow POSIX.
 * assert() inside newlib (e.g. its dtoa code) ends in panic(); defining
 * __assert_func here also keeps newlib's stdio FILE printing (fiprintf and
 * friends, ~12 KiB) out of the image.
 */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <unistd.h>

#include "kernel/console.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/wallclock.h"
#include "kernel/x86/heap.h"

#define KEEL_PID 1

static int is_std_fd(int fd) { return fd >= 0 && fd <= 2; }

_READ_WRITE_RETURN_TYPE write(int fd, const void *buf, size_t len)
{
	if (fd != 1 && fd != 2) {
		errno = EBADF;
		return -1;
	}
	console_write(buf, len);
	return (_READ_WRITE_RETURN_TYPE)len;
}

_READ_WRITE_RETURN_TYPE read(int fd, void *buf, size_t len)
{
	(void)buf;
	(void)len;
	if (fd != 0) {
		errno = EBADF;
		return -1;
	}
	return 0;
}

int close(int fd)
{
	if (!is_std_fd(fd)) {
		errno = EBADF;
		return -1;
	}
	return 0;
}

int fstat(int fd, struct stat *st)
{
	if (!is_std_fd(fd)) {
		errno = EBADF;
		return -1;
	}
	*st = (struct stat){ .st_mode = S_IFCHR };
	return 0;
}

int isatty(int fd)
{
	if (!is_std_fd(fd)) {
		errno = EBADF;
		return 0;
	}
	return 1;
}

off_t lseek(int fd, off_t off, int whence)
{
	(void)off;
	(void)whence;
	errno = is_std_fd(fd) ? ESPIPE : EBADF;
	return -1;
}

void *sbrk(ptrdiff_t incr)
{
	void *p = heap_sbrk(incr);

	if (p == NULL) {
		errno = ENOMEM;
		return (void *)-1;
	}
	return p;
}

int kill(pid_t pid, int sig)
{
	(void)sig;
	/* abort() raises SIGABRT on us: refusing makes it fall back to _exit */
	errno = pid == KEEL_PID ? EINVAL : ESRCH;
	return -1;
}

pid_t getpid(void) { return KEEL_PID; }

/* time() and gettimeofday(): the wall clock the time-sync IC sets (UTC);
 * no time zones. */
int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	uint64_t ns = wallclock_now();

	(void)tz;
	if (tv) {
		tv->tv_sec = (time_t)(ns / 1000000000ull);
		tv->tv_usec = (suseconds_t)(ns / 1000ull % 1000000ull);
	}
	return 0;
}

void _exit(int status)
{
	klog(LOG_EMERG, "keel: exit(%d) called", status);
	kernel_stop();
}

void __assert_func(const char *file, int line, const char *func, const char *expr)
{
	panic("newlib assertion '%s' failed in %s at %s:%d", expr,
	      func ? func : "?", file, line);
}

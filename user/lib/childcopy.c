// SPDX-License-Identifier: GPL-2.0-only
#include "lib/childcopy.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (64 << 10)

/* What the copying process says, twice: the file before the copy, then after it. */
struct report {
	pid_t pid;
	int err;
	struct stat st;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* --- in the copying process: system calls only (a fork of a threaded process) ------ */

static bool put(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* A report; embargo gone (gave up), there is no one to copy for. */
static void say(struct report *r, int err)
{
	r->err = err;
	if (!put(2, r, sizeof(*r)))
		_exit(0);
}

static bool listened_to(void)
{
	struct pollfd p = { .fd = 2, .events = 0 };

	return poll(&p, 1, 0) == 0;	/* POLLERR: the reading end was closed */
}

/* "/proc/self/fd/0" without snprintf (not async-signal-safe). */
static int reopen_stdin(void)
{
	return open("/proc/self/fd/0", O_RDONLY | O_CLOEXEC | O_NONBLOCK);
}

/* fd 0: the file (O_PATH), fd 1: the memfd, fd 2: the report pipe; nothing else open. */
static void copy_here(uint64_t max_size)
{
	static char buf[CHUNK];
	struct report r = { .pid = getpid() };
	uint64_t off = 0, size;
	ssize_t n = 0;
	int in;

	if (fstat(0, &r.st))
		_exit((say(&r, -errno), 0));
	say(&r, 0);
	size = (uint64_t)r.st.st_size;
	if (!S_ISREG(r.st.st_mode) || size > max_size)
		_exit(0);
	in = reopen_stdin();
	if (in < 0)
		_exit((say(&r, -errno), 0));
	while (off < size &&
	       (n = pread(in, buf, size - off < CHUNK ? (size_t)(size - off) : CHUNK, (off_t)off)) > 0) {
		if (!put(1, buf, (size_t)n))
			_exit((say(&r, -EIO), 0));
		if (!listened_to())
			_exit(0);
		off += (uint64_t)n;
	}
	if (off < size)
		_exit((say(&r, n < 0 ? -errno : -ESTALE), 0));
	if (fstat(in, &r.st))
		_exit((say(&r, -errno), 0));
	say(&r, 0);
	_exit(0);
}

static void close_the_rest(void)
{
	if (syscall(SYS_close_range, 3U, ~0U, 0U))
		for (int fd = 3; fd < 4096; fd++)
			close(fd);
}

/*
 * The middle process exits at once, so the copying one is init's child: reaped whenever
 * it ends, never by us. It keeps only its three descriptors: stuck, it holds none of
 * embargo's (BPF links, sockets, spools).
 */
static void fork_copier(int fd, int memfd, int report, uint64_t max_size)
{
	pid_t pid = fork();

	if (pid)
		_exit(pid < 0);
	if (dup2(fd, 0) < 0 || dup2(memfd, 1) < 0 || dup2(report, 2) < 0)
		_exit(1);
	close_the_rest();
	copy_here(max_size);
}

/* --- in embargo ----------------------------------------------------------------------- */

/* One report, by deadline_ms: 0, -ETIMEDOUT, or -EIO (the copier died). */
static int hear(int fd, uint64_t deadline_ms, struct report *r)
{
	size_t got = 0;

	while (got < sizeof(*r)) {
		uint64_t now = now_ms();
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (now >= deadline_ms)
			return -ETIMEDOUT;
		if (poll(&p, 1, (int)(deadline_ms - now)) < 0 && errno != EINTR)
			return -errno;
		if (!p.revents)
			continue;
		n = read(fd, (char *)r + got, sizeof(*r) - got);
		if (n <= 0)
			return n < 0 && errno == EINTR ? 0 : -EIO;
		got += (size_t)n;
	}
	return 0;
}

static int hear_copy(int fd, uint64_t max_size, uint64_t deadline_ms, childcopy_want_fn want,
		     void *ctx, struct child_copy *out, pid_t *copier)
{
	struct report r;
	int err = hear(fd, deadline_ms, &r);

	if (err)
		return err;
	*copier = r.pid;
	if (r.err)
		return r.err;
	out->before = r.st;
	if (!S_ISREG(r.st.st_mode) || (uint64_t)r.st.st_size > max_size)
		return 1;	/* nothing copied */
	if (want && !want(ctx, &r.st))
		return 2;	/* not wanted: the copier stops when it sees we left */
	err = hear(fd, deadline_ms, &r);
	if (err)
		return err;
	if (r.err)
		return r.err;
	out->after = r.st;
	return 0;
}

int childcopy__copy(int fd, uint64_t max_size, uint64_t deadline_ms, childcopy_want_fn want,
		    void *ctx, struct child_copy *out)
{
	int report[2], err, status;
	pid_t middle, copier = 0;

	memset(out, 0, sizeof(*out));
	out->memfd = memfd_create("embargo-copy", MFD_CLOEXEC);
	if (out->memfd < 0)
		return -errno;
	if (pipe2(report, O_CLOEXEC)) {
		err = -errno;
		goto fail;
	}
	middle = fork();
	if (!middle)
		fork_copier(fd, out->memfd, report[1], max_size);
	close(report[1]);
	if (middle < 0) {
		err = -errno;
		close(report[0]);
		goto fail;
	}
	waitpid(middle, &status, 0);
	err = hear_copy(report[0], max_size, deadline_ms, want, ctx, out, &copier);
	close(report[0]);
	if ((err == -ETIMEDOUT || err == 2) && copier > 0)
		kill(copier, SIGKILL);	/* takes effect when the filesystem lets go */
	if (err == 1 || err == 2) {
		close(out->memfd);
		out->memfd = -1;
		return 0;
	}
	if (!err)
		return 0;
fail:
	close(out->memfd);
	out->memfd = -1;
	return err;
}

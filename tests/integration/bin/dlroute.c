// SPDX-License-Identifier: GPL-2.0-only
/*
 * Puts a file in place by a route no open/rename syscall tracepoint shows, for the download
 * tests (tests/integration/test_downloads.py):
 *
 *   dlroute tmpfile DIR NEW           O_TMPFILE in DIR, written, then linked as NEW through
 *                                     /proc/self/fd/N (what an unprivileged user can do)
 *   dlroute tmpfile-empty DIR NEW     the same, linkat(fd, "", AT_EMPTY_PATH)
 *   dlroute link OLD NEW              link(2), which coreutils' ln no longer calls
 *   dlroute uring-open NEW            io_uring IORING_OP_OPENAT with O_CREAT
 *   dlroute uring-rename OLD NEW      io_uring IORING_OP_RENAMEAT
 *   dlroute uring-link OLD NEW        io_uring IORING_OP_LINKAT
 *   dlroute int80-open NEW            32-bit open(O_CREAT) through int $0x80, from this
 *   dlroute int80-openat NEW          64-bit program; likewise openat, creat, rename, link,
 *   dlroute int80-creat NEW           renameat2, linkat
 *   dlroute int80-rename OLD NEW
 *   dlroute int80-renameat2 OLD NEW
 *   dlroute int80-link OLD NEW
 *   dlroute int80-linkat OLD NEW
 *
 * Exits 0 when the file is in place, 77 when the kernel refuses the route itself (io_uring
 * disabled, no 32-bit syscalls), 1 on any other failure, with the reason on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define UNSUPPORTED 77

static int fail(const char *what)
{
	fprintf(stderr, "dlroute: %s: %s\n", what, strerror(errno));
	return 1;
}

static int tmpfile_route(const char *dir, const char *dst, int empty_path)
{
	char proc[64];
	int fd = open(dir, O_TMPFILE | O_WRONLY, 0644);

	if (fd < 0 && errno == EOPNOTSUPP) {
		fprintf(stderr, "dlroute: the filesystem of %s has no O_TMPFILE\n", dir);
		return UNSUPPORTED;
	}
	if (fd < 0)
		return fail("open O_TMPFILE");
	if (write(fd, "!<arch>\n", 8) != 8)
		return fail("write");
	if (empty_path) {
		if (linkat(fd, "", AT_FDCWD, dst, AT_EMPTY_PATH))
			return fail("linkat AT_EMPTY_PATH");
		return 0;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, dst, AT_SYMLINK_FOLLOW))
		return fail("linkat /proc/self/fd");
	return 0;
}

/* One request on a fresh ring, waited for: the least io_uring there is, without liburing. */
static int uring_one(const struct io_uring_sqe *req)
{
	struct io_uring_params p = { 0 };
	int fd = (int)syscall(__NR_io_uring_setup, 1, &p);
	void *sq, *cq;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqe;
	unsigned *tail, *array;

	if (fd < 0) {
		fprintf(stderr, "dlroute: io_uring_setup: %s\n", strerror(errno));
		return errno == ENOSYS || errno == EPERM ? UNSUPPORTED : 1;
	}
	sq = mmap(NULL, p.sq_off.array + p.sq_entries * sizeof(unsigned), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
	cq = mmap(NULL, p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe),
		  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_CQ_RING);
	sqes = mmap(NULL, p.sq_entries * sizeof(*sqes), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED)
		return fail("mmap io_uring");
	sqes[0] = *req;
	array = (unsigned *)((char *)sq + p.sq_off.array);
	tail = (unsigned *)((char *)sq + p.sq_off.tail);
	array[*tail & *(unsigned *)((char *)sq + p.sq_off.ring_mask)] = 0;
	__atomic_store_n(tail, *tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		return fail("io_uring_enter");
	cqe = (struct io_uring_cqe *)((char *)cq + p.cq_off.cqes);
	if (cqe[0].res < 0) {
		errno = -cqe[0].res;
		fprintf(stderr, "dlroute: io_uring opcode %u: %s\n", req->opcode, strerror(errno));
		/* an opcode this kernel does not know is the route missing, not a failure */
		return errno == EINVAL ? UNSUPPORTED : 1;
	}
	if (req->opcode == IORING_OP_OPENAT && write(cqe[0].res, "!<arch>\n", 8) != 8)
		return fail("write");
	return 0;
}

static int uring_route(const char *how, const char *old, const char *dst)
{
	struct io_uring_sqe sqe = { 0 };

	sqe.fd = AT_FDCWD;
	if (!strcmp(how, "open")) {
		sqe.opcode = IORING_OP_OPENAT;
		sqe.addr = (uintptr_t)dst;
		sqe.open_flags = O_CREAT | O_WRONLY | O_TRUNC;
		sqe.len = 0644;
		return uring_one(&sqe);
	}
	sqe.opcode = !strcmp(how, "rename") ? IORING_OP_RENAMEAT : IORING_OP_LINKAT;
	sqe.addr = (uintptr_t)old;
	sqe.len = (unsigned)AT_FDCWD;	/* the new name's directory */
	sqe.addr2 = (uintptr_t)dst;
	return uring_one(&sqe);
}

/* A 32-bit syscall: its pointers must be below 4 GiB, so the names are copied there. */
static long int80(long nr, long a, long b, long c, long d)
{
	long ret;

	asm volatile("int $0x80"
		     : "=a"(ret)
		     : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d), "D"(0)
		     : "memory", "r8", "r9", "r10", "r11");
	return ret;
}

static long low_string(const char *s)
{
	static char *low;
	static size_t used;
	size_t len = strlen(s) + 1;

	if (!low) {
		low = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
		if (low == MAP_FAILED)
			exit(fail("mmap MAP_32BIT"));
	}
	if (used + len > 1 << 16)
		exit(fail("names too long"));
	memcpy(low + used, s, len);
	used += len;
	return (long)(uintptr_t)(low + used - len);
}

/* A kernel without 32-bit syscalls (no IA32_EMULATION, ia32_emulation=0) kills int $0x80
 * with SIGSEGV: asked in a child, getpid (20) */
static bool has_int80(void)
{
	pid_t pid = fork();
	int status;

	if (pid == 0)
		_exit(int80(20, 0, 0, 0, 0) == getpid() ? 0 : 1);
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       !WEXITSTATUS(status);
}

/* ia32 numbers: arch/x86/entry/syscalls/syscall_32.tbl */
static int int80_route(const char *how, const char *old, const char *dst)
{
	long cwd = AT_FDCWD & 0xffffffffL, ret;

	if (!has_int80()) {
		fprintf(stderr, "dlroute: this kernel runs no 32-bit syscalls (int $0x80 "
			"faults)\n");
		return UNSUPPORTED;
	}
	if (!strcmp(how, "open"))
		ret = int80(5, low_string(dst), O_CREAT | O_WRONLY, 0644, 0);
	else if (!strcmp(how, "openat"))
		ret = int80(295, cwd, low_string(dst), O_CREAT | O_WRONLY, 0644);
	else if (!strcmp(how, "creat"))
		ret = int80(8, low_string(dst), 0644, 0, 0);
	else if (!strcmp(how, "rename"))
		ret = int80(38, low_string(old), low_string(dst), 0, 0);
	else if (!strcmp(how, "renameat2"))
		ret = int80(353, cwd, low_string(old), cwd, low_string(dst));
	else if (!strcmp(how, "link"))
		ret = int80(9, low_string(old), low_string(dst), 0, 0);
	else if (!strcmp(how, "linkat"))
		ret = int80(303, cwd, low_string(old), cwd, low_string(dst));
	else
		return fprintf(stderr, "dlroute: unknown int80 route %s\n", how), 1;
	if (ret == -ENOSYS) {
		fprintf(stderr, "dlroute: no 32-bit syscalls on this kernel\n");
		return UNSUPPORTED;
	}
	if (ret < 0) {
		errno = (int)-ret;
		return fail(how);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *route = argc > 1 ? argv[1] : "";
	const char *old = argc > 3 ? argv[2] : NULL, *dst = argv[argc - 1];

	if (argc < 3 || argc > 4)
		return fprintf(stderr, "usage: dlroute ROUTE [OLD|DIR] NEW\n"), 2;
	if (!strcmp(route, "tmpfile") || !strcmp(route, "tmpfile-empty"))
		return old ? tmpfile_route(old, dst, route[7] == '-') : 2;
	if (!strcmp(route, "link"))
		return old && !syscall(__NR_link, old, dst) ? 0 : fail("link");
	if (!strncmp(route, "uring-", 6))
		return uring_route(route + 6, old, dst);
	if (!strncmp(route, "int80-", 6))
		return int80_route(route + 6, old, dst);
	fprintf(stderr, "dlroute: unknown route %s\n", route);
	return 2;
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A copy of a file on FUSE or a network filesystem, made by a child process. Once such a
 * request reaches a server that never answers, the kernel waits for it uninterruptibly,
 * SIGKILL included (fs/fuse/dev.c, request_wait_answer): a thread of ours stuck there could
 * never be joined, and would keep embargo from ever exiting. A child stuck there is left to
 * the kernel (reparented to init, which reaps it when the server answers or goes away).
 */
#ifndef EMBARGO_CHILDCOPY_H
#define EMBARGO_CHILDCOPY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

struct child_copy {
	struct stat before;	/* fstat of the file, before the copy */
	struct stat after;	/* and after: another size or time is another version */
	int memfd;		/* the first before.st_size bytes; -1 when not copied */
};

/* Asked with the file's fstat before it is copied: false, and it is not (a cache hit). */
typedef bool (*childcopy_want_fn)(void *ctx, const struct stat *before);

/*
 * fd: the file, O_PATH will do. Regular files up to max_size bytes that want (NULL: all)
 * wants are copied; for others only before is set (memfd -1). Gives up at deadline_ms
 * (CLOCK_MONOTONIC): -ETIMEDOUT. 0, or -errno (what the child met: -ENOENT, -EACCES...;
 * -ESTALE: the file ended early).
 */
int childcopy__copy(int fd, uint64_t max_size, uint64_t deadline_ms, childcopy_want_fn want,
		    void *ctx, struct child_copy *out);

#endif /* EMBARGO_CHILDCOPY_H */

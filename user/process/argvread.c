// SPDX-License-Identifier: GPL-2.0-only
#include "process/argvread.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/workpool.h"

#define WORKERS 1
#define MAX_WORKERS 3		/* stand-ins for a worker stuck on a held mmap_lock */
#define QUEUE_MAX 64

struct argv_job {
	struct workpool_job base;	/* first: the pool hands this back */
	void *cookie;
	int dirfd;			/* /proc/PID, opened on the loop */
	char *seen;			/* what the kernel saw at exec */
	size_t seen_len;
	char *args;			/* written by the worker */
	size_t len;
};

struct argvread {
	char *proc_root;
	struct workpool *pool;
	argvread_fn fn;
	void *ctx;
};

/* Read the whole file (up to ARGVREAD_MAX bytes) from fd; -errno. */
static int read_all(struct argv_job *j, int fd)
{
	size_t cap = 64 << 10;
	ssize_t n;

	j->args = malloc(cap);
	if (!j->args)
		return -ENOMEM;
	while (j->len < ARGVREAD_MAX) {
		if (j->len == cap) {
			char *grown = realloc(j->args, cap * 2);

			if (!grown)
				return -ENOMEM;
			j->args = grown;
			cap *= 2;
		}
		n = read(fd, j->args + j->len, cap - j->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == ESRCH ? -ESRCH : -errno;
		if (n == 0)
			break;
		j->len += (size_t)n;
	}
	return 0;
}

static void run(void *ctx, struct workpool_job *job)
{
	struct argv_job *j = (struct argv_job *)job;
	int fd = openat(j->dirfd, "cmdline", O_RDONLY | O_CLOEXEC);

	(void)ctx;
	if (fd < 0) {
		job->status = -ESRCH;
		return;
	}
	job->status = read_all(j, fd);
	close(fd);
	if (!job->status && (j->len < j->seen_len || memcmp(j->args, j->seen, j->seen_len)))
		job->status = -ESTALE;	/* it exec'd again, or rewrote its argv */
	else if (!job->status && j->len <= j->seen_len)
		job->status = -ENODATA;	/* nothing past what the kernel saw */
}

static void answer(void *ctx, struct workpool_job *job, int status)
{
	struct argvread *a = ctx;
	struct argv_job *j = (struct argv_job *)job;
	char *args = NULL;

	/* a job given up on is still the worker's: what it writes is not read */
	if (!status) {
		args = j->args;
		j->args = NULL;
	}
	a->fn(a->ctx, j->cookie, args, status ? 0 : j->len, status);
}

static void release(void *ctx, struct workpool_job *job)
{
	struct argv_job *j = (struct argv_job *)job;

	(void)ctx;
	close(j->dirfd);
	free(j->seen);
	free(j->args);
	free(j);
}

static const struct workpool_ops ops = { run, answer, release };

struct argvread *argvread__new(const char *proc_root, argvread_fn fn, void *ctx)
{
	struct argvread *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	*a = (struct argvread){ .proc_root = strdup(proc_root), .fn = fn, .ctx = ctx };
	a->pool = workpool__new(WORKERS, MAX_WORKERS, QUEUE_MAX, &ops, a);
	if (!a->proc_root || !a->pool) {
		argvread__free(a);
		return NULL;
	}
	return a;
}

void argvread__free(struct argvread *a)
{
	if (!a)
		return;
	if (a->pool)
		workpool__free(a->pool, 1000);
	free(a->proc_root);
	free(a);
}

int argvread__fd(const struct argvread *a)
{
	return workpool__fd(a->pool);
}

int argvread__ask(struct argvread *a, uint32_t pid, const char *seen, size_t seen_len,
		  void *cookie)
{
	struct argv_job *j = calloc(1, sizeof(*j));
	char path[64];
	int err;

	if (!j)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/%u", a->proc_root, pid);
	j->cookie = cookie;
	j->dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	j->seen = malloc(seen_len ? seen_len : 1);
	if (j->dirfd < 0 || !j->seen) {
		err = j->dirfd < 0 ? -ESRCH : -ENOMEM;
		if (j->dirfd >= 0)
			close(j->dirfd);
		free(j->seen);
		free(j);
		return err;
	}
	memcpy(j->seen, seen, seen_len);
	j->seen_len = seen_len;
	if ((err = workpool__submit(a->pool, &j->base, ARGVREAD_BUDGET_MS))) {
		release(a, &j->base);
		return err;
	}
	return 0;
}

void argvread__tick(struct argvread *a)
{
	workpool__tick(a->pool);
}

void argvread__complete(struct argvread *a)
{
	workpool__complete(a->pool);
}

void argvread__drain(struct argvread *a, uint64_t wait_ms)
{
	workpool__drain(a->pool, wait_ms);
}

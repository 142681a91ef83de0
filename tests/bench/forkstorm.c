// SPDX-License-Identifier: GPL-2.0-only
/*
 * forkstorm [-v] [-p PIDFILE] N WORKERS PROG [PROG...]: W worker processes each fork() +
 * execve() + waitpid() in a loop, as fast as they can, N execs in all (split between the
 * workers). -v: vfork() instead of fork(), no page tables copied: a higher exec rate.
 * Exec number i of a worker runs PROG[i % nprogs], so a list of distinct files makes every
 * exec a different one. Every child must exit 0. Prints one line on stdout:
 *   forkstorm: N execs by W workers in S s: R execs/s
 * With -p, each worker appends the pids it started to PIDFILE, one a line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Appends the pids in one write per 4 KiB so two workers' lines never interleave. */
static int write_pids(int fd, const pid_t *pids, long n)
{
	char buf[4096];
	size_t len = 0;

	for (long i = 0; i <= n; i++) {
		if (i == n || len > sizeof(buf) - 16) {
			if (len && write(fd, buf, len) != (ssize_t)len)
				return 1;
			len = 0;
		}
		if (i < n)
			len += snprintf(buf + len, sizeof(buf) - len, "%d\n", (int)pids[i]);
	}
	return 0;
}

static int use_vfork;

/* Its own function: the child of vfork() may not return into the caller's loop. */
static __attribute__((noinline)) pid_t start(char *prog)
{
	char *argv[] = { prog, NULL };
	pid_t pid = use_vfork ? vfork() : fork();

	if (pid == 0) {
		execve(prog, argv, environ);
		_exit(127);
	}
	return pid;
}

static int worker(long first, long n, char **progs, int nprogs, int pidfd)
{
	pid_t *pids = pidfd >= 0 ? malloc(n * sizeof(*pids)) : NULL;

	if (pidfd >= 0 && !pids)
		return 1;
	for (long i = 0; i < n; i++) {
		int status;
		pid_t pid = start(progs[(first + i) % nprogs]);

		if (pid < 0)
			return 1;
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
			return 1;
		if (pids)
			pids[i] = pid;
	}
	return pids ? write_pids(pidfd, pids, n) : 0;
}

int main(int argc, char **argv)
{
	const char *pidfile = NULL;
	long n, workers;
	int pidfd = -1, failed = 0, opt;
	double start, secs;

	while ((opt = getopt(argc, argv, "vp:")) != -1) {
		if (opt == 'v')
			use_vfork = 1;
		else if (opt == 'p')
			pidfile = optarg;
		else
			goto usage;
	}
	if (argc - optind < 3 || (n = atol(argv[optind])) <= 0 ||
	    (workers = atol(argv[optind + 1])) <= 0 || workers > n)
		goto usage;
	if (pidfile && (pidfd = open(pidfile, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
				     0644)) < 0) {
		fprintf(stderr, "forkstorm: %s: %s\n", pidfile, strerror(errno));
		return 1;
	}
	start = now_s();
	for (long w = 0, first = 0; w < workers; w++) {
		long share = n / workers + (w < n % workers);
		pid_t pid = fork();

		if (pid < 0) {
			perror("forkstorm: fork");
			return 1;
		}
		if (pid == 0)
			_exit(worker(first, share, argv + optind + 2, argc - optind - 2, pidfd));
		first += share;
	}
	for (long w = 0; w < workers; w++) {
		int status;

		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			failed = 1;
	}
	secs = now_s() - start;
	if (failed) {
		fprintf(stderr, "forkstorm: a fork, exec or child failed\n");
		return 1;
	}
	printf("forkstorm: %ld execs (%s) by %ld workers in %.3f s: %.0f execs/s\n", n,
	       use_vfork ? "vfork" : "fork", workers, secs, n / secs);
	return 0;

usage:
	fprintf(stderr, "usage: forkstorm [-v] [-p PIDFILE] N WORKERS PROG [PROG...]\n");
	return 2;
}

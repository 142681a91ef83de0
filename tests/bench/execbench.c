// SPDX-License-Identifier: GPL-2.0-only
/*
 * execbench PROG N: posix_spawn PROG N times from each of W workers (default 1) and print
 * the mean microseconds per exec (wall clock, spawn to reaped).
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int spawn_loop(const char *prog, long n)
{
	char *argv[] = { (char *)prog, NULL };

	for (long i = 0; i < n; i++) {
		pid_t pid;
		int status;

		if (posix_spawn(&pid, prog, NULL, NULL, argv, environ) ||
		    waitpid(pid, &status, 0) != pid)
			return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long n, workers = argc > 3 ? atol(argv[3]) : 1;
	double start;
	int failed = 0;

	if (argc < 3 || (n = atol(argv[2])) <= 0 || workers <= 0) {
		fprintf(stderr, "usage: execbench PROG N [WORKERS]\n");
		return 2;
	}
	start = now_us();
	for (long w = 0; w < workers; w++)
		if (fork() == 0)
			_exit(spawn_loop(argv[1], n));
	for (long w = 0; w < workers; w++) {
		int status;

		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			failed = 1;
	}
	if (failed) {
		fprintf(stderr, "execbench: a spawn failed\n");
		return 1;
	}
	printf("%.2f\n", (now_us() - start) / (double)(n * workers));
	return 0;
}

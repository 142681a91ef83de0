// SPDX-License-Identifier: GPL-2.0-only
#include "cli/canary.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include "sensor/decode.h"

extern char **environ;

/* The daemon blocks its stop and reload signals for signalfd: its child must not. */
static int spawn(pid_t *pid, const char *path, char *const argv[])
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none;
	int err;

	sigemptyset(&none);
	if ((err = posix_spawnattr_init(&attr)))
		return -err;
	if ((err = posix_spawn_file_actions_init(&fa))) {
		posix_spawnattr_destroy(&attr);
		return -err;
	}
	if (!(err = posix_spawnattr_setsigmask(&attr, &none)) &&
	    !(err = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK)) &&
	    !(err = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDWR, 0)) &&
	    !(err = posix_spawn_file_actions_adddup2(&fa, 0, 1)) &&
	    !(err = posix_spawn_file_actions_adddup2(&fa, 0, 2)))
		err = posix_spawn(pid, path, &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	return -err;
}

int canary__start(struct canary *c, const char *path, char *const argv[], uint64_t now_ms)
{
	pid_t pid;
	int err = spawn(&pid, path, argv);

	if (err)
		return err;
	*c = (struct canary){ .pid = pid, .started_ms = now_ms };
	return 0;
}

bool canary__take(struct canary *c, const void *data, size_t size)
{
	const struct ev_exit *exit;
	struct exec_view v;

	if (!c->pid)
		return false;
	switch (decode__type(data, size)) {
	case EV_EXEC:
		if (decode__exec(data, size, &v) || v.ev->task.tgid != (__u32)c->pid)
			return false;
		c->seen = true;
		return true;
	case EV_EXIT:
		if (!decode__exit(data, size, &exit) && exit->tgid == (__u32)c->pid)
			c->exited = true;
		return false;
	default:
		return false;
	}
}

/* Gone (or never ours): the pid is free again. */
static void reap(struct canary *c)
{
	pid_t r = waitpid(c->pid, NULL, WNOHANG);

	if (r == c->pid || (r < 0 && errno == ECHILD))
		c->pid = 0;
}

enum canary_news canary__follow(struct canary *c, uint64_t now_ms, uint64_t deadline_ms)
{
	bool overdue = now_ms - c->started_ms >= deadline_ms;
	enum canary_news news = CANARY_PENDING;

	if (!c->pid)
		return CANARY_IDLE;
	if (!c->told && (c->seen || overdue)) {
		c->told = true;
		news = c->seen ? CANARY_SEEN : CANARY_MISSED;
	}
	if (overdue)
		kill(c->pid, SIGKILL);	/* stopped or stuck: it must not hold its pid */
	if (c->told && (c->exited || overdue))
		reap(c);
	return news;
}

void canary__stop(struct canary *c)
{
	if (!c->pid)
		return;
	kill(c->pid, SIGKILL);
	reap(c);
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A canary: a short-lived child (embargo's own binary as `embargo canary`, which exits at
 * once) whose exec the sensor must report within a deadline; cli/watch_selfcheck.c says
 * what a missing one means. Started without waiting for it, followed on the loop's tick,
 * and reaped there once its exit record was read (every record of it is then read: a
 * process's records are queued in order), or past its deadline: until then it is a zombie
 * at most, and its pid cannot be another process's while a record may still name it.
 */
#ifndef EMBARGO_CANARY_H
#define EMBARGO_CANARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct canary {
	pid_t pid;		/* 0: none out */
	uint64_t started_ms;
	bool seen;		/* its exec came through the ring buffer */
	bool exited;		/* its exit record came through */
	bool told;		/* canary__follow() said SEEN or MISSED */
};

/* What canary__follow() saw on this tick. */
enum canary_news {
	CANARY_IDLE = 0,	/* none out: one may start */
	CANARY_PENDING,		/* out, nothing new */
	CANARY_SEEN,		/* its exec was seen (said once per canary) */
	CANARY_MISSED,		/* its deadline passed unseen (said once per canary) */
};

/*
 * Start argv at path, with no signal blocked and stdin, stdout and stderr on /dev/null (the
 * daemon's stdout may be an output); 0 or -errno (then none is out).
 */
int canary__start(struct canary *c, const char *path, char *const argv[], uint64_t now_ms);
/*
 * Whether a ring-buffer record is an exec of the canary out (its exec, or one after it: none
 * today, yet no exec of embargo's own child may reach the rules), which the caller keeps to
 * itself. Its exit record is noted but not taken (the process table forgets it).
 */
bool canary__take(struct canary *c, const void *data, size_t size);
/* On the tick. Past the deadline the child is killed; once said, it is reaped. */
enum canary_news canary__follow(struct canary *c, uint64_t now_ms, uint64_t deadline_ms);
/* At stop: kill the canary out, reap it if it is gone already (init reaps it otherwise). */
void canary__stop(struct canary *c);

#endif /* EMBARGO_CANARY_H */

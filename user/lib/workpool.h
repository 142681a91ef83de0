/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Work that may block on a file a user controls (a stalled FUSE server, a network mount, a
 * 15 TB sparse file), done off the event loop by a few threads, with a deadline per job.
 *
 * The event loop submits jobs and never waits for them: a full queue refuses at once
 * (-EAGAIN), and the loop's tick answers every job past its deadline itself (-ETIMEDOUT),
 * whether it still waits in the queue or a worker is stuck in it. A stuck worker is replaced
 * by a new thread, up to max_workers; it goes back to work if its call ever returns.
 *
 * Each job gets two calls on the loop's thread, through workpool__complete(): answer (once,
 * with a status: what run() set in job->status, or -ETIMEDOUT, or -ECANCELED at drain; for a
 * job a worker is still inside, answer must not read what run() writes) and then release
 * (once, when no worker touches it any more: free it there). For a job a worker finished,
 * both come together; for an abandoned one, release comes when the worker gets out of it.
 * Written here: no library in our dependency set has a pool whose jobs can be given up.
 */
#ifndef EMBARGO_WORKPOOL_H
#define EMBARGO_WORKPOOL_H

#include <stdbool.h>
#include <stdint.h>

/* Embed in the caller's job; the pool owns these fields between submit and release. */
struct workpool_job {
	uint64_t submitted_ms, deadline_ms;	/* CLOCK_MONOTONIC */
	int status;		/* run() sets it; the pool's own answers: -ETIMEDOUT, -ECANCELED */
	bool answered;		/* answer() was called */
	bool abandoned;		/* answered while a worker still had it */
	bool running;
	struct workpool_job *next;
};

/* run: on a worker thread; it may shorten job->deadline_ms with workpool__shorten(). */
struct workpool_ops {
	void (*run)(void *ctx, struct workpool_job *job);
	void (*answer)(void *ctx, struct workpool_job *job, int status);
	void (*release)(void *ctx, struct workpool_job *job);
};

struct workpool_load {
	unsigned int queued;		/* waiting for a worker */
	unsigned int running;		/* being worked on, not abandoned */
	unsigned int stuck;		/* workers still inside a job given up on */
	unsigned int workers;		/* threads alive */
	uint64_t oldest_ms;		/* age of the oldest job not answered yet; 0: none */
	uint64_t timeouts;		/* jobs answered -ETIMEDOUT, since start */
	uint64_t refused;		/* submits refused: the queue was full */
};

struct workpool;

uint64_t workpool__now_ms(void);
/* NULL with errno set. The pool's eventfd is readable when answers wait. */
struct workpool *workpool__new(unsigned int workers, unsigned int max_workers,
			       unsigned int queue_max, const struct workpool_ops *ops, void *ctx);
/*
 * Stop: waits up to wait_ms for the workers to finish; what is left is released, never
 * answered (drain first). A worker stuck past that is left running, and the pool's
 * memory with it (the process is about to end): false then, and what run() uses must stay.
 */
bool workpool__free(struct workpool *wp, uint64_t wait_ms);
int workpool__fd(const struct workpool *wp);
/* Queue a job due by now + budget_ms; -EAGAIN when the queue is full (nothing is queued). */
int workpool__submit(struct workpool *wp, struct workpool_job *job, uint64_t budget_ms);
/* From run(): the job is due sooner (a network filesystem gets a short budget). */
void workpool__shorten(struct workpool *wp, struct workpool_job *job, uint64_t budget_ms);
/* Whether run() is past its job's deadline (checked between chunks of work). */
bool workpool__overdue(struct workpool *wp, const struct workpool_job *job);
/* On the loop: answer jobs past their deadline, replace stuck workers. */
void workpool__tick(struct workpool *wp);
/* On the loop: hand over answers and releases. */
void workpool__complete(struct workpool *wp);
/* Wait up to wait_ms for every job, then answer what is left -ECANCELED; complete. */
void workpool__drain(struct workpool *wp, uint64_t wait_ms);
void workpool__load(struct workpool *wp, struct workpool_load *out);

#endif /* EMBARGO_WORKPOOL_H */

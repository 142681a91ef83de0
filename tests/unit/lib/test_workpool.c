// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for user/lib/workpool.c with real threads: a job that blocks does so on a
 * pipe the test holds, as a read from a stalled FUSE server would, and is let go at the end.
 */
#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "unit.h"

#include "lib/workpool.h"

struct tjob {
	struct workpool_job base;
	int id;
	bool block;		/* read the gate pipe: blocks until the test writes to it */
	bool check_deadline;	/* spin until overdue, as a hash checks between chunks */
	int answers, releases, answered_with;
};

struct ctx {
	int gate[2];
	int answered, released;
};

static void run(void *arg, struct workpool_job *job)
{
	struct ctx *c = arg;
	struct tjob *t = (struct tjob *)job;
	char byte;

	if (t->block && read(c->gate[0], &byte, 1) != 1)
		job->status = -EIO;
	else if (t->check_deadline) {
		while (!workpool__overdue(NULL, job))
			usleep(1000);
		job->status = -ETIMEDOUT;
	} else {
		job->status = t->id;
	}
}

static void answer(void *arg, struct workpool_job *job, int status)
{
	struct ctx *c = arg;
	struct tjob *t = (struct tjob *)job;

	t->answers++;
	t->answered_with = status;
	c->answered++;
}

static void release(void *arg, struct workpool_job *job)
{
	struct ctx *c = arg;

	((struct tjob *)job)->releases++;
	c->released++;
}

static const struct workpool_ops ops = { run, answer, release };

/* Complete until cond(c) holds, or fail after two seconds. */
static void complete_until(struct workpool *wp, struct ctx *c, int answered, int released)
{
	uint64_t due = workpool__now_ms() + 2000;

	while ((c->answered < answered || c->released < released) && workpool__now_ms() < due) {
		struct pollfd p = { .fd = workpool__fd(wp), .events = POLLIN };

		poll(&p, 1, 10);
		workpool__tick(wp);
		workpool__complete(wp);
	}
	assert_int_equal(c->answered, answered);
	assert_int_equal(c->released, released);
}

static void let_go(struct ctx *c, int n)
{
	for (int i = 0; i < n; i++)
		assert_int_equal(write(c->gate[1], "x", 1), 1);
}

static void test_every_job_is_answered_and_released_once(void **state)
{
	struct ctx c = { 0 };
	struct tjob jobs[50] = { 0 };
	struct workpool *wp = workpool__new(2, 4, 64, &ops, &c);

	(void)state;
	assert_non_null(wp);
	for (int i = 0; i < 50; i++) {
		jobs[i].id = i + 1;
		assert_int_equal(workpool__submit(wp, &jobs[i].base, 10000), 0);
	}
	complete_until(wp, &c, 50, 50);
	for (int i = 0; i < 50; i++) {
		assert_int_equal(jobs[i].answers, 1);
		assert_int_equal(jobs[i].releases, 1);
		assert_int_equal(jobs[i].answered_with, i + 1);
	}
	workpool__free(wp, 1000);
}

static void test_a_full_queue_refuses_at_once(void **state)
{
	struct ctx c = { 0 };
	struct tjob blocked[1] = { { .block = true } }, queued[2] = { 0 }, extra = { 0 };
	struct workpool *wp;
	struct workpool_load load;

	(void)state;
	assert_int_equal(pipe(c.gate), 0);
	wp = workpool__new(1, 1, 2, &ops, &c);
	assert_non_null(wp);
	assert_int_equal(workpool__submit(wp, &blocked[0].base, 10000), 0);
	/* the worker takes the blocked job; two more fill the queue */
	while (workpool__load(wp, &load), load.running != 1)
		usleep(1000);
	assert_int_equal(workpool__submit(wp, &queued[0].base, 10000), 0);
	assert_int_equal(workpool__submit(wp, &queued[1].base, 10000), 0);
	assert_int_equal(workpool__submit(wp, &extra.base, 10000), -EAGAIN);
	workpool__load(wp, &load);
	assert_int_equal(load.queued, 2);
	assert_int_equal(load.refused, 1);
	let_go(&c, 1);
	complete_until(wp, &c, 3, 3);
	workpool__free(wp, 1000);
	close(c.gate[0]);
	close(c.gate[1]);
}

static void test_a_stuck_job_is_answered_at_its_deadline_and_replaced(void **state)
{
	struct ctx c = { 0 };
	struct tjob stuck = { .block = true }, next = { .id = 7 };
	struct workpool *wp;
	struct workpool_load load;

	(void)state;
	assert_int_equal(pipe(c.gate), 0);
	wp = workpool__new(1, 2, 8, &ops, &c);
	assert_non_null(wp);
	assert_int_equal(workpool__submit(wp, &stuck.base, 50), 0);
	assert_int_equal(workpool__submit(wp, &next.base, 10000), 0);
	/* the stuck job is answered -ETIMEDOUT; a second thread then runs the next one */
	complete_until(wp, &c, 2, 1);
	assert_int_equal(stuck.answered_with, -ETIMEDOUT);
	assert_int_equal(stuck.releases, 0);
	assert_int_equal(next.answered_with, 7);
	workpool__load(wp, &load);
	assert_int_equal(load.stuck, 1);
	assert_int_equal(load.workers, 2);
	assert_int_equal(load.timeouts, 1);
	/* the read returns at last: released, never answered twice; the extra thread leaves */
	let_go(&c, 1);
	complete_until(wp, &c, 2, 2);
	assert_int_equal(stuck.answers, 1);
	while (workpool__load(wp, &load), load.workers != 1)
		usleep(1000);
	assert_int_equal(load.stuck, 0);
	workpool__free(wp, 1000);
	close(c.gate[0]);
	close(c.gate[1]);
}

static void test_a_job_that_checks_its_deadline_stops_by_itself(void **state)
{
	struct ctx c = { 0 };
	struct tjob slow = { .check_deadline = true };
	struct workpool *wp = workpool__new(1, 1, 8, &ops, &c);
	uint64_t start = workpool__now_ms();

	(void)state;
	assert_non_null(wp);
	assert_int_equal(workpool__submit(wp, &slow.base, 100), 0);
	complete_until(wp, &c, 1, 1);
	assert_int_equal(slow.answered_with, -ETIMEDOUT);
	assert_true(workpool__now_ms() - start < 1000);
	workpool__free(wp, 1000);
}

static void test_drain_gives_up_at_its_deadline(void **state)
{
	struct ctx c = { 0 };
	struct tjob stuck = { .block = true }, queued = { .id = 3 };
	struct workpool *wp;
	struct workpool_load load;
	uint64_t start;

	(void)state;
	assert_int_equal(pipe(c.gate), 0);
	wp = workpool__new(1, 1, 8, &ops, &c);
	assert_non_null(wp);
	assert_int_equal(workpool__submit(wp, &stuck.base, 60000), 0);
	while (workpool__load(wp, &load), load.running != 1)
		usleep(1000);
	assert_int_equal(workpool__submit(wp, &queued.base, 60000), 0);
	workpool__load(wp, &load);
	assert_int_equal(load.queued, 1);
	start = workpool__now_ms();
	workpool__drain(wp, 100);
	assert_true(workpool__now_ms() - start < 1000);
	assert_int_equal(stuck.answered_with, -ECANCELED);
	assert_int_equal(queued.answered_with, -ECANCELED);
	assert_int_equal(queued.releases, 1);
	assert_int_equal(stuck.releases, 0);
	let_go(&c, 1);
	complete_until(wp, &c, 2, 2);
	workpool__free(wp, 1000);
	close(c.gate[0]);
	close(c.gate[1]);
}

static void test_oldest_pending_age_is_measured(void **state)
{
	struct ctx c = { 0 };
	struct tjob stuck = { .block = true };
	struct workpool *wp;
	struct workpool_load load;

	(void)state;
	assert_int_equal(pipe(c.gate), 0);
	wp = workpool__new(1, 1, 8, &ops, &c);
	assert_non_null(wp);
	workpool__load(wp, &load);
	assert_int_equal(load.oldest_ms, 0);
	assert_int_equal(workpool__submit(wp, &stuck.base, 60000), 0);
	usleep(120 * 1000);
	workpool__load(wp, &load);
	assert_true(load.oldest_ms >= 100);
	let_go(&c, 1);
	complete_until(wp, &c, 1, 1);
	workpool__load(wp, &load);
	assert_int_equal(load.oldest_ms, 0);
	workpool__free(wp, 1000);
	close(c.gate[0]);
	close(c.gate[1]);
}

static void test_bad_sizes_are_refused(void **state)
{
	struct ctx c = { 0 };

	(void)state;
	assert_null(workpool__new(0, 1, 8, &ops, &c));
	assert_null(workpool__new(2, 1, 8, &ops, &c));
	assert_null(workpool__new(1, 1, 0, &ops, &c));
	assert_null(workpool__new(1, 100, 8, &ops, &c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_job_is_answered_and_released_once),
		cmocka_unit_test(test_a_full_queue_refuses_at_once),
		cmocka_unit_test(test_a_stuck_job_is_answered_at_its_deadline_and_replaced),
		cmocka_unit_test(test_a_job_that_checks_its_deadline_stops_by_itself),
		cmocka_unit_test(test_drain_gives_up_at_its_deadline),
		cmocka_unit_test(test_oldest_pending_age_is_measured),
		cmocka_unit_test(test_bad_sizes_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

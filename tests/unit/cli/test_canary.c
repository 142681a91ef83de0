// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for user/cli/canary.c with real children: the exec records that name the
 * canary, its exit record, the deadline, the kill, and the reaping that leaves no zombie.
 */
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"

#include "cli/canary.h"

#define DEADLINE_MS 5000

static struct ev_exec *exec_of(pid_t tgid, size_t *size)
{
	struct ev_exec *ev = unit_exec_new();

	ev->task.tgid = (__u32)tgid;
	*size = unit_exec_pack(ev, "/proc/self/exe", NULL, "/usr/sbin/embargo", "/",
			       S("embargo\0canary\0"));
	return ev;
}

static struct ev_exit exit_of(pid_t tgid)
{
	struct ev_exit ev = { .hdr = { .type = EV_EXIT, .abi = EV_ABI_VERSION,
				       .size = sizeof(ev) }, .tgid = (__u32)tgid };

	return ev;
}

/* Follow on the same tick until the canary is reaped; at most 2 s of real time. */
static void follow_until_reaped(struct canary *c, uint64_t now_ms)
{
	for (int i = 0; i < 200 && canary__follow(c, now_ms, DEADLINE_MS) != CANARY_IDLE; i++)
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	assert_int_equal(c->pid, 0);
}

static void assert_no_child(pid_t pid)
{
	assert_int_equal(waitpid(pid, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static void test_its_execs_are_taken_and_it_is_reaped_after_its_exit_record(void **state)
{
	char *argv[] = { "true", NULL };
	struct canary c = { 0 };
	struct ev_exec *mine, *other;
	struct ev_exit exit, other_exit;
	size_t size, other_size;
	pid_t pid;

	(void)state;
	assert_int_equal(canary__start(&c, "/bin/true", argv, 1000), 0);
	pid = c.pid;
	mine = exec_of(pid, &size);
	other = exec_of(pid + 1, &other_size);
	exit = exit_of(pid);
	other_exit = exit_of(pid + 1);
	assert_false(canary__take(&c, other, other_size));
	assert_false(canary__take(&c, mine, 10));	/* cut short: not an exec record */
	assert_true(canary__take(&c, mine, size));
	assert_true(canary__take(&c, mine, size));	/* an exec after it: taken too */
	assert_int_equal(canary__follow(&c, 1001, DEADLINE_MS), CANARY_SEEN);
	/* exited, not reaped: its exit record, and any exec before it, may still be queued */
	nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000 * 1000 }, NULL);
	assert_int_equal(canary__follow(&c, 1002, DEADLINE_MS), CANARY_PENDING);
	assert_int_equal(c.pid, pid);
	assert_false(canary__take(&c, &other_exit, sizeof(other_exit)));
	assert_int_equal(canary__follow(&c, 1003, DEADLINE_MS), CANARY_PENDING);
	assert_false(canary__take(&c, &exit, sizeof(exit)));	/* the pipeline's too */
	follow_until_reaped(&c, 1004);
	assert_no_child(pid);
	assert_false(canary__take(&c, mine, size));	/* none out: the pid is anyone's */
	free(mine);
	free(other);
}

/* An exit probe detached or a record dropped: its deadline frees its pid all the same. */
static void test_one_seen_whose_exit_record_is_lost_is_reaped_at_the_deadline(void **state)
{
	char *argv[] = { "true", NULL };
	struct canary c = { 0 };
	struct ev_exec *mine;
	size_t size;
	pid_t pid;

	(void)state;
	assert_int_equal(canary__start(&c, "/bin/true", argv, 1000), 0);
	pid = c.pid;
	mine = exec_of(pid, &size);
	assert_true(canary__take(&c, mine, size));
	assert_int_equal(canary__follow(&c, 1001, DEADLINE_MS), CANARY_SEEN);
	assert_int_equal(canary__follow(&c, 1002, DEADLINE_MS), CANARY_PENDING);
	assert_int_equal(c.pid, pid);
	follow_until_reaped(&c, 1000 + DEADLINE_MS);
	assert_no_child(pid);
	free(mine);
}

static void test_one_never_seen_is_missed_once_killed_and_reaped(void **state)
{
	char *argv[] = { "sleep", "30", NULL };
	struct canary c = { 0 };
	pid_t pid;

	(void)state;
	assert_int_equal(canary__start(&c, "/bin/sleep", argv, 1000), 0);
	pid = c.pid;
	assert_int_equal(canary__follow(&c, 1000 + DEADLINE_MS - 1, DEADLINE_MS),
			 CANARY_PENDING);
	assert_int_equal(kill(pid, 0), 0);	/* still running, still ours */
	assert_int_equal(canary__follow(&c, 1000 + DEADLINE_MS, DEADLINE_MS), CANARY_MISSED);
	follow_until_reaped(&c, 1000 + DEADLINE_MS);	/* said once: PENDING until reaped */
	assert_no_child(pid);
}

/* Start argv as a canary while SIGTERM is blocked here; its exit status. */
static int run_blocked(char *const argv[])
{
	struct canary c = { 0 };
	sigset_t set, old;
	int status;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, &old);
	assert_int_equal(canary__start(&c, argv[0], argv, 0), 0);
	sigprocmask(SIG_SETMASK, &old, NULL);
	assert_int_equal(waitpid(c.pid, &status, 0), c.pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* The daemon blocks SIGTERM for its signalfd: a canary that inherited it could not be stopped. */
static void test_it_runs_with_no_signal_blocked(void **state)
{
	char *argv[] = { "/bin/grep", "-q", "^SigBlk:[[:space:]]*0*$", "/proc/self/status", NULL };

	(void)state;
	assert_int_equal(run_blocked(argv), 0);
}

/* The daemon's stdout may be an output: nothing of the canary's goes there. */
static void test_its_stdout_is_dev_null(void **state)
{
	char *argv[] = { "/bin/sh", "-c", "test \"$(readlink /proc/$$/fd/1)\" = /dev/null", NULL };

	(void)state;
	assert_int_equal(run_blocked(argv), 0);
}

static void test_a_program_that_cannot_start_is_an_error_and_none_is_out(void **state)
{
	char *argv[] = { "nothing", NULL };
	struct canary c = { 0 };

	(void)state;
	assert_int_equal(canary__start(&c, "/nonexistent/embargo", argv, 0), -ENOENT);
	assert_int_equal(c.pid, 0);
	assert_int_equal(canary__follow(&c, DEADLINE_MS * 2, DEADLINE_MS), CANARY_IDLE);
	canary__stop(&c);
}

static void test_stop_kills_the_one_out(void **state)
{
	char *argv[] = { "sleep", "30", NULL };
	struct canary c = { 0 };
	pid_t pid;

	(void)state;
	assert_int_equal(canary__start(&c, "/bin/sleep", argv, 0), 0);
	pid = c.pid;
	canary__stop(&c);
	/* SIGKILL lands at once but the exit is not synchronous: reaped now or by the test */
	if (c.pid)
		assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_no_child(pid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_its_execs_are_taken_and_it_is_reaped_after_its_exit_record),
		cmocka_unit_test(test_one_seen_whose_exit_record_is_lost_is_reaped_at_the_deadline),
		cmocka_unit_test(test_one_never_seen_is_missed_once_killed_and_reaped),
		cmocka_unit_test(test_it_runs_with_no_signal_blocked),
		cmocka_unit_test(test_its_stdout_is_dev_null),
		cmocka_unit_test(test_a_program_that_cannot_start_is_an_error_and_none_is_out),
		cmocka_unit_test(test_stop_kills_the_one_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

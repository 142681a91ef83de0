// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for user/process/argvread.c against real processes: this test's own argv and a
 * child's, read by the worker thread, checked against what was seen; a gone process and
 * another exec's argv are said so, never used.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"

#include "process/argvread.h"

struct answer {
	bool done;
	int err;
	char *args;
	size_t len;
};

static void on_answer(void *ctx, void *cookie, char *args, size_t len, int err)
{
	struct answer *a = cookie;

	(void)ctx;
	a->done = true;
	a->err = err;
	a->args = args;
	a->len = len;
}

static void wait_answer(struct argvread *r, struct answer *a)
{
	for (int i = 0; i < 500 && !a->done; i++) {
		struct pollfd p = { .fd = argvread__fd(r), .events = POLLIN };

		poll(&p, 1, 10);
		argvread__tick(r);
		argvread__complete(r);
	}
	assert_true(a->done);
}

/* A child whose argv is long: sh -c "sleep 5" sh PADDING TAIL */
static pid_t long_child(const char *padding, const char *tail)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		execl("/bin/sh", "/bin/sh", "-c", "sleep 5; :", "sh", padding, tail, (char *)NULL);
		_exit(127);
	}
	usleep(200000);	/* exec'd by now */
	return pid;
}

struct fixture {
	struct argvread *r;
	pid_t child;
	struct answer a;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx || !(fx->r = argvread__new("/proc", on_answer, NULL)))
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	if (fx->child > 0) {
		kill(fx->child, SIGKILL);
		waitpid(fx->child, NULL, 0);
	}
	argvread__free(fx->r);
	free(fx->a.args);
	free(fx);
	return 0;
}

/* Ask for a long child's argv, having seen seen_len bytes of it; the answer is fx->a. */
static int ask_child(struct fixture *fx, const char *padding, const char *tail,
		     const char *seen, size_t seen_len)
{
	int err;

	fx->child = long_child(padding, tail);
	err = argvread__ask(fx->r, (uint32_t)fx->child, seen, seen_len, &fx->a);
	if (!err)
		wait_answer(fx->r, &fx->a);
	return err;
}

static void test_the_whole_argv_past_what_was_seen(void **state)
{
	static char padding[20000];
	struct fixture *fx = *state;
	const char seen[] = "/bin/sh\0-c\0sleep 5; :\0sh\0xxxx";
	const char tail[] = "com.example.Banned//stable";

	memset(padding, 'x', sizeof(padding) - 1);
	assert_int_equal(ask_child(fx, padding, tail, seen, sizeof(seen) - 1), 0);
	assert_int_equal(fx->a.err, 0);
	assert_int_equal(fx->a.len, sizeof("/bin/sh\0-c\0sleep 5; :\0sh") + sizeof(padding) +
				    sizeof(tail));
	assert_string_equal(fx->a.args + fx->a.len - sizeof(tail), tail);
}

static void test_another_execs_argv_is_stale(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(ask_child(fx, "pad", "tail", "/usr/bin/other\0", 15), 0);
	assert_int_equal(fx->a.err, -ESTALE);
	assert_null(fx->a.args);
}

/* nothing past what was seen: not an answer to use */
static void test_nothing_more_than_seen(void **state)
{
	struct fixture *fx = *state;
	const char seen[] = "/bin/sh\0-c\0sleep 5; :\0sh\0pad\0tail";

	assert_int_equal(ask_child(fx, "pad", "tail", seen, sizeof(seen)), 0);
	assert_int_equal(fx->a.err, -ENODATA);
}

/* gone before it was asked: said at once, and never answered */
static void test_a_gone_process(void **state)
{
	struct fixture *fx = *state;
	pid_t pid = long_child("pad", "tail");

	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	assert_int_equal(argvread__ask(fx->r, (uint32_t)pid, "/bin/sh", 7, &fx->a), -ESRCH);
	assert_false(fx->a.done);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_the_whole_argv_past_what_was_seen),
		T(test_another_execs_argv_is_stale),
		T(test_nothing_more_than_seen),
		T(test_a_gone_process),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

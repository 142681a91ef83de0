// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for user/cli/runmark.c in a temp dir: a run noted as running and never stopped
 * reads back as unclean with what it wrote down, a stopped one as clean, a damaged marker
 * (garbage, a link, a directory, too long) as unclean with no run id; one run at a time holds
 * the directory; the marker is replaced whole, 0600, no temporary file left.
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"

#include "cli/runmark.h"

#define RUN_A "0e1f5f7a-7b0c-4e43-9f6c-1b9d6e4b6a11-1700000000000000001"
#define RUN_B "0e1f5f7a-7b0c-4e43-9f6c-1b9d6e4b6a11-1700000000000000002"
#define HB_NS 1700000060123456789ULL

struct fx {
	char dir[64];
	char marker[96];
	struct runmark *m;
	struct previous_run prev;
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	strcpy(fx->dir, "/tmp/embargo-runmark-XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->marker, sizeof(fx->marker), "%s/" RUNMARK_NAME, fx->dir);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	runmark__close(fx->m);
	nftw(fx->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

/* A run starts: the previous one read (into fx->prev; state "" when none), this one noted. */
static void start(struct fx *fx, const char *run_id)
{
	const struct previous_run *prev;
	int err = 1;

	runmark__close(fx->m);
	fx->m = runmark__open(fx->dir, run_id, &err);
	assert_non_null(fx->m);
	assert_int_equal(err, 0);
	prev = runmark__previous(fx->m);
	fx->prev = prev ? *prev : (struct previous_run){ 0 };
	if (prev)
		assert_true(prev->state[0]);
}

static void put_marker(const struct fx *fx, const char *text)
{
	FILE *f = fopen(fx->marker, "we");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_first_run_has_no_previous(void **state)
{
	struct fx *fx = *state;
	struct stat st;
	char text[256];

	start(fx, RUN_A);
	assert_null(runmark__previous(fx->m));
	runmark__describe(NULL, text, sizeof(text));
	assert_string_equal(text, "");
	/* this run is noted at once, privately, and nothing else is left there */
	assert_int_equal(stat(fx->marker, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	strcat(fx->marker, ".tmp");
	assert_int_equal(access(fx->marker, F_OK), -1);
}

/* Killed: the marker still says running, with what the last heartbeat wrote down. */
static void test_run_never_stopped_reads_as_unclean(void **state)
{
	struct fx *fx = *state;
	char text[320];

	start(fx, RUN_A);
	assert_int_equal(runmark__update(fx->m, 3, 0), 0);
	assert_int_equal(runmark__update(fx->m, 17, HB_NS), 0);
	assert_int_equal(runmark__update(fx->m, 18, 0), 0);	/* keeps the heartbeat's time */
	start(fx, RUN_B);	/* without a stop: as after kill -9 */
	assert_string_equal(fx->prev.state, "unclean");
	assert_string_equal(fx->prev.run_id, RUN_A);
	assert_int_equal(fx->prev.last_sequence, 18);
	assert_int_equal(fx->prev.last_heartbeat_ns, HB_NS);
	runmark__describe(&fx->prev, text, sizeof(text));
	assert_string_equal(text, "; the previous run " RUN_A " did not stop in order (killed, "
			    "crashed or the power went): the last record it wrote down was number "
			    "18, its last heartbeat 2023-11-14T22:14:20.123Z");
}

static void test_stopped_run_reads_as_clean(void **state)
{
	struct fx *fx = *state;
	char text[320];

	start(fx, RUN_A);
	assert_int_equal(runmark__update(fx->m, 17, HB_NS), 0);
	assert_int_equal(runmark__stopped(fx->m, 21), 0);
	start(fx, RUN_B);
	assert_string_equal(fx->prev.state, "clean");
	assert_string_equal(fx->prev.run_id, RUN_A);
	assert_int_equal(fx->prev.last_sequence, 21);
	runmark__describe(&fx->prev, text, sizeof(text));
	assert_string_equal(text, "");
	/* and the new run is noted as running again */
	start(fx, RUN_A);
	assert_string_equal(fx->prev.state, "unclean");
	assert_string_equal(fx->prev.run_id, RUN_B);
	assert_int_equal(fx->prev.last_sequence, 0);
}

/* What does not read as a marker says nothing of how the run ended: unclean, no run id. */
static void test_damaged_marker_reads_as_unclean(void **state)
{
	struct fx *fx = *state;
	static const char *const bad[] = {
		"",
		"run_id=" RUN_A "\nstate=stopped\n",
		"run_id=" RUN_A "\nstate=clean\nlast_sequence=-1\n",
		"run_id=" RUN_A "\nstate=clean\nlast_sequence=12x\n",
		"run_id=../../etc\nstate=clean\n",
		"state=clean\n",
		"garbage\n",
	};
	char big[5000], text[320];

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		put_marker(fx, bad[i]);
		start(fx, RUN_B);
		runmark__close(fx->m);
		fx->m = NULL;
		assert_string_equal(fx->prev.state, "unclean");
		assert_string_equal(fx->prev.run_id, "");
		assert_int_equal(fx->prev.last_sequence, 0);
	}
	memset(big, '#', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	put_marker(fx, big);
	start(fx, RUN_B);
	assert_string_equal(fx->prev.state, "unclean");
	runmark__describe(&fx->prev, text, sizeof(text));
	assert_non_null(strstr(text, "damaged"));
	/* a link in its place is not followed, and is replaced */
	runmark__close(fx->m);
	fx->m = NULL;
	assert_int_equal(unlink(fx->marker), 0);
	assert_int_equal(symlink("/etc/passwd", fx->marker), 0);
	start(fx, RUN_B);
	assert_string_equal(fx->prev.run_id, "");
	assert_string_equal(fx->prev.state, "unclean");
	assert_int_equal(runmark__stopped(fx->m, 5), 0);
	start(fx, RUN_A);
	assert_string_equal(fx->prev.state, "clean");
	assert_int_equal(fx->prev.last_sequence, 5);
}

/* Unknown keys (a later version's) and comments are left alone. */
static void test_unknown_keys_ignored(void **state)
{
	struct fx *fx = *state;

	put_marker(fx, "# note\nrun_id=" RUN_A "\nstate=clean\nlast_sequence=9\nfuture=1\n");
	start(fx, RUN_B);
	assert_string_equal(fx->prev.state, "clean");
	assert_int_equal(fx->prev.last_sequence, 9);
}

static void test_one_run_at_a_time(void **state)
{
	struct fx *fx = *state;
	int err = 0;

	start(fx, RUN_A);
	assert_null(runmark__open(fx->dir, RUN_B, &err));
	assert_int_equal(err, -EBUSY);
	runmark__close(fx->m);
	fx->m = NULL;
	start(fx, RUN_B);
	assert_string_equal(fx->prev.run_id, RUN_A);	/* the second did not touch it */
}

static void test_unusable_dir(void **state)
{
	struct fx *fx = *state;
	char path[96];
	int err = 0;

	snprintf(path, sizeof(path), "%s/missing/deeper", fx->dir);
	assert_null(runmark__open(path, RUN_A, &err));
	assert_int_equal(err, -ENOENT);
	snprintf(path, sizeof(path), "%s/file", fx->dir);
	put_marker(fx, "");
	assert_int_equal(rename(fx->marker, path), 0);
	assert_null(runmark__open(path, RUN_A, &err));
	assert_int_equal(err, -ENOTDIR);
	/* made when missing, with its parent there */
	snprintf(path, sizeof(path), "%s/new", fx->dir);
	fx->m = runmark__open(path, RUN_A, &err);
	assert_non_null(fx->m);
	assert_null(runmark__previous(fx->m));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_first_run_has_no_previous),
		T(test_run_never_stopped_reads_as_unclean),
		T(test_stopped_run_reads_as_clean),
		T(test_damaged_marker_reads_as_unclean),
		T(test_unknown_keys_ignored),
		T(test_one_run_at_a_time),
		T(test_unusable_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the bounds of hashing in user/process/identity.c (and filehash.c): a file
 * is read no further than the size seen at open, a file that changed while it was read
 * has no identity, a file over its time budget is answered without one, a path is never
 * followed through a /proc magic link, and a download's presence is checked without
 * following its last link. On a copy of /usr/bin/true (and big sparse files) in a temp dir.
 */
#include <errno.h>
#include <time.h>

#include "file_fixture.h"

#include "process/identity.h"

struct fx {
	char dir[32];
	char path[64];			/* the copy of /usr/bin/true */
	char sha[65];			/* its SHA-256, by OpenSSL */
	struct identity *id;
	int nanswers;
	struct file_ident *answer;	/* the last one, a reference */
	enum ident_why why;
};

static void on_done(void *ctx, void *cookie, struct file_ident *f, enum ident_why why)
{
	struct fx *fx = ctx;

	(void)cookie;
	ident__put(fx->answer);
	fx->answer = ident__get(f);
	fx->why = why;
	fx->nanswers++;
}

/* With two workers: the answer comes through on_done. */
static struct identity *new_workers(struct fx *fx)
{
	fx->id = identity__new("/proc", 2);
	assert_non_null(fx->id);
	identity__set_done(fx->id, on_done, fx);
	return fx->id;
}

/* A sparse file of size bytes in the fixture's directory. */
static void sparse(struct fx *fx, const char *name, off_t size, char *path, size_t len)
{
	int fd;

	snprintf(path, len, "%s/%s", fx->dir, name);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, size), 0);
	close(fd);
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx || copy_of_true("/tmp/embargo-bounds-XXXXXX", fx->dir, fx->path, fx->sha))
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	identity__free(fx->id);
	ident__put(fx->answer);
	unlink(fx->path);
	for (const char *const *n = (const char *const[]){ "big", "link", "gone", NULL }; *n; n++) {
		char path[96];

		snprintf(path, sizeof(path), "%s/%s", fx->dir, *n);
		unlink(path);
	}
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static struct identity *new_identity(struct fx *fx)
{
	fx->id = identity__new("/proc", 0);
	assert_non_null(fx->id);
	return fx->id;
}

/*
 * A file grown to 15 TB (sparse) after its size was seen: hashing reads only the size seen,
 * then finds the file changed and gives no identity, at once (the unbounded read took hours).
 */
static void test_file_grown_after_its_size_was_seen_costs_its_old_size(void **state)
{
	struct fx *fx = *state;
	int fd = open(fx->path, O_RDWR | O_CLOEXEC);
	struct timespec t0, t1;
	struct file_ident *f;
	struct stat st;

	new_identity(fx);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(ftruncate(fd, 15LL << 40), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	f = identity__of_fd_at(fx->id, fd, &st);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	close(fd);
	assert_null(f);
	assert_int_equal(identity__stats(fx->id)->changed, 1);
	assert_int_equal(identity__stats(fx->id)->bytes, (uint64_t)st.st_size);
	assert_true(t1.tv_sec - t0.tv_sec < 2);
}

/* Touched while hashed (same size, new times): the hash is of no version of it. */
static void test_file_touched_after_its_stat_has_no_identity(void **state)
{
	struct fx *fx = *state;
	int fd = open(fx->path, O_RDONLY | O_CLOEXEC);
	struct timespec later[2] = { { .tv_sec = 1 }, { .tv_sec = 2 } };
	struct stat st;

	new_identity(fx);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(futimens(fd, later), 0);
	assert_null(identity__of_fd_at(fx->id, fd, &st));
	close(fd);
	assert_int_equal(identity__stats(fx->id)->changed, 1);
	/* as it is now, it hashes: the content never changed */
	fd = open(fx->path, O_RDONLY | O_CLOEXEC);
	assert_int_equal(fstat(fd, &st), 0);
	struct file_ident *f = identity__of_fd_at(fx->id, fd, &st);

	close(fd);
	assert_non_null(f);
	assert_string_equal(f->sha256, fx->sha);
	ident__put(f);
}

/* Over its time budget, a file is answered without identity, and soon. */
static void test_file_over_its_budget_is_answered_timeout(void **state)
{
	struct fx *fx = *state;
	char path[96];
	struct file_ident *f;
	enum ident_why why;
	struct timespec t0, t1;

	sparse(fx, "big", 256 << 20, path, sizeof(path));
	new_workers(fx);
	identity__set_budget(fx->id, 1, 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(identity__resolve_path(fx->id, path, NULL, &f, &why), IDENT_PENDING);
	while (!fx->nanswers) {
		usleep(1000);
		identity__tick(fx->id);
		identity__complete(fx->id);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_null(fx->answer);
	assert_int_equal(fx->why, IDENT_TIMEOUT);
	assert_string_equal(ident__why_name(fx->why), "timeout");
	assert_int_equal(identity__stats(fx->id)->timeouts, 1);
	assert_true(t1.tv_sec - t0.tv_sec < 2);
}

/* Stopping does not wait for a long hash: what is left is answered "stopping". */
static void test_drain_answers_what_is_left_stopping(void **state)
{
	struct fx *fx = *state;
	char path[96];
	struct file_ident *f;
	enum ident_why why;
	struct identity_load load;

	sparse(fx, "big", 1LL << 30, path, sizeof(path));
	new_workers(fx);
	assert_int_equal(identity__resolve_path(fx->id, path, NULL, &f, &why), IDENT_PENDING);
	identity__load(fx->id, &load);
	assert_int_equal(load.pending, 1);
	identity__drain(fx->id, 0);
	assert_int_equal(fx->nanswers, 1);
	assert_null(fx->answer);
	assert_int_equal(fx->why, IDENT_STOPPING);
}

/* /proc/self/fd/N would be embargo's own file: never followed from a user's path. */
static void test_magic_link_is_never_followed(void **state)
{
	struct fx *fx = *state;
	int fd = open(fx->path, O_RDONLY | O_CLOEXEC);
	char path[64];
	struct file_ident *f;
	enum ident_why why;

	assert_true(fd >= 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	new_workers(fx);
	assert_int_equal(identity__resolve_path(fx->id, path, NULL, &f, &why), IDENT_PENDING);
	identity__drain(fx->id, 10000);
	close(fd);
	assert_int_equal(fx->nanswers, 1);
	assert_null(fx->answer);
	assert_int_equal(fx->why, IDENT_GONE);
	assert_int_equal(identity__stats(fx->id)->bytes, 0);
}

/* A download: there or not, its own link never followed; hashed only when asked. */
static void test_probe_file_says_whether_it_is_there(void **state)
{
	struct fx *fx = *state;
	char link[96], gone[96];
	struct file_ident *f;
	enum ident_why why;

	snprintf(link, sizeof(link), "%s/link", fx->dir);
	snprintf(gone, sizeof(gone), "%s/gone", fx->dir);
	assert_int_equal(symlink(fx->path, link), 0);
	new_workers(fx);
	assert_int_equal(identity__probe_file(fx->id, fx->path, false, NULL, &f, &why),
			 IDENT_PENDING);
	identity__drain(fx->id, 10000);
	assert_int_equal(fx->why, IDENT_OK);
	assert_null(fx->answer);
	assert_int_equal(identity__probe_file(fx->id, fx->path, true, NULL, &f, &why),
			 IDENT_PENDING);
	identity__drain(fx->id, 10000);
	assert_int_equal(fx->why, IDENT_OK);
	assert_non_null(fx->answer);
	assert_string_equal(fx->answer->sha256, fx->sha);
	/* the link is there, and is not the file it points to */
	assert_int_equal(identity__probe_file(fx->id, link, true, NULL, &f, &why), IDENT_PENDING);
	identity__drain(fx->id, 10000);
	assert_int_equal(fx->why, IDENT_NOT_REGULAR);
	assert_null(fx->answer);
	assert_int_equal(identity__probe_file(fx->id, gone, false, NULL, &f, &why), IDENT_PENDING);
	identity__drain(fx->id, 10000);
	assert_int_equal(fx->why, IDENT_GONE);
	assert_int_equal(fx->nanswers, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_file_grown_after_its_size_was_seen_costs_its_old_size),
		T(test_file_touched_after_its_stat_has_no_identity),
		T(test_file_over_its_budget_is_answered_timeout),
		T(test_drain_answers_what_is_left_stopping),
		T(test_magic_link_is_never_followed),
		T(test_probe_file_says_whether_it_is_there),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

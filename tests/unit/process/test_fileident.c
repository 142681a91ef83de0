// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for user/process/fileident.c and lib/fsdev.c: which file counts as the one the
 * kernel ran (overlayfs: another device, the same inode and stamp), on /usr/bin/true.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "file_fixture.h"

#include "lib/fsdev.h"
#include "process/fileident.h"

struct fx {
	const char *path;
	struct stat st;
};

static int setup(void **state)
{
	static struct fx fx = { .path = "/usr/bin/true" };

	*state = &fx;
	return stat(fx.path, &fx.st);
}

/* The kernel's record and fstat agree on device and inode: the same file, anywhere. */
static void test_same_file_when_device_and_inode_match(void **state)
{
	struct fx *fx = *state;
	struct ev_file ran = ran_from_stat(&fx->st);

	assert_true(ident__same_file(&ran, &fx->st, false));
	assert_true(ident__same_file(&ran, &fx->st, true));
	/* the normal case asks nothing more: a touched file that ran is still that file */
	ran.ctime_nsec ^= 1;
	ran.size++;
	assert_true(ident__same_file(&ran, &fx->st, false));
	ran.ino++;
	assert_false(ident__same_file(&ran, &fx->st, false));
	assert_false(ident__same_file(&ran, &fx->st, true));
}

/*
 * Another device, the same inode and stamp: on overlayfs (the kernel's device is the
 * overlay's, fstat's a layer's) the same file; anywhere else another file.
 */
static void test_other_device_same_stamp_only_on_overlay(void **state)
{
	struct fx *fx = *state;
	struct ev_file ran = ran_from_stat(&fx->st);

	ran.dev = fx->st.st_dev + 2;
	assert_true(ident__same_file(&ran, &fx->st, true));
	assert_false(ident__same_file(&ran, &fx->st, false));
}

static void test_overlay_any_stamp_difference_is_other_file(void **state)
{
	struct fx *fx = *state;
	const struct ev_file base = ran_from_stat(&fx->st);
	struct ev_file ran[6];

	for (size_t i = 0; i < ARRAY_SIZE(ran); i++) {
		ran[i] = base;
		ran[i].dev = fx->st.st_dev + 2;
	}
	ran[0].ino++;
	ran[1].size++;
	ran[2].mtime_sec--;
	ran[3].mtime_nsec ^= 1;
	ran[4].ctime_sec++;
	ran[5].ctime_nsec ^= 1;
	for (size_t i = 0; i < ARRAY_SIZE(ran); i++)
		assert_false(ident__same_file(&ran[i], &fx->st, true));
}

/* fsdev__stat is stat(2) off overlayfs (the overlay case needs a mount: integration test). */
static void test_fsdev_stat_is_stat_off_overlay(void **state)
{
	struct fx *fx = *state;
	struct stat st;
	int fd = open(fx->path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_false(fsdev__on_overlay(fd));
	close(fd);
	assert_int_equal(fsdev__stat(fx->path, NULL, &st), 0);
	assert_int_equal(st.st_dev, fx->st.st_dev);
	assert_int_equal(st.st_ino, fx->st.st_ino);
	assert_int_equal(st.st_ctim.tv_nsec, fx->st.st_ctim.tv_nsec);
	assert_int_equal(fsdev__stat("/nonexistent/embargo", NULL, &st), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup(f, setup)
		T(test_same_file_when_device_and_inode_match),
		T(test_other_device_same_stamp_only_on_overlay),
		T(test_overlay_any_stamp_difference_is_other_file),
		T(test_fsdev_stat_is_stat_off_overlay),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

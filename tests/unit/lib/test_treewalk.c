// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for user/lib/treewalk.c on a tree made in a temporary directory: what is
 * handed over (regular files only, symlinks never followed), the depth and skip bounds,
 * each directory once across walks, and the pattern walks of a home's places.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"

#include "lib/treewalk.h"

struct fixture {
	char dir[64];
	struct treewalk *w;
	char seen[16][256];	/* paths handed over, relative to dir */
	size_t n;
	size_t stop_after;	/* 0: never ask to stop */
};

static void make(struct fixture *fx, const char *rel)
{
	char path[256], *slash;

	snprintf(path, sizeof(path), "%s/%s", fx->dir, rel);
	slash = strchr(path + strlen(fx->dir) + 1, '/');
	for (; slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	if (path[strlen(path) - 1] != '/')
		assert_int_equal(close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)), 0);
}

static void link_to(struct fixture *fx, const char *target, const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", fx->dir, rel);
	assert_int_equal(symlink(target, path), 0);
}

static int found(void *ctx, int fd, const char *path, const struct stat *st)
{
	struct fixture *fx = ctx;
	struct stat again;

	assert_int_equal(fstat(fd, &again), 0);
	assert_true(S_ISREG(st->st_mode) && again.st_ino == st->st_ino);
	assert_true(fx->n < ARRAY_SIZE(fx->seen));
	snprintf(fx->seen[fx->n++], sizeof(fx->seen[0]), "%s", path + strlen(fx->dir) + 1);
	return fx->stop_after && fx->n >= fx->stop_after;
}

static bool saw(const struct fixture *fx, const char *rel)
{
	for (size_t i = 0; i < fx->n; i++)
		if (!strcmp(fx->seen[i], rel))
			return true;
	return false;
}

static void walk(struct fixture *fx, const struct treewalk_opts *o, struct treewalk_stats *st)
{
	int fd = open(fx->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	assert_true(fd >= 0);
	treewalk__walk(fx->w, fd, fx->dir, o, found, fx, st);
	close(fd);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	strcpy(fx->dir, "/tmp/embargo-treewalk-XXXXXX");
	if (!mkdtemp(fx->dir) || !(fx->w = treewalk__new()))
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	if (system(cmd))
		return -1;
	treewalk__free(fx->w);
	free(fx);
	return 0;
}

static void test_regular_files_only_and_links_never_followed(void **state)
{
	struct fixture *fx = *state;
	struct treewalk_opts o = { .max_depth = 6 };
	struct treewalk_stats st = { 0 };

	make(fx, "a/kvrt.run");
	make(fx, "top");
	link_to(fx, "/etc", "etc");
	link_to(fx, "/etc/passwd", "a/passwd");
	assert_int_equal(mkfifo(strcat(strcpy(fx->seen[15], fx->dir), "/fifo"), 0600), 0);
	walk(fx, &o, &st);
	assert_int_equal(fx->n, 2);
	assert_true(saw(fx, "a/kvrt.run") && saw(fx, "top"));
	assert_int_equal(st.files, 2);
	assert_int_equal(st.links, 2);
	assert_false(st.timed_out || st.stopped);
}

static void test_depth_bound(void **state)
{
	struct fixture *fx = *state;
	struct treewalk_opts o = { .max_depth = 2 };
	struct treewalk_stats st = { 0 };

	make(fx, "one");
	make(fx, "a/two");
	make(fx, "a/b/three");
	walk(fx, &o, &st);
	assert_int_equal(fx->n, 2);
	assert_true(saw(fx, "one") && saw(fx, "a/two"));
	assert_int_equal(st.deep, 1);	/* a/b: its files would be at depth 3 */
}

static void test_skip_patterns(void **state)
{
	struct fixture *fx = *state;
	char pattern[128];
	char *skip[] = { pattern };
	struct treewalk_opts o = { .max_depth = 6, .skip = skip, .nskip = 1 };
	struct treewalk_stats st = { 0 };

	make(fx, "VMs/x/kesl");
	make(fx, "Downloads/kvrt.run");
	snprintf(pattern, sizeof(pattern), "%s/V*", fx->dir);
	walk(fx, &o, &st);
	assert_int_equal(fx->n, 1);
	assert_true(saw(fx, "Downloads/kvrt.run"));
	assert_int_equal(st.skipped, 1);
	assert_true(treewalk__skipped(&o, pattern));
}

static void test_each_directory_once_and_places_first(void **state)
{
	struct fixture *fx = *state;
	struct treewalk_opts o = { .max_depth = 1 };
	struct treewalk_stats st = { 0 };
	int fd = open(fx->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	make(fx, ".wine/drive_c/Program Files (x86)/Tencent/WeChat/WeChat.exe");
	make(fx, ".wine/drive_c/Program Files/Notepad/n.exe");
	make(fx, ".wine/drive_c/windows/sys.dll");
	assert_true(fd >= 0);
	/* each match walked from depth 0: deeper than the bound would let the home's walk */
	o.max_depth = 3;
	treewalk__walk_matches(fx->w, fd, fx->dir, ".wine/drive_c/Program Files*", &o, found,
			       fx, &st);
	assert_int_equal(fx->n, 2);
	assert_true(saw(fx, ".wine/drive_c/Program Files (x86)/Tencent/WeChat/WeChat.exe"));
	assert_true(saw(fx, ".wine/drive_c/Program Files/Notepad/n.exe"));
	/* then the whole tree: those directories are not walked again */
	o.max_depth = 8;
	treewalk__walk(fx->w, fd, fx->dir, &o, found, fx, &st);
	assert_int_equal(fx->n, 3);
	assert_true(saw(fx, ".wine/drive_c/windows/sys.dll"));
	close(fd);
}

static void test_a_link_is_no_place(void **state)
{
	struct fixture *fx = *state;
	struct treewalk_opts o = { .max_depth = 6 };
	struct treewalk_stats st = { 0 };
	int fd = open(fx->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	link_to(fx, "/etc", "Downloads");
	assert_true(fd >= 0);
	treewalk__walk_matches(fx->w, fd, fx->dir, "Downloads", &o, found, fx, &st);
	assert_int_equal(fx->n, 0);
	assert_int_equal(treewalk__open_path(fx->w, fd, "Downloads", false), -ELOOP);
	close(fd);
}

static void test_callback_stops_and_deadline_passes(void **state)
{
	struct fixture *fx = *state;
	struct treewalk_opts o = { .max_depth = 6 };
	struct treewalk_stats st = { 0 };

	make(fx, "a");
	make(fx, "b");
	make(fx, "c");
	fx->stop_after = 1;
	walk(fx, &o, &st);
	assert_true(st.stopped);
	assert_int_equal(fx->n, 1);
	/* a deadline already past: nothing */
	treewalk__free(fx->w);
	fx->w = treewalk__new();
	fx->n = fx->stop_after = 0;
	memset(&st, 0, sizeof(st));
	o.deadline_ms = 1;
	walk(fx, &o, &st);
	assert_true(st.timed_out);
	assert_int_equal(fx->n, 0);
}

static void test_roots_on_remote_filesystems_by_the_mount_table(void **state)
{
	struct fixture *fx = *state;

	assert_false(treewalk__path_remote(fx->w, fx->dir));
	assert_int_equal(treewalk__open_root(fx->w, "relative"), -EINVAL);
	assert_int_equal(treewalk__open_root(fx->w, "/nonexistent-embargo"), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_regular_files_only_and_links_never_followed),
		T(test_depth_bound),
		T(test_skip_patterns),
		T(test_each_directory_once_and_places_first),
		T(test_a_link_is_no_place),
		T(test_callback_stops_and_deadline_passes),
		T(test_roots_on_remote_filesystems_by_the_mount_table),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

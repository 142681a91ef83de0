// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for user/lib/mounttable.c over mount tables written by hand in mountinfo's
 * format: which mount shows a file of a filesystem, and under which path, for whole
 * filesystems, bind mounts of a directory, subvolumes, escaped names and odd lines.
 */
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "unit.h"

#include "lib/mounttable.h"

#define ROOT_DEV makedev(254, 0)
#define HOME_DEV makedev(254, 1)
#define BTRFS_DEV makedev(0, 40)

static const char TABLE[] =
	"22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n"
	"23 22 254:1 / /home rw,relatime shared:2 - ext4 /dev/vda2 rw\n"
	/* /opt/QQ bind-mounted on /srv/qq, and again deeper: the shortest point wins */
	"40 22 254:0 /opt/QQ /srv/qq rw shared:1 - ext4 /dev/vda1 rw\n"
	"41 22 254:0 /opt/QQ /srv/a/b/qq rw shared:1 - ext4 /dev/vda1 rw\n"
	/* a directory with a space, escaped as mountinfo does */
	"42 22 254:0 /opt/My\\040Apps /mnt/my\\040apps rw - ext4 /dev/vda1 rw\n"
	/* a btrfs subvolume: only its root is shown */
	"50 22 0:40 /@data /data rw - btrfs /dev/vdb rw\n"
	"garbage line\n"
	"51 22 notadev / /x rw - tmpfs tmpfs rw\n";

struct fixture {
	char path[64];
	struct mounttable *mt;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	FILE *f;
	int fd;

	if (!fx)
		return -1;
	strcpy(fx->path, "/tmp/embargo-mountinfo-XXXXXX");
	fd = mkstemp(fx->path);
	if (fd < 0 || !(f = fdopen(fd, "w")))
		return -1;
	fputs(TABLE, f);
	fclose(f);
	fx->mt = mounttable__open(fx->path);
	*state = fx;
	return fx->mt ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	mounttable__free(fx->mt);
	unlink(fx->path);
	free(fx);
	return 0;
}

static void assert_path_of(struct fixture *fx, dev_t dev, const char *fs_path, const char *want)
{
	char *got = mounttable__path_of(fx->mt, dev, fs_path);

	if (!want) {
		if (got)
			fail_msg("%s: %s, expected none", fs_path, got);
		return;
	}
	if (!got)
		fail_msg("%s: none, expected %s", fs_path, want);
	assert_string_equal(got, want);
	free(got);
}

static void test_whole_filesystems(void **state)
{
	assert_path_of(*state, ROOT_DEV, "/opt/QQ/qq", "/opt/QQ/qq");
	assert_path_of(*state, ROOT_DEV, "/", "/");
	assert_path_of(*state, HOME_DEV, "/ada/bin/tool", "/home/ada/bin/tool");
	assert_path_of(*state, HOME_DEV, "/", "/home");
}

/* The root mount shows /opt/QQ whole: never the bind mounts' view of the same file. */
static void test_the_whole_filesystem_beats_a_bind_mount(void **state)
{
	assert_path_of(*state, ROOT_DEV, "/opt/QQ/qq", "/opt/QQ/qq");
}

static void test_a_bind_mount_alone_shows_its_directory(void **state)
{
	struct fixture *fx = *state;
	FILE *f = fopen(fx->path, "w");

	assert_non_null(f);
	fputs("40 22 254:0 /opt/QQ /srv/qq rw - ext4 /dev/vda1 rw\n"
	      "41 22 254:0 /opt/QQ /srv/a/b/qq rw - ext4 /dev/vda1 rw\n", f);
	fclose(f);
	mounttable__free(fx->mt);
	fx->mt = mounttable__open(fx->path);
	assert_path_of(fx, ROOT_DEV, "/opt/QQ/qq", "/srv/qq/qq");
	assert_path_of(fx, ROOT_DEV, "/opt/QQ", "/srv/qq");
	/* a sibling whose name starts alike is not inside */
	assert_path_of(fx, ROOT_DEV, "/opt/QQMusic/qqm", NULL);
	assert_path_of(fx, ROOT_DEV, "/etc/passwd", NULL);
}

static void test_escaped_names_and_subvolumes(void **state)
{
	assert_path_of(*state, BTRFS_DEV, "/@data/reports/x", "/data/reports/x");
	assert_path_of(*state, BTRFS_DEV, "/@other/x", NULL);
}

static void test_escaped_directory(void **state)
{
	struct fixture *fx = *state;
	FILE *f = fopen(fx->path, "w");

	assert_non_null(f);
	fputs("42 22 254:0 /opt/My\\040Apps /mnt/my\\040apps rw - ext4 /dev/vda1 rw\n", f);
	fclose(f);
	mounttable__free(fx->mt);
	fx->mt = mounttable__open(fx->path);
	assert_path_of(fx, ROOT_DEV, "/opt/My Apps/qq", "/mnt/my apps/qq");
}

static void test_unknown_device_and_relative_paths(void **state)
{
	assert_path_of(*state, makedev(8, 99), "/opt/QQ/qq", NULL);
	assert_path_of(*state, ROOT_DEV, "opt/QQ/qq", NULL);
	assert_path_of(*state, ROOT_DEV, "", NULL);
}

static void test_missing_table_is_null(void **state)
{
	(void)state;
	assert_null(mounttable__open("/nonexistent/mountinfo"));
	assert_null(mounttable__path_of(NULL, ROOT_DEV, "/x"));
	mounttable__free(NULL);
}

/* The live table of this process: / is shown as /, whatever the machine. */
static void test_this_process_table(void **state)
{
	struct mounttable *mt = mounttable__open("/proc/self/mountinfo");
	struct stat st;
	char *got;

	(void)state;
	assert_non_null(mt);
	assert_int_equal(stat("/", &st), 0);
	got = mounttable__path_of(mt, st.st_dev, "/");
	if (got) /* an overlay root reports a device stat does not: then there is no answer */
		assert_string_equal(got, "/");
	free(got);
	mounttable__free(mt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_whole_filesystems),
		T(test_the_whole_filesystem_beats_a_bind_mount),
		T(test_a_bind_mount_alone_shows_its_directory),
		T(test_escaped_names_and_subvolumes),
		T(test_escaped_directory),
		T(test_unknown_device_and_relative_paths),
		cmocka_unit_test(test_missing_table_is_null),
		cmocka_unit_test(test_this_process_table),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

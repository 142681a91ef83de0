/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small file system to fill up, for tests of what a full disk does (test_spool_reserve.c,
 * test_output.c): a tmpfs mounted in a mount namespace of the test process's own, so nothing
 * outside sees it and it goes with the process. Root unshares the mount namespace; anyone
 * else enters a user namespace first, where they are root. Before any thread starts.
 */
#ifndef EMBARGO_TESTS_TMPFS_FIXTURE_H
#define EMBARGO_TESTS_TMPFS_FIXTURE_H

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"

/* The group's tmpfs; "" when this system would not let us have one (the tests then skip). */
static char tmpfs_dir[64];

static inline int tmpfs_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -EIO;
}

/* Root in a user namespace of our own: what mounting there needs. */
static inline int tmpfs_enter_userns(void)
{
	char map[64];
	uid_t uid = getuid();
	gid_t gid = getgid();

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS))
		return -errno;
	snprintf(map, sizeof(map), "0 %u 1", (unsigned int)uid);
	if (tmpfs_write_file("/proc/self/uid_map", map))
		return -EPERM;
	tmpfs_write_file("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "0 %u 1", (unsigned int)gid);
	return tmpfs_write_file("/proc/self/gid_map", map) ? -EPERM : 0;
}

/* A tmpfs of kib KiB on dir (made if missing); 0, or -errno when this system does not let us. */
static inline int tmpfs_private(const char *dir, unsigned int kib)
{
	char opts[64];

	if (unshare(CLONE_NEWNS) && tmpfs_enter_userns())
		return -EPERM;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -errno;
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	snprintf(opts, sizeof(opts), "size=%uk,mode=0700", kib);
	return mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, opts) ? -errno : 0;
}

/* Write path until the file system is full; returns its size. */
static inline off_t tmpfs_fill(const char *path)
{
	static const char page[4096];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	off_t size = 0;
	ssize_t n;

	assert_true(fd >= 0);
	while ((n = write(fd, page, sizeof(page))) > 0)
		size += n;
	assert_int_equal(errno, ENOSPC);
	close(fd);
	return size;
}

/* For a cmocka group setup: a tmpfs of kib KiB at tmpfs_dir for the group's tests. */
static inline int tmpfs_group_open(unsigned int kib)
{
	snprintf(tmpfs_dir, sizeof(tmpfs_dir), "/tmp/embargo-tmpfs-%d", (int)getpid());
	if (tmpfs_private(tmpfs_dir, kib)) {
		rmdir(tmpfs_dir);
		tmpfs_dir[0] = '\0';
	}
	return 0;
}

static inline int tmpfs_group_close(void **state)
{
	(void)state;
	if (tmpfs_dir[0]) {
		umount2(tmpfs_dir, MNT_DETACH);
		rmdir(tmpfs_dir);
	}
	return 0;
}

/* The file that fills it up. */
static inline const char *tmpfs_filler(void)
{
	static char path[96];

	snprintf(path, sizeof(path), "%s/filler", tmpfs_dir);
	return path;
}

/* Give back the file system all but keep bytes of the file (whole pages). */
static inline void tmpfs_shrink(const char *path, off_t keep)
{
	assert_int_equal(truncate(path, keep), 0);
}

#endif /* EMBARGO_TESTS_TMPFS_FIXTURE_H */

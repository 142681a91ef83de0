// SPDX-License-Identifier: GPL-2.0-only
#include "lib/path.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

char *path__absolute(const char *dir, const char *rel)
{
	char *out;

	if (rel[0] == '/')
		return strdup(rel);
	if (!dir || dir[0] != '/')
		return NULL;
	while (rel[0] == '.' && rel[1] == '/')
		rel += 2;
	if (asprintf(&out, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", rel) < 0)
		return NULL;
	return out;
}

/* Where openat2 is missing: the file opened must be named by the very path given. */
static int open_unlinked_path(const char *path, int flags)
{
	char link[64], target[PATH_MAX];
	int fd = open(path, flags | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return -errno;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n > 0) {
		target[n] = '\0';
		if (!strcmp(target, path))
			return fd;
	}
	/* a symlink on the way (maybe a magic one), or a path not in canonical form */
	close(fd);
	return -ELOOP;
}

#ifndef RESOLVE_CACHED
#define RESOLVE_CACHED 0x20	/* 5.12 */
#endif

int path__open_no_magic(const char *path, int flags)
{
	struct open_how how = { .flags = (uint64_t)(flags | O_CLOEXEC),
				.resolve = RESOLVE_NO_MAGICLINKS | RESOLVE_CACHED };
	long fd = syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));

	/* the path just run or written is in the kernel's cache: no filesystem is asked */
	if (fd >= 0)
		return (int)fd;
	if (errno == EAGAIN || errno == EINVAL) {
		how.resolve &= ~(uint64_t)RESOLVE_CACHED;	/* not cached; or before 5.12 */
		fd = syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
	}
	if (fd >= 0)
		return (int)fd;
	/* before 5.6, or a seccomp filter that does not know the call (it answers EPERM) */
	if (errno == ENOSYS || errno == EPERM)
		return open_unlinked_path(path, flags | O_CLOEXEC);
	return -errno;
}

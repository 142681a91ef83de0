// SPDX-License-Identifier: GPL-2.0-only
#include "lib/fsdev.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>

bool fsdev__on_overlay(int fd)
{
	struct statfs sf;

	return !fstatfs(fd, &sf) && sf.f_type == OVERLAYFS_SUPER_MAGIC;
}

/* Mount mnt_id's line of the mount table (malloc'ed), or NULL. */
static char *mount_line(const char *mountinfo, uint64_t mnt_id)
{
	FILE *f = fopen(mountinfo ? mountinfo : "/proc/self/mountinfo", "re");
	unsigned long long id;
	char *line = NULL;	/* whole lines: an overlay's lowerdir list can be very long */
	size_t size = 0;

	if (!f)
		return NULL;
	while (getline(&line, &size, f) > 0)
		if (sscanf(line, "%llu", &id) == 1 && id == mnt_id) {
			fclose(f);
			return line;
		}
	free(line);
	fclose(f);
	return NULL;
}

/* The superblock device of mount mnt_id: the MAJ:MIN column of its mountinfo line. */
static int mount_dev(const char *mountinfo, uint64_t mnt_id, dev_t *dev)
{
	char *line = mount_line(mountinfo, mnt_id);
	unsigned int major, minor;
	int err = -ENOENT;

	if (line && sscanf(line, "%*u %*u %u:%u", &major, &minor) == 2) {
		*dev = makedev(major, minor);
		err = 0;
	}
	free(line);
	return err;
}

/*
 * Whose reads wait on another process or host that may never answer: FUSE (any user can
 * mount one with fusermount3; fuseblk, fuse.sshfs...) and network filesystems. 9p is left
 * out: a hypervisor's shared folder, which only root mounts.
 */
bool fsdev__remote_type(const char *type, size_t len)
{
	static const char *const remote[] = { "nfs", "nfs4", "cifs", "smb3", "smbfs", "ceph",
					      "afs", "lustre", "glusterfs" };

	if (len >= 4 && !strncmp(type, "fuse", 4))
		return true;
	for (size_t i = 0; i < sizeof(remote) / sizeof(remote[0]); i++)
		if (strlen(remote[i]) == len && !strncmp(type, remote[i], len))
			return true;
	return false;
}

bool fsdev__on_remote(int fd)
{
	struct statx sx;
	const char *type;
	char *line;
	bool remote = false;

	/* DONT_SYNC: the attributes the kernel has, never a question to the filesystem */
	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_MNT_ID, &sx) ||
	    !(sx.stx_mask & STATX_MNT_ID) || !(line = mount_line(NULL, sx.stx_mnt_id)))
		return false;
	type = strstr(line, " - ");
	if (type) {
		type += 3;
		remote = fsdev__remote_type(type, strcspn(type, " \n"));
	}
	free(line);
	return remote;
}

void fsdev__mountinfo_unescape(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

/* An overlay file's device as the kernel has it: its mount's superblock, not fstat's. */
static void overlay_dev(int fd, const char *mountinfo, struct stat *st)
{
	struct statx sx;
	dev_t dev = 0;

	if (!statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &sx) && (sx.stx_mask & STATX_MNT_ID) &&
	    !mount_dev(mountinfo, sx.stx_mnt_id, &dev))
		st->st_dev = dev;
}

int fsdev__fstat(int fd, const char *mountinfo, struct stat *st)
{
	if (fstat(fd, st))
		return -errno;
	if (fsdev__on_overlay(fd))
		overlay_dev(fd, mountinfo, st);
	return 0;
}

int fsdev__stat(const char *path, const char *mountinfo, struct stat *st)
{
	int fd = open(path, O_PATH | O_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	err = fsdev__fstat(fd, mountinfo, st);
	close(fd);
	return err;
}

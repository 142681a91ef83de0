// SPDX-License-Identifier: GPL-2.0-only
#include "lib/fsdev.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>

bool fsdev__on_overlay(int fd)
{
	struct statfs sf;

	return !fstatfs(fd, &sf) && sf.f_type == OVERLAYFS_SUPER_MAGIC;
}

/*
 * Filesystems whose reads wait on another process or host: FUSE (any user can mount one with
 * fusermount3), NFS, SMB, 9p, Ceph, AFS. Not in linux/magic.h: the values are the kernels'
 * own (fs/fuse/inode.c, fs/smb/client/cifsglob.h, fs/ceph/super.h, fs/afs/super.c).
 */
bool fsdev__on_remote(int fd)
{
	static const unsigned long remote[] = {
		0x65735546,	/* FUSE_SUPER_MAGIC */
		NFS_SUPER_MAGIC, SMB_SUPER_MAGIC, V9FS_MAGIC,
		0xFF534D42,	/* CIFS_SUPER_MAGIC */
		0xFE534D42,	/* SMB2_SUPER_MAGIC */
		0x00C36400,	/* CEPH_SUPER_MAGIC */
		0x5346414F,	/* AFS_FS_MAGIC */
	};
	struct statfs sf;

	if (fstatfs(fd, &sf))
		return false;
	for (size_t i = 0; i < sizeof(remote) / sizeof(remote[0]); i++)
		if ((unsigned long)sf.f_type == remote[i])
			return true;
	return false;
}

/* The superblock device of mount mnt_id: the MAJ:MIN column of its mountinfo line. */
static int mount_dev(const char *mountinfo, uint64_t mnt_id, dev_t *dev)
{
	FILE *f = fopen(mountinfo ? mountinfo : "/proc/self/mountinfo", "re");
	unsigned long long id;
	unsigned int major, minor;
	char *line = NULL;	/* whole lines: an overlay's lowerdir list can be very long */
	size_t size = 0;
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (err && getline(&line, &size, f) > 0)
		if (sscanf(line, "%llu %*u %u:%u", &id, &major, &minor) == 3 && id == mnt_id) {
			*dev = makedev(major, minor);
			err = 0;
		}
	free(line);
	fclose(f);
	return err;
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

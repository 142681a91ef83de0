/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The device number the kernel knows a file by: inode->i_sb->s_dev, which the exec probe
 * reports and the kernel's block list is keyed by. stat's st_dev is that number except on
 * overlayfs: with layers on different filesystems (and no xino) its files report a
 * pseudo device per layer, while the kernel names them by the overlay's own superblock.
 */
#ifndef EMBARGO_FSDEV_H
#define EMBARGO_FSDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* The open file (O_PATH will do) is on overlayfs. */
bool fsdev__on_overlay(int fd);
/*
 * The open file (O_PATH will do) is on FUSE or a network filesystem, where a read may wait
 * on someone else forever. Known from the mount table: the filesystem is asked nothing.
 */
bool fsdev__on_remote(int fd);
/* A mount table filesystem type (its len bytes) is FUSE or a network filesystem. */
bool fsdev__remote_type(const char *type, size_t len);
/* mountinfo writes a space, tab, newline or backslash in a field as \ooo: decode in place. */
void fsdev__mountinfo_unescape(char *s);
/*
 * stat(2), following symlinks, with st_dev the device the kernel knows the file by.
 * mountinfo is the mount table the path resolves in (NULL: /proc/self/mountinfo; another
 * process's /proc/PID/exe needs that process's /proc/PID/mountinfo). -errno on failure.
 */
int fsdev__stat(const char *path, const char *mountinfo, struct stat *st);
/* fstat(2) of an open file (O_PATH will do), st_dev as above. */
int fsdev__fstat(int fd, const char *mountinfo, struct stat *st);

#endif /* EMBARGO_FSDEV_H */

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What an AppImage says it is: the desktop file at the root of the squashfs image that
 * follows its ELF runtime (the AppImage specification: exactly one `*.desktop` there), read
 * from the file's own bytes, so a WeChat AppImage saved as x.bin still names itself. Only
 * the image's metadata is read (its superblock, the root inode, the root directory), gzip-
 * or xz-compressed; a zstd, lzo or lz4 image is said unread (zstd is not an embargo
 * dependency). The file is a user's: every offset is checked against the image's size, at
 * most APPIMAGE_META_BLOCKS metadata blocks are read, and a lie gives no name, never a crash.
 */
#ifndef EMBARGO_APPIMAGE_H
#define EMBARGO_APPIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define APPIMAGE_META_BLOCKS 64

/* The file: its first bytes in memory; the rest through fd (-1: there is no rest). */
struct appimage_src {
	const uint8_t *head;
	size_t head_len;
	int fd;
};

/* An ELF whose identification bytes carry the AppImage type 2 magic ("AI\2" at 8). */
bool appimage__is(const void *head, size_t len);
/*
 * The desktop id (the root desktop file's name without ".desktop") into id (size bytes):
 * NULL, or why there is none ("squashfs compressed with zstd not read", ...).
 */
const char *appimage__desktop_id(const struct appimage_src *src, char *id, size_t size);

#endif /* EMBARGO_APPIMAGE_H */

// SPDX-License-Identifier: GPL-2.0-only
#include "process/fileident.h"

#include <stdlib.h>

struct file_ident *ident__get(struct file_ident *f)
{
	if (f)
		__atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
	return f;
}

void ident__put(struct file_ident *f)
{
	if (f && !__atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL)) {
		elf__info_free(&f->elf);
		free(f->markers);
		free(f);
	}
}

const char *ident__why_name(enum ident_why why)
{
	static const char *const names[] = {
		[IDENT_GONE] = "gone", [IDENT_NOT_REGULAR] = "not-a-regular-file",
		[IDENT_TOO_LARGE] = "too-large", [IDENT_CHANGED] = "changed-while-hashing",
		[IDENT_BACKLOG] = "backlog", [IDENT_TIMEOUT] = "timeout",
		[IDENT_REMOTE_TIMEOUT] = "timeout-remote-filesystem",
		[IDENT_STOPPING] = "stopping", [IDENT_FAILED] = "read-failed",
	};

	return why > IDENT_OK && why <= IDENT_FAILED ? names[why] : NULL;
}

static bool same_stamp(const struct ev_file *ran, const struct stat *st)
{
	return ran->size == (uint64_t)st->st_size && ran->mtime_sec == st->st_mtim.tv_sec &&
	       ran->mtime_nsec == (uint32_t)st->st_mtim.tv_nsec &&
	       ran->ctime_sec == st->st_ctim.tv_sec &&
	       ran->ctime_nsec == (uint32_t)st->st_ctim.tv_nsec;
}

bool ident__same_file(const struct ev_file *ran, const struct stat *st, bool on_overlay)
{
	if (st->st_ino != ran->ino)
		return false;
	if (st->st_dev == ran->dev)
		return true;
	/*
	 * overlayfs: the kernel names the file by the overlay's superblock (or by a layer's,
	 * where it holds the backing file), fstat by a per-layer pseudo device when the layers
	 * are on different filesystems without xino, so the devices cannot be compared. The
	 * stamp stands in for the device: size, mtime and ctime to the nanosecond. The kernel
	 * sets ctime to "now" on every change and no syscall sets it to a chosen value, so
	 * another file with this inode number (another layer's, or the number reused) passes
	 * only if changed in the same clock tick as the one that ran: harder than the reused
	 * inode number the device+inode check lets through. Off overlayfs, another device is
	 * another file.
	 */
	return on_overlay && same_stamp(ran, st);
}

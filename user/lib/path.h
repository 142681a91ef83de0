/* SPDX-License-Identifier: GPL-2.0-only */
/* Making a path absolute: one rule for every place a relative name shows up. */
#ifndef EMBARGO_PATH_H
#define EMBARGO_PATH_H

/*
 * rel as an absolute path: itself when it is one, else dir + "/" + rel without a leading
 * "./". A new string; NULL when dir is missing or not absolute (or out of memory).
 */
char *path__absolute(const char *dir, const char *rel);

/*
 * open(2) of a path a user chose, never through a /proc magic link (/proc/self/fd/N would be
 * embargo's own files): openat2 RESOLVE_NO_MAGICLINKS, where ordinary symlinks follow flags
 * (O_NOFOLLOW); where openat2 is missing, a path through any symlink (-ELOOP). Resolved
 * from the kernel's cache alone when it can be (RESOLVE_CACHED, 5.12): a FUSE server is
 * then asked nothing. -errno.
 */
int path__open_no_magic(const char *path, int flags);

#endif /* EMBARGO_PATH_H */

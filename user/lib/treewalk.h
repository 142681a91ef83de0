/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A walk of directory trees a user controls, done so that the user can steer it nowhere:
 * every entry is opened relative to its directory's fd with O_NOFOLLOW (a symlink is never
 * followed), checked with fstat against what statx said of it, and the walk stays on the
 * filesystem of its root (another local one only if asked, never FUSE or a network
 * filesystem, which may never answer: they are known from the mount table and asked
 * nothing). Each directory is walked once across all walks of one treewalk (by device and
 * inode), within a depth and a deadline.
 */
#ifndef EMBARGO_TREEWALK_H
#define EMBARGO_TREEWALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

struct treewalk;

struct treewalk_opts {
	unsigned int max_depth;	/* files directly in the root are at depth 1 */
	uint64_t deadline_ms;	/* CLOCK_MONOTONIC (treewalk__now_ms); 0: none */
	bool cross_mounts;	/* enter other local filesystems below the root */
	char *const *skip;	/* fnmatch(3) patterns (FNM_PATHNAME) of paths left out */
	size_t nskip;
};

/* What one walk met, added up. */
struct treewalk_stats {
	size_t files;		/* regular files handed to the callback */
	size_t links;		/* symlinks, not followed */
	size_t mounts;		/* other filesystems below a root, not entered */
	size_t deep;		/* directories not entered: at the depth bound */
	size_t skipped;		/* paths matching a skip pattern */
	bool timed_out;		/* the deadline passed: the rest was not walked */
	bool stopped;		/* the callback asked to stop */
};

/*
 * A regular file: fd is open O_RDONLY|O_NONBLOCK (the caller must not close it), st is its
 * fstat, path its name as walked. Return nonzero to stop the walk.
 */
typedef int (*treewalk_fn)(void *ctx, int fd, const char *path, const struct stat *st);

/* Reads the mount table; NULL on failure (errno). */
struct treewalk *treewalk__new(void);
void treewalk__free(struct treewalk *w);
uint64_t treewalk__now_ms(void);

/*
 * The directory at path (an absolute path an administrator gave, or a home from the user
 * database: its last component is not followed), unless it is on FUSE or a network
 * filesystem (-EREMOTE, nothing asked of it). An fd, or -errno.
 */
int treewalk__open_root(struct treewalk *w, const char *path);
/*
 * Entry name of the directory dirfd, if it is a directory on the same filesystem (or another
 * local one when cross_mounts), not a symlink. An fd, or -errno.
 */
int treewalk__open_subdir(struct treewalk *w, int dirfd, const char *name, bool cross_mounts);
/*
 * An absolute path is on FUSE or a network filesystem by its text and the mount table (the
 * longest mount point it is below): nothing is asked of the filesystem.
 */
bool treewalk__path_remote(const struct treewalk *w, const char *path);
/* The same for each component of rel (a relative path) in turn. An fd, or -errno. */
int treewalk__open_path(struct treewalk *w, int dirfd, const char *rel, bool cross_mounts);
/* Walk the directory open at dirfd (borrowed), named path; stats are added to *st. */
void treewalk__walk(struct treewalk *w, int dirfd, const char *path,
		    const struct treewalk_opts *o, treewalk_fn fn, void *ctx,
		    struct treewalk_stats *st);
/*
 * Walk each directory below dirfd (named path) that matches pattern, a relative path whose
 * components may be globs (".wine/drive_c/Program Files*"), each from depth 0, unless
 * walked already. Every component is opened as treewalk__open_subdir does.
 */
void treewalk__walk_matches(struct treewalk *w, int dirfd, const char *path,
			    const char *pattern, const struct treewalk_opts *o, treewalk_fn fn,
			    void *ctx, struct treewalk_stats *st);
/* Mark a directory walked: a root walked on its own is not walked again as part of another. */
void treewalk__mark(struct treewalk *w, int dirfd);
/* path matches one of the skip patterns. */
bool treewalk__skipped(const struct treewalk_opts *o, const char *path);

#endif /* EMBARGO_TREEWALK_H */

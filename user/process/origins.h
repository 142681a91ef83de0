/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Banned vendors' files known by inode: the trees the rules name (/opt/QQ, /opt/kaspersky/kesl)
 * are indexed by (device, inode), so a hard link, a bind mount (even one an unprivileged user
 * makes in a user namespace), a chroot onto them or a path that lies runs the same file, and
 * the rules see the path it has in the vendor's tree: embargo.process.origin.path, next to the
 * path as seen (docs/identity.md). The device is the kernel's (lib/fsdev.h), as exec reports.
 */
#ifndef EMBARGO_ORIGINS_H
#define EMBARGO_ORIGINS_H

#include <stddef.h>
#include <stdint.h>

#include "process/proc.h"

struct origins;

struct origins *origins__new(void);
void origins__free(struct origins *o);
/*
 * Every regular file under dir (absolute), walked as lib/treewalk.h walks (no symlink
 * followed, dir's filesystem only, never FUSE or a network one), at most ORIGINS_DEPTH
 * levels and ORIGINS_FILES files in all: 0, or -errno (a missing dir is -ENOENT).
 */
#define ORIGINS_DEPTH 8
#define ORIGINS_FILES 50000
int origins__add_tree(struct origins *o, const char *dir);
/* One file (absolute path, not followed if a symlink). */
int origins__add_file(struct origins *o, const char *path);
size_t origins__len(const struct origins *o);
/*
 * If p runs an indexed file under another path, set p->origin_path (the file's path in its
 * tree) and p->origin_source (the tree); returns whether it did.
 */
bool origins__tag(const struct origins *o, struct proc *p);
/*
 * If p runs a file its namespace shows under another path than the host does (a bind
 * mount, a namespace of its own), set p->origin_path to the host's path and
 * p->origin_source to "mount". mnt_root and in_mount are what the exec probe saw
 * (sensor/decode.h): the file's path within its filesystem, which no mount changes.
 */
struct mounttable;
bool origins__tag_mount(struct mounttable *mt, struct proc *p, const char *mnt_root,
			const char *in_mount);

#endif /* EMBARGO_ORIGINS_H */

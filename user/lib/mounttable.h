/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A namespace's mount table, kept current: which path a file has there, given its
 * filesystem (the superblock device) and its path within that filesystem. The exec probe
 * reports that pair (the path no bind mount, namespace or chroot changes), and this turns it
 * into the path the host sees: /opt/QQ/qq for a /tmp/qq that is /opt/QQ bind-mounted by a
 * user in a namespace of their own. The table is re-read only when the kernel says it
 * changed (poll on mountinfo): a lookup costs one poll(2) and a scan of the table.
 */
#ifndef EMBARGO_MOUNTTABLE_H
#define EMBARGO_MOUNTTABLE_H

#include <sys/types.h>

struct mounttable;

/* mountinfo: the table to follow (NULL: /proc/1/mountinfo, the host's); NULL on failure. */
struct mounttable *mounttable__open(const char *mountinfo);
void mounttable__free(struct mounttable *mt);
/*
 * The path (malloc'ed) under which the table's namespace shows the file at fs_path in the
 * filesystem of device dev: through the mount that shows most of that filesystem (its
 * root the shortest that holds fs_path: / before a bind mount of /opt/QQ), the shortest
 * mount point among equals. NULL when no mount shows it (or out of memory).
 */
char *mounttable__path_of(struct mounttable *mt, dev_t dev, const char *fs_path);

#endif /* EMBARGO_MOUNTTABLE_H */

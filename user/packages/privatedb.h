/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dpkg databases kept away from /var/lib/dpkg: `dpkg --admindir=DIR` or `dpkg --root=DIR`
 * installs with its own status file, which no inotify watch of the system's state sees. A
 * session whose first process named one is compared against it when the session ends, and
 * what it installed there is reported like any install, with package.path the database's
 * directory. The argv is the user's: a database on FUSE or a network filesystem, or one
 * that is not a regular file, is left unread (and said).
 */
#ifndef EMBARGO_PRIVATEDB_H
#define EMBARGO_PRIVATEDB_H

#include <stddef.h>

#include "packages/pkgdb.h"
#include "process/proc.h"

#define PRIVATEDB_MAX 16	/* databases remembered; the oldest is forgotten */

struct privatedbs;

struct privatedbs *privatedbs__new(void);
void privatedbs__free(struct privatedbs *dbs);
/*
 * The admin directory root's argv names (DIR of --admindir, DIR/var/lib/dpkg of --root,
 * the last one given wins; relative to its cwd), into out; false when it names none.
 */
bool privatedbs__admindir_of(const struct proc *root, char *out, size_t size);
/* Read admindir's status again and call fn for what changed since the last time. */
void privatedbs__compare(struct privatedbs *dbs, const char *admindir, pkg_change_fn fn,
			 void *ctx);

#endif /* EMBARGO_PRIVATEDB_H */

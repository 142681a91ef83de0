/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every home directory on the machine, for `embargo scan`: each user's from the user
 * database (getpwent: local, LDAP, ...), when that user owns it, and every directory in
 * /home, de-duplicated by device and inode. Homes on FUSE or a network filesystem are left
 * out without a question to them (treewalk.h), and counted.
 */
#ifndef EMBARGO_HOMES_H
#define EMBARGO_HOMES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/treewalk.h"

struct home {
	char *path;
	int fd;			/* the directory, open */
	uint32_t uid;		/* its owner */
	dev_t dev;
	ino_t ino;
};

struct homes {
	struct home *v;
	size_t n;
	size_t remote;		/* on FUSE or a network filesystem: not opened */
};

/* Lists into *h (zeroed first); -errno on allocation failure. */
int homes__list(struct treewalk *w, struct homes *h);
/* The home whose directory is the one open at fd, or NULL. */
const struct home *homes__find(const struct homes *h, int fd);
void homes__free(struct homes *h);
/*
 * Walk a home: first where software is kept (~/Applications, ~/Downloads, ~/Desktop,
 * per-user flatpak apps, the Program Files of wine prefixes: each as deep as o allows from
 * there), so a deadline leaves the rest of the home rather than them; then the whole home.
 */
void homes__walk(struct treewalk *w, const struct home *home, const struct treewalk_opts *o,
		 treewalk_fn fn, void *ctx, struct treewalk_stats *st);

#endif /* EMBARGO_HOMES_H */

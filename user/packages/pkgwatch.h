/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Who installed what: the inventory as last seen, the package-manager sessions running
 * (their first process, kept as it was), and a comparison whenever a session ends or the
 * managers' databases settle after a change.
 */
#ifndef EMBARGO_PKGWATCH_H
#define EMBARGO_PKGWATCH_H

#include <stdint.h>

#include "packages/pkgdb.h"
#include "process/proctable.h"

struct pkgwatch;

/* One installed, upgraded or removed package, and the session's first process. */
struct pkgwatch_change {
	enum pkg_change kind;
	const struct pkg *pkg;
	const struct pkg *before;	/* PKG_UPGRADED: the version it had */
	const struct proc *by;		/* NULL when no session is known */
	void *ctx;
};

typedef void (*pkgwatch_fn)(const struct pkgwatch_change *change);

struct pkgwatch_dispatch {
	pkgwatch_fn fn;
	struct pkgwatch_change *change;
};

struct pkgwatch *pkgwatch__new(const struct pkgdb_paths *paths);
void pkgwatch__free(struct pkgwatch *pw);
/* inotify on the managers' state directories: readable when they changed */
int pkgwatch__fd(const struct pkgwatch *pw);
void pkgwatch__on_inotify(struct pkgwatch *pw);
const struct inventory *pkgwatch__inventory(const struct pkgwatch *pw);
void pkgwatch__session_begins(struct pkgwatch *pw, const struct proc *root);
void pkgwatch__session_ends(struct pkgwatch *pw, uint32_t root_pid, pkgwatch_fn fn, void *ctx);
/* pid began a session this watch knows (the kernel's flags say so for the others). */
bool pkgwatch__has_session(const struct pkgwatch *pw, uint32_t pid);
/* Compare once a change has been quiet for a second (call on every loop pass). */
void pkgwatch__tick(struct pkgwatch *pw, pkgwatch_fn fn, void *ctx);
/* internal: adapts pkgdb__diff's callback */
void pkgwatch__dispatch(void *arg, enum pkg_change kind, const struct pkg *now,
			const struct pkg *before);

#endif /* EMBARGO_PKGWATCH_H */

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The system's own programs that embargo must know under any name, by inode and by content:
 * its dynamic loaders, so that `ld.so PROG` run through a hard link, a bind mount or a copy
 * still names PROG (program.h); and its package managers, so that a renamed, linked or
 * copied dpkg still begins a package-manager session (packages/pkgwatch.h) and the install
 * it makes is attributed to it. Read once at start: root's files in the usual directories.
 */
#ifndef EMBARGO_SYSPROGS_H
#define EMBARGO_SYSPROGS_H

#include <stdbool.h>

#include "embargo/events.h"
#include "process/identity.h"

enum sysprog_kind {
	SYSPROG_LOADER,
	SYSPROG_PKG_MANAGER,
};

#define SYSPROGS_MAX 64

struct sysprogs;

struct sysprogs *sysprogs__new(void);
/*
 * Every regular file the glob pattern names (links followed: /lib64 names the real one),
 * hashed, as kind; name is the command it stands for (NULL: the file's own name).
 * Files past SYSPROGS_MAX, or already known, are left out.
 */
void sysprogs__add(struct sysprogs *s, struct identity *id, enum sysprog_kind kind,
		   const char *pattern, const char *name);
/* The loaders, and the package managers named in the usual bin directories; NULL: no memory. */
struct sysprogs *sysprogs__load(struct identity *id, const char *const *pkg_managers,
				size_t npkg_managers);
void sysprogs__free(struct sysprogs *s);
/* The file the kernel ran is one of kind (the same device and inode). */
bool sysprogs__by_inode(const struct sysprogs *s, enum sysprog_kind kind, const struct ev_file *f);
/* A file with this content is one of kind (a copy). */
bool sysprogs__by_hash(const struct sysprogs *s, enum sysprog_kind kind, const char *sha256);
size_t sysprogs__len(const struct sysprogs *s, enum sysprog_kind kind);
/*
 * The files of kind, for the kernel's lists: up to max identities and the command each
 * stands for; returns how many.
 */
size_t sysprogs__files(const struct sysprogs *s, enum sysprog_kind kind, struct ev_file_id *ids,
		       const char **names, size_t max);

#endif /* EMBARGO_SYSPROGS_H */

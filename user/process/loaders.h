/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The system's dynamic loaders, known by inode and by content, so that `ld.so PROG` run
 * through a hard link, a bind mount or a copy under another name still names PROG
 * (program.h). Read once at start: the loaders the usual directories hold (root's files).
 */
#ifndef EMBARGO_LOADERS_H
#define EMBARGO_LOADERS_H

#include <stdbool.h>

#include "embargo/events.h"
#include "process/identity.h"

struct loaders;

/* NULL when out of memory; a system without loaders gives an empty set. */
struct loaders *loaders__load(struct identity *id);
void loaders__free(struct loaders *l);
/* The file the kernel ran is one of them (the same device and inode). */
bool loaders__by_inode(const struct loaders *l, const struct ev_file *f);
/* A file with this content is one of them (a copy). */
bool loaders__by_hash(const struct loaders *l, const char *sha256);
size_t loaders__len(const struct loaders *l);

#endif /* EMBARGO_LOADERS_H */

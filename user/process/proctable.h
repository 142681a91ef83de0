/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The process table: every live process with who it is, what it runs and its parent,
 * seeded from /proc at start and kept by the fork/exec/exit records. The kernel's
 * records are the truth; /proc only fills gaps, and an entry says when it came too late.
 */
#ifndef EMBARGO_PROCTABLE_H
#define EMBARGO_PROCTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "process/proc.h"
#include "sensor/decode.h"

struct proctable;

/* proc_root is "/proc" except in tests; host_id feeds entity_id. */
struct proctable *proctable__new(const char *proc_root, const char *host_id);
void proctable__free(struct proctable *pt);
/* Add every process /proc lists; returns how many, or -errno. */
int proctable__seed(struct proctable *pt);
size_t proctable__len(const struct proctable *pt);

struct proc *proctable__get(const struct proctable *pt, uint32_t pid);
/* The pids in the table now, in a new array (*pids, freed by the caller); -ENOMEM. */
int proctable__pids(const struct proctable *pt, uint32_t **pids, size_t *n);
/* The parent, loaded from /proc when the table has not seen it; NULL if gone. */
const struct proc *proctable__parent(struct proctable *pt, const struct proc *p);

struct proc *proctable__exec(struct proctable *pt, const struct exec_view *v);
struct proc *proctable__fork(struct proctable *pt, const struct ev_fork *f);
void proctable__exit(struct proctable *pt, const struct ev_exit *e);

/*
 * Drop entries whose process is gone without an exit record (lost in a full ring buffer,
 * or exited between attach and seed). Returns how many were dropped.
 */
size_t proctable__prune(struct proctable *pt);

/* A copy that outlives changes to the table (an event waiting for its hash). */
struct proc *proctable__clone(const struct proc *p);
/*
 * p's argv read whole again (process/argvread.h): args (len bytes, malloc'ed) is p's now;
 * still cut if it filled ARGVREAD_MAX.
 */
void proctable__set_args(struct proc *p, char *args, size_t len);
void proctable__clone_free(struct proc *p);


#endif /* EMBARGO_PROCTABLE_H */

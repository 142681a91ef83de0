/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The corridor every kernel record walks: decode -> process table -> identity -> match ->
 * alert -> output. An exec whose file is not in the identity cache is matched at once
 * against the rules that need no content (names, paths, argv), and waits (as a copy) for
 * the hashing workers for the rest; nothing else waits for it, and it is never dropped:
 * a file the workers cannot read in time is reported without its hash, saying why.
 */
#ifndef EMBARGO_PIPELINE_H
#define EMBARGO_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "process/identity.h"
#include "output/output.h"
#include "process/proctable.h"
#include "rules/rulebook.h"

struct pipeline_stats {
	uint64_t records;
	uint64_t decode_errors;
	uint64_t events;	/* process starts */
	uint64_t alerts;
	uint64_t waited;	/* events that waited for a hash */
	uint64_t packages;	/* package changes seen */
};

struct pkgwatch;

struct pipeline;
struct enforcer;

/* The pipeline uses, but does not own, the table, identity and output. */
struct pipeline *pipeline__new(bool print_all, struct proctable *procs, struct identity *id,
			       struct output *out, const struct event_env *env);
void pipeline__free(struct pipeline *pl);
/* The rules in force (NULL: none); their ELF strings go to the identity scanner. */
void pipeline__set_rules(struct pipeline *pl, struct rulebook *rb);
/* Watch installed packages (NULL: not); the pipeline does not own it. */
void pipeline__set_pkgwatch(struct pipeline *pl, struct pkgwatch *pw);
/* The package managers' state changed (its inotify fd was readable). */
void pipeline__packages_changed(struct pipeline *pl);
/* Housekeeping on every loop pass: hashes over budget, settled package changes. */
void pipeline__tick(struct pipeline *pl);
/* Ring-buffer callback: one kernel record. */
int pipeline__record(void *ctx, void *data, size_t size);
/* Readable when an argv read again is back (then pipeline__complete()). */
int pipeline__argv_fd(const struct pipeline *pl);
/* Finish the events whose hashes came back (identity__fd() was readable). */
void pipeline__complete(struct pipeline *pl);
/*
 * Wait for every outstanding hash, up to PIPELINE_DRAIN_MS, and finish those events; what
 * is not answered by then is reported without its content (stop, reload).
 */
#define PIPELINE_DRAIN_MS 3000
void pipeline__drain(struct pipeline *pl);
/* A record about embargo itself (event.kind state). */
void pipeline__state(struct pipeline *pl, const char *action, const char *outcome,
		     const char *message, const char *error);
const struct pipeline_stats *pipeline__stats(const struct pipeline *pl);
struct sysprogs;
/* The system's loaders and package managers by identity (process/sysprogs.h), or NULL;
 * not owned. */
void pipeline__set_sysprogs(struct pipeline *pl, const struct sysprogs *s);
struct origins;
/* Vendor files known by inode (process/origins.h), or NULL; the pipeline does not own it. */
void pipeline__set_origins(struct pipeline *pl, const struct origins *o);
struct mounttable;
/* The host's mount table (lib/mounttable.h), or NULL; not owned. */
void pipeline__set_mounts(struct pipeline *pl, struct mounttable *mt);
/* Block rules act through enf (enforce.h); NULL: they only alert. */
void pipeline__set_enforcer(struct pipeline *pl, struct enforcer *enf);

#endif /* EMBARGO_PIPELINE_H */

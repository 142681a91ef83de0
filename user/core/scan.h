/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A one-shot compliance check: installed packages, running processes and files at rest
 * in install locations, each against the rules. `embargo scan` runs it; `embargo watch`
 * runs its first two parts at start, so what predates the daemon is reported too.
 */
#ifndef EMBARGO_SCAN_H
#define EMBARGO_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "process/identity.h"
#include "output/output.h"
#include "packages/pkgdb.h"
#include "process/proctable.h"
#include "rules/rulebook.h"

struct scan {
	struct rulebook *rules;
	struct identity *id;
	const struct event_env *env;
	struct output *out;
	bool hash_files;	/* a rule names file.hash.sha256: hash every file seen */
	bool read_markers;	/* a file rule names package.*: what each file says it is */
	struct enforcer *enf;	/* watch's startup scan: block rules learn running programs'
				 * files for the kernel's list (they are not killed); else NULL */
	/* what it found */
	size_t alerts, packages, nproc, files;
	size_t homes;		/* homes walked */
	size_t homes_cut;	/* of them, left at the time bound before the end */
	size_t homes_remote;	/* on FUSE or a network filesystem: not walked */
};

/* Where files at rest are looked for, and how far. */
struct scan_files_opts {
	char *const *roots;	/* --path: these instead of the install locations and homes */
	size_t nroots;
	char *const *skip;	/* fnmatch(3) patterns of paths left out */
	size_t nskip;
	unsigned int home_depth;	/* directories below a home (and a place in it) */
	uint64_t home_time_ms;		/* for each home; 0: no bound */
	bool cross_mounts;	/* enter other local filesystems below a root or home */
};

#define SCAN_HOME_DEPTH 6
#define SCAN_HOME_TIME_MS 60000

void scan__packages(struct scan *s, const struct inventory *inv);
/* Every process in the table (seed it first), identified now. */
void scan__processes(struct scan *s, struct proctable *pt);
/*
 * Files at rest: the given roots, or else the install locations and every home (homes.h),
 * each home walked as deep and as long as o allows; a root that is a home is walked as one.
 * -errno when the mount table cannot be read.
 */
int scan__files(struct scan *s, const struct scan_files_opts *o);

#endif /* EMBARGO_SCAN_H */

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * watch's marker in its state directory (--state-dir): which run is going on, how far it got
 * (the last record number and heartbeat time written down), and whether it stopped in order.
 * Read at start, so that the started record can say the previous run ended uncleanly (killed,
 * crashed, the power went): docs/outputs.md, "Unclean ends".
 *
 * The marker is written whole each time, a temporary file renamed over it, through the
 * directory's descriptor and never through a link. The directory is flock()ed while a run
 * holds it: a second watch on the same directory leaves the marker alone.
 */
#ifndef EMBARGO_RUNMARK_H
#define EMBARGO_RUNMARK_H

#include <stddef.h>
#include <stdint.h>

#include "event/event.h"

#define STATE_DEFAULT_DIR "/var/lib/embargo"
#define RUNMARK_NAME "last-run"

struct runmark;

/*
 * Take dir (made 0700 if missing; its parent must exist), read what the previous run left,
 * and write this run down as running. NULL with -errno in *err: -EBUSY when another watch
 * holds dir.
 */
struct runmark *runmark__open(const char *dir, const char *run_id, int *err);
/* What the previous run left; NULL when nothing (the first run here), or m is NULL. */
const struct previous_run *runmark__previous(const struct runmark *m);
/* Still running: the last record number sent; heartbeat_ns 0 keeps the last one. 0, -errno. */
int runmark__update(struct runmark *m, uint64_t last_sequence, uint64_t heartbeat_ns);
/* Stopped in order, after its last record (the stopped one). 0 or -errno. */
int runmark__stopped(struct runmark *m, uint64_t last_sequence);
void runmark__close(struct runmark *m);

/*
 * For the started record's message: "" when the previous run stopped in order (or there was
 * none: prev NULL), else a sentence from "; " on saying it did not, and what it wrote down.
 */
void runmark__describe(const struct previous_run *prev, char *buf, size_t len);

#endif /* EMBARGO_RUNMARK_H */

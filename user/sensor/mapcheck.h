/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a kernel map should hold: the exact entries user space wrote to it, and how what the
 * kernel holds now differs from them (entries missing, extra, changed). Pure bookkeeping, no
 * system call: sensor/kmaps.c writes every list through one and reads the kernel's map back
 * into it on each self-check (cli/watch_selfcheck.c), so root changing an entry with bpftool
 * is seen, said and undone.
 */
#ifndef EMBARGO_MAPCHECK_H
#define EMBARGO_MAPCHECK_H

#include <stdbool.h>
#include <stddef.h>

struct mapcheck;

struct mapcheck_diff {
	size_t missing;		/* expected, not in the kernel's map */
	size_t extra;		/* in the kernel's map, never written */
	size_t changed;		/* in both, another value */
};

enum mapcheck_verdict {
	MAPCHECK_SAME = 0,
	MAPCHECK_EXTRA,
	MAPCHECK_CHANGED,
};

/* Keys and values are fixed-size byte strings, compared whole (padding included). */
struct mapcheck *mapcheck__new(size_t key_size, size_t value_size);
void mapcheck__free(struct mapcheck *m);
/* Expect key -> value (replacing what was expected for key); 0 or -ENOMEM. */
int mapcheck__put(struct mapcheck *m, const void *key, const void *value);
/* Expect key no more. */
void mapcheck__del(struct mapcheck *m, const void *key);
void mapcheck__clear(struct mapcheck *m);
size_t mapcheck__len(const struct mapcheck *m);
/* The value expected for key, or NULL. */
const void *mapcheck__get(const struct mapcheck *m, const void *key);

/*
 * A comparison: begin, one see() for each entry the kernel's map holds, end. An entry seen
 * twice (a walk that restarted) counts once. The verdict of each entry is returned so the
 * caller can keep the extra keys; end() counts the expected entries never seen.
 */
void mapcheck__begin(struct mapcheck *m, struct mapcheck_diff *d);
enum mapcheck_verdict mapcheck__see(struct mapcheck *m, const void *key, const void *value,
				    struct mapcheck_diff *d);
void mapcheck__end(const struct mapcheck *m, struct mapcheck_diff *d);
bool mapcheck__differs(const struct mapcheck_diff *d);

/*
 * The expected entries the last comparison found missing or changed, for rewriting; stops
 * at the first nonzero return of fn and returns it.
 */
int mapcheck__each_differing(const struct mapcheck *m,
			     int (*fn)(void *ctx, const void *key, const void *value), void *ctx);

#endif /* EMBARGO_MAPCHECK_H */

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The lists user space gives the probes (download suffixes, package managers, hot and block
 * lists, protected files): each kernel map is written through a kmap, which keeps what was
 * written (sensor/mapcheck.h), so the sensor can read the kernel's map back and tell what
 * someone else changed in it (sensor__check_lists), and write it again.
 */
#ifndef EMBARGO_KMAPS_H
#define EMBARGO_KMAPS_H

#include <stddef.h>

#include "sensor/mapcheck.h"

struct bpf_map;

struct kmap {
	struct bpf_map *map;
	struct mapcheck *want;		/* what user space wrote */
	struct mapcheck_diff diff;	/* what the last check found */
	unsigned char *extra;		/* keys the last check found that nobody wrote */
	size_t nextra, extra_cap;
};

/* An array's entries all exist: those never written are expected to stay zero. */
int kmap__init(struct kmap *km, struct bpf_map *map);
void kmap__free(struct kmap *km);
const char *kmap__name(const struct kmap *km);
/* Write one entry to the kernel, and expect it; 0 or -errno (then nothing is expected). */
int kmap__put(struct kmap *km, const void *key, const void *value);
/* Fill an array of struct ev_match (events.h) from list[0..n); -ENAMETOOLONG if one is too long. */
int kmap__put_matches(struct kmap *km, const char *const *list, size_t n);
/* Delete one entry (one not there is no error), and expect it no more. */
int kmap__del(struct kmap *km, const void *key);
/* Delete every entry of a hash or trie, by its first key until none is left. */
int kmap__clear(struct kmap *km);
/* Walk the kernel's map and compare (km->diff); 0 or -errno when it cannot be read. */
int kmap__check(struct kmap *km);
/* Write what the last check found missing or changed, delete what it found extra. */
int kmap__repair(struct kmap *km);

/* One map the last check found different. */
struct kmap_check {
	const char *map;	/* the kernel map's name (bpf/maps.bpf.h): emb_dl_suffix... */
	struct mapcheck_diff diff;
};

/*
 * Check every map of a set: out gets those that differ (at most n); returns their count,
 * or -errno when one cannot be read.
 */
int kmaps__check(struct kmap *maps, size_t nmaps, struct kmap_check *out, size_t n);
/* Repair those the last check found different. */
int kmaps__repair(struct kmap *maps, size_t nmaps);

#endif /* EMBARGO_KMAPS_H */

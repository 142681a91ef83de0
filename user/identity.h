/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a process really runs, by content: the SHA-256 of its executable (OpenSSL EVP, so a
 * FIPS provider can serve it), read through /proc/PID/exe so deleted files and memfds are
 * hashed too, and cached by the file's identity so a cache hit reads nothing.
 */
#ifndef EMBARGO_IDENTITY_H
#define EMBARGO_IDENTITY_H

#include <stdint.h>

#include "proctable.h"

struct identity;

struct identity_stats {
	uint64_t hits;		/* answered from the cache: no file read */
	uint64_t misses;	/* hashed */
	uint64_t unavailable;	/* process gone and its file replaced or removed */
};

/* proc_root is "/proc" except in tests. */
struct identity *identity__new(const char *proc_root);
void identity__free(struct identity *id);
/* Set p->sha256 from p's executable; -ENOENT when the file that ran is gone. */
int identity__fill(struct identity *id, struct proc *p);
const struct identity_stats *identity__stats(const struct identity *id);

#endif /* EMBARGO_IDENTITY_H */

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Identities already made, by file version (identity.h): shared by the loop and the hashing
 * workers, so the cache takes a lock and a file_ident's references are atomic. A cached
 * identity counts only for the rule strings (scan generation) it was made with.
 */
#ifndef EMBARGO_IDENTCACHE_H
#define EMBARGO_IDENTCACHE_H

#include "lib/strscan.h"
#include "process/fileident.h"

/* The rule strings of one rule set, shared with the workers while they scan with them. */
struct scan_ref {
	struct strscan *scan;
	unsigned int gen;
	int refs;
};

/* Takes scan over (freed with the last reference); NULL when out of memory (scan freed). */
struct scan_ref *scan_ref__new(struct strscan *scan, unsigned int gen);
struct scan_ref *scan_ref__get(struct scan_ref *s);
void scan_ref__put(struct scan_ref *s);

struct identcache;

struct identcache *identcache__new(void);
void identcache__free(struct identcache *c);
/* A reference to the identity of this version made with scan generation gen, or NULL. */
struct file_ident *identcache__get(struct identcache *c, const struct file_key *k,
				   unsigned int gen);
/* Keep f (a reference of its own is taken); a full cache starts over. */
void identcache__put(struct identcache *c, struct file_ident *f);

#endif /* EMBARGO_IDENTCACHE_H */

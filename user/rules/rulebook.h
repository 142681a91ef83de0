/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The rules in force: a rule set and its matcher, swapped whole on reload. A reload that
 * finds any error keeps the rules that were loaded.
 */
#ifndef EMBARGO_RULEBOOK_H
#define EMBARGO_RULEBOOK_H

#include "rules/match.h"
#include "rules/rules.h"
#include "lib/strscan.h"

struct rulebook;

/* paths are copied. NULL with errs filled when the rules do not load. */
struct rulebook *rulebook__open(char *const *paths, size_t npaths, struct rules_errors *errs);
/* The same, block rules judged against p at each load and reload (p outlives the book). */
struct rulebook *rulebook__open_protect(char *const *paths, size_t npaths, const struct protect *p,
					struct rules_errors *errs);
/* The same without refusing over-broad block rules: to preview what they would hit. */
struct rulebook *rulebook__open_unguarded(char *const *paths, size_t npaths,
					  struct rules_errors *errs);
void rulebook__free(struct rulebook *rb);
/* Load the same paths again: 0 and the new rules in force, or -EINVAL and the old ones kept. */
int rulebook__reload(struct rulebook *rb, struct rules_errors *errs);
int rulebook__match(struct rulebook *rb, unsigned int on, enum match_phase phase,
		    const struct event *ev, const struct event_env *env, match_fn fn, void *ctx);
const struct ruleset *rulebook__rules(const struct rulebook *rb);
const struct match_stats *rulebook__stats(const struct rulebook *rb);
/* Whether any enabled rule names this field. */
bool rulebook__uses(const struct rulebook *rb, const char *field);
/*
 * The vendor files and trees the enabled rules' process.executable patterns name: fn(ctx,
 * path, tree) for an exact absolute path (tree false), and for DIR when a pattern is DIR, a
 * slash and a star, DIR a literal absolute path at least two levels deep (tree true): the
 * pattern for everything in /opt/QQ names the tree /opt/QQ; one for all of /opt names none.
 */
void rulebook__vendor_paths(const struct rulebook *rb,
			    void (*fn)(void *ctx, const char *path, bool tree), void *ctx);
/* A scanner for every distinct embargo.elf.strings pattern of the enabled rules; NULL if none. */
struct strscan *rulebook__strscan(const struct rulebook *rb);

#endif /* EMBARGO_RULEBOOK_H */

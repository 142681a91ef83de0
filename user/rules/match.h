/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Rules against events. Exact values (names, hashes, package names) are indexed in a hash
 * table, so the common event costs a few lookups however many rules are loaded; only rules
 * that cannot be indexed (a glob or a not: at their root) are tried one by one.
 */
#ifndef EMBARGO_MATCH_H
#define EMBARGO_MATCH_H

#include <stdint.h>

#include "event/event.h"
#include "rules/rules.h"

struct matcher;

struct match_stats {
	uint64_t events;
	uint64_t evaluated;	/* rules whose conditions were evaluated */
	uint64_t matched;
};

/*
 * Which of an event's rules to try: all of them, or split around the file's content, so
 * that what a name, path or argv shows is reported before a hash is made, and the rules
 * that read the content (hashes, ELF, identity fields: fields__from_content) after it.
 */
enum match_phase {
	MATCH_ALL_RULES,
	MATCH_BEFORE_CONTENT,
	MATCH_ON_CONTENT,
};

/* why: the conditions that matched, NUL-separated strings (why_len bytes). */
typedef void (*match_fn)(void *ctx, const struct rule *r, const char *why, size_t why_len);

/* The matcher keeps pointers into rs: free it before rs. */
struct matcher *match__new(const struct ruleset *rs);
void match__free(struct matcher *m);
/*
 * Call fn for each enabled rule of this phase whose on: includes `on` (enum rule_on) and
 * whose conditions hold for ev, in rule load order. Returns how many matched, or -ENOMEM.
 */
int match__event(struct matcher *m, unsigned int on, enum match_phase phase,
		 const struct event *ev, const struct event_env *env, match_fn fn, void *ctx);
const struct match_stats *match__stats(const struct matcher *m);
/* Rules that are tried for every event (not indexable). */
size_t match__unindexed(const struct matcher *m);

/* One pattern against one value (len bytes, NUL after them), with fnmatch(3) semantics. */
bool match__pattern(const struct pattern *pat, bool nocase, const char *s, size_t len);

#endif /* EMBARGO_MATCH_H */

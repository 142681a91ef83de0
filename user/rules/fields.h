/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ECS field catalogue: every field an event can carry, its ECS type, and how to read
 * it from an event. The JSON output walks it; the rule matcher looks fields up in it.
 * One table, so an output and a rule can never disagree on what a field means.
 */
#ifndef EMBARGO_FIELDS_H
#define EMBARGO_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

#include "event/event.h"

enum field_type {
	FT_KEYWORD,	/* string */
	FT_LONG,
	FT_BOOL,
	FT_DATE,	/* nanoseconds, wall clock */
	FT_LIST,	/* keyword array: NUL-separated strings */
	FT_NESTED,	/* like FT_LIST, written as [{"<last segment>": s}, ...] (ECS nested) */
};

struct field_value {
	const char *str;	/* FT_KEYWORD, FT_LIST: bytes (any byte), NUL after the last */
	size_t len;
	long long num;		/* FT_LONG, FT_BOOL, FT_DATE */
	char *owned;		/* freed by fields__release() */
	char small[24];		/* room for an id formatted as a keyword */
};

enum field_role {
	ROLE_EVENT,		/* the event, host, agent */
	ROLE_PROCESS,		/* event->proc */
	ROLE_PARENT,		/* event->parent */
	ROLE_PACKAGE,		/* event->package: package events */
	ROLE_FILE,		/* event->file: file events */
	ROLE_RULE,		/* event->rule: alerts */
};

typedef bool (*field_get_fn)(const struct event *ev, const struct proc *p,
			     const struct event_env *env, struct field_value *v);

struct field_def {
	const char *name;	/* ECS dotted name */
	enum field_type type;
	enum field_role role;
	field_get_fn get;
	/*
	 * Rules naming this field also see that one (NULL: none): process.executable and
	 * process.name also match the vendor file an exec is by inode (process/origins.h).
	 */
	const char *also;
};

/* All fields, ordered so that the members of each JSON object are contiguous. */
const struct field_def *fields__all(size_t *count);
const struct field_def *fields__find(const char *name);
/*
 * The field is known only once the file has been read (a hash, what ELF says, whether
 * there is an identity): rules naming one wait for it (match.h, MATCH_ON_CONTENT).
 */
bool fields__from_content(const struct field_def *f);
/* Read one field of an event; false when the event does not have it. */
bool fields__get(const struct field_def *f, const struct event *ev,
		 const struct event_env *env, struct field_value *v);
void fields__release(struct field_value *v);

#endif /* EMBARGO_FIELDS_H */

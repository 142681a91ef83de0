/* SPDX-License-Identifier: GPL-2.0-only */
/* A field of the catalogue (fields.h): its name, ECS type, and how it is read. */
#ifndef EMBARGO_FIELD_DEF_H
#define EMBARGO_FIELD_DEF_H

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
	bool from_content;	/* fields__from_content() */
};

#endif /* EMBARGO_FIELD_DEF_H */

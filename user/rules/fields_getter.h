/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the two halves of the field catalogue share (fields.c: the event, its rule, package,
 * file and state records; fields_process.c: a process): how a getter is written, and the
 * process half's own table, which fields.c merges with its own into one.
 * Private to user/rules/fields*.c.
 */
#ifndef EMBARGO_FIELDS_GETTER_H
#define EMBARGO_FIELDS_GETTER_H

#include "rules/field_def.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static inline bool set_str(struct field_value *v, const char *s)
{
	if (!s)
		return false;
	v->str = s;
	v->len = strlen(s);
	return true;
}

/* a NUL-separated list; absent when empty */
static inline bool set_list(struct field_value *v, const char *list, size_t len)
{
	if (!list || !len)
		return false;
	v->str = list;
	v->len = len;
	return true;
}

static inline bool set_num(struct field_value *v, long long n)
{
	v->num = n;
	return true;
}

/* ECS ids (user.id, group.id) are keywords: numbers formatted as strings. */
static inline bool set_id(struct field_value *v, uint32_t id)
{
	snprintf(v->small, sizeof(v->small), "%u", id);
	return set_str(v, v->small);
}

static inline const char *basename_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash && slash[1] ? slash + 1 : path;
}

/* Every getter has this signature; most use only some of the arguments. */
#define GETTER(fn)                                                                          \
	static bool fn(const struct event *ev __attribute__((unused)),                    \
		       const struct proc *p __attribute__((unused)),                      \
		       const struct event_env *env __attribute__((unused)),               \
		       struct field_value *v)

/* A getter that is a single expression. */
#define RETURNS(fn, expr) \
	GETTER(fn)        \
	{                 \
		return expr; \
	}


/* Rows of a table, each sorted by name (strcmp): fields.c merges them. */
#define CONTENT true	/* known once the file is read: fields__from_content() */
extern const struct field_def fields_process[];
extern const size_t fields_nprocess;

#endif /* EMBARGO_FIELDS_GETTER_H */

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ECS field catalogue: every field an event can carry, its ECS type, and how to read
 * it from an event. The JSON output walks it; the rule matcher looks fields up in it.
 * One catalogue, so an output and a rule can never disagree on what a field means
 * (written in two halves: fields.c and fields_process.c).
 */
#ifndef EMBARGO_FIELDS_H
#define EMBARGO_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

#include "rules/field_def.h"

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

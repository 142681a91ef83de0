/* SPDX-License-Identifier: GPL-2.0-only */
/* Where events go: one stream, as ECS JSON lines or readable text. */
#ifndef EMBARGO_OUTPUT_H
#define EMBARGO_OUTPUT_H

#include <stdio.h>

#include "cli.h"
#include "event.h"
#include "json.h"

struct output {
	FILE *out;
	enum output_format format;	/* FORMAT_TEXT or FORMAT_JSON */
	const struct event_env *env;
	struct json_writer json;
	int err;			/* first write error, -errno */
	unsigned long long written;
};

void output__init(struct output *o, FILE *out, enum output_format format,
		  const struct event_env *env);
void output__free(struct output *o);
/* Write one event; errors are kept in o->err (the caller decides when to stop). */
void output__event(struct output *o, const struct event *ev);
int output__flush(struct output *o);

#endif /* EMBARGO_OUTPUT_H */

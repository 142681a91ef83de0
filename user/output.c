// SPDX-License-Identifier: GPL-2.0-only
#include "output.h"

#include <errno.h>
#include <string.h>

#include "ecs.h"
#include "log.h"
#include "text.h"

void output__init(struct output *o, FILE *out, enum output_format format,
		  const struct event_env *env)
{
	memset(o, 0, sizeof(*o));
	o->out = out;
	o->format = format == FORMAT_AUTO ? cli__resolve_format(format) : format;
	o->env = env;
	json__init(&o->json);
}

void output__free(struct output *o)
{
	json__free(&o->json);
}

static int write_json(struct output *o, const struct event *ev)
{
	int err = ecs__write(&o->json, ev, o->env);

	if (err) {
		log_warn("failed to encode an event as JSON: %s, skipping it", strerror(-err));
		return 0;
	}
	if (fwrite(json__buf(&o->json), 1, json__len(&o->json), o->out) != json__len(&o->json) ||
	    fputc('\n', o->out) == EOF)
		return -EIO;
	return 0;
}

void output__event(struct output *o, const struct event *ev)
{
	int err = o->format == FORMAT_TEXT ? text__write(o->out, ev, o->env) : write_json(o, ev);

	if (err && !o->err)
		o->err = err;
	if (!err)
		o->written++;
}

int output__flush(struct output *o)
{
	if (fflush(o->out) && !o->err)
		o->err = -errno;
	return o->err;
}

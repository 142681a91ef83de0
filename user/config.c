// SPDX-License-Identifier: GPL-2.0-only
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#define MAX_CONFIG_BYTES (1u << 20)

struct load {
	const char *path;
	const struct config_key *keys;
	size_t nkeys;
	config_apply_fn apply;
	void *ctx;
	char *err;
	size_t errlen;
	yaml_parser_t parser;
	yaml_event_t ev;
	bool *seen;		/* per key: a key given twice is a mistake, not an override */
};

static int fail_at(struct load *l, const yaml_mark_t *m, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(l->err, l->errlen, "%s:%zu:%zu: %s", l->path, m->line + 1, m->column + 1, msg);
	return -EINVAL;
}

/* The next event into l->ev (the previous one freed); -EINVAL on a syntax error. */
static int next(struct load *l)
{
	yaml_event_delete(&l->ev);
	if (yaml_parser_parse(&l->parser, &l->ev))
		return 0;
	memset(&l->ev, 0, sizeof(l->ev));
	return fail_at(l, &l->parser.problem_mark, "YAML: %s%s%s",
		       l->parser.problem ? l->parser.problem : "error",
		       l->parser.context ? " " : "", l->parser.context ? l->parser.context : "");
}

static int expect(struct load *l, yaml_event_type_t type, const char *what)
{
	int err = next(l);

	if (err)
		return err;
	if (l->ev.type != type)
		return fail_at(l, &l->ev.start_mark, "expected %s", what);
	return 0;
}

static const struct config_key *find_key(struct load *l, const char *name, size_t *idx)
{
	for (size_t i = 0; i < l->nkeys; i++) {
		if (!strcmp(l->keys[i].name, name)) {
			*idx = i;
			return &l->keys[i];
		}
	}
	return NULL;
}

static int apply_scalar(struct load *l, const char *key)
{
	struct config_item it = {
		.key = key, .value = (const char *)l->ev.data.scalar.value,
		.line = (unsigned int)l->ev.start_mark.line + 1,
		.col = (unsigned int)l->ev.start_mark.column + 1,
	};
	char msg[384] = "invalid value";
	int err;

	if (strlen(it.value) != l->ev.data.scalar.length)
		return fail_at(l, &l->ev.start_mark, "%s: a value with a NUL byte", key);
	err = l->apply(l->ctx, &it, msg, sizeof(msg));
	return err ? fail_at(l, &l->ev.start_mark, "%s", msg) : 0;
}

static int parse_list(struct load *l, const char *key)
{
	int err;

	for (;;) {
		if ((err = next(l)))
			return err;
		if (l->ev.type == YAML_SEQUENCE_END_EVENT)
			return 0;
		if (l->ev.type != YAML_SCALAR_EVENT)
			return fail_at(l, &l->ev.start_mark, "%s: a list of single values", key);
		if ((err = apply_scalar(l, key)))
			return err;
	}
}

static int parse_value(struct load *l, const struct config_key *k)
{
	int err = next(l);

	if (err)
		return err;
	if (l->ev.type == YAML_SCALAR_EVENT)
		return apply_scalar(l, k->name);
	if (l->ev.type == YAML_SEQUENCE_START_EVENT && k->list)
		return parse_list(l, k->name);
	if (l->ev.type == YAML_ALIAS_EVENT)
		return fail_at(l, &l->ev.start_mark, "aliases are not allowed here");
	return fail_at(l, &l->ev.start_mark, "%s takes %s", k->name,
		       k->list ? "a value or a list of values" : "a single value");
}

static int parse_mapping(struct load *l)
{
	int err;

	for (;;) {
		const struct config_key *k;
		size_t idx;
		char *name;

		if ((err = next(l)))
			return err;
		if (l->ev.type == YAML_MAPPING_END_EVENT)
			return 0;
		if (l->ev.type != YAML_SCALAR_EVENT)
			return fail_at(l, &l->ev.start_mark, "expected a setting name");
		name = (char *)l->ev.data.scalar.value;
		if (!(k = find_key(l, name, &idx))) {
			size_t len = 0;
			char known[256] = "";

			for (size_t i = 0; i < l->nkeys; i++)
				len += (size_t)snprintf(known + len, len < sizeof(known) ?
							sizeof(known) - len : 0, "%s%s",
							i ? ", " : "", l->keys[i].name);
			return fail_at(l, &l->ev.start_mark, "unknown setting '%s' (known: %s)",
				       name, known);
		}
		if (l->seen[idx])
			return fail_at(l, &l->ev.start_mark, "'%s' is set twice", name);
		l->seen[idx] = true;
		if ((err = parse_value(l, k)))
			return err;
	}
}

static int parse_stream(struct load *l)
{
	int err;

	if ((err = expect(l, YAML_STREAM_START_EVENT, "a YAML stream")) || (err = next(l)))
		return err;
	if (l->ev.type == YAML_STREAM_END_EVENT)
		return 0;	/* an empty file sets nothing */
	if (l->ev.type != YAML_DOCUMENT_START_EVENT)
		return fail_at(l, &l->ev.start_mark, "expected a document");
	if ((err = next(l)))
		return err;
	if (l->ev.type == YAML_SCALAR_EVENT && !l->ev.data.scalar.length)
		err = 0;	/* only comments */
	else if (l->ev.type != YAML_MAPPING_START_EVENT)
		return fail_at(l, &l->ev.start_mark, "expected settings as 'name: value' lines");
	else if ((err = parse_mapping(l)))
		return err;
	if ((err = expect(l, YAML_DOCUMENT_END_EVENT, "the end of the settings")) ||
	    (err = expect(l, YAML_STREAM_END_EVENT, "one document only")))
		return err;
	return 0;
}

static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *buf;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(MAX_CONFIG_BYTES + 1);
	*len = buf ? fread(buf, 1, MAX_CONFIG_BYTES + 1, f) : 0;
	fclose(f);
	if (buf && *len > MAX_CONFIG_BYTES) {
		snprintf(err, errlen, "%s: larger than %u bytes", path, MAX_CONFIG_BYTES);
		free(buf);
		return NULL;
	}
	if (!buf)
		snprintf(err, errlen, "%s: out of memory", path);
	return buf;
}

int config__load(const char *path, const struct config_key *keys, size_t nkeys,
		 config_apply_fn apply, void *ctx, char *err, size_t errlen)
{
	struct load l = { .path = path, .keys = keys, .nkeys = nkeys, .apply = apply,
			  .ctx = ctx, .err = err, .errlen = errlen };
	size_t len;
	char *buf = read_file(path, &len, err, errlen);
	int e;

	if (!buf)
		return -EINVAL;
	l.seen = calloc(nkeys ? nkeys : 1, sizeof(*l.seen));
	if (!l.seen || !yaml_parser_initialize(&l.parser)) {
		snprintf(err, errlen, "%s: out of memory", path);
		free(l.seen);
		free(buf);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&l.parser, (const unsigned char *)buf, len);
	e = parse_stream(&l);
	yaml_event_delete(&l.ev);
	yaml_parser_delete(&l.parser);
	free(l.seen);
	free(buf);
	return e;
}

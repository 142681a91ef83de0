// SPDX-License-Identifier: GPL-2.0-only
#include "rules/match.h"

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/hmap.h"

/* A field the index is keyed on, with the case mode of its patterns. */
struct index_field {
	const struct field_def *field;
	bool nocase;
};

/* Rules (as indexes into the rule set) that an exact value can satisfy. */
struct bucket {
	uint32_t *rules;
	size_t n;
};

/* One event's field values, fetched once however many rules read them. */
struct cached_value {
	uint64_t gen;
	bool present;
	struct field_value v;
};

struct matcher {
	const struct ruleset *rs;
	struct hmap index;		/* value key -> struct bucket */
	struct index_field *fields;
	size_t nfields;
	bool *reads_content;		/* per rule: it names a field of the file's content */
	uint32_t *unindexed;		/* rules tried for every event */
	size_t nunindexed;
	uint64_t *seen;			/* per rule: the generation it was last a candidate */
	uint32_t *candidates;
	struct cached_value *cache;	/* per field of the catalogue */
	const struct field_def *catalogue;
	size_t ncatalogue;
	uint64_t gen;
	char *why;			/* NUL-separated reasons of the rule being evaluated */
	size_t why_len, why_cap;
	struct match_stats stats;
};

/* FNV-1a over (field, case mode, value): the key of the exact-value index. */
static uint64_t value_key(const struct field_def *f, bool nocase, const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ (uint64_t)(uintptr_t)f ^ (nocase ? 1 : 0);

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		h = (h ^ (nocase ? (unsigned char)tolower(c) : c)) * 0x100000001b3ULL;
	}
	return h;
}

static bool all_exact(const struct match_node *n)
{
	for (size_t i = 0; i < n->npatterns; i++)
		if (n->patterns[i].glob)
			return false;
	return n->npatterns > 0;
}

/*
 * The exact conditions of which at least one must hold for the node to hold, or false
 * when there is no such set (a glob, or a not:). Appends to *out.
 */
static bool anchors(const struct match_node *n, const struct match_node ***out, size_t *nout)
{
	const struct match_node **grown;
	size_t best = (size_t)-1, start = *nout;

	switch (n->op) {
	case MATCH_FIELD:
		if (!all_exact(n))
			return false;
		grown = realloc(*out, (*nout + 1) * sizeof(*grown));
		if (!grown)
			return false;
		*out = grown;
		(*out)[(*nout)++] = n;
		return true;
	case MATCH_ANY:
		for (size_t i = 0; i < n->nkids; i++)
			if (!anchors(n->kids[i], out, nout))
				return false;
		return n->nkids > 0;
	case MATCH_ALL:
		/* any one child's anchors will do: keep the smallest set */
		for (size_t i = 0; i < n->nkids; i++) {
			size_t before = *nout;

			if (!anchors(n->kids[i], out, nout) || *nout - before >= best) {
				*nout = before;
				continue;
			}
			best = *nout - before;
			memmove(*out + start, *out + before, best * sizeof(**out));
			*nout = start + best;
		}
		return best != (size_t)-1;
	case MATCH_NOT:
		return false;
	}
	return false;
}

static int bucket_add(struct matcher *m, uint64_t key, uint32_t rule)
{
	struct bucket *b = hmap__get(&m->index, key);
	uint32_t *grown;

	if (!b) {
		b = calloc(1, sizeof(*b));
		if (!b || hmap__put(&m->index, key, b, NULL)) {
			free(b);
			return -ENOMEM;
		}
	}
	if (b->n && b->rules[b->n - 1] == rule)
		return 0;	/* the same rule twice under one value */
	grown = realloc(b->rules, (b->n + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	b->rules = grown;
	b->rules[b->n++] = rule;
	return 0;
}

static int index_field_add(struct matcher *m, const struct match_node *n)
{
	struct index_field *grown;

	for (size_t i = 0; i < m->nfields; i++)
		if (m->fields[i].field == n->field && m->fields[i].nocase == n->nocase)
			return 0;
	grown = realloc(m->fields, (m->nfields + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	m->fields = grown;
	m->fields[m->nfields++] = (struct index_field){ n->field, n->nocase };
	return 0;
}

static int index_rule(struct matcher *m, uint32_t idx)
{
	const struct rule *r = m->rs->rules[idx];
	const struct match_node **list = NULL;
	size_t n = 0;
	int err = 0;

	if (!anchors(r->match, &list, &n)) {
		free(list);
		m->unindexed[m->nunindexed++] = idx;
		return 0;
	}
	for (size_t i = 0; i < n && !err; i++) {
		err = index_field_add(m, list[i]);
		for (size_t j = 0; j < list[i]->npatterns && !err; j++) {
			const char *text = list[i]->patterns[j].text;

			err = bucket_add(m, value_key(list[i]->field, list[i]->nocase, text,
						      strlen(text)), idx);
		}
	}
	free(list);
	return err;
}

static bool reads_content(const struct match_node *n)
{
	for (size_t i = 0; i < n->nkids; i++)
		if (reads_content(n->kids[i]))
			return true;
	return n->op == MATCH_FIELD && fields__from_content(n->field);
}

static bool in_phase(const struct matcher *m, uint32_t rule, enum match_phase phase)
{
	return phase == MATCH_ALL_RULES ||
	       m->reads_content[rule] == (phase == MATCH_ON_CONTENT);
}

void match__free(struct matcher *m)
{
	uint64_t key;
	void *value;

	if (!m)
		return;
	for (size_t it = 0; hmap__next(&m->index, &it, &key, &value);) {
		free(((struct bucket *)value)->rules);
		free(value);
	}
	hmap__free(&m->index);
	for (size_t i = 0; m->cache && i < m->ncatalogue; i++)
		fields__release(&m->cache[i].v);
	free(m->cache);
	free(m->fields);
	free(m->unindexed);
	free(m->reads_content);
	free(m->seen);
	free(m->candidates);
	free(m->why);
	free(m);
}

struct matcher *match__new(const struct ruleset *rs)
{
	struct matcher *m = calloc(1, sizeof(*m));
	size_t n = rs->nrules ? rs->nrules : 1;

	if (!m)
		return NULL;
	m->rs = rs;
	hmap__init(&m->index);
	m->catalogue = fields__all(&m->ncatalogue);
	m->unindexed = calloc(n, sizeof(*m->unindexed));
	m->reads_content = calloc(n, sizeof(*m->reads_content));
	m->seen = calloc(n, sizeof(*m->seen));
	m->candidates = calloc(n, sizeof(*m->candidates));
	m->cache = calloc(m->ncatalogue, sizeof(*m->cache));
	m->why_cap = 256;
	m->why = malloc(m->why_cap);
	if (!m->unindexed || !m->reads_content || !m->seen || !m->candidates || !m->cache || !m->why)
		goto err;
	for (uint32_t i = 0; i < rs->nrules; i++) {
		if (rs->rules[i]->enabled && index_rule(m, i))
			goto err;
		m->reads_content[i] = reads_content(rs->rules[i]->match);
	}
	return m;
err:
	match__free(m);
	return NULL;
}

const struct match_stats *match__stats(const struct matcher *m)
{
	return &m->stats;
}

size_t match__unindexed(const struct matcher *m)
{
	return m->nunindexed;
}

/* --- evaluation ------------------------------------------------------------------- */

static const struct field_value *value_of(struct matcher *m, const struct field_def *f,
					  const struct event *ev, const struct event_env *env)
{
	struct cached_value *c = &m->cache[f - m->catalogue];

	if (c->gen != m->gen) {
		fields__release(&c->v);
		c->gen = m->gen;
		c->present = fields__get(f, ev, env, &c->v);
	}
	return c->present ? &c->v : NULL;
}

/* A field's values as strings, one at a time: list elements, numbers in decimal... */
struct elem_iter {
	const struct field_def *f;
	const struct field_value *v;
	size_t pos;
	bool done;
	char buf[32];
};

static bool next_elem(struct elem_iter *it, const char **s, size_t *len)
{
	if (it->done)
		return false;
	switch (it->f->type) {
	case FT_LIST:
	case FT_NESTED: {
		const char *start = it->v->str + it->pos;
		const char *nul;

		if (it->pos >= it->v->len)
			return false;
		nul = memchr(start, '\0', it->v->len - it->pos);
		*s = start;
		*len = nul ? (size_t)(nul - start) : it->v->len - it->pos;
		it->pos += *len + 1;
		return true;
	}
	case FT_KEYWORD:
		*s = it->v->str;
		*len = it->v->len;
		break;
	case FT_LONG:
		*len = (size_t)snprintf(it->buf, sizeof(it->buf), "%lld", it->v->num);
		*s = it->buf;
		break;
	case FT_BOOL:
		*s = it->v->num ? "true" : "false";
		*len = strlen(*s);
		break;
	case FT_DATE:
		host__format_time((uint64_t)it->v->num, it->buf);
		*s = it->buf;
		*len = strlen(*s);
		break;
	}
	it->done = true;
	return true;
}

/* s is NUL-terminated at len: every value the field catalogue gives is. */
static bool same(const char *a, const char *b, size_t n, bool nocase)
{
	return nocase ? !strncasecmp(a, b, n) : !memcmp(a, b, n);
}

static bool contains(const char *s, size_t len, const char *lit, size_t n, bool nocase)
{
	for (size_t i = 0; i + n <= len; i++)
		if (same(s + i, lit, n, nocase))
			return true;
	return false;
}

/* s is NUL-terminated at len; fnmatch sees it up to its first NUL, so do the others. */
bool match__pattern(const struct pattern *pat, bool nocase, const char *s, size_t len)
{
	len = strnlen(s, len);
	switch (pat->kind) {
	case PAT_EXACT:
		return strlen(pat->text) == len && same(pat->text, s, len, nocase);
	case PAT_PREFIX:
		return len >= pat->lit_len && same(s, pat->lit, pat->lit_len, nocase);
	case PAT_SUFFIX:
		return len >= pat->lit_len &&
		       same(s + len - pat->lit_len, pat->lit, pat->lit_len, nocase);
	case PAT_CONTAINS:
		return nocase ? contains(s, len, pat->lit, pat->lit_len, true)
			      : memmem(s, len, pat->lit, pat->lit_len) != NULL;
	case PAT_GLOB:
		break;
	}
	return !fnmatch(pat->text, s, nocase ? FNM_CASEFOLD : 0);
}

static void why_add(struct matcher *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void why_add(struct matcher *m, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = m->why_cap - m->why_len;

		va_start(ap, fmt);
		n = vsnprintf(m->why + m->why_len, room, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < room) {
			m->why_len += (size_t)n + 1;	/* keep the NUL: it separates reasons */
			return;
		}
		char *grown = realloc(m->why, m->why_cap * 2 + (size_t)n + 64);

		if (!grown)
			return;
		m->why = grown;
		m->why_cap = m->why_cap * 2 + (size_t)n + 64;
	}
}

/* The field rules naming f also see (fields.h: field_def.also), or NULL. */
static const struct field_def *also_of(const struct field_def *f)
{
	return f->also ? fields__find(f->also) : NULL;
}

/* n's patterns against the values of f (n's own field, or the one it also sees). */
static bool eval_values(struct matcher *m, const struct match_node *n,
			const struct field_def *f, const struct event *ev,
			const struct event_env *env)
{
	struct elem_iter it = { .f = f, .v = value_of(m, f, ev, env) };
	const char *mod = n->nocase ? "|i" : "";
	const char *s;
	size_t len;

	if (!it.v)
		return false;
	while (next_elem(&it, &s, &len)) {
		for (size_t i = 0; i < n->npatterns; i++) {
			const struct pattern *pat = &n->patterns[i];

			if (!match__pattern(pat, n->nocase, s, len))
				continue;
			if (pat->glob)
				why_add(m, "%s%s ~ \"%s\" (\"%.*s\")", f->name, mod, pat->text,
					(int)len, s);
			else
				why_add(m, "%s%s == \"%.*s\"", f->name, mod, (int)len, s);
			return true;
		}
	}
	return false;
}

static bool eval_field(struct matcher *m, const struct match_node *n, const struct event *ev,
		       const struct event_env *env)
{
	const struct field_def *also = also_of(n->field);

	return eval_values(m, n, n->field, ev, env) ||
	       (also && eval_values(m, n, also, ev, env));
}

static bool eval(struct matcher *m, const struct match_node *n, const struct event *ev,
		 const struct event_env *env)
{
	size_t mark = m->why_len;
	bool held;

	switch (n->op) {
	case MATCH_FIELD:
		return eval_field(m, n, ev, env);
	case MATCH_ALL:
		for (size_t i = 0; i < n->nkids; i++) {
			if (!eval(m, n->kids[i], ev, env)) {
				m->why_len = mark;
				return false;
			}
		}
		return true;
	case MATCH_ANY:
		for (size_t i = 0; i < n->nkids; i++)
			if (eval(m, n->kids[i], ev, env))
				return true;
		return false;
	case MATCH_NOT:
		held = eval(m, n->kids[0], ev, env);
		m->why_len = mark;
		if (held)
			return false;
		if (n->kids[0]->op == MATCH_FIELD)
			why_add(m, "not %s%s: none of %zu pattern(s)", n->kids[0]->field->name,
				n->kids[0]->nocase ? "|i" : "", n->kids[0]->npatterns);
		else
			why_add(m, "not: the conditions at line %u do not hold", n->kids[0]->line);
		return true;
	}
	return false;
}

static void candidate(struct matcher *m, uint32_t rule, size_t *n)
{
	if (m->seen[rule] == m->gen)
		return;
	m->seen[rule] = m->gen;
	m->candidates[(*n)++] = rule;
}

/* Rules whose exact values on index field f one of the values of field `values` is. */
static void candidates_of(struct matcher *m, const struct index_field *f,
			  const struct field_def *values, const struct event *ev,
			  const struct event_env *env, size_t *n)
{
	struct elem_iter it = { .f = values, .v = value_of(m, values, ev, env) };
	const char *s;
	size_t len;

	while (it.v && next_elem(&it, &s, &len)) {
		struct bucket *b = hmap__get(&m->index, value_key(f->field, f->nocase, s, len));

		for (size_t j = 0; b && j < b->n; j++)
			candidate(m, b->rules[j], n);
	}
}

/* Rules an indexed value of this event can satisfy, plus every unindexed rule. */
static size_t collect_candidates(struct matcher *m, const struct event *ev,
				 const struct event_env *env)
{
	size_t n = 0;

	for (size_t i = 0; i < m->nfields; i++) {
		const struct index_field *f = &m->fields[i];

		candidates_of(m, f, f->field, ev, env, &n);
		if (also_of(f->field))
			candidates_of(m, f, also_of(f->field), ev, env, &n);
	}
	for (size_t i = 0; i < m->nunindexed; i++)
		candidate(m, m->unindexed[i], &n);
	return n;
}

static int by_index(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int match__event(struct matcher *m, unsigned int on, enum match_phase phase,
		 const struct event *ev, const struct event_env *env, match_fn fn, void *ctx)
{
	size_t n;
	int matched = 0;

	m->gen++;
	m->stats.events++;
	n = collect_candidates(m, ev, env);
	qsort(m->candidates, n, sizeof(*m->candidates), by_index);
	for (size_t i = 0; i < n; i++) {
		const struct rule *r = m->rs->rules[m->candidates[i]];

		if (!r->enabled || !(r->on & on) || !in_phase(m, m->candidates[i], phase))
			continue;
		m->stats.evaluated++;
		m->why_len = 0;
		if (!eval(m, r->match, ev, env))
			continue;
		m->stats.matched++;
		matched++;
		fn(ctx, r, m->why, m->why_len);
	}
	return matched;
}

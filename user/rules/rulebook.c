// SPDX-License-Identifier: GPL-2.0-only
#include "rules/rulebook.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How block rules are checked at each load (rules__guard). */
enum guard {
	GUARD_HOST,	/* against this host's protected set, read for each load */
	GUARD_GIVEN,	/* against the set given (NULL: not checked: enforce preview) */
};

struct rulebook {
	char **paths;
	size_t npaths;
	enum guard guard;
	const struct protect *protect;	/* GUARD_GIVEN: the set block rules are judged by */
	struct ruleset *rs;
	struct matcher *matcher;
};

void rulebook__free(struct rulebook *rb)
{
	if (!rb)
		return;
	match__free(rb->matcher);
	rules__free(rb->rs);
	for (size_t i = 0; i < rb->npaths; i++)
		free(rb->paths[i]);
	free(rb->paths);
	free(rb);
}

/* Build the new rule set and matcher aside; install them only when both exist. */
static int rulebook_load(struct rulebook *rb, struct rules_errors *errs)
{
	struct ruleset *rs = rb->guard == GUARD_HOST ?
				     rules__load(rb->paths, rb->npaths, errs) :
				     rules__load_protect(rb->paths, rb->npaths, rb->protect, errs);
	struct matcher *m = rs ? match__new(rs) : NULL;

	if (!m) {
		rules__free(rs);
		return rs || errs->n ? -EINVAL : -ENOMEM;
	}
	match__free(rb->matcher);
	rules__free(rb->rs);
	rb->rs = rs;
	rb->matcher = m;
	return 0;
}

static struct rulebook *rulebook_open(char *const *paths, size_t npaths, enum guard guard,
				      const struct protect *p, struct rules_errors *errs)
{
	struct rulebook *rb = calloc(1, sizeof(*rb));

	if (!rb)
		return NULL;
	rb->guard = guard;
	rb->protect = p;
	rb->paths = calloc(npaths ? npaths : 1, sizeof(*rb->paths));
	if (!rb->paths)
		goto err;
	for (; rb->npaths < npaths; rb->npaths++)
		if (!(rb->paths[rb->npaths] = strdup(paths[rb->npaths])))
			goto err;
	if (rulebook_load(rb, errs))
		goto err;
	return rb;
err:
	rulebook__free(rb);
	return NULL;
}

struct rulebook *rulebook__open(char *const *paths, size_t npaths, struct rules_errors *errs)
{
	return rulebook_open(paths, npaths, GUARD_HOST, NULL, errs);
}

struct rulebook *rulebook__open_protect(char *const *paths, size_t npaths, const struct protect *p,
					struct rules_errors *errs)
{
	return rulebook_open(paths, npaths, GUARD_GIVEN, p, errs);
}

struct rulebook *rulebook__open_unguarded(char *const *paths, size_t npaths,
					  struct rules_errors *errs)
{
	return rulebook_open(paths, npaths, GUARD_GIVEN, NULL, errs);
}

int rulebook__reload(struct rulebook *rb, struct rules_errors *errs)
{
	return rulebook_load(rb, errs);
}

int rulebook__match(struct rulebook *rb, unsigned int on, enum match_phase phase,
		    const struct event *ev, const struct event_env *env, match_fn fn, void *ctx)
{
	return match__event(rb->matcher, on, phase, ev, env, fn, ctx);
}

const struct ruleset *rulebook__rules(const struct rulebook *rb)
{
	return rb->rs;
}

const struct match_stats *rulebook__stats(const struct rulebook *rb)
{
	return match__stats(rb->matcher);
}

static void collect_strings(const struct match_node *m, const struct field_def *f, char ***list,
			    size_t *n)
{
	for (size_t i = 0; i < m->nkids; i++)
		collect_strings(m->kids[i], f, list, n);
	if (m->op != MATCH_FIELD || m->field != f)
		return;
	for (size_t i = 0; i < m->npatterns; i++) {
		char **grown;
		size_t j = 0;

		while (j < *n && strcmp((*list)[j], m->patterns[i].text))
			j++;
		if (j < *n || !(grown = realloc(*list, (*n + 1) * sizeof(*grown))))
			continue;	/* already there (the scanner wants them distinct) */
		*list = grown;
		(*list)[(*n)++] = m->patterns[i].text;
	}
}

struct strscan *rulebook__strscan(const struct rulebook *rb)
{
	const struct field_def *f = fields__find("embargo.elf.strings");
	char **list = NULL;
	size_t n = 0;
	struct strscan *scan;

	for (size_t i = 0; f && i < rb->rs->nrules; i++)
		if (rb->rs->rules[i]->enabled)
			collect_strings(rb->rs->rules[i]->match, f, &list, &n);
	scan = n ? strscan__new(list, n) : NULL;
	free(list);
	return scan;
}

/* DIR, a slash and a star, DIR literal, absolute, two levels deep or more: DIR's length. */
static size_t tree_of(const char *pat)
{
	size_t len = strlen(pat), slashes = 0;

	if (pat[0] != '/' || len < 3 || strcmp(pat + len - 2, "/*"))
		return 0;
	for (size_t i = 0; i < len - 2; i++) {
		if (strchr("*?[\\", pat[i]))
			return 0;
		slashes += pat[i] == '/';
	}
	return slashes >= 2 ? len - 2 : 0;
}

static void collect_vendor_paths(const struct match_node *m, const struct field_def *f,
				 void (*fn)(void *ctx, const char *path, bool tree), void *ctx)
{
	char dir[4096];

	for (size_t i = 0; i < m->nkids; i++)
		collect_vendor_paths(m->kids[i], f, fn, ctx);
	if (m->op != MATCH_FIELD || m->field != f || m->nocase)
		return;
	for (size_t i = 0; i < m->npatterns; i++) {
		const char *text = m->patterns[i].text;
		size_t len = tree_of(text);

		if (!m->patterns[i].glob && text[0] == '/')
			fn(ctx, text, false);
		else if (len && len < sizeof(dir)) {
			snprintf(dir, sizeof(dir), "%.*s", (int)len, text);
			fn(ctx, dir, true);
		}
	}
}

void rulebook__vendor_paths(const struct rulebook *rb,
			    void (*fn)(void *ctx, const char *path, bool tree), void *ctx)
{
	const struct field_def *f = fields__find("process.executable");

	for (size_t i = 0; f && i < rb->rs->nrules; i++)
		if (rb->rs->rules[i]->enabled && rb->rs->rules[i]->on & ON_PROCESS)
			collect_vendor_paths(rb->rs->rules[i]->match, f, fn, ctx);
}

static bool node_uses(const struct match_node *m, const struct field_def *f)
{
	for (size_t i = 0; i < m->nkids; i++)
		if (node_uses(m->kids[i], f))
			return true;
	return m->op == MATCH_FIELD && m->field == f;
}

bool rulebook__uses(const struct rulebook *rb, const char *field)
{
	const struct field_def *f = fields__find(field);

	for (size_t i = 0; f && i < rb->rs->nrules; i++)
		if (rb->rs->rules[i]->enabled && node_uses(rb->rs->rules[i]->match, f))
			return true;
	return false;
}

// SPDX-License-Identifier: GPL-2.0-only
#include "core/alert.h"

#include <stdlib.h>
#include <string.h>

#include "enforce/enforce.h"
#include "lib/buf.h"
#include "lib/log.h"

/* The rules an event matched, in match order, and why each did (the matcher reuses its text). */
struct matches {
	const struct rule **rules;
	size_t *why_end;	/* rule i's reasons are whys[why_end[i-1]..why_end[i]) */
	size_t n, cap;
	struct buf whys;
};

static void on_match(void *arg, const struct rule *r, const char *why, size_t why_len)
{
	struct matches *m = arg;

	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 8;
		const struct rule **rules = realloc(m->rules, cap * sizeof(*rules));
		size_t *ends = rules ? realloc(m->why_end, cap * sizeof(*ends)) : NULL;

		if (rules)
			m->rules = rules;
		if (!ends) {
			log_warn("alert: out of memory: rule %s matched, not reported", r->id);
			return;
		}
		m->why_end = ends;
		m->cap = cap;
	}
	buf__put(&m->whys, why, why_len);
	m->rules[m->n] = r;
	m->why_end[m->n++] = m->whys.len;
}

/* Alert = the event's fields + the rule + why it matched + what enforcement did about it. */
static void emit(const struct event *from, struct output *out, const struct rule *r,
		 const char *why, size_t why_len, const struct verdict *v)
{
	struct event ev = *from;
	const char *outcome = v ? event__verdict_outcome(v) : NULL;

	ev.kind = EVENT_KIND_ALERT;
	ev.rule = r;
	ev.why = why;
	ev.why_len = why_len;
	ev.verdict = v;
	if (outcome) {
		ev.type = "denied";
		ev.outcome = outcome;
	}
	if (out)
		output__event(out, &ev);
}

int alert__raise(struct rulebook *rb, unsigned int on, enum match_phase phase,
		 const struct event *ev, const struct event_env *env, struct output *out,
		 struct enforcer *enf)
{
	struct matches m = { 0 };
	struct enforce_decision d;
	int alerts = 0;

	if (rb)
		rulebook__match(rb, on, phase, ev, env, on_match, &m);
	/* the learned list knows copies by their hash: asked once the content is known */
	enforce__event(enf, ev, m.rules, m.n, phase != MATCH_BEFORE_CONTENT, &d);
	for (size_t i = 0; i < m.n; i++) {
		size_t start = i ? m.why_end[i - 1] : 0;
		const char *why = buf__error(&m.whys) ? NULL : buf__str(&m.whys) + start;

		/* the rules matched before the one that acted were reported before it did */
		emit(ev, out, m.rules[i], why, why ? m.why_end[i] - start : 0,
		     i >= d.acted ? &d.verdict : NULL);
		alerts++;
	}
	if (d.listed) {
		struct event listed = *ev;

		if (d.listed_pkg && !listed.package)
			listed.package = d.listed_pkg;
		/* a list of one reason: the NUL ends it */
		emit(&listed, out, d.listed, d.listed_why, strlen(d.listed_why) + 1, &d.verdict);
		alerts++;
	}
	free(m.rules);
	free(m.why_end);
	buf__free(&m.whys);
	return alerts;
}

// SPDX-License-Identifier: GPL-2.0-only
#include "alert.h"

/* What an alert is made of: the event that matched, and where it goes. */
struct alert_ctx {
	const struct event *ev;
	struct output *out;
};

/* Alert = the event's fields + the rule + why it matched. */
static void on_match(void *arg, const struct rule *r, const char *why, size_t why_len)
{
	struct alert_ctx *ctx = arg;
	struct event ev = *ctx->ev;

	ev.kind = EVENT_KIND_ALERT;
	ev.rule = r;
	ev.why = why;
	ev.why_len = why_len;
	output__event(ctx->out, &ev);
}

int alert__raise(struct rulebook *rb, unsigned int on, const struct event *ev,
		 const struct event_env *env, struct output *out)
{
	struct alert_ctx ctx = { ev, out };

	return rb ? rulebook__match(rb, on, ev, env, on_match, &ctx) : 0;
}

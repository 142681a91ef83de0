// SPDX-License-Identifier: GPL-2.0-only
#include "text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "json.h"

/* Print " key=\"value\"" with the value escaped as in JSON, so a terminal never sees
 * control bytes from a hostile argv or path. */
static void put_field(FILE *out, const char *key, const char *name, const struct event *ev,
		      const struct event_env *env)
{
	const struct field_def *f = fields__find(name);
	struct field_value v;
	char *buf = NULL;
	size_t len = 0, cap = 0;

	if (!f || !fields__get(f, ev, env, &v))
		return;
	if (f->type == FT_LONG) {
		fprintf(out, " %s=%lld", key, v.num);
	} else if (!json__escape(&buf, &len, &cap, v.str, v.len)) {
		fprintf(out, " %s=\"%s\"", key, buf);
	}
	free(buf);
	fields__release(&v);
}

/* A record about embargo itself: what happened and, on failure, why. */
static int write_state(FILE *out, const struct event *ev, const struct event_env *env,
		       const char *when)
{
	fprintf(out, "%s STATE %s", when, ev->action);
	put_field(out, "outcome", "event.outcome", ev, env);
	put_field(out, "message", "message", ev, env);
	put_field(out, "error", "error.message", ev, env);
	return fputc('\n', out) == EOF ? -EIO : 0;
}

int text__write(FILE *out, const struct event *ev, const struct event_env *env)
{
	char when[32];

	host__format_time(ev->time_ns, when);
	if (ev->kind == EVENT_KIND_STATE)
		return write_state(out, ev, env, when);
	if (ev->kind == EVENT_KIND_ALERT) {
		fprintf(out, "%s ALERT", when);
		put_field(out, "severity", "embargo.rule.severity", ev, env);
		put_field(out, "rule", "rule.id", ev, env);
		put_field(out, "vendor", "rule.ruleset", ev, env);
		put_field(out, "why", "event.reason", ev, env);
		fprintf(out, " |");
	}
	fprintf(out, "%s %s", ev->kind == EVENT_KIND_ALERT ? "" : when, ev->action);
	put_field(out, "pid", "process.pid", ev, env);
	put_field(out, "ppid", "process.parent.pid", ev, env);
	put_field(out, "user", "user.name", ev, env);
	put_field(out, "uid", "user.id", ev, env);
	put_field(out, "login", "embargo.process.login_user.name", ev, env);
	put_field(out, "exe", "process.executable", ev, env);
	put_field(out, "cmd", "process.command_line", ev, env);
	put_field(out, "cwd", "process.working_directory", ev, env);
	put_field(out, "interp", "embargo.process.interpreter", ev, env);
	put_field(out, "parent", "process.parent.executable", ev, env);
	put_field(out, "sha256", "process.hash.sha256", ev, env);
	if (fputc('\n', out) == EOF)
		return -EIO;
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only
#include "output/text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rules/fields.h"
#include "lib/json.h"

/* Print " key=\"value\"" with the value escaped as in JSON, so a terminal never sees
 * control bytes from a hostile argv or path. */
static void put_field(struct buf *out, const char *key, const char *name, const struct event *ev,
		      const struct event_env *env)
{
	const struct field_def *f = fields__find(name);
	struct field_value v;
	char *esc = NULL;
	size_t len = 0, cap = 0;

	if (!f || !fields__get(f, ev, env, &v))
		return;
	if (f->type == FT_LONG) {
		buf__printf(out, " %s=%lld", key, v.num);
	} else if (f->type == FT_DATE) {
		char when[32];

		host__format_time((uint64_t)v.num, when);
		buf__printf(out, " %s=%s", key, when);
	} else if (!json__escape(&esc, &len, &cap, v.str, v.len)) {
		buf__printf(out, " %s=\"%s\"", key, esc);
	}
	free(esc);
	fields__release(&v);
}

/* A record about embargo itself: what happened and, on failure, why. */
static void write_state(struct buf *out, const struct event *ev, const struct event_env *env,
			const char *when)
{
	buf__printf(out, "%s STATE %s", when, ev->action);
	put_field(out, "seq", "embargo.sequence", ev, env);
	put_field(out, "outcome", "event.outcome", ev, env);
	put_field(out, "message", "message", ev, env);
	put_field(out, "error", "error.message", ev, env);
	put_field(out, "uptime", "embargo.health.uptime", ev, env);
	put_field(out, "events", "embargo.health.events", ev, env);
	put_field(out, "alerts", "embargo.health.alerts", ev, env);
	put_field(out, "drops", "embargo.health.kernel_drops", ev, env);
	put_field(out, "hashes_pending", "embargo.health.hash_pending", ev, env);
	put_field(out, "hash_backlog", "embargo.health.hash_backlog", ev, env);
	put_field(out, "spooled", "embargo.health.spool_records", ev, env);
	put_field(out, "evicted", "embargo.health.spool_evicted", ev, env);
	put_field(out, "not_spooled", "embargo.health.spool_write_failed", ev, env);
	put_field(out, "outputs_up", "embargo.health.outputs_up", ev, env);
	put_field(out, "outputs_down", "embargo.health.outputs_down", ev, env);
	put_field(out, "rules", "embargo.health.rules_version", ev, env);
	put_field(out, "sensor", "embargo.health.sensor_state", ev, env);
	put_field(out, "output", "embargo.spool.output", ev, env);
	put_field(out, "not_spooled", "embargo.spool.write_failed", ev, env);
	put_field(out, "previous_run", "embargo.previous_run.state", ev, env);
	put_field(out, "previous_run_id", "embargo.previous_run.run_id", ev, env);
	put_field(out, "previous_last_seq", "embargo.previous_run.last_sequence", ev, env);
	put_field(out, "run", "embargo.run.id", ev, env);
}

int text__write(struct buf *out, const struct event *ev, const struct event_env *env)
{
	char when[32];

	host__format_time(ev->time_ns, when);
	if (ev->kind == EVENT_KIND_STATE) {
		write_state(out, ev, env, when);
		return buf__error(out);
	}
	if (ev->kind == EVENT_KIND_ALERT) {
		buf__printf(out, "%s ALERT", when);
		put_field(out, "severity", "embargo.rule.severity", ev, env);
		put_field(out, "rule", "rule.id", ev, env);
		put_field(out, "vendor", "rule.ruleset", ev, env);
		put_field(out, "why", "event.reason", ev, env);
		put_field(out, "count", "embargo.alert.count", ev, env);
		put_field(out, "first", "event.start", ev, env);
		put_field(out, "last", "event.end", ev, env);
		buf__puts(out, " |");
	}
	buf__printf(out, "%s %s", ev->kind == EVENT_KIND_ALERT ? "" : when, ev->action);
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
	put_field(out, "package", "package.name", ev, env);
	put_field(out, "version", "package.version", ev, env);
	put_field(out, "previous", "embargo.package.previous_version", ev, env);
	put_field(out, "file", "file.path", ev, env);
	return buf__error(out);
}

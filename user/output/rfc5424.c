// SPDX-License-Identifier: GPL-2.0-only
#include "output/rfc5424.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rules/fields.h"
#include "lib/json.h"
#include "rules/rules.h"

/* SD-PARAM name -> ECS field; absent fields are left out. */
static const struct {
	const char *param;
	const char *field;
} sd_params[] = {
	{ "kind", "event.kind" },
	{ "action", "event.action" },
	{ "outcome", "event.outcome" },
	{ "rule", "rule.id" },
	{ "ruleset", "rule.ruleset" },
	{ "severity", "embargo.rule.severity" },
	{ "count", "embargo.alert.count" },
	{ "pid", "process.pid" },
	{ "uid", "user.id" },
	{ "user", "user.name" },
	{ "login", "embargo.process.login_user.name" },
	{ "exe", "process.executable" },
	{ "sha256", "process.hash.sha256" },
	{ "package", "package.name" },
	{ "version", "package.version" },
	{ "file", "file.path" },
	{ "host_id", "host.id" },
	/* a relay can check for losses without parsing the body */
	{ "run", "embargo.run.id" },
	{ "seq", "embargo.sequence" },
};

int rfc5424__severity(const struct event *ev)
{
	/* critical -> crit, high -> err, medium -> warning, low -> notice */
	static const int by_rule[] = { [SEV_LOW] = 5, [SEV_MEDIUM] = 4, [SEV_HIGH] = 3,
				       [SEV_CRITICAL] = 2 };

	if (ev->kind == EVENT_KIND_ALERT && ev->rule)
		return by_rule[ev->rule->severity];
	if (ev->outcome && !strcmp(ev->outcome, "failure"))
		return 4;
	return 6;
}

static const char *msgid(const struct event *ev)
{
	const char *category = event__category_name(ev->category);

	if (ev->kind == EVENT_KIND_ALERT)
		return "alert";
	if (ev->kind == EVENT_KIND_STATE)
		return "state";
	return category ? category : "-";
}

/* HOSTNAME is 1*255 PRINTUSASCII: anything else in a host name becomes '-'. */
static void put_hostname(struct buf *out, const char *name)
{
	size_t n = strnlen(name, 255);

	if (!n) {
		buf__putc(out, '-');
		return;
	}
	for (size_t i = 0; i < n; i++)
		buf__putc(out, name[i] > ' ' && name[i] < 0x7f ? name[i] : '-');
}

/*
 * PARAM-VALUE: UTF-8 with '"', '\' and ']' escaped by a backslash. JSON string escaping
 * already escapes the first two the same way, makes control bytes visible (\u001b) and
 * invalid UTF-8 valid (U+FFFD); only ']' is left to do.
 */
static void put_param_value(struct buf *out, const char *s, size_t n)
{
	char *esc = NULL;
	size_t len = 0, cap = 0;

	if (json__escape(&esc, &len, &cap, s, n)) {
		free(esc);
		out->err = -ENOMEM;
		return;
	}
	for (size_t i = 0; i < len; i++) {
		if (esc[i] == ']')
			buf__putc(out, '\\');
		buf__putc(out, esc[i]);
	}
	free(esc);
}

static void put_param(struct buf *out, const char *param, const struct field_def *f,
		      const struct field_value *v)
{
	buf__printf(out, " %s=\"", param);
	if (f->type == FT_LONG)
		buf__printf(out, "%lld", v->num);
	else
		put_param_value(out, v->str, strnlen(v->str, v->len));	/* a list: its first */
	buf__putc(out, '"');
}

static void put_structured_data(struct buf *out, const struct event *ev,
				const struct event_env *env)
{
	struct field_value v;

	buf__puts(out, "[" SYSLOG_SD_ID);
	for (size_t i = 0; i < sizeof(sd_params) / sizeof(sd_params[0]); i++) {
		const struct field_def *f = fields__find(sd_params[i].field);

		if (!f || !fields__get(f, ev, env, &v))
			continue;
		put_param(out, sd_params[i].param, f, &v);
		fields__release(&v);
	}
	buf__putc(out, ']');
}

void rfc5424__format(struct buf *out, const struct event *ev, const struct event_env *env,
		     const char *body, size_t len)
{
	char when[32];

	host__format_time(ev->time_ns, when);
	buf__printf(out, "<%d>1 %s ", SYSLOG_FACILITY * 8 + rfc5424__severity(ev), when);
	put_hostname(out, env->host ? env->host->name : "");
	buf__printf(out, " embargo %d %s ", (int)getpid(), msgid(ev));
	put_structured_data(out, ev, env);
	buf__putc(out, ' ');
	buf__put(out, body, len);
}

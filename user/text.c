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

int text__write(FILE *out, const struct event *ev, const struct event_env *env)
{
	char when[32];

	host__format_time(ev->time_ns, when);
	fprintf(out, "%s %s", when, ev->action);
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
	if (fputc('\n', out) == EOF)
		return -EIO;
	return 0;
}

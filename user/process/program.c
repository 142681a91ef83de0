// SPDX-License-Identifier: GPL-2.0-only
#include "process/program.h"
#include "lib/path.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *basename_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

bool program__is_loader(const char *path)
{
	static const char *const names[] = { "ld-linux*.so*", "ld-*.so*", "ld.so*", "ld64.so*" };
	const char *base = basename_of(path);

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!fnmatch(names[i], base, 0))
			return true;
	return false;
}

/* glibc ld.so options that take a value (ld.so --help). */
static bool takes_value(const char *opt)
{
	static const char *const with_value[] = {
		"--library-path", "--glibc-hwcaps-prepend", "--glibc-hwcaps-mask",
		"--inhibit-rpath", "--audit", "--preload", "--argv0",
	};

	for (size_t i = 0; i < sizeof(with_value) / sizeof(with_value[0]); i++)
		if (!strcmp(opt, with_value[i]))
			return true;
	return false;
}

/* PROG of `LOADER [OPTIONS] PROG ARGS`, absolute; NULL when argv names none. */
static char *target_in_args(const struct proc *p)
{
	const char *arg, *end;
	bool skip_value = false;

	if (!p->exe || !p->args)
		return NULL;
	end = p->args + p->args_len;
	arg = p->args + strlen(p->args) + 1;	/* past argv[0] */
	for (; arg < end; arg += strlen(arg) + 1) {
		if (skip_value) {
			skip_value = false;
		} else if (!strcmp(arg, "--")) {
			arg += strlen(arg) + 1;
			break;
		} else if (arg[0] == '-' && arg[1] == '-') {
			skip_value = takes_value(arg);
		} else {
			break;
		}
	}
	return arg < end && *arg ? path__absolute(p->cwd, arg) : NULL;
}

char *program__loader_target(const struct proc *p)
{
	return p->exe && program__is_loader(p->exe) ? target_in_args(p) : NULL;
}

bool program__run_by_loader(struct proc *p)
{
	char *target = p->loader ? NULL : target_in_args(p);

	if (!target)
		return false;
	p->loader = p->exe;
	p->exe = target;
	p->exe_source = EXE_LOADER;
	return true;
}

char *program__script_path(const struct proc *p)
{
	if (!p->interp || !p->filename)
		return NULL;
	return path__absolute(p->cwd, p->filename);
}

void program__resolve(struct proc *p, struct sandbox *sb, struct proctable *pt)
{
	char *target = program__loader_target(p);
	struct app_info app;

	if (target) {
		p->loader = p->exe;
		p->exe = target;
		p->exe_source = EXE_LOADER;
	}
	p->script = program__script_path(p);
	if (!sb)
		return;
	sandbox__identify(sb, pt, p, &app);
	if (app.type) {
		p->app_type = app.type;
		p->app_id = strdup(app.id);
		p->app_path = app.path[0] ? strdup(app.path) : NULL;
	}
}

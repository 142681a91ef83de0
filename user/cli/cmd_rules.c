// SPDX-License-Identifier: GPL-2.0-only
/* embargo rules check|list|test: for the people who write and ship rule files. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alert.h"
#include "cli/cli.h"
#include "process/filefacts.h"
#include "process/identity.h"
#include "process/markers.h"
#include "lib/log.h"
#include "lib/json.h"
#include "output/output.h"
#include "rules/rulebook.h"

static const char rules_usage[] =
	"Usage: embargo rules check [--format text|json] PATH...\n"
	"       embargo rules list [--rules PATH]... [--format text|json]\n"
	"       embargo rules test [--rules PATH]... [--format text|json] [--as PATH] [--arg ARG]...\n"
	"                          [--cwd DIR] [--app TYPE:ID] [--file] FILE...\n"
	"       embargo rules test [--rules PATH]... [--format text|json] --package NAME...\n"
	"       embargo rules fields\n"
	"       embargo rules reload [--socket PATH] [--format text|json]\n"
	"\n"
	"check  validate rule files or directories; print every error as FILE:LINE:COL;\n"
	"       exit 0 when all are valid, 1 otherwise\n"
	"list   print the loaded rules as a table (or one JSON object per rule)\n"
	"test   match each FILE against the rules as if root had just executed it (by path,\n"
	"       name and SHA-256) and print the alerts it would raise; exit 1 if any.\n"
	"       --as PATH: as if FILE were installed at PATH (executable, filename, argv[0]);\n"
	"       --arg ARG: argv goes on with ARG; --cwd DIR: the working directory;\n"
	"       --app TYPE:ID: in a flatpak or snap (ID: app id) or an AppImage (ID: its path);\n"
	"       --file: FILE was written (a download), not run (package.* from its content:\n"
	"       a .deb's Package:, a .flatpakref's Name=); --package NAME: NAME installed\n"
	"fields list the fields a rule can match, with their type and the events that have them\n"
	"reload make the running daemon reload its rules and print the outcome; exit 1 if the\n"
	"       new rules were refused (the old ones stay in force)\n"
	"\n"
	"--rules PATH is repeatable; without it the rules come from " RULES_DEFAULT_DIR ".\n";

/* rules test: what the event looks like beyond the file itself */
struct test_event_opts {
	const char *as;		/* --as: the path the file is run from */
	const char *cwd;
	const char *app;	/* --app TYPE:ID */
	bool file;		/* --file: a file event, not an exec */
	const char *extra[64];	/* --arg: argv after argv[0] */
	int nextra;
	const char *packages[64];	/* --package */
	int npackages;
};

struct rules_opts {
	enum output_format format;
	struct rule_paths rules;
	struct test_event_opts ev;
	char **args;		/* the positional arguments */
	int nargs;
};

static int test_event_opt(int c, const char *arg, const char *cmd, struct test_event_opts *e)
{
	if (strcmp(cmd, "rules test"))
		return cli__usage_error(cmd, "--as, --arg, --cwd, --app, --file and --package are for rules test");
	switch (c) {
	case 'A':
		if (arg[0] != '/')
			return cli__usage_error(cmd, "--as takes an absolute path, not '%s'", arg);
		e->as = arg;
		break;
	case 'a':
		if (e->nextra == (int)(sizeof(e->extra) / sizeof(e->extra[0])))
			return cli__usage_error(cmd, "at most 64 --arg");
		e->extra[e->nextra++] = arg;
		break;
	case 'C':
		e->cwd = arg;
		break;
	case 'P':
		if (strncmp(arg, "flatpak:", 8) && strncmp(arg, "snap:", 5) &&
		    strncmp(arg, "appimage:/", 10))
			return cli__usage_error(cmd, "--app takes flatpak:ID, snap:NAME or appimage:/PATH, not '%s'", arg);
		e->app = arg;
		break;
	case 'F':
		e->file = true;
		break;
	default:
		if (e->npackages == (int)(sizeof(e->packages) / sizeof(e->packages[0])))
			return cli__usage_error(cmd, "at most 64 --package");
		e->packages[e->npackages++] = arg;
	}
	return 0;
}

static int parse_opts(int argc, char **argv, const char *cmd, struct rules_opts *o)
{
	static const struct option longopts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "as", required_argument, NULL, 'A' },
		{ "arg", required_argument, NULL, 'a' },
		{ "cwd", required_argument, NULL, 'C' },
		{ "app", required_argument, NULL, 'P' },
		{ "file", no_argument, NULL, 'F' },
		{ "package", required_argument, NULL, 'K' },
		{},
	};
	int c, err;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":r:f:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
		case 'f':
			if ((err = cli__rules_or_format(c, optarg, cmd, &o->rules, &o->format)))
				return err;
			break;
		case 'h':
			fputs(rules_usage, stdout);
			return -1;
		case 'A': case 'a': case 'C': case 'P': case 'F': case 'K':
			if ((err = test_event_opt(c, optarg, cmd, &o->ev)))
				return err;
			break;
		default:
			return cli__option_error(cmd, c, argv);
		}
	}
	o->format = o->format == FORMAT_AUTO ? FORMAT_TEXT : o->format;
	o->args = argv + optind;
	o->nargs = argc - optind;
	return 0;
}

static void print_check_json(const struct ruleset *rs, const struct rules_errors *errs)
{
	struct json_writer w;

	json__init(&w);
	json__begin(&w);
	json__bool(&w, "valid", rs != NULL);
	if (rs) {
		json__ulong(&w, "rules", rs->nrules);
		json__ulong(&w, "files", rs->nfiles);
		json__string(&w, "version", rs->version);
	}
	json__begin_array(&w, "errors");
	for (size_t i = 0; i < errs->n; i++)
		json__array_string(&w, errs->msgs[i]);
	json__end_array(&w);
	if (!json__end(&w))
		printf("%s\n", json__buf(&w));
	json__free(&w);
}

static int rules_check(struct rules_opts *o)
{
	struct rules_errors errs = { 0 };
	struct ruleset *rs;

	if (!o->nargs && !o->rules.n)
		return cli__usage_error("rules check", "give the rule files or directories to check");
	for (int i = 0; i < o->nargs; i++)
		if (cli__add_rule_path(&o->rules, o->args[i]))
			return EXIT_USAGE;
	rs = rules__load(o->rules.paths, o->rules.n, &errs);
	if (o->format == FORMAT_JSON) {
		print_check_json(rs, &errs);
	} else {
		for (size_t i = 0; i < errs.n; i++)
			printf("%s\n", errs.msgs[i]);
		if (rs)
			printf("ok: %zu rules in %zu files (version %s)\n", rs->nrules, rs->nfiles,
			       rs->version);
		else
			printf("%zu error%s\n", errs.n, errs.n == 1 ? "" : "s");
	}
	rules__errors_free(&errs);
	if (!rs)
		return EXIT_FINDINGS;
	rules__free(rs);
	return EXIT_OK;
}

static const char *on_names(unsigned int on, char buf[32])
{
	snprintf(buf, 32, "%s%s%s%s%s", on & ON_PROCESS ? "process" : "",
		 on & ON_PROCESS && on & ~ON_PROCESS ? "," : "", on & ON_PACKAGE ? "package" : "",
		 on & ON_PACKAGE && on & ON_FILE ? "," : "", on & ON_FILE ? "file" : "");
	return buf;
}

static void list_rule_json(struct json_writer *w, const struct rule *r)
{
	char on[32];

	json__begin(w);
	json__string(w, "rule.id", r->id);
	json__string(w, "rule.name", r->name);
	json__string(w, "rule.description", r->description);
	json__string(w, "rule.ruleset", r->vendor);
	json__string(w, "severity", rule__severity_name(r->severity));
	json__string(w, "on", on_names(r->on, on));
	json__bool(w, "enabled", r->enabled);
	json__string(w, "file", r->file);
	json__ulong(w, "line", r->line);
	json__begin_array(w, "references");
	for (size_t i = 0; i < r->nreferences; i++)
		json__array_string(w, r->references[i]);
	json__end_array(w);
	if (!json__end(w))
		printf("%s\n", json__buf(w));
}

static int rules_list(struct rules_opts *o, const struct ruleset *rs)
{
	struct json_writer w;
	char on[32];

	if (o->nargs)
		return cli__usage_error("rules list", "unexpected argument '%s'", o->args[0]);
	if (o->format == FORMAT_JSON) {
		json__init(&w);
		for (size_t i = 0; i < rs->nrules; i++)
			list_rule_json(&w, rs->rules[i]);
		json__free(&w);
		return EXIT_OK;
	}
	printf("%-36s %-8s %-16s %-10s %-7s %s\n", "ID", "SEVERITY", "ON", "VENDOR", "ENABLED",
	       "NAME");
	for (size_t i = 0; i < rs->nrules; i++) {
		const struct rule *r = rs->rules[i];

		printf("%-36s %-8s %-16s %-10s %-7s %s\n", r->id, rule__severity_name(r->severity),
		       on_names(r->on, on), r->vendor, r->enabled ? "yes" : "no", r->name);
	}
	printf("%zu rules from %zu files (version %s)\n", rs->nrules, rs->nfiles, rs->version);
	return EXIT_OK;
}

int cli__as_exec(const char *path, struct identity *id, const char *action,
		 void (*fn)(void *ctx, const struct event *ev), void *ctx)
{
	struct file_as_proc fp;
	int err = filefacts__as_proc(path, id, &fp);
	struct event ev = { .category = EVENT_CATEGORY_PROCESS, .type = "start",
			    .action = action, .proc = &fp.proc };

	if (err)
		return err;
	ev.time_ns = host__now_real_ns();
	fn(ctx, &ev);
	filefacts__release(&fp);
	return 0;
}

struct test_ctx {
	struct rulebook *rb;
	struct event_env *env;
	struct output *out;
	unsigned int alerts;
};

static void test_one(void *ctx, const struct event *ev)
{
	struct test_ctx *t = ctx;

	t->alerts += (unsigned int)alert__raise(t->rb, ON_PROCESS, MATCH_ALL_RULES, ev, t->env,
						t->out, NULL);
}

/* argv [argv0, --arg...] as the kernel gives it: NUL-separated; NULL when out of memory. */
static char *join_argv(const char *argv0, const struct test_event_opts *e, size_t *len)
{
	size_t n = strlen(argv0) + 1;
	char *buf, *at;

	for (int i = 0; i < e->nextra; i++)
		n += strlen(e->extra[i]) + 1;
	if (!(buf = malloc(n)))
		return NULL;
	at = stpcpy(buf, argv0) + 1;
	for (int i = 0; i < e->nextra; i++)
		at = stpcpy(at, e->extra[i]) + 1;
	*len = n;
	return buf;
}

/* --as, --arg, --cwd, --app on the process filefacts made of the file. */
static int dress_proc(struct file_as_proc *fp, const struct test_event_opts *e, char **argv_buf)
{
	struct proc *p = &fp->proc;
	const char *colon = e->app ? strchr(e->app, ':') : NULL;
	static char app_type[16];

	if (e->as) {
		snprintf(fp->exe, sizeof(fp->exe), "%s", e->as);
		snprintf(p->comm, sizeof(p->comm), "%.15s", strrchr(e->as, '/') + 1);
	}
	if (!(*argv_buf = join_argv(e->as ? e->as : fp->args, e, &p->args_len)))
		return -ENOMEM;
	p->args = p->filename = *argv_buf;
	p->argc = (uint32_t)e->nextra + 1;
	p->cwd = (char *)e->cwd;
	if (colon) {
		snprintf(app_type, sizeof(app_type), "%.*s", (int)(colon - e->app), e->app);
		p->app_type = app_type;
		p->app_id = (char *)(strrchr(colon, '/') ? strrchr(colon, '/') + 1 : colon + 1);
		p->app_path = (char *)(colon[1] == '/' ? colon + 1 : NULL);
	}
	return 0;
}

static int test_exec(struct test_ctx *t, struct identity *id, const char *path,
		     const struct test_event_opts *e)
{
	struct file_as_proc fp;
	struct event ev = { .category = EVENT_CATEGORY_PROCESS, .type = "start",
			    .action = "rules-test", .proc = &fp.proc };
	char *argv_buf = NULL;
	int err = filefacts__as_proc(path, id, &fp);

	if (err)
		return err;
	if (!(err = dress_proc(&fp, e, &argv_buf))) {
		ev.time_ns = host__now_real_ns();
		test_one(t, &ev);
	}
	free(argv_buf);
	filefacts__release(&fp);
	return err;
}

/* FILE as a file a process wrote: by its path, name, content and what it says it is. */
static int test_file(struct test_ctx *t, struct identity *id, const char *path)
{
	char abs[PATH_MAX];
	struct file_ident *ident = NULL;
	struct file_info file = { .path = abs };
	struct file_markers marks = { 0 };
	struct package_info pkg = { 0 };
	struct event ev = { .category = EVENT_CATEGORY_FILE, .type = "creation",
			    .action = "file-created", .file = &file };
	int fd;

	if (!realpath(path, abs))
		return -errno;
	if ((fd = open(abs, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) >= 0) {
		ident = identity__of_fd(id, fd);
		markers__from_fd(fd, &marks);
		close(fd);
	}
	if (marks.package[0]) {
		pkg = (struct package_info){ .name = marks.package, .type = marks.type };
		ev.package = &pkg;
	}
	file.sha256 = ident && ident->sha256[0] ? ident->sha256 : NULL;
	ev.time_ns = host__now_real_ns();
	t->alerts += (unsigned int)alert__raise(t->rb, ON_FILE, MATCH_ALL_RULES, &ev, t->env,
						t->out, NULL);
	ident__put(ident);
	return 0;
}

static void test_package(struct test_ctx *t, const char *name)
{
	struct package_info pkg = { .name = name, .version = "0", .type = "deb" };
	struct event ev = { .time_ns = host__now_real_ns(), .category = EVENT_CATEGORY_PACKAGE,
			    .type = "installation", .action = "package-installed",
			    .package = &pkg };

	t->alerts += (unsigned int)alert__raise(t->rb, ON_PACKAGE, MATCH_ALL_RULES, &ev, t->env,
						t->out, NULL);
}

static int test_all(struct rules_opts *o, struct test_ctx *t, struct identity *id)
{
	int rc = EXIT_OK;

	for (int i = 0; i < o->ev.npackages; i++)
		test_package(t, o->ev.packages[i]);
	for (int i = 0; i < o->nargs; i++) {
		int err = o->ev.file ? test_file(t, id, o->args[i]) :
				       test_exec(t, id, o->args[i], &o->ev);

		if (err) {
			fprintf(stderr, "embargo rules test: %s: %s\n", o->args[i], strerror(-err));
			rc = EXIT_USAGE;
		}
	}
	return rc;
}

static int rules_test(struct rules_opts *o, struct rulebook *rb)
{
	struct host host;
	struct event_env env = { .host = &host, .users = users__new() };
	struct identity *id = identity__new("/proc", 0);
	struct test_ctx t = { .rb = rb, .env = &env };
	int rc = EXIT_USAGE;

	if (!o->nargs && !o->ev.npackages)
		return cli__usage_error("rules test", "give the files (or --package names) to test");
	host__load(&host, NULL);
	t.out = output__stdout(stdout, o->format, &env);
	if (id)
		identity__set_scanner(id, rulebook__strscan(rb));
	if (env.users && id && t.out) {
		rc = test_all(o, &t, id);
		output__flush(t.out);
	}
	output__free(t.out);
	identity__free(id);
	users__free(env.users);
	if (rc == EXIT_OK && t.alerts)
		rc = EXIT_FINDINGS;
	return rc;
}

static int rules_fields(void)
{
	static const char *const types[] = { "keyword", "long", "boolean", "date", "keyword[]",
					     "keyword[]" };
	static const char *const kinds[] = {
		[ROLE_EVENT] = "all", [ROLE_PROCESS] = "all", [ROLE_PARENT] = "all",
		[ROLE_PACKAGE] = "package", [ROLE_FILE] = "file", [ROLE_RULE] = "alerts only",
	};
	size_t n;
	const struct field_def *f = fields__all(&n);

	printf("%-40s %-10s %s\n", "FIELD", "TYPE", "EVENTS");
	for (size_t i = 0; i < n; i++)
		if (f[i].role != ROLE_RULE)
			printf("%-40s %-10s %s\n", f[i].name, types[f[i].type], kinds[f[i].role]);
	return EXIT_OK;
}

int cmd_rules(int argc, char **argv)
{
	struct rules_opts o = { 0 };
	struct rules_errors errs = { 0 };
	struct rulebook *rb;
	const char *sub = argc > 1 ? argv[1] : NULL;
	char cmd[32];
	int rc;

	if (!sub || !strcmp(sub, "--help") || !strcmp(sub, "-h")) {
		fputs(rules_usage, sub ? stdout : stderr);
		return sub ? EXIT_OK : EXIT_USAGE;
	}
	if (!strcmp(sub, "reload"))
		return cmd_rules_reload(argc - 1, argv + 1);
	snprintf(cmd, sizeof(cmd), "rules %.20s", sub);
	rc = parse_opts(argc - 1, argv + 1, cmd, &o);
	if (rc) {
		cli__free_rule_paths(&o.rules);
		return rc < 0 ? EXIT_OK : rc;
	}
	if (!strcmp(sub, "check")) {
		rc = rules_check(&o);
	} else if (!strcmp(sub, "fields")) {
		rc = o.nargs ? cli__usage_error(cmd, "unexpected argument '%s'", o.args[0]) :
			       rules_fields();
	} else if (!strcmp(sub, "list") || !strcmp(sub, "test")) {
		if (cli__finish_rule_paths(&o.rules))
			return EXIT_USAGE;
		rb = rulebook__open(o.rules.paths, o.rules.n, &errs);
		if (!rb) {
			log_err("failed to load rules:");
			cli__print_rule_errors(&errs);
			rc = EXIT_USAGE;
		} else {
			rc = !strcmp(sub, "list") ? rules_list(&o, rulebook__rules(rb)) :
						    rules_test(&o, rb);
		}
		rulebook__free(rb);
		rules__errors_free(&errs);
	} else {
		rc = cli__usage_error("rules", "unknown subcommand '%s' (check, list, test, fields or reload)", sub);
	}
	cli__free_rule_paths(&o.rules);
	return rc;
}

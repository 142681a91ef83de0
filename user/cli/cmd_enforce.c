// SPDX-License-Identifier: GPL-2.0-only
/*
 * embargo enforce preview: what a rule set's block rules would kill or quarantine on this
 * machine, before it is rolled out. Installed programs (the bin directories, /opt, every
 * executable dpkg lists) are judged as `rules test` judges a file (as if root ran it);
 * running processes by their program. Protected hits (user/protect.h) are marked: they are
 * never killed, and `rules check` refuses the rules that reach them.
 */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lib/host.h"
#include "process/identity.h"
#include "lib/json.h"
#include "lib/log.h"
#include "packages/protect.h"
#include "rules/rulebook.h"
#include "lib/users.h"

static const char enforce_usage[] =
	"Usage: embargo enforce preview [--rules PATH]... [--format text|json]\n"
	"\n"
	"preview  list what the block rules would kill or quarantine among the installed\n"
	"         programs (/usr/bin, /usr/sbin, /usr/local/bin, /usr/lib/systemd, /usr/libexec,\n"
	"         /opt, every executable in dpkg's file lists) and the running processes,\n"
	"         marking the protected ones; exit 1 if it would touch anything protected\n"
	"\n"
	"The rules are loaded without refusing over-broad block rules: this is how to see what\n"
	"a rule set `rules check` refuses would have hit.\n"
	"--rules PATH is repeatable; without it the rules come from " RULES_DEFAULT_DIR ".\n";

/* Directories whose programs are listed (not recursively); /opt is walked. */
static const char *const program_dirs[] = { "/usr/bin", "/usr/sbin", "/usr/local/bin",
					    "/usr/local/sbin", "/usr/lib/systemd",
					    "/usr/libexec", "/usr/lib/xorg", "/bin", "/sbin" };
#define OPT_DEPTH 8

struct paths {
	char **v;
	size_t n, cap;
};

struct preview {
	struct rulebook *rb;
	struct protect *p;
	struct identity *id;
	struct event_env env;
	enum output_format format;
	struct json_writer w;
	size_t programs, processes, hits, protected_hits;
	/* the one being judged */
	const char *path;
	pid_t pid;
	const char *rule;	/* first block rule that matched it */
};

static int paths_add(struct paths *ps, const char *path)
{
	char real[PATH_MAX], *copy;

	if (!realpath(path, real))
		return 0;	/* gone, or a dangling link */
	if (ps->n == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 1024;
		char **grown = realloc(ps->v, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		ps->v = grown;
		ps->cap = cap;
	}
	copy = strdup(real);
	if (!copy)
		return -ENOMEM;
	ps->v[ps->n++] = copy;
	return 0;
}

static void paths_free(struct paths *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		free(ps->v[i]);
	free(ps->v);
}

static bool is_program(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

static int add_dir(struct paths *ps, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int err = 0;

	while (d && !err && (de = readdir(d))) {
		char path[PATH_MAX];

		if (de->d_name[0] == '.' ||
		    snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		if (is_program(path))
			err = paths_add(ps, path);
	}
	if (d)
		closedir(d);
	return err;
}

/* nftw has no context argument: the list being built. */
static struct paths *walking;

static int visit_opt(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	if (ftw->level > OPT_DEPTH)
		return 0;
	if (type == FTW_F && S_ISREG(st->st_mode) && (st->st_mode & 0111))
		return paths_add(walking, path) ? 1 : 0;
	return 0;
}

/* Every executable regular file dpkg lists, for every package. */
static int add_dpkg_lists(struct paths *ps)
{
	DIR *d = opendir("/var/lib/dpkg/info");
	struct dirent *de;
	char *line = NULL;
	size_t size = 0;
	int err = 0;

	while (d && !err && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char list[PATH_MAX];
		ssize_t n;
		FILE *f;

		if (len < 6 || strcmp(de->d_name + len - 5, ".list") ||
		    snprintf(list, sizeof(list), "/var/lib/dpkg/info/%s", de->d_name) >=
			    (int)sizeof(list) ||
		    !(f = fopen(list, "re")))
			continue;
		while (!err && (n = getline(&line, &size, f)) > 0) {
			struct stat st;

			if (line[n - 1] == '\n')
				line[--n] = '\0';
			/* lstat: a listed link is judged where it points, if that is listed */
			if (n > 1 && !lstat(line, &st) && S_ISREG(st.st_mode) && (st.st_mode & 0111))
				err = paths_add(ps, line);
		}
		fclose(f);
	}
	free(line);
	if (d)
		closedir(d);
	return err;
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int installed_programs(struct paths *ps)
{
	size_t out = 0;
	int err = 0;

	for (size_t i = 0; !err && i < sizeof(program_dirs) / sizeof(program_dirs[0]); i++)
		err = add_dir(ps, program_dirs[i]);
	if (!err) {
		walking = ps;
		if (nftw("/opt", visit_opt, 32, FTW_PHYS | FTW_MOUNT) > 0)
			err = -ENOMEM;
		walking = NULL;
	}
	if (!err)
		err = add_dpkg_lists(ps);
	if (err)
		return err;
	if (ps->n)
		qsort(ps->v, ps->n, sizeof(*ps->v), by_string);
	for (size_t i = 0; i < ps->n; i++) {
		if (out && !strcmp(ps->v[out - 1], ps->v[i])) {
			free(ps->v[i]);
			continue;
		}
		ps->v[out++] = ps->v[i];
	}
	ps->n = out;
	return 0;
}

static void on_match(void *ctx, const struct rule *r, const char *why, size_t why_len)
{
	struct preview *pv = ctx;

	(void)why, (void)why_len;
	if (r->action == ACTION_BLOCK && !pv->rule)
		pv->rule = r->id;
}

static void report(struct preview *pv, const char *action, bool prot)
{
	pv->hits++;
	pv->protected_hits += prot;
	if (pv->format == FORMAT_JSON) {
		json__begin(&pv->w);
		json__string(&pv->w, "kind", pv->pid ? "process" : "program");
		if (pv->pid)
			json__ulong(&pv->w, "pid", (unsigned long)pv->pid);
		json__string(&pv->w, "path", pv->path);
		json__string(&pv->w, "action", action);
		json__string(&pv->w, "rule.id", pv->rule);
		json__bool(&pv->w, "protected", prot);
		if (!json__end(&pv->w))
			printf("%s\n", json__buf(&pv->w));
		return;
	}
	if (pv->hits == 1)
		printf("%-10s %-9s %-30s %s\n", "ACTION", "PROTECTED", "RULE", "WHAT");
	if (pv->pid)
		printf("%-10s %-9s %-30s pid %d %s\n", action, prot ? "protected" : "-", pv->rule,
		       (int)pv->pid, pv->path);
	else
		printf("%-10s %-9s %-30s %s\n", action, prot ? "protected" : "-", pv->rule,
		       pv->path);
}

/* The event cli__as_exec built: block rules on it as a process, then on it as a file. */
static void judge(void *ctx, const struct event *ev)
{
	struct preview *pv = ctx;
	struct file_info file = { .path = pv->path };
	struct event fev = { .time_ns = ev->time_ns, .category = EVENT_CATEGORY_FILE,
			     .type = "info", .action = "enforce-preview", .file = &file };
	bool prot = (pv->pid && protect__pid(NULL, pv->pid, getpid())) ||
		    protect__path(pv->p, pv->path);

	pv->rule = NULL;
	rulebook__match(pv->rb, ON_PROCESS, MATCH_ALL_RULES, ev, &pv->env, on_match, pv);
	if (pv->rule)
		report(pv, pv->pid ? "kill" : "kill-exec", prot);
	if (pv->pid)
		return;		/* a running process's file was judged as a program already */
	pv->rule = NULL;
	rulebook__match(pv->rb, ON_FILE, MATCH_ALL_RULES, &fev, &pv->env, on_match, pv);
	if (pv->rule)
		report(pv, "quarantine", prot);
}

static void running_processes(struct preview *pv)
{
	DIR *d = opendir("/proc");
	struct dirent *de;

	while (d && (de = readdir(d))) {
		char link[64], exe[PATH_MAX];
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		ssize_t n;

		if (*end || pid <= 0)
			continue;
		snprintf(link, sizeof(link), "/proc/%ld/exe", pid);
		n = readlink(link, exe, sizeof(exe) - 1);
		if (n <= 0)
			continue;	/* a kernel thread, or gone */
		exe[n] = '\0';
		pv->processes++;
		pv->pid = (pid_t)pid;
		pv->path = exe;
		/* a deleted or unreachable program: its path alone is not enough */
		if (cli__as_exec(exe, pv->id, "enforce-preview", judge, pv))
			log_debug("enforce preview: pid %ld: cannot read %s, ignoring", pid, exe);
	}
	pv->pid = 0;
	if (d)
		closedir(d);
}

static int preview(struct rule_paths *rules, enum output_format format)
{
	struct rules_errors errs = { 0 };
	struct host host;
	struct preview pv = { .format = format };
	struct paths ps = { 0 };
	char why[300];
	int rc = EXIT_USAGE;

	host__load(&host, NULL);
	pv.env = (struct event_env){ .host = &host, .users = users__new() };
	json__init(&pv.w);
	pv.rb = rulebook__open_unguarded(rules->paths, rules->n, &errs);
	if (!pv.rb) {
		log_err("failed to load rules:");
		cli__print_rule_errors(&errs);
		goto out;
	}
	pv.p = protect__load("/", why, sizeof(why));
	if (!pv.p) {
		log_err("%s", why);
		goto out;
	}
	pv.id = identity__new("/proc", 0);
	if (!pv.id || !pv.env.users || installed_programs(&ps)) {
		log_err("enforce preview: %s", strerror(ENOMEM));
		goto out;
	}
	identity__set_scanner(pv.id, rulebook__strscan(pv.rb));
	for (size_t i = 0; i < ps.n; i++) {
		pv.path = ps.v[i];
		if (!cli__as_exec(ps.v[i], pv.id, "enforce-preview", judge, &pv))
			pv.programs++;
	}
	running_processes(&pv);
	if (format == FORMAT_JSON) {
		json__begin(&pv.w);
		json__ulong(&pv.w, "programs", pv.programs);
		json__ulong(&pv.w, "processes", pv.processes);
		json__ulong(&pv.w, "hits", pv.hits);
		json__ulong(&pv.w, "protected", pv.protected_hits);
		if (!json__end(&pv.w))
			printf("%s\n", json__buf(&pv.w));
	} else {
		printf("%zu programs and %zu processes checked: %zu would be hit, %zu of them "
		       "protected%s\n",
		       pv.programs, pv.processes, pv.hits, pv.protected_hits,
		       pv.protected_hits ? " (never killed; `rules check` refuses these rules)" :
					   "");
	}
	rc = pv.protected_hits ? EXIT_FINDINGS : EXIT_OK;
out:
	paths_free(&ps);
	identity__free(pv.id);
	protect__free(pv.p);
	rulebook__free(pv.rb);
	users__free(pv.env.users);
	json__free(&pv.w);
	rules__errors_free(&errs);
	return rc;
}

int cmd_enforce(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *sub = argc > 1 ? argv[1] : NULL;
	struct rule_paths rules = { 0 };
	enum output_format format = FORMAT_AUTO;
	int c, rc;

	if (!sub || !strcmp(sub, "--help") || !strcmp(sub, "-h")) {
		fputs(enforce_usage, sub ? stdout : stderr);
		return sub ? EXIT_OK : EXIT_USAGE;
	}
	if (strcmp(sub, "preview"))
		return cli__usage_error("enforce", "unknown subcommand '%s' (preview)", sub);
	opterr = 0;
	optind = 1;
	argc--, argv++;
	while ((c = getopt_long(argc, argv, ":r:f:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
		case 'f':
			if ((rc = cli__rules_or_format(c, optarg, "enforce preview", &rules,
						       &format))) {
				cli__free_rule_paths(&rules);
				return rc;
			}
			break;
		case 'h':
			fputs(enforce_usage, stdout);
			cli__free_rule_paths(&rules);
			return EXIT_OK;
		default:
			cli__free_rule_paths(&rules);
			return cli__option_error("enforce preview", c, argv);
		}
	}
	if (optind < argc) {
		cli__free_rule_paths(&rules);
		return cli__usage_error("enforce preview", "unexpected argument '%s'", argv[optind]);
	}
	rc = cli__finish_rule_paths(&rules) ? EXIT_USAGE :
	     preview(&rules, format == FORMAT_JSON ? FORMAT_JSON : FORMAT_TEXT);
	cli__free_rule_paths(&rules);
	return rc;
}

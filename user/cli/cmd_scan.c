// SPDX-License-Identifier: GPL-2.0-only
/* embargo scan: a one-shot compliance check for fleet tools. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "lib/log.h"
#include "packages/pkgdb.h"
#include "core/scan.h"

static const char scan_usage[] =
	"Usage: embargo scan [--rules PATH]... [--format text|json] [--path DIR]...\n"
	"                    [--skip packages|processes|files|PATH]... [--max-depth N]\n"
	"                    [--max-time SECONDS] [--cross-mounts]\n"
	"\n"
	"Check installed packages (dpkg, flatpak, snap), running processes and files at rest\n"
	"against the rules; print an alert for each finding. Files are searched in --path DIRs,\n"
	"or else in /opt, /usr/local, /usr/share/applications, the flatpak and snap trees and\n"
	"every home (each user's in the user database, and every directory in /home): first\n"
	"~/Applications, ~/Downloads, ~/Desktop, per-user flatpak apps and wine prefixes'\n"
	"Program Files, then the rest of it. Symlinks are never followed; other filesystems\n"
	"mounted below are not entered (--cross-mounts: local ones are), FUSE and network ones\n"
	"never. Exit 0 when clean, 1 on findings, 2 on error.\n"
	"\n"
	"  --skip PATH        leave out the files and trees matching PATH (a glob: /home/*/VMs)\n"
	"  --max-depth N      directories below a home walked (default 6)\n"
	"  --max-time SECONDS for each home, then the rest of it is left (default 60; 0: none)\n";

struct scan_opts {
	struct rule_paths rules;
	enum output_format format;
	char **paths;
	size_t npaths;
	char **skip;
	size_t nskip;
	struct scan_files_opts files;
	bool skip_packages, skip_processes, skip_files;
};

static int add_string(char ***list, size_t *n, const char *s)
{
	char **grown = realloc(*list, (*n + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	*list = grown;
	(*list)[*n] = strdup(s);
	return (*list)[(*n)++] ? 0 : -ENOMEM;
}

static int parse_skip(struct scan_opts *o, const char *what)
{
	if (!strcmp(what, "packages"))
		o->skip_packages = true;
	else if (!strcmp(what, "processes"))
		o->skip_processes = true;
	else if (!strcmp(what, "files"))
		o->skip_files = true;
	else if (what[0] == '/')
		return add_string(&o->skip, &o->nskip, what) ? EXIT_USAGE : 0;
	else
		return cli__usage_error("scan", "--skip takes packages, processes, files or an "
					"absolute PATH, not '%s'", what);
	return 0;
}

static int parse_depth(struct scan_opts *o, const char *arg)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || n < 1 || n > 64)
		return cli__usage_error("scan", "--max-depth takes a number of directories "
					"from 1 to 64, not '%s'", arg);
	o->files.home_depth = (unsigned int)n;
	return 0;
}

static int parse_time(struct scan_opts *o, const char *arg)
{
	char *end;
	double secs;

	errno = 0;
	secs = strtod(arg, &end);
	if (errno || end == arg || *end || !(secs >= 0) || secs > 86400)
		return cli__usage_error("scan", "--max-time takes seconds from 0 (no bound) to "
					"86400, not '%s'", arg);
	o->files.home_time_ms = (uint64_t)(secs * 1000 + 0.5);
	if (secs > 0 && !o->files.home_time_ms)
		o->files.home_time_ms = 1;
	return 0;
}

static int parse_opts(int argc, char **argv, struct scan_opts *o)
{
	enum { OPT_DEPTH = 256, OPT_TIME, OPT_CROSS };
	static const struct option longopts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' },
		{ "path", required_argument, NULL, 'p' },
		{ "skip", required_argument, NULL, 's' },
		{ "max-depth", required_argument, NULL, OPT_DEPTH },
		{ "max-time", required_argument, NULL, OPT_TIME },
		{ "cross-mounts", no_argument, NULL, OPT_CROSS },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c, err = 0;

	opterr = 0;
	optind = 1;
	o->format = FORMAT_AUTO;
	o->files.home_depth = SCAN_HOME_DEPTH;
	o->files.home_time_ms = SCAN_HOME_TIME_MS;
	while (!err && (c = getopt_long(argc, argv, ":r:f:p:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
		case 'f':
			err = cli__rules_or_format(c, optarg, "scan", &o->rules, &o->format);
			break;
		case 'p':
			err = add_string(&o->paths, &o->npaths, optarg) ? EXIT_USAGE : 0;
			break;
		case 's':
			err = parse_skip(o, optarg);
			break;
		case OPT_DEPTH:
			err = parse_depth(o, optarg);
			break;
		case OPT_TIME:
			err = parse_time(o, optarg);
			break;
		case OPT_CROSS:
			o->files.cross_mounts = true;
			break;
		case 'h':
			fputs(scan_usage, stdout);
			return -1;
		default:
			return cli__option_error("scan", c, argv);
		}
	}
	if (err)
		return err;
	if (optind < argc)
		return cli__usage_error("scan", "unexpected argument '%s'", argv[optind]);
	o->files.roots = o->paths;
	o->files.nroots = o->npaths;
	o->files.skip = o->skip;
	o->files.nskip = o->nskip;
	return cli__finish_rule_paths(&o->rules) ? EXIT_USAGE : 0;
}

static void scan_run(struct scan_opts *o, struct scan *s)
{
	struct inventory inv;
	struct proctable *pt;
	int err;

	if (!o->skip_packages) {
		err = pkgdb__read(&pkgdb__system_paths, &inv);
		if (err)
			log_warn("failed to read the installed packages: %s", strerror(-err));
		else
			scan__packages(s, &inv);
		pkgdb__free(&inv);
	}
	if (!o->skip_processes && (pt = proctable__new("/proc", s->env->host->id))) {
		proctable__seed(pt);
		scan__processes(s, pt);
		proctable__free(pt);
	}
	if (!o->skip_files && (err = scan__files(s, &o->files)))
		log_warn("failed to scan files at rest: %s", strerror(-err));
}

int cmd_scan(int argc, char **argv)
{
	struct scan_opts o = { 0 };
	struct rules_errors errs = { 0 };
	struct host host;
	struct event_env env = { .host = &host };
	struct scan s = { .env = &env };
	int rc = parse_opts(argc, argv, &o);

	if (rc)
		goto out;
	host__load(&host, NULL);
	env.users = users__new();
	s.id = identity__new("/proc", 0);
	s.rules = rulebook__open(o.rules.paths, o.rules.n, &errs);
	if (!s.rules) {
		log_err("failed to load rules:");
		cli__print_rule_errors(&errs);
		rc = EXIT_USAGE;
		goto out;
	}
	if (!env.users || !s.id) {
		rc = EXIT_USAGE;
		goto out;
	}
	identity__set_scanner(s.id, rulebook__strscan(s.rules));
	s.hash_files = rulebook__uses(s.rules, "file.hash.sha256");
	s.read_markers = rulebook__uses(s.rules, "package.name");
	s.out = output__stdout(stdout, o.format, &env);
	if (!s.out) {
		rc = EXIT_USAGE;
		goto out;
	}
	scan_run(&o, &s);
	rc = output__flush(s.out) ? EXIT_USAGE : s.alerts ? EXIT_FINDINGS : EXIT_OK;
	output__free(s.out);
	fprintf(stderr, "embargo scan: %zu findings; checked %zu packages, %zu processes, "
		"%zu files, %zu homes", s.alerts, s.packages, s.nproc, s.files, s.homes);
	if (s.homes_cut)
		fprintf(stderr, " (%zu cut short at --max-time)", s.homes_cut);
	if (s.homes_remote)
		fprintf(stderr, "; %zu homes on FUSE or network filesystems not walked",
			s.homes_remote);
	fputc('\n', stderr);
out:
	rc = rc < 0 ? EXIT_OK : rc;
	rulebook__free(s.rules);
	rules__errors_free(&errs);
	identity__free(s.id);
	users__free(env.users);
	cli__free_rule_paths(&o.rules);
	for (size_t i = 0; i < o.npaths; i++)
		free(o.paths[i]);
	free(o.paths);
	for (size_t i = 0; i < o.nskip; i++)
		free(o.skip[i]);
	free(o.skip);
	return rc;
}

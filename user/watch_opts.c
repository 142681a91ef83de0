// SPDX-License-Identifier: GPL-2.0-only
#include "watch_opts.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "rulebook.h"

static const char watch_usage[] =
	"Usage: embargo watch [OPTIONS]\n"
	"\n"
	"Load the process probes and report alerts until SIGINT or SIGTERM. Prints 'ready' on\n"
	"stderr once the probes are attached and running processes are known. SIGHUP reloads\n"
	"the rules (if they have any error the rules in force stay) and reopens output files.\n"
	"\n"
	"Options:\n"
	"  -r, --rules PATH       rules file or directory, repeatable (default " RULES_DEFAULT_DIR ")\n"
	"  -a, --all              also report every process start, not only alerts\n"
	"  -f, --format FORMAT    text or json to stdout (default: text on a terminal, else json\n"
	"                         lines; with --output, only if given)\n"
	"  -o, --output FMT:DEST  send records there, repeatable. FMT: ecs, ocsf, cef, text.\n"
	"                         DEST: stdout, file:PATH, syslog[:SOCKET], journald, udp://HOST:PORT,\n"
	"                         tcp://HOST:PORT, tls://HOST:PORT[?ca=F&cert=F&key=F&name=N]\n"
	"      --spool-dir DIR    where records wait for network outputs (default\n"
	"                         " SPOOL_DEFAULT_DIR ")\n"
	"      --spool-max SIZE   disk per network output, e.g. 64M (default 64M); when full the\n"
	"                         oldest records go, counted and reported\n"
	"      --fold-window SECS repeats of an alert (same rule, program, user) within SECS are\n"
	"                         sent as one with a count (default 60; 0: send every one)\n"
	"      --heartbeat SECS   a health record every SECS (default 60; 0: none)\n"
	"  -c, --config FILE      settings file (YAML); the command line wins over it\n"
	"      --probes FAMILY    use only this probe family: tp_btf, raw_tp or tracepoint\n"
	"                         (default: tp_btf, falling back to raw_tp, then tracepoint)\n"
	"  -v, --verbose          more detail on stderr; twice for libbpf's debug output\n"
	"  -h, --help             this help\n";

/* Which settings the command line gave: those the config file may not change. */
struct given {
	bool outputs, rules, spool_dir, spool_max, fold, heartbeat;
};

int watch_opts__parse_size(const char *s, uint64_t *bytes)
{
	char *end;
	unsigned long long v;
	unsigned int shift = 0;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s || errno || *s == '-')
		return -EINVAL;
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	default: break;
	}
	if (*end || v > (UINT64_MAX >> shift))
		return -EINVAL;
	*bytes = (uint64_t)v << shift;
	return 0;
}

int watch_opts__parse_seconds(const char *s, unsigned int *secs)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (end == s || *end || errno || *s == '-' || v > 86400 * 365)
		return -EINVAL;
	*secs = (unsigned int)v;
	return 0;
}

int watch_opts__add_output(struct watch_opts *o, const char *spec, char *err, size_t errlen)
{
	struct output_spec *v = realloc(o->outputs, (o->noutputs + 1) * sizeof(*v));
	int e;

	if (!v)
		return -ENOMEM;
	o->outputs = v;
	if ((e = outspec__parse(spec, &v[o->noutputs], err, errlen)))
		return e;
	for (size_t i = 0; i < o->noutputs; i++) {
		if (!strcmp(v[i].spec, spec)) {
			snprintf(err, errlen, "'%s' is given twice", spec);
			outspec__free(&v[o->noutputs]);
			return -EINVAL;
		}
	}
	o->noutputs++;
	return 0;
}

static int set_spool_dir(struct watch_opts *o, const char *dir)
{
	free(o->spool_dir);
	o->spool_dir = strdup(dir);
	o->out.spool_dir = o->spool_dir;
	return o->spool_dir ? 0 : -ENOMEM;
}

/* The options about outputs; EXIT_USAGE after a message. */
static int output_option(int c, const char *arg, struct watch_opts *o, struct given *g)
{
	char err[256];

	switch (c) {
	case 'o':
		g->outputs = true;
		if (watch_opts__add_output(o, arg, err, sizeof(err)))
			return cli__usage_error("watch", "--output %s: %s", arg, err);
		return 0;
	case 'S':
		g->spool_dir = true;
		if (arg[0] != '/')
			return cli__usage_error("watch", "--spool-dir needs an absolute path");
		return set_spool_dir(o, arg) ? EXIT_USAGE : 0;
	case 'M':
		g->spool_max = true;
		if (watch_opts__parse_size(arg, &o->out.spool_max) || o->out.spool_max < (1 << 20))
			return cli__usage_error("watch", "--spool-max must be a size of at least "
						"1M (e.g. 64M), not '%s'", arg);
		return 0;
	case 'F':
		g->fold = true;
		if (watch_opts__parse_seconds(arg, &o->out.fold_window_s))
			return cli__usage_error("watch", "--fold-window must be seconds, not '%s'",
						arg);
		return 0;
	case 'H':
		g->heartbeat = true;
		if (watch_opts__parse_seconds(arg, &o->heartbeat_s))
			return cli__usage_error("watch", "--heartbeat must be seconds, not '%s'",
						arg);
		return 0;
	}
	return cli__usage_error("watch", "unknown option");
}

static int parse_args(int argc, char **argv, struct watch_opts *o, struct given *g)
{
	static const struct option longopts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "all", no_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "spool-dir", required_argument, NULL, 'S' },
		{ "spool-max", required_argument, NULL, 'M' },
		{ "fold-window", required_argument, NULL, 'F' },
		{ "heartbeat", required_argument, NULL, 'H' },
		{ "config", required_argument, NULL, 'c' },
		{ "probes", required_argument, NULL, 'P' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c, err, verbosity = LOG_INFO;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":r:af:o:c:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
		case 'f':
			if ((err = cli__rules_or_format(c, optarg, "watch", &o->rules, &o->format)))
				return err;
			break;
		case 'o':
		case 'S':
		case 'M':
		case 'F':
		case 'H':
			if ((err = output_option(c, optarg, o, g)))
				return err;
			break;
		case 'c':
			free(o->config);
			if (!(o->config = strdup(optarg)))
				return EXIT_USAGE;
			break;
		case 'a':
			o->all = true;
			break;
		case 'P':
			if (sensor__family_parse(optarg, &o->family))
				return cli__usage_error("watch", "--probes must be tp_btf, raw_tp "
							"or tracepoint, not '%s'", optarg);
			o->family_only = true;
			break;
		case 'v':
			verbosity++;
			break;
		case 'h':
			fputs(watch_usage, stdout);
			return -1;
		case ':':
			return cli__usage_error("watch", "option '%s' needs a value",
						argv[optind - 1]);
		default:
			return cli__usage_error("watch", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli__usage_error("watch", "unexpected argument '%s'", argv[optind]);
	log__set_level(verbosity > LOG_TRACE ? LOG_TRACE : verbosity);
	return 0;
}

/* A setting from the config file, unless the command line gave it. */
static int apply_setting(void *ctx, const struct config_item *it, char *err, size_t errlen)
{
	struct { struct watch_opts *o; struct given *g; } *c = ctx;
	struct watch_opts *o = c->o;
	struct given *g = c->g;

	if (!strcmp(it->key, "outputs"))
		return g->outputs ? 0 : watch_opts__add_output(o, it->value, err, errlen);
	if (!strcmp(it->key, "rules"))
		return g->rules ? 0 : cli__add_rule_path(&o->rules, it->value);
	if (!strcmp(it->key, "spool_dir")) {
		if (it->value[0] != '/')
			return snprintf(err, errlen, "spool_dir needs an absolute path"), -EINVAL;
		return g->spool_dir ? 0 : set_spool_dir(o, it->value);
	}
	if (!strcmp(it->key, "spool_max")) {
		uint64_t v;

		if (watch_opts__parse_size(it->value, &v) || v < (1 << 20))
			return snprintf(err, errlen, "spool_max must be a size of at least 1M"),
			       -EINVAL;
		if (!g->spool_max)
			o->out.spool_max = v;
		return 0;
	}
	if (!strcmp(it->key, "fold_window") || !strcmp(it->key, "heartbeat")) {
		bool fold = it->key[0] == 'f';
		unsigned int v;

		if (watch_opts__parse_seconds(it->value, &v))
			return snprintf(err, errlen, "%s must be a number of seconds", it->key),
			       -EINVAL;
		if (fold && !g->fold)
			o->out.fold_window_s = v;
		if (!fold && !g->heartbeat)
			o->heartbeat_s = v;
		return 0;
	}
	return snprintf(err, errlen, "unknown setting '%s' (outputs, rules, spool_dir, "
			"spool_max, fold_window, heartbeat)", it->key), -EINVAL;
}

static int load_config(struct watch_opts *o, struct given *g)
{
	static const struct config_key keys[] = {
		{ "outputs", true }, { "rules", true }, { "spool_dir", false },
		{ "spool_max", false }, { "fold_window", false }, { "heartbeat", false },
	};
	struct { struct watch_opts *o; struct given *g; } ctx = { o, g };
	char err[512];

	if (!o->config)
		return 0;
	g->rules = o->rules.n > 0;
	if (config__load(o->config, keys, sizeof(keys) / sizeof(keys[0]), apply_setting, &ctx,
			 err, sizeof(err))) {
		fprintf(stderr, "embargo watch: %s\n", err);
		return EXIT_USAGE;
	}
	return 0;
}

int watch_opts__parse(int argc, char **argv, struct watch_opts *o)
{
	struct given g = { 0 };
	int err;

	o->heartbeat_s = HEARTBEAT_DEFAULT_S;
	o->out.fold_window_s = FOLD_DEFAULT_S;
	o->out.spool_max = SPOOL_DEFAULT_MAX;
	o->out.spool_dir = SPOOL_DEFAULT_DIR;
	if ((err = parse_args(argc, argv, o, &g)) || (err = load_config(o, &g)))
		return err;
	/* with no output at all, or with --format: stdout, as before outputs existed */
	if (!o->noutputs || o->format != FORMAT_AUTO) {
		char err_msg[128];
		const char *spec = cli__resolve_format(o->format) == FORMAT_TEXT ? "text:stdout"
										 : "ecs:stdout";

		if (watch_opts__add_output(o, spec, err_msg, sizeof(err_msg)))
			return cli__usage_error("watch", "--format with an output to stdout too");
	}
	o->format = cli__resolve_format(o->format);
	return cli__finish_rule_paths(&o->rules) ? EXIT_USAGE : 0;
}

void watch_opts__free(struct watch_opts *o)
{
	for (size_t i = 0; i < o->noutputs; i++)
		outspec__free(&o->outputs[i]);
	free(o->outputs);
	free(o->spool_dir);
	free(o->config);
	cli__free_rule_paths(&o->rules);
	memset(o, 0, sizeof(*o));
}

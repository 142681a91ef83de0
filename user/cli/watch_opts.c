// SPDX-License-Identifier: GPL-2.0-only
#include "cli/watch_opts.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/config.h"
#include "cli/control.h"
#include "cli/runmark.h"
#include "process/identity.h"
#include "enforce/quarantine.h"
#include "lib/log.h"
#include "rules/rulebook.h"

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
	"      --self-check SECS  every SECS, compare the kernel's lists with what embargo wrote\n"
	"                         and run a canary exec the sensor must see (default: the\n"
	"                         heartbeat's, 60 without; 0: never)\n"
	"      --hash-max-size SIZE\n"
	"                         programs and downloads larger than SIZE are not hashed\n"
	"                         (default 512M; counted as too_large)\n"
	"      --enforce          kill what block rules match (action: block); off by default:\n"
	"                         block rules then only alert\n"
	"      --dry-run          say what --enforce would kill, kill nothing\n"
	"      --quarantine-dir DIR\n"
	"                         where --enforce moves downloads a block rule matched\n"
	"                         (default " QUARANTINE_DEFAULT_DIR ")\n"
	"      --state-dir DIR    where watch notes how far its run got, so that the next start\n"
	"                         can say whether it stopped in order (default\n"
	"                         " STATE_DEFAULT_DIR ")\n"
	"      --control PATH     the control socket `embargo status` asks (default\n"
	"                         " CONTROL_DEFAULT_PATH "; 'none': no socket)\n"
	"  -c, --config FILE      settings file (YAML); the command line wins over it\n"
	"      --probes FAMILY    use only this probe family: tp_btf, raw_tp or tracepoint\n"
	"                         (default: tp_btf, falling back to raw_tp, then tracepoint)\n"
	"  -v, --verbose          more detail on stderr; twice for libbpf's debug output\n"
	"  -h, --help             this help\n";

/* The settings the command line and the config file share. */
enum setting {
	SET_OUTPUTS,
	SET_RULES,
	SET_SPOOL_DIR,
	SET_SPOOL_MAX,
	SET_FOLD,
	SET_HEARTBEAT,
	SET_CONTROL,
	SET_HASH_MAX,
	SET_ENFORCE,
	SET_QUARANTINE,
	SET_SELFCHECK,
	SET_STATE_DIR,
	SET_COUNT,
};

static const struct {
	const char *key;	/* in the config file */
	const char *option;	/* on the command line */
	int opt;		/* its getopt value */
	bool list;
} settings[SET_COUNT] = {
	[SET_OUTPUTS] = { "outputs", "--output", 'o', true },
	[SET_RULES] = { "rules", "--rules", 'r', true },
	[SET_SPOOL_DIR] = { "spool_dir", "--spool-dir", 'S', false },
	[SET_SPOOL_MAX] = { "spool_max", "--spool-max", 'M', false },
	[SET_FOLD] = { "fold_window", "--fold-window", 'F', false },
	[SET_HEARTBEAT] = { "heartbeat", "--heartbeat", 'H', false },
	[SET_CONTROL] = { "control_socket", "--control", 'C', false },
	[SET_HASH_MAX] = { "hash_max_size", "--hash-max-size", 'Z', false },
	[SET_ENFORCE] = { "enforce", "--enforce", 'E', false },
	[SET_QUARANTINE] = { "quarantine_dir", "--quarantine-dir", 'Q', false },
	[SET_SELFCHECK] = { "self_check", "--self-check", 'K', false },
	[SET_STATE_DIR] = { "state_dir", "--state-dir", 'T', false },
};

/* Which settings the command line gave: those the config file may not change. */
struct given {
	bool set[SET_COUNT];
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

/* Where a setting given in seconds goes. */
static unsigned int *seconds_of(struct watch_opts *o, enum setting set)
{
	switch (set) {
	case SET_FOLD:
		return &o->out.fold_window_s;
	case SET_HEARTBEAT:
		return &o->heartbeat_s;
	default:
		return &o->selfcheck_s;
	}
}

/*
 * One value of one setting, checked and stored, whether it came from the command line or
 * the config file; name is how the user wrote the setting, for the message in err.
 */
static int set_value(struct watch_opts *o, enum setting set, const char *name, const char *v,
		     char *err, size_t errlen)
{
	char why[256];
	uint64_t size;

	switch (set) {
	case SET_OUTPUTS:
		if (!watch_opts__add_output(o, v, why, sizeof(why)))
			return 0;
		snprintf(err, errlen, "%s %s: %s", name, v, why);
		return -EINVAL;
	case SET_RULES:
		return cli__add_rule_path(&o->rules, v);
	case SET_SPOOL_DIR:
		if (v[0] == '/')
			return set_spool_dir(o, v);
		snprintf(err, errlen, "%s needs an absolute path", name);
		return -EINVAL;
	case SET_SPOOL_MAX:
		if (!watch_opts__parse_size(v, &size) && size >= (1 << 20)) {
			o->out.spool_max = size;
			return 0;
		}
		snprintf(err, errlen, "%s must be a size of at least 1M (e.g. 64M), not '%s'", name,
			 v);
		return -EINVAL;
	case SET_FOLD:
	case SET_HEARTBEAT:
	case SET_SELFCHECK:
		if (!watch_opts__parse_seconds(v, seconds_of(o, set)))
			return 0;
		snprintf(err, errlen, "%s must be a number of seconds, not '%s'", name, v);
		return -EINVAL;
	case SET_HASH_MAX:
		if (!watch_opts__parse_size(v, &size) && size >= (1 << 20)) {
			o->hash_max = size;
			return 0;
		}
		snprintf(err, errlen, "%s must be a size of at least 1M (e.g. 512M), not '%s'", name,
			 v);
		return -EINVAL;
	case SET_ENFORCE:
		if (!enforce__parse_mode(v, &o->enforce))
			return 0;
		snprintf(err, errlen, "%s must be off, dry-run or on, not '%s'", name, v);
		return -EINVAL;
	case SET_QUARANTINE:
	case SET_STATE_DIR: {
		char **dir = set == SET_QUARANTINE ? &o->quarantine_dir : &o->state_dir;

		if (v[0] != '/') {
			snprintf(err, errlen, "%s needs an absolute path", name);
			return -EINVAL;
		}
		free(*dir);
		*dir = strdup(v);
		return *dir ? 0 : -ENOMEM;
	}
	case SET_CONTROL:
		if (v[0] != '/' && strcmp(v, "none")) {
			snprintf(err, errlen, "%s needs an absolute path or 'none', not '%s'", name, v);
			return -EINVAL;
		}
		free(o->control);
		o->control = strdup(strcmp(v, "none") ? v : "");
		return o->control ? 0 : -ENOMEM;
	case SET_COUNT:
		break;
	}
	return -EINVAL;
}

/* --output, --spool-dir, --spool-max, --fold-window, --heartbeat; EXIT_USAGE after a message. */
static int setting_option(int c, const char *arg, struct watch_opts *o, struct given *g)
{
	char err[512];

	for (int s = 0; s < SET_COUNT; s++) {
		if (settings[s].opt != c)
			continue;
		g->set[s] = true;
		if (set_value(o, (enum setting)s, settings[s].option, arg, err, sizeof(err)))
			return cli__usage_error("watch", "%s", err);
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
		{ "control", required_argument, NULL, 'C' },
		{ "hash-max-size", required_argument, NULL, 'Z' },
		{ "enforce", no_argument, NULL, 'E' },
		{ "dry-run", no_argument, NULL, 'D' },
		{ "quarantine-dir", required_argument, NULL, 'Q' },
		{ "self-check", required_argument, NULL, 'K' },
		{ "state-dir", required_argument, NULL, 'T' },
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
		case 'C':
		case 'Z':
		case 'Q':
		case 'K':
		case 'T':
			if ((err = setting_option(c, optarg, o, g)))
				return err;
			break;
		case 'E':
		case 'D':	/* switches: the enforce setting's value is implied */
			if ((err = setting_option('E', c == 'E' ? "on" : "dry-run", o, g)))
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
		default:
			return cli__option_error("watch", c, argv);
		}
	}
	if (optind < argc)
		return cli__usage_error("watch", "unexpected argument '%s'", argv[optind]);
	log__set_level(verbosity > LOG_TRACE ? LOG_TRACE : verbosity);
	return 0;
}

struct config_ctx {
	struct watch_opts *o;
	struct given *g;
};

/* A setting from the config file, unless the command line gave it. */
static int apply_setting(void *ctx, const struct config_item *it, char *err, size_t errlen)
{
	struct config_ctx *c = ctx;

	for (int s = 0; s < SET_COUNT; s++)
		if (!strcmp(it->key, settings[s].key))
			return c->g->set[s] ? 0 : set_value(c->o, (enum setting)s, it->key,
							    it->value, err, errlen);
	snprintf(err, errlen, "unknown setting '%s'", it->key);	/* config.c checked already */
	return -EINVAL;
}

static int load_config(struct watch_opts *o, struct given *g)
{
	struct config_key keys[SET_COUNT];
	struct config_ctx ctx = { o, g };
	char err[512];

	if (!o->config)
		return 0;
	for (int s = 0; s < SET_COUNT; s++)
		keys[s] = (struct config_key){ settings[s].key, settings[s].list };
	g->set[SET_RULES] = o->rules.n > 0;
	if (config__load(o->config, keys, SET_COUNT, apply_setting, &ctx, err, sizeof(err))) {
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
	o->hash_max = IDENTITY_MAX_SIZE_DEFAULT;
	if ((err = parse_args(argc, argv, o, &g)) || (err = load_config(o, &g)))
		return err;
	if (!g.set[SET_SELFCHECK])
		o->selfcheck_s = o->heartbeat_s ? o->heartbeat_s : HEARTBEAT_DEFAULT_S;
	if (!o->control && !(o->control = strdup(CONTROL_DEFAULT_PATH)))
		return EXIT_USAGE;
	if (!o->quarantine_dir && !(o->quarantine_dir = strdup(QUARANTINE_DEFAULT_DIR)))
		return EXIT_USAGE;
	if (!o->state_dir && !(o->state_dir = strdup(STATE_DEFAULT_DIR)))
		return EXIT_USAGE;
	/* with no output at all, or with --format: stdout, as before outputs existed */
	if (!o->noutputs || o->format != FORMAT_AUTO) {
		char err_msg[128];
		const char *spec = format__resolve(o->format) == FORMAT_TEXT ? "text:stdout"
										 : "ecs:stdout";

		if (watch_opts__add_output(o, spec, err_msg, sizeof(err_msg)))
			return cli__usage_error("watch", "--format with an output to stdout too");
	}
	o->format = format__resolve(o->format);
	return cli__finish_rule_paths(&o->rules) ? EXIT_USAGE : 0;
}

void watch_opts__free(struct watch_opts *o)
{
	for (size_t i = 0; i < o->noutputs; i++)
		outspec__free(&o->outputs[i]);
	free(o->outputs);
	free(o->spool_dir);
	free(o->config);
	free(o->control);
	free(o->quarantine_dir);
	free(o->state_dir);
	cli__free_rule_paths(&o->rules);
	memset(o, 0, sizeof(*o));
}

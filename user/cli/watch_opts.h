/* SPDX-License-Identifier: GPL-2.0-only */
/* What `embargo watch` was asked to do: its command line, over its config file. */
#ifndef EMBARGO_WATCH_OPTS_H
#define EMBARGO_WATCH_OPTS_H

#include <stdbool.h>

#include "cli/cli.h"
#include "enforce/enforce.h"
#include "output/output.h"
#include "transport/outspec.h"
#include "sensor/sensor.h"

#define HEARTBEAT_DEFAULT_S 60
#define FOLD_DEFAULT_S 60

struct watch_opts {
	bool all;
	enum output_format format;	/* --format: an output to stdout */
	enum sensor_family family;
	bool family_only;
	struct rule_paths rules;
	struct output_spec *outputs;
	size_t noutputs;
	struct output_opts out;		/* spool, folding */
	unsigned int heartbeat_s;	/* 0: none */
	unsigned int selfcheck_s;	/* 0: none; default: the heartbeat's */
	uint64_t hash_max;		/* bytes: larger files are not hashed */
	enum enforce_mode enforce;	/* block rules: off (default), dry-run, on */
	char *quarantine_dir;		/* owned: where blocked downloads go */
	char *state_dir;		/* owned: the run marker's (runmark.h) */
	char *spool_dir;		/* owned; out.spool_dir points here */
	char *config;			/* --config FILE */
	char *control;			/* control socket path; "" for none (owned) */
};

/* 0, -1 after --help, EXIT_USAGE after a message. */
int watch_opts__parse(int argc, char **argv, struct watch_opts *o);
void watch_opts__free(struct watch_opts *o);
/* "64M", "1G", "4096": bytes; -EINVAL otherwise. */
int watch_opts__parse_size(const char *s, uint64_t *bytes);
/* A number of seconds, 0 allowed; -EINVAL otherwise. */
int watch_opts__parse_seconds(const char *s, unsigned int *secs);
/* Adds one FORMAT:DEST; -EINVAL with the reason in err. */
int watch_opts__add_output(struct watch_opts *o, const char *spec, char *err, size_t errlen);

#endif /* EMBARGO_WATCH_OPTS_H */

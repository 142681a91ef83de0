/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where events go: every --output (FORMAT:DEST), each on its own. stdout and files are
 * written by the event loop; network and daemon outputs are spooled on disk and sent by a
 * thread each (sender.h), so a dead SIEM never blocks the sensor or loses a record.
 * Alerts pass through folding (fold.h) first, once for all outputs.
 */
#ifndef EMBARGO_OUTPUT_H
#define EMBARGO_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/format.h"
#include "event/event.h"
#include "transport/outspec.h"

#define SPOOL_DEFAULT_DIR "/var/lib/embargo/spool"
#define SPOOL_DEFAULT_MAX (64ULL << 20)

struct output_opts {
	const char *spool_dir;		/* queued outputs spool in a directory each below it */
	uint64_t spool_max;		/* bytes, per output */
	unsigned int fold_window_s;	/* 0: every alert goes out */
};

struct output_status {
	const char *spec;
	bool queued;
	bool up;
	uint64_t written;		/* records written or sent */
	uint64_t failed;		/* records not written (direct), not spooled (queued) */
	uint64_t spooled, evicted;	/* queued outputs */
	char error[256];
};

struct sink;
struct fold;

/* The outputs of one command: opaque, made by output__stdout() or output__open(). */
struct output;

/* One output to a stream (stdout): scan, rules test. NULL when out of memory. */
struct output *output__stdout(FILE *out, enum output_format format, const struct event_env *env);
/* Every output of watch; NULL with the reason in err (nothing is left open). */
struct output *output__open(const struct output_spec *specs, size_t n,
			    const struct output_opts *opts, const struct event_env *env, char *err,
			    size_t errlen);
void output__free(struct output *o);
/* Records that went out (to every output), and alerts raised (folded repeats included). */
uint64_t output__written(const struct output *o);
uint64_t output__alerts(const struct output *o);
/* The number (embargo.sequence) of the last record that went out: 1, 2... in this run. */
uint64_t output__sequence(const struct output *o);
void output__event(struct output *o, const struct event *ev);
/* A record about embargo itself (event.kind state): what happened, and why if it failed. */
void output__state(struct output *o, const char *action, const char *outcome,
		   const char *message, const char *error);
/*
 * The started record, with what the kernel gave the sensors and how the previous run ended
 * (NULL, or state "": none known); its outcome is failure when that run ended uncleanly.
 */
void output__started(struct output *o, const char *message, const struct capabilities *caps,
		     const struct previous_run *prev);
/* End of a loop turn: flush files, make spooled records durable. */
int output__flush(struct output *o);
/* Once in a while: close fold windows; report outputs that went down or up, evictions. */
void output__tick(struct output *o);
/* Send every pending fold summary now (before rules go away, and at stop). */
void output__fold_flush(struct output *o);
/* SIGHUP: reopen files (logrotate moved them). */
void output__reopen(struct output *o);
size_t output__status(struct output *o, struct output_status *st, size_t max);
/* Queued records, evictions and outputs up/down, for heartbeats. */
void output__health(struct output *o, struct health *h);

#endif /* EMBARGO_OUTPUT_H */

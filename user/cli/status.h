/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What `embargo status` and `embargo rules reload` print, rendered by the daemon for the
 * control socket (control.h) as text for people or as one JSON object for fleet tools.
 */
#ifndef EMBARGO_STATUS_H
#define EMBARGO_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cli/watch_selfcheck.h"
#include "lib/buf.h"
#include "embargo/events.h"
#include "process/identity.h"
#include "output/output.h"
#include "core/pipeline.h"
#include "rules/rules.h"

struct daemon_status {
	pid_t pid;
	uint64_t uptime_s;
	const char *probes;			/* the loaded probe family */
	const struct ruleset *rules;		/* NULL: none loaded */
	const __u64 *kernel;			/* enum ev_stat counters, STAT_MAX of them */
	const struct pipeline_stats *pipeline;
	const struct identity_stats *identity;
	struct identity_load hash_load;		/* files pending now */
	uint64_t alerts;			/* raised, folded repeats included */
	size_t processes;			/* in the process table */
	const struct output_status *outputs;
	size_t noutputs;
	struct selfcheck_status selfcheck;
};

void status__render(const struct daemon_status *st, bool json, struct buf *out);

/* A reload's outcome: message, and the rule errors (FILE:LINE:COL: ...) when it failed. */
void status__render_reload(bool ok, const char *message, char *const *errors, size_t nerrors,
			   bool json, struct buf *out);

#endif /* EMBARGO_STATUS_H */

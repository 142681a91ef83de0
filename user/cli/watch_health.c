// SPDX-License-Identifier: GPL-2.0-only
/* embargo watch's health: heartbeats, losses said when seen, the summary at stop. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/runmark.h"
#include "cli/watch.h"
#include "cli/watch_selfcheck.h"
#include "core/pipeline.h"
#include "lib/log.h"
#include "process/identity.h"
#include "process/proctable.h"
#include "rules/rulebook.h"
#include "sensor/sensor.h"

#define STATS_CHECK_MS 5000
#define PRUNE_EVERY_CHECKS 12	/* a minute */

__u64 watch_health__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000 + (__u64)ts.tv_nsec / 1000000;
}

/*
 * Hashing that falls behind fails the heartbeat: files refused a hash since the last one (the
 * queue was full), or one waiting twice as long as any file's budget allows.
 */
static bool hashing_behind(struct watch *w, struct health *h)
{
	struct identity_load load;
	bool refused;

	identity__load(w->identity, &load);
	h->hash_pending = load.pending;
	h->hash_oldest_ms = load.oldest_ms;
	h->hash_backlog = identity__stats(w->identity)->backlog;
	refused = h->hash_backlog > w->hash_backlog_reported;
	w->hash_backlog_reported = h->hash_backlog;
	return refused || load.oldest_ms > 2 * IDENTITY_BUDGET_MS;
}

/* So a SIEM can tell a quiet desktop from a dead or lossy sensor. */
static void heartbeat(struct watch *w, __u64 now)
{
	__u64 stats[STAT_MAX] = { 0 };
	struct health h = { 0 };
	struct event ev = { .kind = EVENT_KIND_STATE, .category = EVENT_CATEGORY_CONFIGURATION,
			    .type = "info", .action = "heartbeat", .outcome = "success",
			    .health = &h };
	char msg[256];
	int err;

	if (!w->opts.heartbeat_s || now < w->next_heartbeat_ms)
		return;
	w->next_heartbeat_ms = now + w->opts.heartbeat_s * 1000ULL;
	sensor__stats(w->sensor, stats);
	output__health(w->out, &h);
	h.uptime_s = (now - w->started_ms) / 1000;
	h.events = pipeline__stats(w->pl)->records;
	h.kernel_drops = stats[STAT_RB_DROP];
	h.rules_version = w->rules ? rulebook__rules(w->rules)->version : NULL;
	h.sensor_state = watch_selfcheck__heartbeat(w);
	snprintf(msg, sizeof(msg), "alive: %llu events, %llu alerts, %llu kernel drops, "
		 "%llu records spooled, %llu could not be spooled", (unsigned long long)h.events,
		 (unsigned long long)h.alerts, (unsigned long long)h.kernel_drops,
		 (unsigned long long)h.spool_records, (unsigned long long)h.spool_write_failed);
	if (h.kernel_drops || h.outputs_down || h.spool_evicted || h.spool_write_failed)
		ev.outcome = "failure";
	if (h.sensor_state && strcmp(h.sensor_state, "ok"))
		ev.outcome = "failure";	/* tampered or blind: watch_selfcheck.c */
	if (hashing_behind(w, &h))
		ev.outcome = "failure";
	ev.message = msg;
	ev.time_ns = host__now_real_ns();
	output__event(w->out, &ev);
	/* how far this run got, for the next start to tell if it ended uncleanly */
	if ((err = runmark__update(w->runmark, output__sequence(w->out), ev.time_ns)))
		log_warn("cannot note this run's progress in %s: %s", w->opts.state_dir,
			 strerror(-err));
}

/*
 * Housekeeping on a slow tick: kernel-side losses are said as soon as they are seen, not
 * only at the end, and entries of processes whose exit was lost are dropped.
 */
void watch_health__tick(struct watch *w)
{
	__u64 stats[STAT_MAX], now = watch_health__now_ms();
	char msg[128];
	size_t pruned;

	output__tick(w->out);
	watch_selfcheck__tick(w, now);	/* first: a heartbeat due now carries its finding */
	heartbeat(w, now);

	if (now < w->next_stats_check_ms)
		return;
	w->next_stats_check_ms = now + STATS_CHECK_MS;
	if (++w->checks % PRUNE_EVERY_CHECKS == 0 && (pruned = proctable__prune(w->procs)))
		log_debug("dropped %zu processes that exited unseen", pruned);
	if (sensor__stats(w->sensor, stats) || stats[STAT_RB_DROP] == w->drops_reported)
		return;
	snprintf(msg, sizeof(msg), "kernel ring buffer full: %llu records lost so far",
		 (unsigned long long)stats[STAT_RB_DROP]);
	log_warn("%s", msg);
	pipeline__state(w->pl, "kernel-drops", "failure", msg, NULL);
	w->drops_reported = stats[STAT_RB_DROP];
}

void watch_health__summary(struct watch *w)
{
	__u64 stats[STAT_MAX] = { 0 };
	const struct identity_stats *id = identity__stats(w->identity);
	const struct pipeline_stats *ps = pipeline__stats(w->pl);
	struct health h = { 0 };

	sensor__stats(w->sensor, stats);
	output__health(w->out, &h);
	fprintf(stderr,
		"embargo: stopped: %llu records printed (%llu alerts), %llu records read, "
		"spool_write_failed=%llu; kernel saw "
		"exec=%llu hot=%llu fork=%llu exit=%llu; dropped=%llu argv_faults=%llu paths_truncated=%llu "
		"decode_errors=%llu; hash cache hits=%llu misses=%llu backlog=%llu timeouts=%llu "
		"unavailable=%llu too_large=%llu changed=%llu waited=%llu; %zu processes known\n",
		(unsigned long long)output__written(w->out), (unsigned long long)ps->alerts,
		(unsigned long long)ps->records, (unsigned long long)h.spool_write_failed,
		(unsigned long long)stats[STAT_EXEC], (unsigned long long)stats[STAT_HOT],
		(unsigned long long)stats[STAT_FORK],
		(unsigned long long)stats[STAT_EXIT], (unsigned long long)stats[STAT_RB_DROP],
		(unsigned long long)stats[STAT_ARGS_FAULT],
		(unsigned long long)stats[STAT_PATH_TRUNC],
		(unsigned long long)ps->decode_errors, (unsigned long long)id->hits,
		(unsigned long long)id->misses, (unsigned long long)id->backlog,
		(unsigned long long)id->timeouts,
		(unsigned long long)id->unavailable, (unsigned long long)id->too_large,
		(unsigned long long)id->changed,
		(unsigned long long)ps->waited,
		proctable__len(w->procs));
}

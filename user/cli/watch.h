/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * embargo watch inside: the daemon's state, shared by its parts and no other command.
 * cmd_watch.c starts it, runs the loop and stops it; watch_rules.c loads the rules, tells
 * the kernel what they name and reloads them; watch_health.c says the daemon is alive and
 * what it lost; watch_selfcheck.c checks the sensor.
 */
#ifndef EMBARGO_WATCH_H
#define EMBARGO_WATCH_H

#include <stdbool.h>

#include "cli/watch_opts.h"
#include "event/event.h"
#include "lib/buf.h"
#include "lib/host.h"
#include "process/sysprogs.h"
#include "output/output.h"

struct watch {
	struct watch_opts opts;
	struct host host;
	struct event_env env;
	struct proctable *procs;
	struct identity *identity;
	struct rulebook *rules;		/* NULL: no rules loaded */
	struct origins *origins;	/* the rules' vendor files by inode; NULL: none */
	struct sysprogs *sysprogs;	/* ld.so and package managers by inode and content */
	/* the package managers' files, for the kernel (sensor_opts points here) */
	struct ev_file_id pkg_files[SYSPROGS_MAX];
	const char *pkg_file_names[SYSPROGS_MAX];
	struct mounttable *mounts;	/* the host's mount table: paths a mount cannot change */
	struct pipeline *pl;
	struct pkgwatch *pkg;
	struct sensor *sensor;
	struct control *control;	/* NULL: none (--control none, or it failed) */
	struct enforcer *enforcer;
	struct protect *protect;	/* under enforcement: what no rule may kill */
	struct selfcheck *selfcheck;	/* NULL: --self-check 0 (watch_selfcheck.h) */
	struct output *out;
	struct runmark *runmark;	/* NULL: no marker this run (runmark.h) */
	__u64 drops_reported;
	__u64 hash_backlog_reported;	/* files refused a hash, as of the last heartbeat */
	__u64 next_stats_check_ms;
	__u64 next_heartbeat_ms;
	__u64 started_ms;
	unsigned int checks;
};

/* CLOCK_MONOTONIC in ms: the loop's clock. */
__u64 watch_health__now_ms(void);
/* Housekeeping on the loop's slow tick: output windows, heartbeats, kernel losses. */
void watch_health__tick(struct watch *w);
/* What was seen, on stderr at stop. */
void watch_health__summary(struct watch *w);

/* Load the rules at start (none when the default directory does not exist); -EINVAL. */
int watch_rules__load(struct watch *w);
/* Index by inode the vendor files and trees the rules in force name (process/origins.h). */
void watch_rules__index_vendors(struct watch *w);
/* Give the kernel the hot list and the block list of the rules in force. */
void watch_rules__tell_kernel(struct watch *w);
/* Reload; false when refused (the rules in force stay). reply: for `rules reload`. */
bool watch_rules__reload(struct watch *w, struct buf *reply, bool json);

#endif /* EMBARGO_WATCH_H */

/* SPDX-License-Identifier: GPL-2.0-only */
/* One event on its way to the outputs: what happened, to which process, and where. */
#ifndef EMBARGO_EVENT_H
#define EMBARGO_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/host.h"
#include "process/proctable.h"
#include "lib/users.h"

/* What every event refers to that is not the event itself. */
struct event_env {
	const struct host *host;
	struct users *users;
};

/* An installed, upgraded or removed package (package events). */
struct package_info {
	const char *name;
	const char *version;
	const char *type;		/* deb, rpm, flatpak, snap */
	const char *architecture;
	const char *previous_version;	/* upgrades: the version it replaced */
	uint64_t installed_ns;		/* package.installed: when it was seen installed; 0 unknown */
	const char *path;		/* a user's own install (package.path); NULL: system-wide */
};

/* A file a process wrote (file events). */
struct file_info {
	const char *path;
	const char *sha256;		/* hex, NULL until hashed */
	bool in_home;			/* scan: found in a home; user.* is its owner, uid */
	uint32_t uid;
};

/* Counters of a heartbeat record: enough for a SIEM to see a desktop go quiet or lossy. */
struct health {
	uint64_t uptime_s;
	uint64_t events;		/* records read from the kernel */
	uint64_t alerts;		/* alerts raised (folded repeats included) */
	uint64_t kernel_drops;		/* records the kernel could not queue */
	uint64_t spool_records;		/* waiting in the spools of remote outputs */
	uint64_t spool_evicted;		/* dropped oldest-first from a full spool, since start */
	uint64_t spool_write_failed;	/* a spool could not take them (disk full), since start */
	uint64_t hash_pending;		/* files waiting for their identity now */
	uint64_t hash_oldest_ms;	/* how long the oldest of them has waited */
	uint64_t hash_backlog;		/* files refused a hash since start: the queue was full */
	unsigned int outputs_up;
	unsigned int outputs_down;
	const char *rules_version;	/* NULL: no rules */
	const char *sensor_state;	/* ok, tampered, blind (cli/watch_selfcheck.h); NULL: off */
};

/* A spool-write-failed record: an output whose spool refused records, lost to it. */
struct spool_loss {
	const char *output;		/* the output's spec */
	uint64_t records;		/* refused since start */
	bool recovered;			/* it spools again; this record comes before its next one */
};

/* The run of watch before this one, as its marker left it (cli/runmark.h): the started record. */
struct previous_run {
	char state[16];			/* "clean": stopped in order; "unclean": it did not */
	char run_id[64];		/* "" when not known (a damaged marker) */
	uint64_t last_sequence;		/* the last record number it wrote down; 0: none */
	uint64_t last_heartbeat_ns;	/* its last heartbeat; 0: none */
};

struct capabilities;	/* sensor/sensor.h */

struct rule;

/* What an event is about: event.category, and what enforcement acts on. */
enum event_category {
	EVENT_CATEGORY_NONE = 0,	/* not said: no event.category */
	EVENT_CATEGORY_PROCESS,
	EVENT_CATEGORY_FILE,
	EVENT_CATEGORY_PACKAGE,
	EVENT_CATEGORY_CONFIGURATION,	/* records about embargo itself */
	EVENT_CATEGORY_COUNT,
};

/* How enforcement acted, or would have: embargo.enforcement.method. */
enum verdict_method {
	VERDICT_KERNEL = 0,	/* in the exec probe (a package's programs: on its block list) */
	VERDICT_USER_SPACE,	/* SIGKILL after the match */
	VERDICT_QUARANTINE,	/* a file moved away */
	VERDICT_METHOD_COUNT,
};

/* What came of it: embargo.enforcement.result. */
enum verdict_result {
	VERDICT_KILLED = 0,
	VERDICT_WOULD_KILL,		/* dry-run */
	VERDICT_EXITED,			/* gone first (a file: before the quarantine) */
	VERDICT_SPARED,			/* predates embargo, or a package manager's script */
	VERDICT_PROTECTED,		/* protect.h: never killed, never quarantined */
	VERDICT_FAILED,
	VERDICT_QUARANTINED,
	VERDICT_WOULD_QUARANTINE,
	VERDICT_LISTED,			/* a package's programs on the kernel's block list */
	VERDICT_WOULD_LIST,
	VERDICT_RESULT_COUNT,
};

/* How a blocked process was (or would have been) stopped, for the alert (enforce.h). */
struct verdict {
	const char *mode;	/* enforce__mode_name(): "on", "dry-run" */
	enum verdict_method method;
	enum verdict_result result;
	uint64_t delay_us;	/* exec to SIGKILL, user-space only */
	const char *quarantine_id;	/* files: the quarantine entry (quarantine.h) */
	uint64_t programs;		/* packages: executables put on the kernel's block list */
	uint64_t protected_files;	/* packages: files of theirs that are protected, not listed */
	uint64_t processes;		/* kills: the process and its descendants */
};

enum event_kind {
	EVENT_KIND_EVENT = 0,
	EVENT_KIND_ALERT,		/* rule is set */
	EVENT_KIND_STATE,		/* a record about embargo itself (message is set) */
};

struct event {
	uint64_t time_ns;		/* wall clock */
	uint64_t sequence;		/* embargo.sequence: its number in the run (output.c); 0 none */
	enum event_kind kind;
	enum event_category category;
	const char *type;		/* event.type: start, installation, creation, change... */
	const char *action;		/* event.action: exec, rules-reload... */
	const char *outcome;		/* event.outcome: success, failure; NULL: not said */
	const struct proc *proc;
	const struct proc *parent;	/* NULL when unknown */
	const struct package_info *package;
	const struct file_info *file;
	/* alerts: the rule, and why it matched ("field == value" lines, NUL-separated) */
	const struct rule *rule;
	const char *why;
	size_t why_len;
	const struct verdict *verdict;	/* block rules under enforcement (enforce.h) */
	/* folded alerts: the alert stands for count identical ones, first_ns..last_ns (0: one) */
	uint64_t count;
	uint64_t first_ns;
	uint64_t last_ns;
	/* state records */
	const char *message;
	const char *error;
	const struct health *health;	/* heartbeats */
	const struct spool_loss *spool_loss;	/* spool-write-failed */
	const struct capabilities *caps;	/* the started record */
	const struct previous_run *previous_run;	/* the started record; NULL: none known */
};

/*
 * The one name of each value, as the records write it; NULL for EVENT_CATEGORY_NONE and
 * for a value out of range.
 */
const char *event__category_name(enum event_category c);
const char *event__method_name(enum verdict_method m);
const char *event__result_name(enum verdict_result r);
/*
 * The alert's event.outcome when enforcement acted (or tried): "success" (killed,
 * quarantined) or "failure" (exited first, refused); NULL when it did not act (dry-run,
 * spared, protected, listed), and the alert says what the event said.
 */
const char *event__verdict_outcome(const struct verdict *v);

#endif /* EMBARGO_EVENT_H */

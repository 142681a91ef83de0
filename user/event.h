/* SPDX-License-Identifier: GPL-2.0-only */
/* One event on its way to the outputs: what happened, to which process, and where. */
#ifndef EMBARGO_EVENT_H
#define EMBARGO_EVENT_H

#include <stdint.h>

#include "host.h"
#include "proctable.h"
#include "users.h"

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
};

/* A file a process wrote (file events). */
struct file_info {
	const char *path;
	const char *sha256;		/* hex, NULL until hashed */
};

struct rule;

enum event_kind {
	EVENT_KIND_EVENT = 0,
	EVENT_KIND_ALERT,		/* rule is set */
	EVENT_KIND_STATE,		/* a record about embargo itself (message is set) */
};

struct event {
	uint64_t time_ns;		/* wall clock */
	enum event_kind kind;
	const char *category;		/* event.category: process, package, file, configuration */
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
	/* state records */
	const char *message;
	const char *error;
};

#endif /* EMBARGO_EVENT_H */

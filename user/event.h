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

struct event {
	uint64_t time_ns;		/* wall clock */
	const char *action;		/* event.action: "exec" */
	const struct proc *proc;
	const struct proc *parent;	/* NULL when unknown */
};

#endif /* EMBARGO_EVENT_H */

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Enforcement: what happens to a process a block rule matched (docs/enforcement.md).
 *
 * The probe kills what the kernel's block list decides exactly, before the program's first
 * instruction (EV_EXEC_KILLED). Everything else a block rule matches is killed here, after
 * the match, with every descendant it forked (killtree.h); then, when the rule judged the
 * file by its content alone, the file's identity goes on the kernel's block list so its next
 * exec dies in the probe. A banned Debian package's programs go on that list too
 * (pkgfiles.h), hashed, so a copy elsewhere or an ld.so run of one is killed here. Off by
 * default; dry-run says what it would do and does nothing. Never the protected set
 * (protect.h), never a root package manager's maintainer scripts.
 */
#ifndef EMBARGO_ENFORCE_H
#define EMBARGO_ENFORCE_H

#include <stdbool.h>
#include <stdint.h>

#include "event/event.h"
#include "process/proctable.h"
#include "rules/rules.h"

enum enforce_mode {
	ENFORCE_OFF = 0,
	ENFORCE_DRY_RUN,
	ENFORCE_ON,
};

struct sensor;
struct enforcer;
struct identity;
struct protect;

struct enforce_opts {
	enum enforce_mode mode;
	struct sensor *sensor;		/* NULL: nothing goes to the kernel */
	struct identity *identity;	/* hashes packages' programs; NULL: listed unhashed */
	const struct protect *protect;	/* NULL: only PID 1, embargo and kernel threads */
	const char *proc_root;		/* NULL: /proc */
	const char *quarantine_dir;
	const char *dpkg_dir;		/* NULL: /var/lib/dpkg */
};

int enforce__parse_mode(const char *s, enum enforce_mode *out);
const char *enforce__mode_name(enum enforce_mode m);

struct enforcer *enforce__new(const struct enforce_opts *opts);
void enforce__free(struct enforcer *e);
/* The rules were reloaded (the kernel's list was cleared): the files listed under the old go. */
void enforce__rules_changed(struct enforcer *e);
/* How many files are on the kernel's block list by identity. */
size_t enforce__listed_files(const struct enforcer *e);
/* What enforcement made of one event, for its alerts (core/alert.h). */
struct enforce_decision {
	struct verdict verdict;
	size_t acted;		/* rules[acted] acted: its alert and those after it carry the
				 * verdict (the ones before were raised before it acted); n: none */
	/* an exec no block rule acted on that is on the learned list: an alert of its own */
	const struct rule *listed;	/* the rule that listed it; NULL: not listed */
	const char *listed_why;		/* why, in words; valid until the next call */
	const struct package_info *listed_pkg;	/* its package; NULL: none */
};

/*
 * The step between match and alert. rules[0..n) are the rules ev matched, in match order:
 * the first block rule enforcement acts on decides for the event, as the mode says
 * (process: kill the tree; file: quarantine; a Debian package: list its programs). An exec
 * no block rule acted on is checked against the learned list (a kill in the probe, a copy
 * or an ld.so run of a listed program: killed here) when check_listed (its content must
 * be known by then: a copy is known by its hash). Returns whether there is a verdict
 * (d->verdict); false when e is NULL, enforcement is off or nothing applies.
 */
bool enforce__event(struct enforcer *e, const struct event *ev, const struct rule *const *rules,
		    size_t n, bool check_listed, struct enforce_decision *d);

#endif /* EMBARGO_ENFORCE_H */

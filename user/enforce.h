/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Enforcement: what happens to a process a block rule matched (docs/enforcement.md).
 *
 * The probe kills what the kernel's block list decides exactly, before the program's first
 * instruction (EV_EXEC_KILLED). Everything else a block rule matches is killed here, after
 * the match, through a pidfd checked to be the same process; then, when the rule judged the
 * file by its content alone, the file's identity goes on the kernel's block list so its next
 * exec dies in the probe. Off by default; dry-run says what it would do and does nothing.
 * Never PID 1, never embargo itself.
 */
#ifndef EMBARGO_ENFORCE_H
#define EMBARGO_ENFORCE_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"
#include "proctable.h"
#include "rules.h"

enum enforce_mode {
	ENFORCE_OFF = 0,
	ENFORCE_DRY_RUN,
	ENFORCE_ON,
};

struct sensor;
struct enforcer;

int enforce__parse_mode(const char *s, enum enforce_mode *out);
const char *enforce__mode_name(enum enforce_mode m);

struct enforcer *enforce__new(enum enforce_mode mode, struct sensor *sensor, const char *proc_root,
			      const char *quarantine_dir);
void enforce__free(struct enforcer *e);
/*
 * A block rule r matched the exec of p at exec_ns (wall clock): act as the mode says and
 * describe it in *v. Returns false when enforcement is off (no verdict to report).
 */
bool enforce__process(struct enforcer *e, const struct rule *r, const struct proc *p,
		      uint64_t exec_ns, struct verdict *v);

/*
 * A block rule matched a file written or renamed into place (an installer download): it is
 * moved into the quarantine (quarantine.h) and described in *v. False when off.
 */
bool enforce__file(struct enforcer *e, const struct rule *r, const struct event *ev,
		   struct verdict *v);

/*
 * A block rule matched an installed Debian package: every executable file dpkg lists for
 * it goes on the kernel's block list (its programs die at exec). False when off.
 */
bool enforce__package(struct enforcer *e, const struct rule *r, const struct event *ev,
		      struct verdict *v);


#endif /* EMBARGO_ENFORCE_H */

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * embargo watch checks its own sensor (issue 18), every --self-check seconds: the lists it
 * gave the kernel are read back and compared with what it wrote, and every probe must still
 * be attached. A difference is a `sensor-tampered` state record (once per distinct
 * difference; the lists are written again) and the heartbeat fails while it lasts.
 */
#ifndef EMBARGO_WATCH_SELFCHECK_H
#define EMBARGO_WATCH_SELFCHECK_H

#include <stdint.h>

struct watch;

/* What `embargo status` says of the self-checks. */
struct selfcheck_status {
	const char *state;	/* "ok", "tampered"; NULL: self-checks are off */
	unsigned int interval_s;
	uint64_t checks;	/* comparisons of the kernel's lists */
	uint64_t tamperings;	/* of them, those that found a difference */
	const char *last;	/* the last difference said; "" none */
};

struct selfcheck;

/* interval_s 0: no self-checks (NULL, no error); else NULL only without memory. */
struct selfcheck *selfcheck__new(unsigned int interval_s);
void selfcheck__free(struct selfcheck *sc);

/* On every loop pass: a check when its time has come. */
void watch_selfcheck__tick(struct watch *w, uint64_t now_ms);
/*
 * The heartbeat's embargo.health.sensor_state: the worst since the last heartbeat (a
 * difference found and repaired in between still fails that heartbeat); NULL when off.
 */
const char *watch_selfcheck__heartbeat(struct watch *w);
void watch_selfcheck__status(const struct watch *w, struct selfcheck_status *out);

#endif /* EMBARGO_WATCH_SELFCHECK_H */

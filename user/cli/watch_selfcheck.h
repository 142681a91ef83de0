/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * embargo watch checks its own sensor (issue 18), every --self-check seconds: the lists it
 * gave the kernel are read back and compared with what it wrote, every probe must still be
 * attached, and a canary (embargo's own binary run as `embargo canary`) must come through
 * the ring buffer within 5 s. A difference is a `sensor-tampered` state record (once per
 * distinct difference; the lists are written again), a missed canary `sensor-blind` (once,
 * and once more with outcome success when one comes through again); the heartbeat fails
 * while either lasts.
 */
#ifndef EMBARGO_WATCH_SELFCHECK_H
#define EMBARGO_WATCH_SELFCHECK_H

#include <stddef.h>
#include <stdint.h>

struct watch;

/* What `embargo status` says of the self-checks. */
struct selfcheck_status {
	const char *state;	/* ok, tampered, blind, tampered,blind; NULL: self-checks are off */
	unsigned int interval_s;
	uint64_t checks;	/* comparisons of the kernel's lists */
	uint64_t tamperings;	/* of them, those that found a difference */
	uint64_t canaries;	/* canary execs seen */
	uint64_t canaries_missed;
	const char *last;	/* the last difference said; "" none */
};

struct selfcheck;

/* interval_s 0: no self-checks (NULL, no error); else NULL only without memory. */
struct selfcheck *selfcheck__new(unsigned int interval_s);
void selfcheck__free(struct selfcheck *sc);

/*
 * The ring-buffer callback (sensor_opts.on_record, ctx the watch): the canary's exec is
 * taken here, every other record goes to pipeline__record().
 */
int watch_selfcheck__record(void *ctx, void *data, size_t size);
/* On every loop pass: the canary followed, and a check when its time has come. */
void watch_selfcheck__tick(struct watch *w, uint64_t now_ms);
/*
 * The heartbeat's embargo.health.sensor_state: the worst since the last heartbeat (a
 * difference found and repaired in between still fails that heartbeat); NULL when off.
 */
const char *watch_selfcheck__heartbeat(struct watch *w);
void watch_selfcheck__status(const struct watch *w, struct selfcheck_status *out);

#endif /* EMBARGO_WATCH_SELFCHECK_H */

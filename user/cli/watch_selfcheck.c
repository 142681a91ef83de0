// SPDX-License-Identifier: GPL-2.0-only
/*
 * embargo watch's self-checks: are the kernel's lists still those user space wrote, and is
 * every probe still attached. Root can change a map with bpftool (zeroing an installer
 * suffix silences download alerts) while every heartbeat says success: this is what makes
 * the heartbeat say otherwise.
 */
#include "cli/watch_selfcheck.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/watch.h"
#include "core/pipeline.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "sensor/sensor.h"

#define MAX_LISTS 16	/* more than the sensor has (sensor.c enum sensor_list) */

struct selfcheck {
	unsigned int interval_s;
	uint64_t next_ms;
	/* the kernel's lists and the probes' links */
	bool tampered;		/* the last check found what could not be undone */
	bool tampered_seen;	/* a difference since the last heartbeat */
	uint64_t checks, tamperings;
	char said[320];		/* the difference said: said again only once it changes */
	char last[320];		/* the last difference ever found, for status */
};

/* The check's own cost, said at -v: it reads every list the sensor has, each time. */
static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

struct selfcheck *selfcheck__new(unsigned int interval_s)
{
	struct selfcheck *sc;

	if (!interval_s)
		return NULL;
	sc = calloc(1, sizeof(*sc));
	if (sc)
		sc->interval_s = interval_s;
	return sc;
}

void selfcheck__free(struct selfcheck *sc)
{
	free(sc);
}

/* "emb_dl_suffix: 1 changed; emb_hot_names: 2 missing, 1 extra" */
static void describe_lists(struct buf *b, const struct kmap_check *c, int n)
{
	for (int i = 0; i < n; i++) {
		const char *sep = "";

		buf__printf(b, "%s%s:", i ? "; " : "", c[i].map);
		if (c[i].diff.missing)
			buf__printf(b, "%s %zu missing", sep, c[i].diff.missing), sep = ",";
		if (c[i].diff.extra)
			buf__printf(b, "%s %zu extra", sep, c[i].diff.extra), sep = ",";
		if (c[i].diff.changed)
			buf__printf(b, "%s %zu changed", sep, c[i].diff.changed);
	}
}

/* What differs now, in b; whether anything does. tampered: what cannot be undone. */
static bool find_differences(struct watch *w, struct buf *b, bool *tampered)
{
	struct kmap_check lists[MAX_LISTS];
	const char *lost = NULL;
	int n = sensor__check_lists(w->sensor, lists, MAX_LISTS);
	int nlost = sensor__check_links(w->sensor, &lost);

	*tampered = false;
	if (n < 0) {
		buf__printf(b, "the kernel's lists cannot be read back: %s", strerror(-n));
		*tampered = true;
	} else if (n > 0) {
		buf__puts(b, "the kernel's lists differ from what embargo wrote: ");
		describe_lists(b, lists, n);
	}
	if (nlost) {
		buf__printf(b, "%sprobe %s is no longer attached%s", b->len ? "; " : "", lost,
			    nlost > 1 ? " (and others: see embargo status)" : "");
		*tampered = true;
	}
	if (n > 0) {
		int err = sensor__repair_lists(w->sensor);

		if (err)
			buf__printf(b, "; cannot write them again: %s", strerror(-err));
		else
			buf__puts(b, "; written again from embargo's copy");
		*tampered |= err != 0;
	}
	return b->len > 0;
}

/* A difference is said once; what was left differing and is gone now is said too. */
static void check_sensor(struct watch *w, struct selfcheck *sc)
{
	struct buf b = { 0 };
	bool was = sc->tampered, differs;
	uint64_t start = now_us();

	sc->checks++;
	differs = find_differences(w, &b, &sc->tampered);
	log_debug("self-check: the kernel's lists read back in %llu us",
		  (unsigned long long)(now_us() - start));
	if (!differs) {
		if (was)
			pipeline__state(w->pl, "sensor-tampered", "success",
					"the kernel's lists and probes are as embargo set them again",
					NULL);
		sc->said[0] = '\0';
		buf__free(&b);
		return;
	}
	sc->tamperings++;
	sc->tampered_seen = true;
	if (strncmp(sc->said, buf__str(&b), sizeof(sc->said) - 1)) {
		log_warn("sensor tampered: %s", buf__str(&b));
		pipeline__state(w->pl, "sensor-tampered", "failure", buf__str(&b), NULL);
		snprintf(sc->said, sizeof(sc->said), "%s", buf__str(&b));
	}
	snprintf(sc->last, sizeof(sc->last), "%s", buf__str(&b));
	buf__free(&b);
}

void watch_selfcheck__tick(struct watch *w, uint64_t now_ms)
{
	struct selfcheck *sc = w->selfcheck;

	if (!sc)
		return;
	if (!sc->next_ms)	/* in step with the heartbeats: checked just before one */
		sc->next_ms = w->started_ms + sc->interval_s * 1000ULL;
	if (now_ms < sc->next_ms)
		return;
	sc->next_ms = now_ms + sc->interval_s * 1000ULL;
	check_sensor(w, sc);
}

const char *watch_selfcheck__heartbeat(struct watch *w)
{
	struct selfcheck *sc = w->selfcheck;
	bool tampered;

	if (!sc)
		return NULL;
	tampered = sc->tampered || sc->tampered_seen;
	sc->tampered_seen = false;
	return tampered ? "tampered" : "ok";
}

void watch_selfcheck__status(const struct watch *w, struct selfcheck_status *out)
{
	const struct selfcheck *sc = w->selfcheck;

	*out = (struct selfcheck_status){ .last = "" };
	if (!sc)
		return;
	out->state = sc->tampered ? "tampered" : "ok";
	out->interval_s = sc->interval_s;
	out->checks = sc->checks;
	out->tamperings = sc->tamperings;
	out->last = sc->last;
}

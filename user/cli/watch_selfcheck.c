// SPDX-License-Identifier: GPL-2.0-only
/*
 * embargo watch's self-checks: are the kernel's lists still those user space wrote, is every
 * probe still attached, and does an exec of embargo's own come through. Root can change a
 * map with bpftool (zeroing an installer suffix silences download alerts) or close a probe's
 * link while every heartbeat says success: this is what makes the heartbeat say otherwise.
 */
#include "cli/watch_selfcheck.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/canary.h"
#include "cli/watch.h"
#include "core/pipeline.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "sensor/sensor.h"

#define MAX_LISTS 16	/* more than the sensor has (sensor.c enum sensor_list) */
/* an exec waits at most a poll tick to be read (sensor.h); seconds leave room for a loaded box */
#define CANARY_DEADLINE_MS 5000
#define CANARY_PATH "/proc/self/exe"	/* the running binary, even once upgraded on disk */

static char *const canary_argv[] = { "embargo", "canary", NULL };

struct selfcheck {
	unsigned int interval_s;
	uint64_t next_ms;
	/* the kernel's lists and the probes' links */
	bool tampered;		/* the last check found what could not be undone */
	bool tampered_seen;	/* a difference since the last heartbeat */
	uint64_t checks, tamperings;
	char said[320];		/* the difference said: said again only once it changes */
	char last[320];		/* the last problem found, for status */
	/* the canary */
	struct canary canary;
	bool blind;		/* the last canary was missed */
	bool blind_seen;	/* a canary missed since the last heartbeat */
	uint64_t canaries, missed;
	int spawn_err;		/* the last failure to start one, said once */
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
	if (sc)
		canary__stop(&sc->canary);
	free(sc);
}

int watch_selfcheck__record(void *ctx, void *data, size_t size)
{
	struct watch *w = ctx;

	/* embargo's own exec: never matched against the rules, never printed */
	if (w->selfcheck && canary__take(&w->selfcheck->canary, data, size))
		return 0;
	return pipeline__record(w->pl, data, size);
}

/* A missed canary is said once, and so is the first one seen after. */
static void follow_canary(struct watch *w, struct selfcheck *sc, uint64_t now_ms)
{
	pid_t pid = sc->canary.pid;	/* reaped by the follow that says it missed */
	char msg[320];

	switch (canary__follow(&sc->canary, now_ms, CANARY_DEADLINE_MS)) {
	case CANARY_SEEN:
		sc->canaries++;
		if (!sc->blind)
			break;
		sc->blind = false;
		snprintf(msg, sizeof(msg), "embargo's canary exec came through the sensor again "
			 "after %llu missed", (unsigned long long)sc->missed);
		log_info("%s", msg);
		pipeline__state(w->pl, "sensor-blind", "success", msg, NULL);
		break;
	case CANARY_MISSED:
		sc->missed++;
		sc->blind_seen = true;
		if (sc->blind)
			break;
		sc->blind = true;
		snprintf(msg, sizeof(msg), "embargo's canary (pid %d, `embargo canary`) ran but its "
			 "exec did not come through the sensor within %d s: the exec probe is "
			 "detached or its records are lost, and banned programs may run unseen",
			 (int)pid, CANARY_DEADLINE_MS / 1000);
		log_warn("sensor blind: %s", msg);
		pipeline__state(w->pl, "sensor-blind", "failure", msg, NULL);
		break;
	default:
		break;
	}
}

static void start_canary(struct selfcheck *sc, uint64_t now_ms)
{
	int err = canary__start(&sc->canary, CANARY_PATH, canary_argv, now_ms);

	if (err && err != sc->spawn_err) {
		snprintf(sc->last, sizeof(sc->last), "failed to start the canary: %s",
			 strerror(-err));
		log_warn("%s; whether the sensor sees execs is not checked until it starts",
			 sc->last);
	}
	sc->spawn_err = err;
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
	follow_canary(w, sc, now_ms);
	if (!sc->next_ms)	/* in step with the heartbeats: checked just before one */
		sc->next_ms = w->started_ms + sc->interval_s * 1000ULL;
	if (now_ms < sc->next_ms)
		return;
	sc->next_ms = now_ms + sc->interval_s * 1000ULL;
	check_sensor(w, sc);
	if (!sc->canary.pid)	/* one out at a time: a late one is not another miss */
		start_canary(sc, now_ms);
}

static const char *state_name(bool tampered, bool blind)
{
	if (tampered && blind)
		return "tampered,blind";
	return tampered ? "tampered" : blind ? "blind" : "ok";
}

const char *watch_selfcheck__heartbeat(struct watch *w)
{
	struct selfcheck *sc = w->selfcheck;
	bool tampered, blind;

	if (!sc)
		return NULL;
	tampered = sc->tampered || sc->tampered_seen;
	blind = sc->blind || sc->blind_seen;
	sc->tampered_seen = sc->blind_seen = false;
	return state_name(tampered, blind);
}

void watch_selfcheck__status(const struct watch *w, struct selfcheck_status *out)
{
	const struct selfcheck *sc = w->selfcheck;

	*out = (struct selfcheck_status){ .last = "" };
	if (!sc)
		return;
	out->state = state_name(sc->tampered, sc->blind);
	out->interval_s = sc->interval_s;
	out->checks = sc->checks;
	out->tamperings = sc->tamperings;
	out->canaries = sc->canaries;
	out->canaries_missed = sc->missed;
	out->last = sc->last;
}

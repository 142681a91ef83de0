/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An event against the rules: the rules it matches, then what enforcement does about them
 * (enforce__event: one call per event), then one alert per matched rule (and one for an
 * exec killed from the learned block list), written to an output.
 */
#ifndef EMBARGO_ALERT_H
#define EMBARGO_ALERT_H

#include "output/output.h"
#include "rules/rulebook.h"

struct enforcer;

/*
 * phase: which of its rules (match.h). Returns how many alerts were raised (rb NULL: none); enf NULL: nothing enforced; out
 * NULL: enforced, not written (the block list re-learned after a reload).
 */
int alert__raise(struct rulebook *rb, unsigned int on, enum match_phase phase,
		 const struct event *ev, const struct event_env *env, struct output *out,
		 struct enforcer *enf);

#endif /* EMBARGO_ALERT_H */

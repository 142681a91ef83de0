/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Faults the tests inject into the sensor through the environment, so that every fallback
 * can be taken on a kernel that has it all: EMBARGO_FAULT=KIND:VALUE[,VALUE...], items
 * separated by commas, a bare VALUE under the KIND before it ("load:tp_btf,raw_tp",
 * "load:tp_btf,feature:bpf_loop"). Kinds: feature (kfeatures.h), load and refuse (sensor.c).
 */
#ifndef EMBARGO_FAULT_H
#define EMBARGO_FAULT_H

#include <stdbool.h>

/* Whether EMBARGO_FAULT names value under kind. */
bool fault__injected(const char *kind, const char *value);

#endif /* EMBARGO_FAULT_H */

/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared by test_rules.c and test_match.c: rule files built in memory and loaded. */
#ifndef EMBARGO_TESTS_RULES_FIXTURE_H
#define EMBARGO_TESTS_RULES_FIXTURE_H

#include <stdio.h>

#include "unit.h"

#include "rules.h"

/* The top of every test file: the rules list starts at line 3. */
#define HEAD "vendor: V\nrules:\n"

/* A rule on one line; its extra keys (", on: [package]") go before match:. */
#define RULE_X(id, extra, match) \
	"  - {id: " id ", name: " id ", severity: high" extra ", match: " match "}\n"
#define RULE(id, match) RULE_X(id, "", match)

/* The rule set yaml makes; each error is printed and fails the test. */
static inline struct ruleset *load_ok(const char *yaml, size_t len)
{
	struct rules_errors errs = { 0 };
	struct ruleset *rs = rules__load_buffer("t.yaml", yaml, len, &errs);
	size_t n = errs.n;

	for (size_t i = 0; i < errs.n; i++)
		print_error("unexpected: %s\n", errs.msgs[i]);
	rules__errors_free(&errs);
	if (n)
		rules__free(rs);
	assert_int_equal(n, 0);
	assert_non_null(rs);
	return rs;
}

#define LOAD_OK(yaml) load_ok(yaml, strlen(yaml))

#endif /* EMBARGO_TESTS_RULES_FIXTURE_H */

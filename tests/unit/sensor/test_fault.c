// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for user/sensor/fault.c: how EMBARGO_FAULT names the faults the tests inject. */
#include <stdlib.h>

#include "unit.h"

#include "sensor/fault.h"

static void with(const char *fault)
{
	if (fault)
		assert_int_equal(setenv("EMBARGO_FAULT", fault, 1), 0);
	else
		assert_int_equal(unsetenv("EMBARGO_FAULT"), 0);
}

static void test_unset_or_empty_names_nothing(void **state)
{
	(void)state;
	with(NULL);
	assert_false(fault__injected("load", "tp_btf"));
	with("");
	assert_false(fault__injected("load", "tp_btf"));
}

static void test_one_kind_many_values(void **state)
{
	(void)state;
	with("load:tp_btf,raw_tp");
	assert_true(fault__injected("load", "tp_btf"));
	assert_true(fault__injected("load", "raw_tp"));
	assert_false(fault__injected("load", "tracepoint"));
	assert_false(fault__injected("refuse", "tp_btf"));
}

static void test_kinds_mixed(void **state)
{
	(void)state;
	with("load:tp_btf,feature:bpf_loop,io_uring");
	assert_true(fault__injected("load", "tp_btf"));
	assert_false(fault__injected("load", "bpf_loop"));
	assert_true(fault__injected("feature", "bpf_loop"));
	assert_true(fault__injected("feature", "io_uring"));
	assert_false(fault__injected("feature", "tp_btf"));
}

/* whole names only: tp is not tp_btf, load is not loader */
static void test_whole_names_only(void **state)
{
	(void)state;
	with("loader:tp_btf_x,feature:btf");
	assert_false(fault__injected("load", "tp_btf"));
	assert_false(fault__injected("feature", "bt"));
	assert_true(fault__injected("feature", "btf"));
	with("feature:,:x,,load");
	assert_false(fault__injected("feature", "x"));
	assert_false(fault__injected("load", ""));
	with(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unset_or_empty_names_nothing),
		cmocka_unit_test(test_one_kind_many_values),
		cmocka_unit_test(test_kinds_mixed),
		cmocka_unit_test(test_whole_names_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

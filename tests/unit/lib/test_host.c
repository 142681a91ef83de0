// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for user/lib/host.c: a run's id is the boot id and the start time, the same for
 * as long as the host is loaded, another at the next load; the machine facts from a root.
 */
#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"

#include "lib/host.h"

#define BOOT_ID "0e1f5f7a-7b0c-4e43-9f6c-1b9d6e4b6a11"

struct fx {
	char root[64];
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void put(const struct fx *fx, const char *path, const char *text)
{
	char full[256], dir[256], *slash;
	FILE *f;

	snprintf(full, sizeof(full), "%s%s", fx->root, path);
	snprintf(dir, sizeof(dir), "%s", full);
	for (slash = dir + strlen(fx->root) + 1; (slash = strchr(slash, '/')); slash++) {
		*slash = '\0';
		mkdir(dir, 0700);
		*slash = '/';
	}
	f = fopen(full, "we");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	strcpy(fx->root, "/tmp/embargo-host-XXXXXX");
	if (!mkdtemp(fx->root))
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	nftw(fx->root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

static void test_run_id_is_boot_id_and_start(void **state)
{
	struct fx *fx = *state;
	uint64_t before = host__now_real_ns(), after;
	struct host h;
	char want[64];

	put(fx, "/proc/sys/kernel/random/boot_id", BOOT_ID "\n");
	put(fx, "/etc/machine-id", "0f1e2d3c4b5a69788796a5b4c3d2e1f0\n");
	assert_int_equal(host__load(&h, fx->root), 0);
	after = host__now_real_ns();
	assert_true(h.run_start_ns >= before && h.run_start_ns <= after);
	snprintf(want, sizeof(want), BOOT_ID "-%llu", (unsigned long long)h.run_start_ns);
	assert_string_equal(h.run_id, want);
	assert_string_equal(h.id, "0f1e2d3c4b5a69788796a5b4c3d2e1f0");
}

/* Each start is a run of its own, even within one boot. */
static void test_next_load_is_another_run(void **state)
{
	struct fx *fx = *state;
	struct host a, b;

	put(fx, "/proc/sys/kernel/random/boot_id", BOOT_ID "\n");
	assert_int_equal(host__load(&a, fx->root), 0);
	do
		assert_int_equal(host__load(&b, fx->root), 0);
	while (b.run_start_ns == a.run_start_ns);
	assert_string_not_equal(a.run_id, b.run_id);
	assert_int_equal(strncmp(a.run_id, b.run_id, strlen(BOOT_ID) + 1), 0);
}

static void test_unreadable_boot_id_still_names_the_run(void **state)
{
	struct fx *fx = *state;
	struct host h;
	char want[64];

	assert_int_equal(host__load(&h, fx->root), 0);
	snprintf(want, sizeof(want), "noboot-%llu", (unsigned long long)h.run_start_ns);
	assert_string_equal(h.run_id, want);
	assert_string_equal(h.id, "");
}

/* The real one: a UUID, as the kernel gives it. */
static void test_this_machine(void **state)
{
	struct host h;

	(void)state;
	assert_int_equal(host__load(&h, NULL), 0);
	assert_true(strlen(h.run_id) > 37);
	assert_int_equal(h.run_id[8], '-');
	assert_int_equal(h.run_id[36], '-');
	assert_true(h.name[0]);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_run_id_is_boot_id_and_start),
		T(test_next_load_is_another_run),
		T(test_unreadable_boot_id_still_names_the_run),
		T(test_this_machine),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for user/sensor/mapcheck.c: the entries embargo wrote to a kernel map against
 * the entries a walk of the kernel's map finds, counted as missing, extra and changed.
 */
#include <stdio.h>

#include "unit.h"

#include "sensor/mapcheck.h"

struct name_key {
	char name[16];
};

static struct name_key key(const char *name)
{
	struct name_key k = { 0 };

	strncpy(k.name, name, sizeof(k.name) - 1);
	return k;
}

/* A map expecting "deb" -> 1, "rpm" -> 2, "appimage" -> 3. */
static struct mapcheck *three(void)
{
	struct mapcheck *m = mapcheck__new(sizeof(struct name_key), 1);
	const char *names[] = { "deb", "rpm", "appimage" };

	assert_non_null(m);
	for (unsigned char i = 0; i < 3; i++) {
		struct name_key k = key(names[i]);
		unsigned char v = i + 1;

		assert_int_equal(mapcheck__put(m, &k, &v), 0);
	}
	return m;
}

/* Walk a "kernel map" given as parallel arrays; returns the diff. */
static struct mapcheck_diff walk(struct mapcheck *m, const char *const *names,
				 const unsigned char *values, size_t n)
{
	struct mapcheck_diff d;

	mapcheck__begin(m, &d);
	for (size_t i = 0; i < n; i++) {
		struct name_key k = key(names[i]);

		mapcheck__see(m, &k, &values[i], &d);
	}
	mapcheck__end(m, &d);
	return d;
}

static void test_same_entries_do_not_differ(void **state)
{
	struct mapcheck *m = three();
	const char *names[] = { "rpm", "appimage", "deb" };	/* any order */
	const unsigned char values[] = { 2, 3, 1 };
	struct mapcheck_diff d = walk(m, names, values, 3);

	(void)state;
	assert_false(mapcheck__differs(&d));
	assert_int_equal(mapcheck__len(m), 3);
	mapcheck__free(m);
}

static void test_a_zeroed_value_is_changed(void **state)
{
	struct mapcheck *m = three();
	const char *names[] = { "deb", "rpm", "appimage" };
	const unsigned char values[] = { 1, 0, 3 };
	struct mapcheck_diff d = walk(m, names, values, 3);

	(void)state;
	assert_int_equal(d.changed, 1);
	assert_int_equal(d.missing, 0);
	assert_int_equal(d.extra, 0);
	assert_true(mapcheck__differs(&d));
	mapcheck__free(m);
}

static void test_a_deleted_entry_is_missing_and_a_foreign_one_extra(void **state)
{
	struct mapcheck *m = three();
	struct mapcheck_diff d;
	struct name_key k = key("exe"), deb = key("deb");
	unsigned char one = 1;

	(void)state;
	mapcheck__begin(m, &d);
	assert_int_equal(mapcheck__see(m, &deb, &one, &d), MAPCHECK_SAME);
	assert_int_equal(mapcheck__see(m, &k, &one, &d), MAPCHECK_EXTRA);
	mapcheck__end(m, &d);
	assert_int_equal(d.missing, 2);	/* rpm, appimage */
	assert_int_equal(d.extra, 1);
	assert_int_equal(d.changed, 0);
	mapcheck__free(m);
}

static void test_an_entry_walked_twice_counts_once(void **state)
{
	struct mapcheck *m = three();
	const char *names[] = { "deb", "rpm", "rpm", "appimage", "rpm" };
	const unsigned char values[] = { 1, 9, 9, 3, 9 };
	struct mapcheck_diff d = walk(m, names, values, 5);

	(void)state;
	assert_int_equal(d.changed, 1);
	assert_int_equal(d.missing, 0);
	mapcheck__free(m);
}

static int collect(void *ctx, const void *k, const void *v)
{
	char *out = ctx;
	const struct name_key *nk = k;

	snprintf(out + strlen(out), 64 - strlen(out), "%s=%u;", nk->name,
		 *(const unsigned char *)v);
	return 0;
}

static void test_only_missing_and_changed_entries_are_rewritten(void **state)
{
	struct mapcheck *m = three();
	const char *names[] = { "deb", "rpm", "zip" };
	const unsigned char values[] = { 1, 7, 1 };
	struct mapcheck_diff d = walk(m, names, values, 3);
	char out[64] = "";

	(void)state;
	assert_int_equal(d.missing, 1);
	assert_int_equal(d.changed, 1);
	assert_int_equal(d.extra, 1);
	assert_int_equal(mapcheck__each_differing(m, collect, out), 0);
	/* the expected values, not the kernel's; the extra key is the caller's to delete */
	assert_true(!strcmp(out, "rpm=2;appimage=3;") || !strcmp(out, "appimage=3;rpm=2;"));
	mapcheck__free(m);
}

static void test_put_replaces_and_del_forgets(void **state)
{
	struct mapcheck *m = three();
	struct name_key rpm = key("rpm"), deb = key("deb"), none = key("none");
	unsigned char five = 5;
	const char *names[] = { "deb", "appimage" };
	const unsigned char values[] = { 1, 3 };
	struct mapcheck_diff d;

	(void)state;
	assert_int_equal(mapcheck__put(m, &rpm, &five), 0);
	assert_int_equal(*(const unsigned char *)mapcheck__get(m, &rpm), 5);
	assert_int_equal(mapcheck__len(m), 3);
	mapcheck__del(m, &rpm);
	mapcheck__del(m, &none);	/* never expected: nothing happens */
	assert_null(mapcheck__get(m, &rpm));
	assert_non_null(mapcheck__get(m, &deb));
	d = walk(m, names, values, 2);
	assert_false(mapcheck__differs(&d));
	mapcheck__clear(m);
	assert_int_equal(mapcheck__len(m), 0);
	d = walk(m, names, values, 2);
	assert_int_equal(d.extra, 2);
	mapcheck__free(m);
}

/* The hot list's size: every key found again after many puts and deletes. */
static void test_thousands_of_keys(void **state)
{
	struct mapcheck *m = mapcheck__new(sizeof(unsigned int), sizeof(unsigned int));
	struct mapcheck_diff d;

	(void)state;
	for (unsigned int i = 0; i < 4096; i++)
		assert_int_equal(mapcheck__put(m, &i, &i), 0);
	for (unsigned int i = 0; i < 4096; i += 2)
		mapcheck__del(m, &i);
	assert_int_equal(mapcheck__len(m), 2048);
	mapcheck__begin(m, &d);
	for (unsigned int i = 1; i < 4096; i += 2) {
		unsigned int v = i == 4095 ? 0 : i;

		mapcheck__see(m, &i, &v, &d);
	}
	mapcheck__end(m, &d);
	assert_int_equal(d.changed, 1);
	assert_int_equal(d.missing, 0);
	assert_int_equal(d.extra, 0);
	mapcheck__free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_entries_do_not_differ),
		cmocka_unit_test(test_a_zeroed_value_is_changed),
		cmocka_unit_test(test_a_deleted_entry_is_missing_and_a_foreign_one_extra),
		cmocka_unit_test(test_an_entry_walked_twice_counts_once),
		cmocka_unit_test(test_only_missing_and_changed_entries_are_rewritten),
		cmocka_unit_test(test_put_replaces_and_del_forgets),
		cmocka_unit_test(test_thousands_of_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

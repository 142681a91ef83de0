// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for user/fold.c: alerts built by hand (the process on the heap, so the tests
 * can free or scribble over it once fold__admit returned), summaries recorded by the emit
 * callback as deep copies and checked field by field.
 */
#include <stdio.h>
#include <time.h>

#include "fold_fixture.h"

/* ---- one key ---- */

static void test_first_admitted_repeats_counted(void **state)
{
	struct fixture *fx = *state;

	assert_true(ADMIT(fx, 100, T0));
	assert_false(ADMIT(fx, 101, T0 + 1 * SEC));
	assert_false(ADMIT(fx, 102, T0 + 2 * SEC));
	assert_false(ADMIT(fx, 103, T0 + 59 * SEC));
	assert_int_equal(fold__folded(fx->f), 3);
	assert_int_equal(fx->rec.n, 0);
	/* not yet: the window closes at T0 + 60 s */
	fold__expire(fx->f, T0 + 60 * SEC - 1, record, &fx->rec);
	assert_int_equal(fx->rec.n, 0);
}

static void test_summary_after_window(void **state)
{
	struct fixture *fx = *state;
	struct seen *s;

	assert_true(admit_one(fx, &fx->rule, 100, 1000, "/opt/kesl", S("kesl\0--first\0"), T0));
	assert_false(admit_one(fx, &fx->rule, 101, 1000, "/opt/kesl", S("kesl\0--second\0"),
			       T0 + 5 * SEC));
	assert_false(admit_one(fx, &fx->rule, 102, 1000, "/opt/kesl", S("kesl\0--third\0x\0"),
			       T0 + 17 * SEC));
	fold__expire(fx->f, T0 + 60 * SEC, record, &fx->rec);
	assert_int_equal(fx->rec.n, 1);
	s = &fx->rec.s[0];
	assert_int_equal(s->count, 2);			/* the repeats, not the first */
	assert_int_equal(s->first_ns, T0 + 5 * SEC);	/* first and last repeat */
	assert_int_equal(s->last_ns, T0 + 17 * SEC);
	assert_int_equal(s->time_ns, T0 + 17 * SEC);
	assert_string_equal(s->rule, "kaspersky-endpoint");
	assert_string_equal(s->exe, "/opt/kesl");
	assert_int_equal(s->pid, 102);			/* details of the last repeat */
	assert_int_equal(s->args_len, sizeof("kesl\0--third\0x\0") - 1);
	assert_memory_equal(s->args, "kesl\0--third\0x\0", s->args_len);
	assert_string_equal(s->action, "exec");
	/* emitted once: the window is gone */
	fold__expire(fx->f, UINT64_MAX, record, &fx->rec);
	assert_int_equal(fx->rec.n, 1);
	/* and the next alert opens a new window */
	assert_true(ADMIT(fx, 104, T0 + 61 * SEC));
	assert_false(ADMIT(fx, 105, T0 + 62 * SEC));
}

/* Everything the summary carries outlives the event it was copied from. */
static void test_copies_survive_free(void **state)
{
	struct fixture *fx = *state;
	struct proc *p, *parent, *junk[8];
	char *why;
	struct event ev;
	struct seen *s;

	p = proc_heap(4241, 0, "/usr/bin/evil", S("evil\0"));
	ev = alert(&fx->rule, p, T0);
	assert_true(fold__admit(fx->f, &ev, record, &fx->rec));
	proc_free_heap(p);
	/* the repeat: every pointer into the heap, all overwritten and freed afterwards */
	p = proc_heap(4242, 0, "/usr/bin/evil", S("evil\0-x\0"));
	parent = proc_heap(1, 0, "/usr/lib/systemd/systemd", S("/sbin/init\0"));
	why = malloc(32);
	assert_non_null(why);
	memcpy(why, "process.name == evil\0", 21);
	ev = alert(&fx->rule, p, T0 + SEC);
	ev.parent = parent;
	ev.why = why;
	ev.why_len = 21;
	assert_false(fold__admit(fx->f, &ev, record, &fx->rec));
	proc_free_heap(p);
	proc_free_heap(parent);
	memset(why, 'X', 32);
	free(why);
	/* other allocations may now reuse that memory */
	for (size_t i = 0; i < ARRAY_SIZE(junk); i++)
		junk[i] = proc_heap(9, 9, "/ZZZZZZZZZZZZZ", S("ZZZZ\0ZZZ\0"));
	fold__expire(fx->f, UINT64_MAX, record, &fx->rec);
	for (size_t i = 0; i < ARRAY_SIZE(junk); i++)
		proc_free_heap(junk[i]);
	assert_int_equal(fx->rec.n, 1);
	s = &fx->rec.s[0];
	assert_string_equal(s->exe, "/usr/bin/evil");
	assert_int_equal(s->pid, 4242);
	assert_int_equal(s->uid, 0);
	assert_int_equal(s->args_len, 8);
	assert_memory_equal(s->args, "evil\0-x\0", 8);
	assert_true(s->has_parent);
	assert_int_equal(s->parent_pid, 1);
	assert_int_equal(s->why_len, 21);
	assert_memory_equal(s->why, "process.name == evil\0", 21);
}

/* Package and file alerts: their strings are copied too, and are part of the key. */
static void test_package_and_file_copied(void **state)
{
	struct fixture *fx = *state;
	struct package_info *pkg;
	struct file_info *file;
	struct event ev;

	for (int i = 0; i < 2; i++) {
		pkg = calloc(1, sizeof(*pkg));
		assert_non_null(pkg);
		pkg->name = strdup("kesl");
		pkg->version = strdup(i ? "12.1" : "12.0");
		pkg->type = strdup("deb");
		ev = (struct event){ .time_ns = T0 + (uint64_t)i * SEC, .kind = EVENT_KIND_ALERT,
				     .category = EVENT_CATEGORY_PACKAGE, .type = "installation",
				     .action = "package-install", .package = pkg, .rule = &fx->rule };
		assert_int_equal(fold__admit(fx->f, &ev, record, &fx->rec), i == 0);
		memset((char *)pkg->name, 'X', 4);
		free((char *)pkg->name);
		free((char *)pkg->version);
		free((char *)pkg->type);
		free(pkg);
	}
	for (int i = 0; i < 2; i++) {
		file = calloc(1, sizeof(*file));
		assert_non_null(file);
		file->path = strdup("/etc/ld.so.preload");
		file->sha256 = strdup(i ? "bb" : "aa");
		ev = (struct event){ .time_ns = T0 + (uint64_t)i * SEC, .kind = EVENT_KIND_ALERT,
				     .category = EVENT_CATEGORY_FILE, .type = "change",
				     .action = "file-write", .file = file, .rule = &fx->rule };
		assert_int_equal(fold__admit(fx->f, &ev, record, &fx->rec), i == 0);
		memset((char *)file->path, 'X', 5);
		free((char *)file->path);
		free((char *)file->sha256);
		free(file);
	}
	fold__expire(fx->f, UINT64_MAX, record, &fx->rec);
	assert_int_equal(fx->rec.n, 2);
	for (size_t i = 0; i < 2; i++) {
		struct seen *s = &fx->rec.s[i];

		assert_int_equal(s->count, 1);
		if (!strcmp(s->action, "package-install")) {
			assert_string_equal(s->pkg, "kesl");
			assert_string_equal(s->pkg_version, "12.1");
		} else {
			assert_string_equal(s->action, "file-write");
			assert_string_equal(s->file, "/etc/ld.so.preload");
			assert_string_equal(s->file_sha, "bb");
		}
	}
}

/* ---- what makes a key ---- */

static void test_separate_keys(void **state)
{
	struct fixture *fx = *state;

	assert_true(admit_one(fx, &fx->rule, 1, 1000, "/opt/a", S("a\0"), T0));
	/* another rule, another executable, another user: each a first alert */
	assert_true(admit_one(fx, &fx->rule2, 2, 1000, "/opt/a", S("a\0"), T0 + 1));
	assert_true(admit_one(fx, &fx->rule, 3, 1000, "/opt/b", S("a\0"), T0 + 2));
	assert_true(admit_one(fx, &fx->rule, 4, 0, "/opt/a", S("a\0"), T0 + 3));
	assert_true(admit_one(fx, &fx->rule, 4, 1000, NULL, S("a\0"), T0 + 3));
	/* a different pid or argv is the same key */
	assert_false(admit_one(fx, &fx->rule, 5, 1000, "/opt/a", S("a\0-v\0"), T0 + 4));
	assert_false(admit_one(fx, &fx->rule2, 6, 1000, "/opt/a", S("b\0"), T0 + 5));
	assert_int_equal(fold__folded(fx->f), 2);
	fold__expire(fx->f, UINT64_MAX, record, &fx->rec);
	assert_int_equal(fx->rec.n, 2);
}

/* The separator between key parts cannot be forged by moving bytes between parts. */
static void test_key_parts_do_not_run_together(void **state)
{
	struct fixture *fx = *state;
	struct rule ra = { .id = "ab", .severity = SEV_LOW }, rb = { .id = "a", .severity = SEV_LOW };

	assert_true(admit_one(fx, &ra, 1, 1000, "/x", S("x\0"), T0));
	assert_true(admit_one(fx, &rb, 1, 1000, "b/x", S("x\0"), T0));
	/* uid 1 + exe "/x" vs uid 11 + ... : the uid is its own part */
	assert_true(admit_one(fx, &ra, 1, 1, "/x", S("x\0"), T0));
	assert_true(admit_one(fx, &ra, 1, 11, "/x", S("x\0"), T0));
}

static void test_package_name_and_file_path_are_keys(void **state)
{
	struct fixture *fx = *state;
	struct package_info pa = { .name = "kesl", .version = "1" }, pb = { .name = "falcon",
									  .version = "1" };
	struct package_info pa_home = { .name = "kesl", .version = "1", .path = "/home/u/adm" };
	struct file_info fa = { .path = "/etc/ld.so.preload" }, fb = { .path = "/etc/profile" };
	struct event ev = { .time_ns = T0, .kind = EVENT_KIND_ALERT,
			    .category = EVENT_CATEGORY_PACKAGE, .action = "package-install",
			    .rule = &fx->rule };

	ev.package = &pa;
	assert_true(fold__admit(fx->f, &ev, record, &fx->rec));
	ev.package = &pb;
	assert_true(fold__admit(fx->f, &ev, record, &fx->rec));
	ev.package = &pa;
	assert_false(fold__admit(fx->f, &ev, record, &fx->rec));
	/* the same package in a user's own installation (or dpkg --admindir) is another */
	ev.package = &pa_home;
	assert_true(fold__admit(fx->f, &ev, record, &fx->rec));
	assert_false(fold__admit(fx->f, &ev, record, &fx->rec));
	ev.package = &pa;
	/* an upgrade of the same package is not a repeat of its install */
	ev.action = "package-upgrade";
	assert_true(fold__admit(fx->f, &ev, record, &fx->rec));
	ev.package = NULL;
	ev.action = "file-write";
	ev.category = EVENT_CATEGORY_FILE;
	ev.file = &fa;
	assert_true(fold__admit(fx->f, &ev, record, &fx->rec));
	ev.file = &fb;
	assert_true(fold__admit(fx->f, &ev, record, &fx->rec));
	ev.file = &fa;
	assert_false(fold__admit(fx->f, &ev, record, &fx->rec));
	assert_int_equal(fold__folded(fx->f), 3);
}

/* ---- windows ---- */

static void test_no_repeat_no_summary(void **state)
{
	struct fixture *fx = *state;

	assert_true(ADMIT(fx, 1, T0));
	assert_true(admit_one(fx, &fx->rule2, 1, 1000, "/opt/kesl", S("kesl\0"), T0));
	fold__expire(fx->f, T0 + 3600 * SEC, record, &fx->rec);
	assert_int_equal(fx->rec.n, 0);
	fold__expire(fx->f, UINT64_MAX, record, &fx->rec);
	assert_int_equal(fx->rec.n, 0);
	assert_int_equal(fold__folded(fx->f), 0);
	/* the windows were closed: the same alerts are first alerts again */
	assert_true(ADMIT(fx, 1, T0 + 3601 * SEC));
}

/*
 * The window is over but fold__expire has not run yet: the next alert first brings out the
 * summary of the old window (records keep their order), then goes out itself.
 */
static void test_late_alert_emits_due_summary_first(void **state)
{
	struct fixture *fx = *state;
	struct seen *s;

	assert_true(ADMIT(fx, 1, T0));
	assert_false(ADMIT(fx, 2, T0 + 10 * SEC));
	assert_false(ADMIT(fx, 3, T0 + 20 * SEC));
	assert_int_equal(fx->rec.n, 0);
	assert_true(ADMIT(fx, 4, T0 + 60 * SEC));	/* exactly at the end: a new window */
	assert_int_equal(fx->rec.n, 1);			/* emitted during the admit, before it */
	s = &fx->rec.s[0];
	assert_int_equal(s->count, 2);
	assert_int_equal(s->pid, 3);
	assert_int_equal(s->first_ns, T0 + 10 * SEC);
	assert_int_equal(s->last_ns, T0 + 20 * SEC);
	/* the new window started at the late alert: T0 + 60 .. T0 + 120 */
	assert_false(ADMIT(fx, 5, T0 + 119 * SEC));
	assert_true(ADMIT(fx, 6, T0 + 120 * SEC));
	assert_int_equal(fx->rec.n, 2);
	assert_int_equal(fx->rec.s[1].count, 1);
	assert_int_equal(fx->rec.s[1].pid, 5);
}

/* The window runs from the first alert: repeats do not stretch it. */
static void test_window_not_extended_by_repeats(void **state)
{
	struct fixture *fx = *state;

	assert_true(ADMIT(fx, 1, T0));
	for (uint64_t t = 10; t < 60; t += 10)
		assert_false(ADMIT(fx, 2, T0 + t * SEC));
	fold__expire(fx->f, T0 + 60 * SEC, record, &fx->rec);
	assert_int_equal(fx->rec.n, 1);
	assert_int_equal(fx->rec.s[0].count, 5);
}

static void test_expire_only_closed_windows(void **state)
{
	struct fixture *fx = *state;

	assert_true(admit_one(fx, &fx->rule, 1, 1000, "/a", S("a\0"), T0));
	assert_false(admit_one(fx, &fx->rule, 2, 1000, "/a", S("a\0"), T0 + SEC));
	assert_true(admit_one(fx, &fx->rule, 3, 1000, "/b", S("b\0"), T0 + 30 * SEC));
	assert_false(admit_one(fx, &fx->rule, 4, 1000, "/b", S("b\0"), T0 + 31 * SEC));
	fold__expire(fx->f, T0 + 60 * SEC, record, &fx->rec);
	assert_int_equal(fx->rec.n, 1);
	assert_string_equal(fx->rec.s[0].exe, "/a");
	fold__expire(fx->f, T0 + 89 * SEC, record, &fx->rec);
	assert_int_equal(fx->rec.n, 1);
	fold__expire(fx->f, T0 + 90 * SEC, record, &fx->rec);
	assert_int_equal(fx->rec.n, 2);
	assert_string_equal(fx->rec.s[1].exe, "/b");
}

static void test_expire_max_flushes_all(void **state)
{
	struct fixture *fx = *state;
	char exe[32];

	for (int i = 0; i < 50; i++) {
		snprintf(exe, sizeof(exe), "/opt/p%d", i);
		assert_true(admit_one(fx, &fx->rule, 1, 1000, exe, S("p\0"), T0 + (uint64_t)i));
		for (int j = 0; j <= i % 3; j++)
			assert_false(admit_one(fx, &fx->rule, 2, 1000, exe, S("p\0"),
					       T0 + (uint64_t)i + 1));
	}
	/* windows nowhere near their end: UINT64_MAX still closes them all */
	fold__expire(fx->f, UINT64_MAX, record, &fx->rec);
	assert_int_equal(fx->rec.n, 50);
	for (size_t i = 0; i < fx->rec.n; i++) {
		int k;

		assert_int_equal(sscanf(fx->rec.s[i].exe, "/opt/p%d", &k), 1);
		assert_int_equal(fx->rec.s[i].count, (uint64_t)(k % 3 + 1));
	}
	fold__expire(fx->f, UINT64_MAX, record, &fx->rec);
	assert_int_equal(fx->rec.n, 50);
}

static void test_window_zero_admits_all(void **state)
{
	struct fixture *fx = *state;

	fold__free(fx->f);
	fx->f = fold__new(0);
	assert_non_null(fx->f);
	for (int i = 0; i < 10; i++)
		assert_true(ADMIT(fx, 1, T0));
	fold__expire(fx->f, UINT64_MAX, record, &fx->rec);
	assert_int_equal(fx->rec.n, 0);
	assert_int_equal(fold__folded(fx->f), 0);
}

static void test_non_alerts_always_admitted(void **state)
{
	struct fixture *fx = *state;
	struct proc *p = proc_heap(7, 1000, "/usr/bin/ls", S("ls\0"));
	struct event exec = { .time_ns = T0, .kind = EVENT_KIND_EVENT,
			      .category = EVENT_CATEGORY_PROCESS, .action = "exec", .proc = p };
	struct event state_rec = { .time_ns = T0, .kind = EVENT_KIND_STATE,
				   .category = EVENT_CATEGORY_CONFIGURATION, .action = "heartbeat",
				   .message = "alive" };
	/* an alert without a rule cannot be keyed: it goes out */
	struct event ruleless = { .time_ns = T0, .kind = EVENT_KIND_ALERT, .proc = p };

	for (int i = 0; i < 5; i++) {
		assert_true(fold__admit(fx->f, &exec, record, &fx->rec));
		assert_true(fold__admit(fx->f, &state_rec, record, &fx->rec));
		assert_true(fold__admit(fx->f, &ruleless, record, &fx->rec));
	}
	proc_free_heap(p);
	assert_int_equal(fold__folded(fx->f), 0);
	fold__expire(fx->f, UINT64_MAX, record, &fx->rec);
	assert_int_equal(fx->rec.n, 0);
}

/* A summary fed back in (count set) is never folded again. */
static void test_summary_not_refolded(void **state)
{
	struct fixture *fx = *state;
	struct proc *p = proc_heap(7, 1000, "/opt/kesl", S("kesl\0"));
	struct event ev = alert(&fx->rule, p, T0);

	assert_true(fold__admit(fx->f, &ev, record, &fx->rec));
	ev.count = 3;
	ev.first_ns = T0;
	ev.last_ns = T0 + SEC;
	assert_true(fold__admit(fx->f, &ev, record, &fx->rec));
	assert_true(fold__admit(fx->f, &ev, record, &fx->rec));
	assert_int_equal(fold__folded(fx->f), 0);
	proc_free_heap(p);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 10,000 keys, each repeated once: 10,000 summaries, each with its own details. */
static void test_ten_thousand_keys(void **state)
{
	struct fixture *fx = *state;
	const int n = 10000;
	struct proc p = { .uid = 1000, .args = "x", .args_len = 2, .argc = 1 };
	char exe[32];
	static bool got[10000];

	memset(got, 0, sizeof(got));
	p.exe = exe;
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < n; i++) {
			struct event ev = alert(&fx->rule, &p, T0 + (uint64_t)round * SEC);

			snprintf(exe, sizeof(exe), "/opt/tool-%05d", i);
			p.pid = (uint32_t)(i * 2 + round);
			assert_int_equal(fold__admit(fx->f, &ev, record, &fx->rec), round == 0);
		}
	}
	assert_int_equal(fold__folded(fx->f), n);
	assert_int_equal(fx->rec.n, 0);
	fold__expire(fx->f, T0 + (WINDOW + 1) * SEC, record, &fx->rec);
	assert_int_equal(fx->rec.n, n);
	for (size_t i = 0; i < fx->rec.n; i++) {
		int k;

		assert_int_equal(sscanf(fx->rec.s[i].exe, "/opt/tool-%05d", &k), 1);
		assert_true(k >= 0 && k < n);
		assert_false(got[k]);
		got[k] = true;
		assert_int_equal(fx->rec.s[i].pid, (uint32_t)(k * 2 + 1));
		assert_int_equal(fx->rec.s[i].count, 1);
	}
	/* all closed: nothing more to say */
	fold__expire(fx->f, UINT64_MAX, record, &fx->rec);
	assert_int_equal(fx->rec.n, n);
}

/*
 * fold__expire runs on the event loop: closing n windows must cost O(n), not O(n * slots).
 * Measured against the admission of the same alerts (O(n) work, a copy each), so a loaded
 * machine slows both alike: expiring 20,000 windows (a summary each) must not take three
 * times as long as admitting their 40,000 alerts did. Quadratic, it takes six times as long.
 */
static void test_expire_scales_linearly(void **state)
{
	struct fixture *fx = *state;
	const int n = 20000;
	struct proc p = { .uid = 1000, .exe = "/usr/bin/cp", .args = "cp", .args_len = 3 };
	struct file_info file;
	char path[40];
	double t0, admit_s, expire_s;

	file.sha256 = NULL;
	file.path = path;
	t0 = now_s();
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < n; i++) {
			struct event ev = alert(&fx->rule, &p, T0 + (uint64_t)round);

			snprintf(path, sizeof(path), "/home/ada/.config/f%05d", i);
			ev.category = EVENT_CATEGORY_FILE;
			ev.action = "file-write";
			ev.file = &file;
			assert_int_equal(fold__admit(fx->f, &ev, record, &fx->rec), round == 0);
		}
	}
	admit_s = now_s() - t0;
	t0 = now_s();
	fold__expire(fx->f, UINT64_MAX, record, &fx->rec);
	expire_s = now_s() - t0;
	assert_int_equal(fx->rec.n, n);
	if (expire_s > 3 * admit_s)
		fail_msg("expiring %d windows took %.3f s, admitting their alerts %.3f s (the walk "
			 "restarts at slot 0 after each close)", n, expire_s, admit_s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_first_admitted_repeats_counted),
		T(test_summary_after_window),
		T(test_copies_survive_free),
		T(test_package_and_file_copied),
		T(test_separate_keys),
		T(test_key_parts_do_not_run_together),
		T(test_package_name_and_file_path_are_keys),
		T(test_no_repeat_no_summary),
		T(test_late_alert_emits_due_summary_first),
		T(test_window_not_extended_by_repeats),
		T(test_expire_only_closed_windows),
		T(test_expire_max_flushes_all),
		T(test_window_zero_admits_all),
		T(test_non_alerts_always_admitted),
		T(test_summary_not_refolded),
		T(test_ten_thousand_keys),
		T(test_expire_scales_linearly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

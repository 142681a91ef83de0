// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for user/enforce/enforce.c's one step between match and alert: which of the
 * rules an event matched decides, and the verdict it gets, by category. Dry-run and the
 * protected set only: nothing here kills or moves anything.
 */
#include <unistd.h>

#include "rules_fixture.h"

#include "enforce/enforce.h"
#include "sensor/sensor.h"

#define SHA "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

/* The kernel's list is not here: the book is kept all the same. */
int sensor__block_file(struct sensor *s, const struct ev_file *f)
{
	(void)s, (void)f;
	return 0;
}

int sensor__unblock_file(struct sensor *s, __u64 dev, __u64 ino)
{
	(void)s, (void)dev, (void)ino;
	return 0;
}

struct fixture {
	struct ruleset *rs;
	struct proc proc;
	struct package_info pkg;
	struct file_info file;
	struct event ev;
	struct enforce_decision d;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	fx->rs = LOAD_OK(HEAD RULE("watch", "{process.name: x}")
			 RULE_X("kill", ", action: block", "{process.hash.sha256: " SHA "}")
			 RULE_X("kill-too", ", action: block", "{process.name: x}"));
	/* a process no pid rule protects: its /proc is nowhere (enforce_opts.proc_root) */
	fx->proc = (struct proc){ .pid = 4242, .exe = "/opt/x/bin/x",
				  .file = { .dev = 8, .ino = 77 } };
	fx->ev = (struct event){ .time_ns = 1, .category = EVENT_CATEGORY_PROCESS,
				 .type = "start", .action = "exec", .proc = &fx->proc };
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	rules__free(fx->rs);
	free(fx);
	return 0;
}

static struct enforcer *enforcer(enum enforce_mode mode)
{
	struct enforcer *e = enforce__new(&(struct enforce_opts){
		.mode = mode, .proc_root = "/nonexistent", .quarantine_dir = "/nonexistent" });

	assert_non_null(e);
	return e;
}

/* The rules the event matched, as the matcher gives them: in the file's order. */
static bool decide(struct fixture *fx, struct enforcer *e, size_t n)
{
	return enforce__event(e, &fx->ev, (const struct rule *const *)fx->rs->rules, n, true, &fx->d);
}

static void the_first_block_rule_decides_for_the_event(void **state)
{
	struct fixture *fx = *state;
	struct enforcer *e = enforcer(ENFORCE_DRY_RUN);

	assert_true(decide(fx, e, 3));
	assert_int_equal(fx->d.acted, 1);	/* "watch" only alerts */
	assert_string_equal(fx->d.verdict.mode, "dry-run");
	assert_int_equal(fx->d.verdict.method, VERDICT_USER_SPACE);
	assert_int_equal(fx->d.verdict.result, VERDICT_WOULD_KILL);
	assert_null(fx->d.listed);
	enforce__free(e);
}

static void alert_rules_alone_get_no_verdict(void **state)
{
	struct fixture *fx = *state;
	struct enforcer *e = enforcer(ENFORCE_ON);

	assert_false(decide(fx, e, 1));
	assert_int_equal(fx->d.acted, 1);	/* none of one */
	assert_null(fx->d.listed);
	enforce__free(e);
}

static void nothing_is_decided_when_off_or_without_an_enforcer(void **state)
{
	struct fixture *fx = *state;
	struct enforcer *e = enforcer(ENFORCE_OFF);

	assert_false(decide(fx, e, 3));
	assert_int_equal(fx->d.acted, 3);
	assert_false(decide(fx, NULL, 3));
	assert_int_equal(fx->d.acted, 3);
	enforce__free(e);
}

static void an_event_of_no_category_is_not_enforced(void **state)
{
	struct fixture *fx = *state;
	struct enforcer *e = enforcer(ENFORCE_DRY_RUN);

	fx->ev.category = EVENT_CATEGORY_NONE;
	assert_false(decide(fx, e, 3));
	fx->ev.category = EVENT_CATEGORY_CONFIGURATION;
	assert_false(decide(fx, e, 3));
	enforce__free(e);
}

static void pid_1_is_protected_not_killed(void **state)
{
	struct fixture *fx = *state;
	struct enforcer *e = enforcer(ENFORCE_ON);

	fx->proc.pid = 1;
	assert_true(decide(fx, e, 3));
	assert_int_equal(fx->d.acted, 1);
	assert_string_equal(fx->d.verdict.mode, "on");
	assert_int_equal(fx->d.verdict.result, VERDICT_PROTECTED);
	enforce__free(e);
}

static void a_file_would_be_quarantined_but_not_a_deleted_one(void **state)
{
	struct fixture *fx = *state;
	struct enforcer *e = enforcer(ENFORCE_DRY_RUN);

	fx->file = (struct file_info){ .path = "/tmp/x.deb" };
	fx->ev.category = EVENT_CATEGORY_FILE, fx->ev.file = &fx->file;
	fx->ev.action = "file-created";
	assert_true(decide(fx, e, 3));
	assert_int_equal(fx->d.acted, 1);
	assert_int_equal(fx->d.verdict.method, VERDICT_QUARANTINE);
	assert_int_equal(fx->d.verdict.result, VERDICT_WOULD_QUARANTINE);
	fx->ev.action = "file-deleted";
	assert_false(decide(fx, e, 3));
	fx->ev.file = NULL;
	fx->ev.action = "file-created";
	assert_false(decide(fx, e, 3));
	enforce__free(e);
}

static void a_debian_package_would_be_listed_but_not_another(void **state)
{
	struct fixture *fx = *state;
	struct enforcer *e = enforcer(ENFORCE_DRY_RUN);

	fx->pkg = (struct package_info){ .name = "x", .type = "deb" };
	fx->ev.category = EVENT_CATEGORY_PACKAGE, fx->ev.package = &fx->pkg;
	fx->ev.action = "package-installed";
	assert_true(decide(fx, e, 3));
	assert_int_equal(fx->d.verdict.method, VERDICT_KERNEL);
	assert_int_equal(fx->d.verdict.result, VERDICT_WOULD_LIST);
	fx->ev.action = "package-removed";
	assert_false(decide(fx, e, 3));
	fx->ev.action = "package-installed";
	fx->pkg.type = "flatpak";
	assert_false(decide(fx, e, 3));
	enforce__free(e);
}

/*
 * A program banned by its content that ran before embargo is spared, and its file learned;
 * the next exec of that file dies in the probe, matches no rule (the kernel killed it before
 * it was hashed), and is reported all the same, under the rule that listed it.
 */
static void a_kill_from_the_learned_list_is_reported_under_its_rule(void **state)
{
	struct fixture *fx = *state;
	struct enforcer *e = enforcer(ENFORCE_ON);
	const struct rule *kill = fx->rs->rules[1];

	fx->proc.from_proc = true;
	assert_true(enforce__event(e, &fx->ev, &kill, 1, true, &fx->d));
	assert_int_equal(fx->d.verdict.result, VERDICT_SPARED);
	assert_int_equal(enforce__listed_files(e), 1);

	fx->proc = (struct proc){ .pid = 4243, .exe = "/opt/x/bin/x", .killed = true,
				  .block_listed = true, .file = { .dev = 8, .ino = 77 } };
	assert_true(decide(fx, e, 0));
	assert_int_equal(fx->d.acted, 0);
	assert_ptr_equal(fx->d.listed, kill);
	assert_string_equal(fx->d.listed_why,
			    "/opt/x/bin/x is a program banned by its content (/opt/x/bin/x)");
	assert_null(fx->d.listed_pkg);
	assert_int_equal(fx->d.verdict.method, VERDICT_KERNEL);
	assert_int_equal(fx->d.verdict.result, VERDICT_KILLED);
	/* only when no block rule acted */
	assert_true(decide(fx, e, 3));
	assert_null(fx->d.listed);
	assert_int_equal(fx->d.acted, 1);
	enforce__free(e);
}

int main(void)
{
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(the_first_block_rule_decides_for_the_event),
		T(alert_rules_alone_get_no_verdict),
		T(nothing_is_decided_when_off_or_without_an_enforcer),
		T(an_event_of_no_category_is_not_enforced),
		T(pid_1_is_protected_not_killed),
		T(a_file_would_be_quarantined_but_not_a_deleted_one),
		T(a_debian_package_would_be_listed_but_not_another),
		T(a_kill_from_the_learned_list_is_reported_under_its_rule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

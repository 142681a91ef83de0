// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for user/ocsf.c: hand-made events written as OCSF 1.8.0, parsed back, their
 * key values checked, and every attribute checked against a table transcribed by hand
 * from the schema (ocsf_spec.h has it, and the parser; tests/integration/ocsf_check.py has
 * the same table, and checks it against the schema itself). OCSF_DUMP=FILE appends every
 * record written to FILE, for
 * `OCSF_SCHEMA_DIR=... python3 tests/integration/ocsf_check.py FILE`.
 */
#include "ocsf_fixture.h"

/* ---- events ----------------------------------------------------------------------- */

static void test_exec_is_process_launch(void **state)
{
	const struct jv *r = emit(*state);

	classified(r, 1007, 1, "Launch", "Process Activity: Launch");
	assert_jstr(r, "class_name", "Process Activity");
	assert_jstr(r, "category_name", "System Activity");
	assert_jint(r, "time", T_MS);
	assert_jint(r, "severity_id", 1);
	assert_jstr(r, "severity", "Informational");
	assert_jint(r, "process.pid", 4242);
	assert_jstr(r, "process.uid", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_jstr(r, "process.name", "sudo");
	assert_jstr(r, "process.cmd_line", "sudo ls -l");
	assert_jstr(r, "process.working_directory", "/home/ada");
	assert_jstr(r, "process.file.path", "/usr/bin/sudo");
	assert_jstr(r, "process.file.name", "sudo");
	assert_jint(r, "process.file.type_id", 8);
	assert_jint(r, "process.file.hashes[0].algorithm_id", 3);
	assert_jstr(r, "process.file.hashes[0].algorithm", "SHA-256");
	assert_jstr(r, "process.file.hashes[0].value", SHA_A);
	assert_jstr(r, "process.user.uid", "0");
	assert_jint(r, "process.parent_process.pid", 1);
	assert_jstr(r, "process.parent_process.cmd_line", "/sbin/init splash");
	assert_jstr(r, "process.parent_process.file.name", "systemd");
	assert_jabsent(r, "process.parent_process.parent_process");
	assert_jint(r, "actor.process.pid", 1);
	assert_jstr(r, "actor.process.uid", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	assert_jstr(r, "device.hostname", "box");
	assert_jstr(r, "device.uid", "0f1e2d3c4b5a69788796a5b4c3d2e1f0");
	assert_jstr(r, "device.os.name", "Linux");
	assert_jint(r, "device.os.type_id", 200);
	assert_jstr(r, "device.os.kernel_release", "6.1.0-18-amd64");
	assert_jint(r, "device.hw_info.cpu_architecture_id", 1);
	assert_jstr(r, "metadata.product.name", "embargo");
	/* EMBARGO_VERSION, as compiled into ocsf.o: an incremental build may differ from ours */
	assert_true(must(r, "metadata.product.version", J_STR)->len > 0);
	assert_jstr(r, "metadata.log_name", "embargo.process");
	assert_jstr(r, "metadata.event_code", "exec");
	assert_jstr(r, "metadata.profiles[0]", "host");
	assert_jstr(r, "unmapped.process.real_user.id", "1000");
	assert_jstr(r, "unmapped.embargo.process.comm", "sudo-rs");
	assert_jint(r, "unmapped.process.args_count", 3);
	assert_jabsent(r, "status_id");
}

static void test_process_details_and_unmapped(void **state)
{
	struct fx *fx = *state;
	const struct jv *r;
	size_t n;
	const struct jv *u;

	fx->proc.start_boot_ns = 5000000000ULL;
	fx->proc.file = (struct ev_file){ .ino = 9, .size = 4096, .nlink = 1,
					  .mtime_sec = 1600000000, .mtime_nsec = 7000000 };
	fx->proc.loginuid = 1000, fx->proc.sessionid = 3, fx->proc.tty_major = 136;
	fx->proc.script = "/opt/kav/run.sh", fx->proc.app_type = "snap";
	strcpy(fx->ident.elf.build_id, "abcd");
	r = emit(fx);
	assert_jint(r, "process.created_time",
		    (long long)(host__boot_to_real_ns(5000000000ULL) / 1000000));
	assert_jint(r, "process.file.size", 4096);
	assert_jint(r, "process.file.modified_time", 1600000000007LL);
	assert_jstr(r, "unmapped.embargo.process.login_user.id", "1000");
	assert_jint(r, "unmapped.embargo.process.audit_session_id", 3);
	assert_jstr(r, "unmapped.embargo.process.script.path", "/opt/kav/run.sh");
	assert_jstr(r, "unmapped.embargo.process.app.type", "snap");
	assert_jstr(r, "unmapped.embargo.elf.build_id", "abcd");
	must(r, "unmapped.process.interactive", J_BOOL);
	/* unmapped holds catalogue fields under their ECS names, nothing invented */
	u = must(r, "unmapped.process", J_OBJ);
	for (n = 0; n < u->n; n++) {
		char name[128];

		snprintf(name, sizeof(name), "process.%s", u->kids[n].key);
		if (u->kids[n].t != J_OBJ && !fields__find(name))
			fail_msg("unmapped.%s is no catalogue field", name);
	}
}

static void test_gone_parent_leaves_its_pid(void **state)
{
	struct fx *fx = *state;
	const struct jv *r;

	fx->ev.parent = NULL;
	fx->proc.ppid = 777;
	r = emit(fx);
	assert_jint(r, "actor.process.pid", 777);
	assert_jint(r, "process.parent_process.pid", 777);
	assert_jabsent(r, "process.parent_process.uid");
}

static void test_alert_is_detection_finding(void **state)
{
	struct fx *fx = *state;
	const struct jv *r;

	fx->ev.kind = EVENT_KIND_ALERT, fx->ev.rule = &fx->rule;
	fx->ev.why = WHY, fx->ev.why_len = sizeof(WHY) - 1;
	r = emit(fx);
	classified(r, 2004, 1, "Create", "Detection Finding: Create");
	assert_jstr(r, "category_name", "Findings");
	assert_jint(r, "severity_id", 4);
	assert_jstr(r, "severity", "High");
	assert_jint(r, "status_id", 1);
	assert_jstr(r, "status", "New");
	must(r, "is_alert", J_BOOL);
	assert_jstr(r, "finding_info.title", "Kaspersky program runs");
	assert_jstr(r, "finding_info.desc", "A Kaspersky binary was executed");
	assert_jstr(r, "finding_info.analytic.uid", "kaspersky-exec");
	assert_jint(r, "finding_info.analytic.type_id", 1);
	assert_jstr(r, "finding_info.analytic.type", "Rule");
	assert_jstr(r, "finding_info.analytic.category", "Kaspersky");
	assert_int_equal(must(r, "finding_info.uid", J_STR)->len, 32);
	assert_jstr(r, "message", "rule kaspersky-exec matched: process.name == kav; "
				  "process.hash.sha256 == " SHA_A);
	assert_jstr(r, "evidences[0].data.match[0]", "process.name == kav");
	assert_jstr(r, "evidences[0].data.match[1]", "process.hash.sha256 == " SHA_A);
	assert_jint(r, "evidences[0].process.pid", 4242);
	assert_jint(r, "evidences[0].process.parent_process.pid", 1);
	assert_jstr(r, "evidences[0].process.file.hashes[0].value", SHA_A);
	assert_jstr(r, "unmapped.embargo.rule.references[1]", "https://example.org/2");
	assert_jabsent(r, "count");
	assert_jabsent(r, "resources");
}

static void test_severity_mapping(void **state)
{
	static const char *const names[] = { "Low", "Medium", "High", "Critical" };
	struct fx *fx = *state;

	fx->ev.kind = EVENT_KIND_ALERT, fx->ev.rule = &fx->rule;
	for (int s = SEV_LOW; s <= SEV_CRITICAL; s++) {
		const struct jv *r;

		fx->rule.severity = (enum severity)s;
		r = emit(fx);
		assert_jint(r, "severity_id", s + 2);
		assert_jstr(r, "severity", names[s]);
	}
}

static void test_finding_uid_stable_and_distinct(void **state)
{
	struct fx *fx = *state;
	char first[40];

	fx->ev.kind = EVENT_KIND_ALERT, fx->ev.rule = &fx->rule;
	snprintf(first, sizeof(first), "%s", must(emit(fx), "finding_info.uid", J_STR)->s);
	assert_jstr(emit(fx), "finding_info.uid", first);
	fx->ev.time_ns++;
	if (!strcmp(must(emit(fx), "finding_info.uid", J_STR)->s, first))
		fail_msg("two alerts, one uid");
}

static void test_folded_alert_counts(void **state)
{
	struct fx *fx = *state;
	const struct jv *r;

	fx->ev.kind = EVENT_KIND_ALERT, fx->ev.rule = &fx->rule;
	fx->ev.count = 12, fx->ev.first_ns = T_NS - 60000000000ULL, fx->ev.last_ns = T_NS;
	r = emit(fx);
	assert_jint(r, "count", 12);
	assert_jint(r, "start_time", T_MS - 60000);
	assert_jint(r, "end_time", T_MS);
}

static void set_package(struct fx *fx, const char *action, const char *type)
{
	fx->ev.category = EVENT_CATEGORY_PACKAGE, fx->ev.action = action, fx->ev.type = type;
	fx->ev.package = &fx->pkg, fx->ev.parent = NULL;
}

static void test_package_lifecycle(void **state)
{
	static const struct {
		const char *action, *type, *name;
		int id;
	} cases[] = {
		{ "package-installed", "installation", "Install", 1 },
		{ "package-upgraded", "change", "Update", 8 },
		{ "package-removed", "deletion", "Remove", 2 },
	};
	struct fx *fx = *state;

	fx->pkg.installed_ns = T_NS;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char type_name[64];
		const struct jv *r;

		snprintf(type_name, sizeof(type_name), "Application Lifecycle: %s", cases[i].name);
		set_package(fx, cases[i].action, cases[i].type);
		fx->pkg.previous_version = cases[i].id == 8 ? "11.0-1" : NULL;
		r = emit(fx);
		classified(r, 6002, cases[i].id, cases[i].name, type_name);
		assert_jstr(r, "app.name", "kesl");
		assert_jstr(r, "app.version", "12.0.0-1");
		assert_jint(r, "actor.process.pid", 4242);
		assert_jstr(r, "unmapped.package.type", "deb");
		assert_jstr(r, "unmapped.package.architecture", "amd64");
		assert_jint(r, "unmapped.package.installed", T_MS);
		if (cases[i].id == 8)
			assert_jstr(r, "unmapped.embargo.package.previous_version", "11.0-1");
	}
	fx->ev.proc = NULL;	/* found by the inventory, nobody seen installing it */
	assert_jabsent(emit(fx), "actor");
}

static void test_package_alert_names_resource(void **state)
{
	struct fx *fx = *state;
	const struct jv *r;

	set_package(fx, "package-installed", "installation");
	fx->ev.proc = NULL;
	fx->ev.kind = EVENT_KIND_ALERT, fx->ev.rule = &fx->rule;
	fx->ev.why = "package.name == kesl", fx->ev.why_len = sizeof("package.name == kesl");
	r = emit(fx);
	assert_jstr(r, "resources[0].name", "kesl");
	assert_jstr(r, "resources[0].version", "12.0.0-1");
	assert_jstr(r, "resources[0].type", "package");
	assert_jstr(r, "evidences[0].data.match[0]", "package.name == kesl");
	assert_jabsent(r, "evidences[0].process");
}

static void test_file_activity(void **state)
{
	static const struct {
		const char *action, *type, *name;
		int id;
	} cases[] = {
		{ "file-created", "creation", "Create", 1 },
		{ "file-renamed", "change", "Rename", 5 },
		{ "file-deleted", "deletion", "Delete", 4 },
	};
	struct fx *fx = *state;

	fx->ev.category = EVENT_CATEGORY_FILE, fx->ev.file = &fx->file;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char type_name[64];
		const struct jv *r;

		snprintf(type_name, sizeof(type_name), "File System Activity: %s", cases[i].name);
		fx->ev.action = cases[i].action, fx->ev.type = cases[i].type;
		r = emit(fx);
		classified(r, 1001, cases[i].id, cases[i].name, type_name);
		assert_jstr(r, "file.path", "/home/ada/Downloads/kav.deb");
		assert_jstr(r, "file.name", "kav.deb");
		assert_jstr(r, "file.ext", "deb");
		assert_jint(r, "file.type_id", 1);
		assert_jstr(r, "file.hashes[0].value", SHA_B);
		assert_jint(r, "actor.process.pid", 4242);
		assert_jint(r, "actor.process.parent_process.pid", 1);
	}
	fx->ev.proc = NULL, fx->ev.parent = NULL, fx->file.sha256 = NULL;
	/* its records lost: who wrote it is unknown, and the record still valid */
	assert_jstr(emit(fx), "actor.app_name", "unknown");
	fx->ev.kind = EVENT_KIND_ALERT, fx->ev.rule = &fx->rule;	/* embargo scan */
	assert_jstr(emit(fx), "evidences[0].file.name", "kav.deb");
	assert_jabsent(&fx->root, "evidences[0].file.hashes");
}

static void set_state(struct fx *fx, const char *action, const char *outcome)
{
	fx->ev = (struct event){ .time_ns = T_NS, .kind = EVENT_KIND_STATE,
				 .category = EVENT_CATEGORY_CONFIGURATION, .type = "change",
				 .action = action, .outcome = outcome, .message = "m" };
}

static void test_state_records(void **state)
{
	struct fx *fx = *state;
	const struct jv *r;

	set_state(fx, "started", "success");
	r = emit(fx);
	classified(r, 6002, 3, "Start", "Application Lifecycle: Start");
	assert_jstr(r, "app.name", "embargo");
	assert_jstr(r, "app.version", must(r, "metadata.product.version", J_STR)->s);
	assert_jint(r, "status_id", 1);
	assert_jstr(r, "message", "m");
	assert_jint(r, "severity_id", 1);
	set_state(fx, "rules-reload", "failure");
	fx->ev.error = "rules.d/k.yaml:3:1: bad";
	r = emit(fx);
	classified(r, 6002, 8, "Update", "Application Lifecycle: Update");
	assert_jint(r, "status_id", 2);
	assert_jstr(r, "status", "Failure");
	assert_jstr(r, "status_detail", "rules.d/k.yaml:3:1: bad");
	assert_jint(r, "severity_id", 3);
	set_state(fx, "kernel-drops", "failure");
	classified(emit(fx), 6002, 99, "kernel-drops", "Application Lifecycle: Other");
}

static void test_heartbeat_counters_unmapped(void **state)
{
	struct fx *fx = *state;
	const struct jv *r;

	fx->health = (struct health){ .uptime_s = 3600, .events = 1000, .alerts = 2,
				      .kernel_drops = 5, .spool_records = 7,
				      .spool_evicted = 1, .spool_write_failed = 3,
				      .outputs_up = 2, .outputs_down = 1,
				      .rules_version = "0123456789abcdef" };
	set_state(fx, "heartbeat", NULL);
	fx->ev.health = &fx->health;
	r = emit(fx);
	classified(r, 6002, 99, "heartbeat", "Application Lifecycle: Other");
	assert_jint(r, "unmapped.embargo.health.uptime", 3600);
	assert_jint(r, "unmapped.embargo.health.events", 1000);
	assert_jint(r, "unmapped.embargo.health.kernel_drops", 5);
	assert_jint(r, "unmapped.embargo.health.outputs_down", 1);
	assert_jstr(r, "unmapped.embargo.health.rules_version", "0123456789abcdef");
	assert_jint(r, "unmapped.embargo.health.spool_write_failed", 3);
	assert_jabsent(r, "status_id");
}

/* The run in metadata.correlation_uid, the record's number in metadata.sequence (32 bits). */
static void test_run_and_sequence_in_metadata(void **state)
{
	struct fx *fx = *state;
	const struct jv *r = emit(fx);

	assert_jabsent(r, "metadata.sequence");
	assert_jabsent(r, "metadata.correlation_uid");
	strcpy(fx->host.run_id, "0e1f5f7a-7b0c-4e43-9f6c-1b9d6e4b6a11-1700000000123456789");
	fx->host.run_start_ns = 1700000000123456789ULL;
	fx->ev.sequence = 2147483647;
	r = emit(fx);
	assert_jint(r, "metadata.sequence", 2147483647);
	assert_jstr(r, "metadata.correlation_uid", "0e1f5f7a-7b0c-4e43-9f6c-1b9d6e4b6a11-1700000000123456789");
	assert_jint(r, "unmapped.embargo.run.start", 1700000000123);
	assert_jabsent(r, "unmapped.embargo.sequence");
	/* past integer_t: left out of metadata, kept whole in unmapped */
	fx->ev.sequence = 2147483648;
	r = emit(fx);
	assert_jabsent(r, "metadata.sequence");
	assert_jint(r, "unmapped.embargo.sequence", 2147483648);
}

static void test_previous_run_unmapped(void **state)
{
	struct fx *fx = *state;
	struct previous_run prev = { "unclean", "0e1f-1700000000000000001", 17,
				     1700000060123456789ULL };
	const struct jv *r;

	set_state(fx, "started", "failure");
	fx->ev.previous_run = &prev;
	r = emit(fx);
	classified(r, 6002, 3, "Start", "Application Lifecycle: Start");
	assert_jstr(r, "status", "Failure");
	assert_jstr(r, "unmapped.embargo.previous_run.state", "unclean");
	assert_jstr(r, "unmapped.embargo.previous_run.run_id", "0e1f-1700000000000000001");
	assert_jint(r, "unmapped.embargo.previous_run.last_sequence", 17);
	assert_jint(r, "unmapped.embargo.previous_run.last_heartbeat", 1700000060123);
}

static void test_spool_loss_unmapped(void **state)
{
	struct fx *fx = *state;
	struct spool_loss loss = { "ecs:tcp://10.0.0.5:514", 17, true };
	const struct jv *r;

	set_state(fx, "spool-write-failed", "failure");
	fx->ev.spool_loss = &loss;
	r = emit(fx);
	classified(r, 6002, 99, "spool-write-failed", "Application Lifecycle: Other");
	assert_jstr(r, "unmapped.embargo.spool.output", "ecs:tcp://10.0.0.5:514");
	assert_jint(r, "unmapped.embargo.spool.write_failed", 17);
	must(r, "unmapped.embargo.spool.recovered", J_BOOL);
	assert_jstr(r, "status", "Failure");
}

static void test_unknown_category_is_base_event(void **state)
{
	struct fx *fx = *state;

	fx->ev.category = EVENT_CATEGORY_NONE, fx->ev.action = NULL, fx->ev.type = NULL;
	classified(emit(fx), 0, 0, "Unknown", "Base Event: Unknown");
	fx->ev.action = "connect";	/* in metadata.event_code: Other would be type_uid 99 */
	classified(emit(fx), 0, 0, "Unknown", "Base Event: Unknown");
	assert_jstr(&fx->root, "metadata.event_code", "connect");
	fx->ev.category = EVENT_CATEGORY_PROCESS, fx->ev.action = "process-running";
	fx->ev.type = "info";
	classified(emit(fx), 1007, 99, "process-running", "Process Activity: Other");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_exec_is_process_launch),
		T(test_process_details_and_unmapped),
		T(test_gone_parent_leaves_its_pid),
		T(test_alert_is_detection_finding),
		T(test_severity_mapping),
		T(test_finding_uid_stable_and_distinct),
		T(test_folded_alert_counts),
		T(test_package_lifecycle),
		T(test_package_alert_names_resource),
		T(test_file_activity),
		T(test_state_records),
		T(test_heartbeat_counters_unmapped),
		T(test_spool_loss_unmapped),
		T(test_previous_run_unmapped),
		T(test_run_and_sequence_in_metadata),
		T(test_unknown_category_is_base_event),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

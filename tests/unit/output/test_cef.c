// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for user/cef.c: every record is parsed back by a small CEF parser written
 * from the spec, each value compared after unescaping, and every key checked against the
 * spec's dictionary (both in cef_spec.h, not taken from cef.c). Records of each kind;
 * escaping and hostile bytes are in test_cef_escape.c.
 */
#include "cef_fixture.h"

/* ---- records ---------------------------------------------------------------------- */

static void test_exec_record(void **state)
{
	struct fixture *fx = *state;
	struct file_ident ident = { .refs = 1 };
	const char *root = getpwuid(0)->pw_name;
	struct rec *r;

	strcpy(ident.sha256, SHA_A);
	fx->proc.ident = &ident;
	fx->proc.loginuid = 0;
	r = encode(fx);
	assert_true(!strncmp(r->raw, "CEF:0|embargo|embargo|", 22));
	assert_header(r, "process:exec", "process exec", "1");
	assert_string_equal(r->ext[0].key, "rt");
	ASSERT_EXTS(r, "rt", "1700000000123", "cat", "process", "act", "exec",
		    "dvchost", "desk-07", "deviceExternalId", "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
		    "suser", root, "suid", "0", "spid", "4242", "sproc", "kesl-control",
		    "filePath", "/opt/kaspersky/kesl/bin/kesl-control", "fname", "kesl-control",
		    "fileHash", SHA_A,
		    "cs1", "kesl-control --start-task 1", "cs1Label", "Command line",
		    "cs2", "/usr/bin/bash", "cs2Label", "Parent executable",
		    "cs3", "/root", "cs3Label", "Working directory",
		    "cs4", root, "cs4Label", "Login user");
	/* an event has no rule, no count, no package; the same user throughout */
	ASSERT_NO_EXTS(r, "outcome", "reason", "msg", "cnt", "type", "start", "end", "duser",
		       "duid", "cs5", "cs6", "flexString1", "flexString2", "deviceCustomDate1");
	fx->proc.ident = NULL;
}

static void test_setuid_process_has_destination_user(void **state)
{
	struct fixture *fx = *state;
	struct passwd *nobody = getpwnam("nobody");

	if (!nobody)
		skip();
	fx->proc.uid = nobody->pw_uid;	/* started by nobody, runs as root */
	ASSERT_EXTS(encode(fx), "suser", "nobody", "duid", "0", "duser", getpwuid(0)->pw_name);
}

static void test_unknown_executable_sends_no_file(void **state)
{
	struct fixture *fx = *state;
	struct rec *r;

	fx->proc.exe = NULL;
	r = encode(fx);
	assert_ext(r, "sproc", "kesl-control");
	ASSERT_NO_EXTS(r, "filePath", "fname");
}

static void test_process_start_is_custom_date(void **state)
{
	struct fixture *fx = *state;
	struct rec *r;

	fx->proc.start_boot_ns = 1;
	r = encode(fx);
	assert_ext(r, "deviceCustomDate1Label", "Process start");
	/* wall clock, after 2001 */
	assert_true(strtoll(ext_get(r, "deviceCustomDate1"), NULL, 10) > 1000000000000LL);
}

static void test_alert_record(void **state)
{
	struct fixture *fx = *state;
	struct rec *r;

	make_alert(fx);
	fx->ev.why = WHY;
	fx->ev.why_len = sizeof(WHY) - 1;
	r = encode(fx);
	assert_header(r, "kaspersky-endpoint", "Kaspersky Endpoint", "8");
	ASSERT_EXTS(r, "reason", "rule kaspersky-endpoint matched: "
			"process.name == kesl-control; process.executable == /opt/*",
		    "msg", "Kaspersky Endpoint Security runs",
		    "flexString1", "Kaspersky", "flexString1Label", "Rule ruleset",
		    "filePath", "/opt/kaspersky/kesl/bin/kesl-control");
	ASSERT_NO_EXTS(r, "cnt", "type");
}

static void test_alert_severity_mapping(void **state)
{
	static const char *const want[] = { [SEV_LOW] = "3", [SEV_MEDIUM] = "5",
					    [SEV_HIGH] = "8", [SEV_CRITICAL] = "10" };
	struct fixture *fx = *state;

	make_alert(fx);
	for (size_t s = SEV_LOW; s <= SEV_CRITICAL; s++) {
		fx->rule.severity = (enum severity)s;
		assert_string_equal(encode(fx)->header[6], want[s]);
	}
}

static void test_folded_alert(void **state)
{
	struct fixture *fx = *state;

	make_alert(fx);
	fx->ev.count = 17;
	fx->ev.first_ns = 1699999990000999999ULL;
	fx->ev.last_ns = 1700000000123456789ULL;
	ASSERT_EXTS(encode(fx), "cnt", "17", "start", "1699999990000", "end", "1700000000123",
		    "type", "1");
	/* a count past the spec's Integer is clamped, not wrapped */
	fx->ev.count = 1ULL << 40;
	assert_ext(encode(fx), "cnt", "2147483647");
}

static void test_package_event(void **state)
{
	struct fixture *fx = *state;
	struct rec *r;

	fx->pkg = (struct package_info){ .name = "kesl", .version = "12.0.0.6672",
					 .type = "deb", .architecture = "amd64" };
	fx->proc.exe = "/usr/bin/dpkg", fx->proc.comm[0] = '\0';
	fx->ev.category = EVENT_CATEGORY_PACKAGE, fx->ev.type = "installation";
	fx->ev.action = "package-installed", fx->ev.package = &fx->pkg;
	r = encode(fx);
	assert_header(r, "package:installed", "package installed", "1");
	ASSERT_EXTS(r, "act", "package-installed", "cat", "package",
		    "cs5", "kesl", "cs5Label", "Package name",
		    "cs6", "12.0.0.6672", "cs6Label", "Package version",
		    /* the installer is the source, not the object */
		    "flexString2", "/usr/bin/dpkg", "flexString2Label", "Process executable",
		    "sproc", "dpkg");
	assert_no_ext(r, "filePath");
	/* a package seen by a scan has no process at all */
	fx->ev.proc = fx->ev.parent = NULL;
	r = encode(fx);
	assert_ext(r, "cs5", "kesl");
	ASSERT_NO_EXTS(r, "spid", "suser", "flexString2");
}

static void test_file_event(void **state)
{
	struct fixture *fx = *state;
	struct file_ident ident = { .refs = 1 };

	strcpy(ident.sha256, SHA_A);
	fx->proc.ident = &ident;
	fx->proc.exe = "/usr/bin/wget";
	fx->file = (struct file_info){ .path = "/home/ada/Downloads/kesl_12.0_amd64.deb",
				       .sha256 = SHA_F };
	fx->ev.category = EVENT_CATEGORY_FILE, fx->ev.type = "creation";
	fx->ev.action = "file-created", fx->ev.file = &fx->file;
	assert_header(encode(fx), "file:created", "file created", "1");
	ASSERT_EXTS(fx->rec, "filePath", "/home/ada/Downloads/kesl_12.0_amd64.deb",
		    "fname", "kesl_12.0_amd64.deb", "fileHash", SHA_F,
		    "flexString2", "/usr/bin/wget");
	/* not hashed yet: no hash, and never the writer's in its place */
	fx->file.sha256 = NULL;
	assert_no_ext(encode(fx), "fileHash");
	fx->proc.ident = NULL;
}

static void test_state_record(void **state)
{
	struct fixture *fx = *state;
	struct rec *r;

	fx->ev = (struct event){ .time_ns = 1700000000999000000ULL, .kind = EVENT_KIND_STATE,
				 .category = EVENT_CATEGORY_CONFIGURATION, .type = "change",
				 .action = "rules-reload", .outcome = "failure",
				 .message = "rules not reloaded", .error = "a.yaml:3:1: bad" };
	r = encode(fx);
	assert_header(r, "state:rules-reload", "state rules reload", "5");
	ASSERT_EXTS(r, "rt", "1700000000999", "cat", "configuration", "outcome", "failure",
		    "msg", "rules not reloaded", "reason", "a.yaml:3:1: bad");
	ASSERT_NO_EXTS(r, "spid", "filePath");
	fx->ev.outcome = "success";
	assert_string_equal(encode(fx)->header[6], "1");
	/* a host without /etc/machine-id */
	fx->host.id[0] = '\0';
	assert_no_ext(encode(fx), "deviceExternalId");
}

static void test_heartbeat(void **state)
{
	struct fixture *fx = *state;
	struct rec *r;

	fx->health = (struct health){ .uptime_s = 86400, .events = 123456789012ULL,
				      .alerts = 3, .kernel_drops = 7, .spool_records = 12,
				      .spool_evicted = 1, .spool_write_failed = 4,
				      .outputs_up = 2, .outputs_down = 1,
				      .rules_version = "0123456789abcdef" };
	fx->ev = (struct event){ .time_ns = 1700000000000000000ULL, .kind = EVENT_KIND_STATE,
				 .category = EVENT_CATEGORY_CONFIGURATION, .type = "info",
				 .action = "heartbeat", .health = &fx->health };
	r = encode(fx);
	assert_header(r, "state:heartbeat", "state heartbeat", "1");
	ASSERT_EXTS(r, "cn1", "123456789012", "cn1Label", "Events", "cn2", "3",
		    "cn2Label", "Alerts", "cn3", "7", "cn3Label", "Kernel drops",
		    "cs1", "86400", "cs1Label", "Uptime seconds", "cs2", "12",
		    "cs2Label", "Spooled records", "cs3", "1", "cs3Label", "Evicted records",
		    "cs4", "2", "cs4Label", "Outputs up", "cs5", "1", "cs5Label", "Outputs down",
		    "cs6", "0123456789abcdef", "cs6Label", "Rules version",
		    "flexString1", "4", "flexString1Label", "Records not spooled");
	/* no rules loaded */
	fx->health.rules_version = NULL;
	ASSERT_NO_EXTS(encode(fx), "cs6", "cs6Label");
}

/* Every record: its number in the run (externalId) and when the run began (flexDate1). */
static void test_sequence_and_run(void **state)
{
	struct fixture *fx = *state;
	struct rec *r;

	ASSERT_NO_EXTS(encode(fx), "externalId", "flexDate1", "flexDate1Label");
	fx->host.run_start_ns = 1700000000123456789ULL;
	fx->ev.sequence = 9223372036854775807ULL;	/* ECS long's most: 19 digits of 40 */
	r = encode(fx);
	ASSERT_EXTS(r, "externalId", "9223372036854775807", "flexDate1", "1700000000123",
		    "flexDate1Label", "Run start");
	make_alert(fx);
	fx->ev.sequence = 7;
	assert_ext(encode(fx), "externalId", "7");
}

/* The started record after a run that did not stop in order. */
static void test_previous_run(void **state)
{
	struct fixture *fx = *state;
	struct previous_run prev = { "unclean", "0e1f-1700000000000000001", 17,
				     1700000060123456789ULL };
	struct rec *r;

	fx->ev = (struct event){ .time_ns = 1700000000000000000ULL, .kind = EVENT_KIND_STATE,
				 .category = EVENT_CATEGORY_CONFIGURATION, .type = "change",
				 .action = "started", .outcome = "failure", .message = "started",
				 .previous_run = &prev };
	r = encode(fx);
	assert_header(r, "state:started", "state started", "5");
	ASSERT_EXTS(r, "cs1", "unclean", "cs1Label", "Previous run",
		    "cs2", "0e1f-1700000000000000001", "cs2Label", "Previous run id",
		    "cn1", "17", "cn1Label", "Previous run last record",
		    "deviceCustomDate2", "1700000060123",
		    "deviceCustomDate2Label", "Previous run last heartbeat");
	/* a damaged marker: no id, no numbers, just the state */
	prev = (struct previous_run){ .state = "unclean" };
	r = encode(fx);
	assert_ext(r, "cs1", "unclean");
	ASSERT_NO_EXTS(r, "cs2", "cn1", "deviceCustomDate2");
}

static void test_spool_loss(void **state)
{
	struct fixture *fx = *state;
	struct spool_loss loss = { "ecs:tcp://10.0.0.5:514", 17, false };
	struct rec *r;

	fx->ev = (struct event){ .time_ns = 1700000000000000000ULL, .kind = EVENT_KIND_STATE,
				 .category = EVENT_CATEGORY_CONFIGURATION, .type = "change",
				 .action = "spool-write-failed", .outcome = "failure",
				 .message = "17 records could not be spooled",
				 .error = "No space left on device", .spool_loss = &loss };
	r = encode(fx);
	assert_header(r, "state:spool-write-failed", "state spool write failed", "5");
	ASSERT_EXTS(r, "cn1", "17", "cn1Label", "Records not spooled",
		    "cs1", "ecs:tcp://10.0.0.5:514", "cs1Label", "Output", "cs2", "0",
		    "cs2Label", "Spooling again", "reason", "No space left on device",
		    "outcome", "failure");
	loss.recovered = true;
	assert_ext(encode(fx), "cs2", "1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_exec_record),
		T(test_setuid_process_has_destination_user),
		T(test_unknown_executable_sends_no_file),
		T(test_process_start_is_custom_date),
		T(test_alert_record),
		T(test_alert_severity_mapping),
		T(test_folded_alert),
		T(test_package_event),
		T(test_file_event),
		T(test_state_record),
		T(test_heartbeat),
		T(test_spool_loss),
		T(test_previous_run),
		T(test_sequence_and_run),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

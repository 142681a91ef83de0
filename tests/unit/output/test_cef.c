// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for user/cef.c: every record is parsed back by a small CEF parser written
 * from the spec, each value compared after unescaping, and every key checked against the
 * spec's dictionary (both in cef_spec.h, not taken from cef.c).
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>

#include "unit.h"

#include "output/cef.h"
#include "process/identity.h"
#include "rules/rules.h"

#include "cef_spec.h"

#define UNSET ((uint32_t)-1)
#define ARGS "kesl-control\0--start-task\0" "1\0"
#define WHY "process.name == kesl-control\0process.executable == /opt/*\0"
#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_F "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"

/* ---- events made by hand ----------------------------------------------------------- */

struct fixture {
	struct host host;
	struct event_env env;
	struct proc proc, parent;
	struct rule rule;
	struct package_info pkg;
	struct file_info file;
	struct health health;
	struct event ev;
	struct buf b;
	struct rec *rec;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	strcpy(fx->host.name, "desk-07");
	strcpy(fx->host.id, "0f1e2d3c4b5a69788796a5b4c3d2e1f0");
	fx->env = (struct event_env){ .host = &fx->host, .users = users__new() };
	fx->proc = (struct proc){
		.pid = 4242, .ppid = 1, .loginuid = UNSET, .sessionid = UNSET,
		.comm = "kesl-control", .exe = "/opt/kaspersky/kesl/bin/kesl-control",
		.cwd = "/root", .args = ARGS, .args_len = sizeof(ARGS) - 1, .argc = 3,
		.entity_id = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	fx->parent = (struct proc){ .pid = 1, .loginuid = UNSET, .sessionid = UNSET,
				    .comm = "bash", .exe = "/usr/bin/bash" };
	fx->rule = (struct rule){ .id = "kaspersky-endpoint", .name = "Kaspersky Endpoint",
				  .description = "Kaspersky Endpoint Security runs",
				  .severity = SEV_HIGH, .vendor = "Kaspersky" };
	fx->ev = (struct event){ .time_ns = 1700000000123456789ULL,
				 .category = EVENT_CATEGORY_PROCESS, .type = "start",
				 .action = "exec", .proc = &fx->proc, .parent = &fx->parent };
	*state = fx;
	return fx->env.users ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	if (fx->rec)
		rec_free(fx->rec);
	buf__free(&fx->b);
	users__free(fx->env.users);
	free(fx);
	return 0;
}

/* Encode the fixture's event, parse it back, check it against the spec. */
static struct rec *encode(struct fixture *fx)
{
	if (fx->rec)
		rec_free(fx->rec);
	buf__reset(&fx->b);
	assert_int_equal(cef__write(&fx->b, &fx->ev, &fx->env), 0);
	fx->rec = parse(buf__str(&fx->b));
	if (!fx->rec)
		fail_msg("not CEF: %s", buf__str(&fx->b));
	check_record(fx->rec);
	return fx->rec;
}

static void assert_ext(const struct rec *r, const char *key, const char *want)
{
	const char *got = ext_get(r, key);

	if (!got)
		fail_msg("%s absent in %s", key, r->raw);
	assert_string_equal(got, want);
}

static void assert_no_ext(const struct rec *r, const char *key)
{
	if (ext_get(r, key))
		fail_msg("%s present in %s", key, r->raw);
}

static void assert_exts(const struct rec *r, const char *const *kv)
{
	for (; *kv; kv += 2)
		assert_ext(r, kv[0], kv[1]);
}

static void assert_no_exts(const struct rec *r, const char *const *keys)
{
	for (; *keys; keys++)
		assert_no_ext(r, *keys);
}

/* ASSERT_EXTS(r, key, value, key, value...); ASSERT_NO_EXTS(r, key, key...) */
#define ASSERT_EXTS(r, ...) assert_exts(r, (const char *const[]){ __VA_ARGS__, NULL })
#define ASSERT_NO_EXTS(r, ...) assert_no_exts(r, (const char *const[]){ __VA_ARGS__, NULL })

static void assert_header(const struct rec *r, const char *class_id, const char *name,
			  const char *severity)
{
	assert_string_equal(r->header[1], "embargo");
	assert_string_equal(r->header[2], "embargo");
	assert_int_equal(strncmp(r->header[3], EMBARGO_VERSION, 31), 0);
	assert_string_equal(r->header[4], class_id);
	assert_string_equal(r->header[5], name);
	assert_string_equal(r->header[6], severity);
}

static void make_alert(struct fixture *fx)
{
	fx->ev.kind = EVENT_KIND_ALERT;
	fx->ev.rule = &fx->rule;
}

static char *repeat(char c, size_t n, const char *tail)
{
	char *s = malloc(n + strlen(tail) + 1);

	assert_non_null(s);
	memset(s, c, n);
	strcpy(s + n, tail);
	return s;
}

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

/* ---- escaping, truncation, hostile bytes ---------------------------------------------- */

static void test_header_escapes_pipe_and_backslash(void **state)
{
	struct fixture *fx = *state;
	struct rec *r;

	make_alert(fx);
	fx->rule.id = "ka|sp\\er=sky", fx->rule.name = "a|b\\|c";
	r = encode(fx);
	assert_non_null(strstr(r->raw, "|ka\\|sp\\\\er=sky|a\\|b\\\\\\|c|8|"));
	assert_string_equal(r->header[4], "ka|sp\\er=sky");
	assert_string_equal(r->header[5], "a|b\\|c");
}

static void test_header_newline_made_visible(void **state)
{
	struct fixture *fx = *state;

	make_alert(fx);
	fx->rule.name = "two\nlines";
	assert_string_equal(encode(fx)->header[5], "two\\x0alines");
}

static void test_extension_escapes(void **state)
{
	struct fixture *fx = *state;
	struct rec *r;

	fx->proc.cwd = "/tmp/a=b\\c\nd\re|f g h=i";
	r = encode(fx);
	assert_non_null(strstr(r->raw, " cs3=/tmp/a\\=b\\\\c\\nd\\re|f g h\\=i cs3Label="));
	assert_ext(r, "cs3", "/tmp/a=b\\c\nd\re|f g h=i");
	/* a value that looks like the next key */
	fx->proc.cwd = " suser=root ";
	assert_ext(encode(fx), "cs3", " suser=root ");
}

/* fileHash holds 255: the escape that ends exactly there is kept whole, one past is dropped
 * whole, never leaving a lone backslash. */
static void test_escape_at_max_length(void **state)
{
	struct fixture *fx = *state;
	char *at = repeat('a', 254, "="), *past = repeat('a', 255, "=");
	struct rec *r;

	fx->file = (struct file_info){ .path = "/tmp/x", .sha256 = at };
	fx->ev.file = &fx->file, fx->ev.category = EVENT_CATEGORY_FILE;
	fx->ev.action = "file-created";
	r = encode(fx);
	assert_ext(r, "fileHash", at);
	assert_non_null(strstr(r->raw, "a\\= "));
	fx->file.sha256 = past;
	r = encode(fx);
	assert_int_equal(strlen(ext_get(r, "fileHash")), 255);
	assert_null(strchr(ext_get(r, "fileHash"), '='));
	assert_null(strstr(r->raw, "a\\ "));
	free(at), free(past);
}

static void test_header_escape_at_max_length(void **state)
{
	struct fixture *fx = *state;
	char *at = repeat('n', 511, "|"), *past = repeat('n', 512, "|");

	make_alert(fx);
	fx->rule.name = at;
	assert_string_equal(encode(fx)->header[5], at);
	fx->rule.name = past;
	assert_int_equal(strlen(encode(fx)->header[5]), 512);
	free(at), free(past);
}

/*
 * cs3 holds 4000 bytes: what a character becomes (two bytes, U+FFFD for a bad byte, the
 * text \x1b for ESC) is kept whole when it ends at 4000, dropped whole when it would not.
 */
static void test_truncation_keeps_characters_whole(void **state)
{
	static const struct {
		const char *tail, *want;
	} cases[] = {
		{ "\xc3\xa9", "\xc3\xa9" }, { "\xff", "\xef\xbf\xbd" }, { "\x1b", "\\x1b" },
	};
	struct fixture *fx = *state;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t fits = 4000 - strlen(cases[i].want);
		char *at = repeat('a', fits, cases[i].tail);
		char *over = repeat('a', fits + 1, cases[i].tail);
		const char *got;

		fx->proc.cwd = at;
		got = ext_get(encode(fx), "cs3");
		assert_int_equal(strlen(got), 4000);
		assert_string_equal(got + fits, cases[i].want);
		fx->proc.cwd = over;
		got = ext_get(encode(fx), "cs3");
		assert_int_equal(strlen(got), fits + 1);
		assert_int_equal(strspn(got, "a"), fits + 1);
		free(at), free(over);
	}
}

static void test_invalid_utf8_replaced(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "a\xff" "b", "a\xef\xbf\xbd" "b" },			/* never valid */
		{ "a\xc3", "a\xef\xbf\xbd" },				/* cut short */
		{ "\xc3(", "\xef\xbf\xbd(" },				/* bad continuation */
		{ "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd" },		/* overlong '/' */
		{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },	/* surrogate */
		{ "\xe2\x82", "\xef\xbf\xbd" },				/* one maximal subpart */
		{ "\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xf0\x9f\x98\x80 ok \xd0\x96", "\xf0\x9f\x98\x80 ok \xd0\x96" },	/* valid */
	};
	struct fixture *fx = *state;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		fx->proc.cwd = (char *)cases[i].in;
		assert_ext(encode(fx), "cs3", cases[i].want);
	}
}

static void test_controls_made_visible(void **state)
{
	struct fixture *fx = *state;
	struct rec *r;

	fx->proc.cwd = "esc\x1b[2J tab\t del\x7f csi\xc2\x9b" "1m nbsp\xc2\xa0";
	r = encode(fx);
	assert_ext(r, "cs3", "esc\\x1b[2J tab\\x09 del\\x7f csi\\x9b1m nbsp\xc2\xa0");
	assert_null(memchr(r->raw, 0x1b, strlen(r->raw)));
}

static void test_100k_argv_cut_to_cs1(void **state)
{
	struct fixture *fx = *state;
	size_t n = 100 * 1024;
	char *args = malloc(n);
	const char *got;

	assert_non_null(args);
	for (size_t i = 0; i < n; i++)
		args[i] = i % 8 == 7 ? '\0' : i % 97 == 0 ? '=' : 'x';
	args[n - 1] = '\0';
	fx->proc.args = args, fx->proc.args_len = n, fx->proc.argc = (uint32_t)(n / 8);
	got = ext_get(encode(fx), "cs1");
	assert_non_null(got);
	assert_int_equal(strlen(got), 4000);
	assert_int_equal(memcmp(got, "=xxxxxx xxxxxxx", 15), 0);
	assert_true(fx->b.len < 10000);
	free(args);
}

static void test_empty_values_left_out(void **state)
{
	struct fixture *fx = *state;
	struct rec *r;

	fx->proc.cwd = "";
	fx->ev.outcome = "";
	r = encode(fx);
	ASSERT_NO_EXTS(r, "cs3", "cs3Label", "outcome");
}

/* The parser and checks above are what the encoder is judged by: they must say no. */
static void test_parser_rejects_bad_records(void **state)
{
	static const char *const bad[] = {
		"CEF:0|v|p|1|id|name",			/* short header */
		"CEF:0|v|p|1|id|na\\me|1|",		/* bad header escape */
		"CEF:0|v|p|1|id|name|1|msg=a=b",	/* unescaped = */
		"CEF:0|v|p|1|id|name|1|msg=a\\tb",	/* no such escape */
		"CEF:0|v|p|1|id|name|1|=x",		/* no key */
	};
	struct rec *r;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_null(parse(bad[i]));
	r = parse("CEF:0|v|p|1|id|n\\|m|1|msg=a b\\=c cs1=x y");
	assert_non_null(r);
	assert_string_equal(r->header[5], "n|m");
	assert_string_equal(ext_get(r, "msg"), "a b=c");
	assert_string_equal(ext_get(r, "cs1"), "x y");
	rec_free(r);
	assert_null(spec_find("cs7"));
	assert_null(spec_find("sourceUserName"));	/* full names are not keys */
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
		T(test_header_escapes_pipe_and_backslash),
		T(test_header_newline_made_visible),
		T(test_extension_escapes),
		T(test_escape_at_max_length),
		T(test_header_escape_at_max_length),
		T(test_truncation_keeps_characters_whole),
		T(test_invalid_utf8_replaced),
		T(test_controls_made_visible),
		T(test_100k_argv_cut_to_cs1),
		T(test_empty_values_left_out),
		T(test_parser_rejects_bad_records),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

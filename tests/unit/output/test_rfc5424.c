// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for user/rfc5424.c: every message is taken apart by a strict parser written
 * from RFC 5424's ABNF (section 6), in rfc5424_parse.h, and each part compared with what
 * the event says.
 */
#include <stdio.h>
#include <unistd.h>

#include "rfc5424_parse.h"

#include "lib/buf.h"
#include "output/rfc5424.h"
#include "rules/rules.h"

#define UNSET ((uint32_t)-1)
#define HOST_ID "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
#define ARGS "kesl-control\0--start-task\0"

/* ---- fixture ---- */

struct fixture {
	struct host host;
	struct event_env env;
	struct proc proc, parent;
	struct rule rule;
	struct package_info pkg;
	struct file_info file;
	struct event ev;
	struct buf b;
	struct msg m;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	strcpy(fx->host.name, "desk-07");
	strcpy(fx->host.id, HOST_ID);
	fx->env = (struct event_env){ .host = &fx->host, .users = users__new() };
	fx->proc = (struct proc){
		.pid = 4242, .ppid = 1, .uid = 0, .loginuid = UNSET, .sessionid = UNSET,
		.comm = "kesl-control", .exe = "/opt/kaspersky/kesl/bin/kesl-control",
		.cwd = "/root", .args = ARGS, .args_len = sizeof(ARGS) - 1, .argc = 2,
	};
	fx->parent = (struct proc){ .pid = 1, .loginuid = UNSET, .sessionid = UNSET,
				    .comm = "bash", .exe = "/usr/bin/bash" };
	fx->rule = (struct rule){ .id = "kaspersky-endpoint", .name = "Kaspersky Endpoint",
				  .severity = SEV_HIGH, .vendor = "Kaspersky" };
	fx->ev = (struct event){ .time_ns = 1700000000123456789ULL, .kind = EVENT_KIND_ALERT,
				 .category = EVENT_CATEGORY_PROCESS, .type = "start",
				 .action = "exec", .proc = &fx->proc, .parent = &fx->parent,
				 .rule = &fx->rule };
	*state = fx;
	return fx->env.users ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	msg_free(&fx->m);
	buf__free(&fx->b);
	users__free(fx->env.users);
	free(fx);
	return 0;
}

/* Format the fixture's event around body and parse the result. */
static struct msg *format_body(struct fixture *fx, const char *body, size_t len)
{
	msg_free(&fx->m);
	buf__reset(&fx->b);
	rfc5424__format(&fx->b, &fx->ev, &fx->env, body, len);
	assert_int_equal(buf__error(&fx->b), 0);
	parse(fx->b.p, fx->b.len, &fx->m);
	return &fx->m;
}

static struct msg *format(struct fixture *fx)
{
	return format_body(fx, S("{\"body\":1}"));
}

/* The header and structured data: nothing but printable ASCII, SP and UTF-8 in values. */
static void assert_no_controls_before_body(const struct fixture *fx)
{
	size_t n = fx->m.body ? (size_t)(fx->m.body - fx->b.p) : fx->b.len;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)fx->b.p[i];

		if (c < 0x20 || c == 0x7F)
			fail_msg("control byte 0x%02x at %zu", c, i);
	}
	assert_true(valid_utf8((const unsigned char *)fx->b.p, n));
}

/* ---- tests ---- */

static void test_alert_message(void **state)
{
	struct fixture *fx = *state;
	struct msg *m = format(fx);
	char pid[16];

	assert_int_equal(m->pri, 10 * 8 + 3);
	assert_int_equal(m->version, 1);
	assert_string_equal(m->timestamp, "2023-11-14T22:13:20.123Z");
	assert_string_equal(m->hostname, "desk-07");
	assert_string_equal(m->app, "embargo");
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	assert_string_equal(m->procid, pid);
	assert_string_equal(m->msgid, "alert");
	assert_string_equal(m->sd_id, "embargo@32473");
	assert_param(m, "kind", "alert");
	assert_param(m, "action", "exec");
	assert_param(m, "rule", "kaspersky-endpoint");
	assert_param(m, "ruleset", "Kaspersky");
	assert_param(m, "severity", "high");
	assert_param(m, "pid", "4242");
	assert_param(m, "uid", "0");
	assert_param(m, "user", "root");
	assert_param(m, "exe", "/opt/kaspersky/kesl/bin/kesl-control");
	assert_param(m, "host_id", HOST_ID);
	/* what the event does not have is left out, not sent empty */
	assert_no_param(m, "count");
	assert_no_param(m, "outcome");
	assert_no_param(m, "login");
	assert_no_param(m, "sha256");
	assert_no_param(m, "package");
	assert_no_param(m, "file");
	for (size_t i = 0; i < m->nparams; i++)
		assert_true(m->params[i].len > 0);
	assert_non_null(m->body);
	assert_int_equal(m->body_len, 10);
	assert_memory_equal(m->body, "{\"body\":1}", 10);
	assert_no_controls_before_body(fx);
}

/* PRI = facility 10 (authpriv) * 8 + the severity rfc5424__severity gives. */
static void test_severity_mapping(void **state)
{
	struct fixture *fx = *state;
	static const struct { enum severity sev; int syslog; } alerts[] = {
		{ SEV_LOW, 5 }, { SEV_MEDIUM, 4 }, { SEV_HIGH, 3 }, { SEV_CRITICAL, 2 },
	};
	static const char *const names[] = { "low", "medium", "high", "critical" };

	for (size_t i = 0; i < ARRAY_SIZE(alerts); i++) {
		fx->rule.severity = alerts[i].sev;
		assert_int_equal(rfc5424__severity(&fx->ev), alerts[i].syslog);
		assert_int_equal(format(fx)->pri, 80 + alerts[i].syslog);
		assert_param(&fx->m, "severity", names[i]);
	}
	/* events: informational, or warning when they report a failure */
	fx->ev.kind = EVENT_KIND_EVENT;
	fx->ev.rule = NULL;
	assert_int_equal(rfc5424__severity(&fx->ev), 6);
	assert_int_equal(format(fx)->pri, 86);
	fx->ev.outcome = "success";
	assert_int_equal(format(fx)->pri, 86);
	fx->ev.outcome = "failure";
	assert_int_equal(rfc5424__severity(&fx->ev), 4);
	assert_int_equal(format(fx)->pri, 84);
	assert_param(&fx->m, "outcome", "failure");
	/* an alert without its rule cannot say how bad it is: informational */
	fx->ev.kind = EVENT_KIND_ALERT;
	fx->ev.outcome = NULL;
	assert_int_equal(rfc5424__severity(&fx->ev), 6);
}

static void test_msgid(void **state)
{
	struct fixture *fx = *state;

	fx->ev.kind = EVENT_KIND_EVENT;
	fx->ev.rule = NULL;
	assert_string_equal(format(fx)->msgid, "process");
	assert_param(&fx->m, "kind", "event");
	assert_no_param(&fx->m, "rule");
	assert_no_param(&fx->m, "severity");
	fx->ev.category = EVENT_CATEGORY_NONE;
	assert_string_equal(format(fx)->msgid, "-");
	fx->ev = (struct event){ .time_ns = 1700000000000000000ULL, .kind = EVENT_KIND_STATE,
				 .category = EVENT_CATEGORY_CONFIGURATION, .type = "change",
				 .action = "output-down", .outcome = "failure",
				 .message = "output tcp://x:1 is down" };
	assert_string_equal(format(fx)->msgid, "state");
	assert_int_equal(fx->m.pri, 84);
	assert_string_equal(fx->m.timestamp, "2023-11-14T22:13:20.000Z");
	assert_param(&fx->m, "kind", "state");
	assert_param(&fx->m, "action", "output-down");
	assert_no_param(&fx->m, "pid");
}

static void test_folded_alert_count(void **state)
{
	struct fixture *fx = *state;

	fx->ev.count = 17;
	fx->ev.first_ns = 1700000000000000000ULL;
	fx->ev.last_ns = fx->ev.time_ns;
	assert_param(format(fx), "count", "17");
}

static void test_package_and_file_params(void **state)
{
	struct fixture *fx = *state;

	fx->pkg = (struct package_info){ .name = "kesl", .version = "12.0.0-6672", .type = "deb" };
	fx->ev.package = &fx->pkg;
	fx->ev.proc = NULL;
	fx->ev.parent = NULL;
	fx->ev.category = EVENT_CATEGORY_PACKAGE;
	fx->ev.action = "package-install";
	format(fx);
	assert_param(&fx->m, "package", "kesl");
	assert_param(&fx->m, "version", "12.0.0-6672");
	assert_no_param(&fx->m, "pid");
	assert_no_param(&fx->m, "exe");
	fx->ev.package = NULL;
	fx->file = (struct file_info){ .path = "/etc/ld.so.preload" };
	fx->ev.file = &fx->file;
	fx->ev.proc = &fx->proc;
	format(fx);
	assert_param(&fx->m, "file", "/etc/ld.so.preload");
	assert_param(&fx->m, "pid", "4242");
}

/* '"', '\' and ']' are escaped by a backslash and come back exactly. */
static void test_param_escaping(void **state)
{
	struct fixture *fx = *state;
	static const char *const exes[] = {
		"/tmp/a\"b", "/tmp/back\\slash", "/tmp/x]y", "/tmp/]]\"\"\\\\",
		"/tmp/ends-in-backslash\\", "/tmp/\\]", "/tmp/\\\"", "\"", "]", "\\",
	};

	for (size_t i = 0; i < ARRAY_SIZE(exes); i++) {
		fx->proc.exe = (char *)exes[i];
		format(fx);
		assert_param(&fx->m, "exe", exes[i]);
		/* the element still ends where it should: the next params are intact */
		assert_param(&fx->m, "host_id", HOST_ID);
	}
	fx->proc.exe = "/tmp/x]y\"z\\w";
	format(fx);
	assert_non_null(strstr(fx->b.p, " exe=\"/tmp/x\\]y\\\"z\\\\w\""));
	fx->rule.id = "rule]\"with\\all";
	assert_param(format(fx), "rule", "rule]\"with\\all");
}

/* Control bytes never reach the wire raw: they are made visible, the rest kept. */
static void test_control_bytes(void **state)
{
	struct fixture *fx = *state;

	fx->proc.exe = "/tmp/a\nb\x1b[31mc\td\re\x7f" "f\x01";
	format(fx);
	assert_no_controls_before_body(fx);
	assert_param(&fx->m, "exe", "/tmp/a\\nb\\u001b[31mc\\td\\re\\u007ff\\u0001");
	/* every parameter gets the same treatment */
	fx->rule.id = "a\nb";
	assert_param(format(fx), "rule", "a\\nb");
	assert_no_controls_before_body(fx);
}

/* Invalid UTF-8 comes out as U+FFFD; valid multibyte characters are kept. */
static void test_invalid_utf8(void **state)
{
	struct fixture *fx = *state;

	fx->proc.exe = "/opt/\xff\xfe/x\xc3";
	format(fx);
	assert_no_controls_before_body(fx);
	assert_param(&fx->m, "exe", "/opt/\xEF\xBF\xBD\xEF\xBF\xBD/x\xEF\xBF\xBD");
	fx->proc.exe = "/opt/caf\xC3\xA9/\xE2\x82\xAC/\xF0\x9F\x94\x92";
	assert_param(format(fx), "exe", "/opt/caf\xC3\xA9/\xE2\x82\xAC/\xF0\x9F\x94\x92");
	/* overlong '/', a surrogate, and a code point past U+10FFFF */
	fx->proc.exe = "\xC0\xAF|\xED\xA0\x80|\xF4\x90\x80\x80";
	format(fx);
	assert_no_controls_before_body(fx);
	for (size_t i = 0; i < fx->m.nparams; i++)
		assert_true(valid_utf8((unsigned char *)fx->m.params[i].value,
				       fx->m.params[i].len));
	assert_non_null(strstr(param(&fx->m, "exe")->value, "\xEF\xBF\xBD|"));
}

static void test_hostnames(void **state)
{
	struct fixture *fx = *state;
	static const struct { const char *name, *want; } cases[] = {
		{ "my box", "my-box" },
		{ "b\xC3\xBC" "cher", "b--cher" },	/* each non-ASCII byte */
		{ "tab\there", "tab-here" },
		{ "del\x7f", "del-" },
		{ "desk.example.org", "desk.example.org" },
		{ "", "-" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(fx->host.name, sizeof(fx->host.name), "%s", cases[i].name);
		format(fx);
		assert_string_equal(fx->m.hostname, cases[i].want);
		assert_no_controls_before_body(fx);
	}
	/* the longest name a struct host holds (255) fits HOSTNAME's 255 */
	memset(fx->host.name, 'h', 255);
	fx->host.name[255] = '\0';
	format(fx);
	assert_int_equal(strlen(fx->m.hostname), 255);
}

/* The body follows one SP, byte for byte, whatever it holds. */
static void test_body_verbatim(void **state)
{
	struct fixture *fx = *state;
	static const char body[] = "CEF:0|x|y|1|r|n|7|msg=a\\=b\n\x00\xff ]\"";

	format_body(fx, body, sizeof(body) - 1);
	assert_int_equal(fx->m.body_len, sizeof(body) - 1);
	assert_memory_equal(fx->m.body, body, sizeof(body) - 1);
	/* an empty body still parses (MSG may be empty) */
	format_body(fx, "", 0);
	assert_int_equal(fx->m.body_len, 0);
}

/* The parser itself: it must refuse what RFC 5424 does not allow, or it proves nothing. */
/* Which run, which record in it: what a receiver checks for losses, without the body. */
static void test_run_and_sequence_params(void **state)
{
	struct fixture *fx = *state;
	struct msg *m;

	assert_no_param(format(fx), "seq");	/* not numbered: not through output.c */
	assert_no_param(&fx->m, "run");
	strcpy(fx->host.run_id, "0e1f5f7a-7b0c-4e43-9f6c-1b9d6e4b6a11-1700000000123456789");
	fx->ev.sequence = 9223372036854775807ULL;	/* ECS long's most */
	m = format(fx);
	assert_param(m, "run", "0e1f5f7a-7b0c-4e43-9f6c-1b9d6e4b6a11-1700000000123456789");
	assert_param(m, "seq", "9223372036854775807");
}

static void test_parser_rejects_bad_messages(void **state)
{
	static const char *const bad[] = {
		"82>1 2023-11-14T22:13:20.123Z h a 1 m [x@1 a=\"b\"]",	/* no '<' */
		"<192>1 2023-11-14T22:13:20.123Z h a 1 m [x@1 a=\"b\"]",	/* PRIVAL > 191 */
		"<082>1 2023-11-14T22:13:20.123Z h a 1 m [x@1 a=\"b\"]",	/* leading zero */
		"<82>0 2023-11-14T22:13:20.123Z h a 1 m [x@1 a=\"b\"]",	/* VERSION 0 */
		"<82>1 2023-11-14T22:13:20.1234567Z h a 1 m [x@1]",	/* 7 fraction digits */
		"<82>1 2023-13-14T22:13:20Z h a 1 m [x@1]",		/* month 13 */
		"<82>1 2023-11-14 22:13:20Z h a 1 m [x@1]",		/* no 'T' */
		"<82>1 2023-11-14T22:13:20 h a 1 m [x@1]",		/* no offset */
		"<82>1 2023-11-14T22:13:20Z  a 1 m [x@1]",		/* empty HOSTNAME */
		"<82>1 2023-11-14T22:13:20Z h\x01 a 1 m [x@1]",		/* control in HOSTNAME */
		"<82>1 2023-11-14T22:13:20Z h a 1 "
		"mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm [x@1]",		/* MSGID of 33 */
		"<82>1 2023-11-14T22:13:20Z h a 1 m x@1]",		/* no '[' */
		"<82>1 2023-11-14T22:13:20Z h a 1 m [x@1 a=\"b]\"]",	/* unescaped ']' */
		"<82>1 2023-11-14T22:13:20Z h a 1 m [x@1 a=\"b\\\"]",	/* '\"' ends nothing */
		"<82>1 2023-11-14T22:13:20Z h a 1 m [x@1 a=\"\xff\"]",	/* not UTF-8 */
		"<82>1 2023-11-14T22:13:20Z h a 1 m [x@1 a=\"\xC0\xAF\"]",	/* overlong */
		"<82>1 2023-11-14T22:13:20Z h a 1 m [x@1 a=b]",		/* unquoted value */
		"<82>1 2023-11-14T22:13:20Z h a 1 m [x@1 =\"b\"]",		/* empty PARAM-NAME */
		"<82>1 2023-11-14T22:13:20Z h a 1 m [x@1 a=\"b\"",		/* no ']' */
		"<82>1 2023-11-14T22:13:20Z h a 1 m [x@1]body",		/* no SP before MSG */
	};
	static const char good[] = "<82>1 2023-11-14T22:13:20.123456+01:00 h a 1 m "
				   "[x@1 a=\"\\\"\\]\\\\\\n\"] body";
	struct msg m;
	size_t at;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (!parse_msg(bad[i], strlen(bad[i]), &m, &at))
			fail_msg("accepted: %s", bad[i]);
		msg_free(&m);
	}
	parse(good, sizeof(good) - 1, &m);
	assert_param(&m, "a", "\"]\\\\n");
	assert_int_equal(m.body_len, 4);
	msg_free(&m);
}

/* Appends: what was in the buffer stays in front. */
static void test_appends(void **state)
{
	struct fixture *fx = *state;

	buf__reset(&fx->b);
	buf__puts(&fx->b, "123 ");
	rfc5424__format(&fx->b, &fx->ev, &fx->env, S("x"));
	assert_memory_equal(fx->b.p, "123 <83>1 ", 10);
	assert_int_equal(fx->b.p[fx->b.len - 1], 'x');
}

/* A very long value is escaped whole, not cut in a way that breaks the element. */
static void test_long_values(void **state)
{
	struct fixture *fx = *state;
	size_t n = 20000;
	char *exe = malloc(n + 1);

	assert_non_null(exe);
	for (size_t i = 0; i < n; i++)
		exe[i] = "]\"\\a"[i % 4];
	exe[n] = '\0';
	fx->proc.exe = exe;
	format(fx);
	assert_param(&fx->m, "exe", exe);
	free(exe);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_alert_message),
		T(test_severity_mapping),
		T(test_msgid),
		T(test_folded_alert_count),
		T(test_package_and_file_params),
		T(test_param_escaping),
		T(test_control_bytes),
		T(test_invalid_utf8),
		T(test_hostnames),
		T(test_body_verbatim),
		T(test_run_and_sequence_params),
		T(test_parser_rejects_bad_messages),
		T(test_appends),
		T(test_long_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

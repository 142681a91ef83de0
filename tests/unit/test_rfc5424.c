// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for user/rfc5424.c: every message is taken apart by a strict parser written
 * here from RFC 5424's ABNF (section 6), and each part compared with what the event says.
 *
 *	SYSLOG-MSG      = HEADER SP STRUCTURED-DATA [SP MSG]
 *	HEADER          = PRI VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID
 *	PRI             = "<" PRIVAL ">"		PRIVAL = 1*3DIGIT, 0..191
 *	VERSION         = NONZERO-DIGIT 0*2DIGIT
 *	HOSTNAME        = NILVALUE / 1*255PRINTUSASCII
 *	APP-NAME        = NILVALUE / 1*48PRINTUSASCII
 *	PROCID          = NILVALUE / 1*128PRINTUSASCII
 *	MSGID           = NILVALUE / 1*32PRINTUSASCII
 *	TIMESTAMP       = NILVALUE / FULL-DATE "T" FULL-TIME	(RFC 3339, "." 1*6DIGIT)
 *	STRUCTURED-DATA = NILVALUE / 1*SD-ELEMENT
 *	SD-ELEMENT      = "[" SD-ID *(SP SD-PARAM) "]"
 *	SD-PARAM        = PARAM-NAME "=" %d34 PARAM-VALUE %d34
 *	SD-NAME         = 1*32PRINTUSASCII except '=', SP, ']', %d34
 *	PARAM-VALUE     = UTF-8-STRING, with '"', '\' and ']' escaped by '\'
 */
#include <stdio.h>
#include <unistd.h>

#include "unit.h"

#include "buf.h"
#include "rfc5424.h"
#include "rules.h"

#define UNSET ((uint32_t)-1)
#define HOST_ID "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
#define ARGS "kesl-control\0--start-task\0"
#define MAX_PARAMS 32

/* ---- the parser ---- */

struct param {
	char name[33];
	char *value;		/* unescaped, NUL-terminated */
	size_t len;
};

struct msg {
	int pri;
	int version;
	char timestamp[64];
	char hostname[256];
	char app[49];
	char procid[129];
	char msgid[33];
	char sd_id[33];
	struct param params[MAX_PARAMS];
	size_t nparams;
	const char *body;	/* into the parsed buffer; NULL: no MSG */
	size_t body_len;
};

static bool printusascii(unsigned char c)
{
	return c >= 33 && c <= 126;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Strict UTF-8 (RFC 3629): no overlongs, no surrogates, nothing past U+10FFFF. */
static bool valid_utf8(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t need;
		unsigned char lo = 0x80, hi = 0xBF;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			need = 1;
		} else if (c >= 0xE0 && c <= 0xEF) {
			need = 2;
			lo = c == 0xE0 ? 0xA0 : 0x80;
			hi = c == 0xED ? 0x9F : 0xBF;
		} else if (c >= 0xF0 && c <= 0xF4) {
			need = 3;
			lo = c == 0xF0 ? 0x90 : 0x80;
			hi = c == 0xF4 ? 0x8F : 0xBF;
		} else {
			return false;
		}
		for (size_t k = 1; k <= need; k++) {
			if (i + k >= n || s[i + k] < lo || s[i + k] > hi)
				return false;
			lo = 0x80;
			hi = 0xBF;
		}
		i += need + 1;
	}
	return true;
}

/* 1*max PRINTUSASCII (or "-") up to the next SP, into out; false if anything is off. */
static bool header_field(const char **p, const char *end, size_t max, char *out)
{
	size_t n = 0;

	while (*p < end && **p != ' ') {
		if (!printusascii((unsigned char)**p) || n == max)
			return false;
		out[n++] = *(*p)++;
	}
	out[n] = '\0';
	if (!n || *p == end)
		return false;
	(*p)++;		/* SP */
	return true;
}

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

static int num2(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/* FULL-DATE "T" FULL-TIME, with every range RFC 3339 gives. */
static bool valid_timestamp(const char *t)
{
	size_t n = strlen(t), i = 19;

	if (!strcmp(t, "-"))
		return true;
	if (n < 20 || !digits(t, 4) || t[4] != '-' || !digits(t + 5, 2) || t[7] != '-' ||
	    !digits(t + 8, 2) || t[10] != 'T' || !digits(t + 11, 2) || t[13] != ':' ||
	    !digits(t + 14, 2) || t[16] != ':' || !digits(t + 17, 2))
		return false;
	if (num2(t + 5) < 1 || num2(t + 5) > 12 || num2(t + 8) < 1 || num2(t + 8) > 31 ||
	    num2(t + 11) > 23 || num2(t + 14) > 59 || num2(t + 17) > 60)
		return false;
	if (t[i] == '.') {
		size_t k = 0;

		for (i++; is_digit(t[i]); i++)
			k++;
		if (k < 1 || k > 6)
			return false;
	}
	if (t[i] == 'Z')
		return t[i + 1] == '\0';
	return (t[i] == '+' || t[i] == '-') && digits(t + i + 1, 2) && t[i + 3] == ':' &&
	       digits(t + i + 4, 2) && t[i + 6] == '\0' && num2(t + i + 1) <= 23 &&
	       num2(t + i + 4) <= 59;
}

static bool sd_name(const char **p, const char *end, char *out)
{
	size_t n = 0;

	while (*p < end && printusascii((unsigned char)**p) && **p != '=' && **p != ']' &&
	       **p != '"') {
		if (n == 32)
			return false;
		out[n++] = *(*p)++;
	}
	out[n] = '\0';
	return n > 0;
}

/* PARAM-VALUE up to the closing quote, unescaped; an unescaped ']' is an error. */
static bool param_value(const char **p, const char *end, struct param *prm)
{
	char *v = malloc((size_t)(end - *p) + 1);
	size_t n = 0;

	assert_non_null(v);
	for (;;) {
		if (*p == end)
			goto bad;
		if (**p == '"')
			break;
		if (**p == ']')
			goto bad;
		if (**p == '\\' && *p + 1 < end &&
		    ((*p)[1] == '"' || (*p)[1] == '\\' || (*p)[1] == ']')) {
			v[n++] = (*p)[1];
			*p += 2;
			continue;
		}
		v[n++] = *(*p)++;	/* any other backslash is itself */
	}
	(*p)++;
	v[n] = '\0';
	if (!valid_utf8((const unsigned char *)v, n))
		goto bad;
	prm->value = v;
	prm->len = n;
	return true;
bad:
	free(v);
	return false;
}

static void msg_free(struct msg *m)
{
	for (size_t i = 0; i < m->nparams; i++)
		free(m->params[i].value);
	m->nparams = 0;
}

/* Parse s (n bytes) into m: NULL, or what is wrong (*at: its offset). */
static const char *parse_msg(const char *s, size_t n, struct msg *m, size_t *at)
{
	const char *p = s, *end = s + n, *start;
	char ver[4];

	memset(m, 0, sizeof(*m));
#define BAD(what) do { *at = (size_t)(p - s); return what; } while (0)
	/* PRI */
	if (p == end || *p++ != '<')
		BAD("PRI <");
	start = p;
	while (p < end && is_digit(*p) && p - start < 3)
		m->pri = m->pri * 10 + (*p++ - '0');
	if (p == start || p == end || *p != '>' || (p - start > 1 && *start == '0') ||
	    m->pri > 191)
		BAD("PRIVAL");
	p++;
	/* VERSION */
	start = p;
	while (p < end && is_digit(*p) && p - start < 3)
		p++;
	if (p == start || *start == '0' || p == end || *p != ' ')
		BAD("VERSION");
	memcpy(ver, start, (size_t)(p - start));
	ver[p - start] = '\0';
	m->version = atoi(ver);
	p++;
	if (!header_field(&p, end, 63, m->timestamp) || !valid_timestamp(m->timestamp))
		BAD("TIMESTAMP");
	if (!header_field(&p, end, 255, m->hostname))
		BAD("HOSTNAME");
	if (!header_field(&p, end, 48, m->app))
		BAD("APP-NAME");
	if (!header_field(&p, end, 128, m->procid))
		BAD("PROCID");
	if (!header_field(&p, end, 32, m->msgid))
		BAD("MSGID");
	/* STRUCTURED-DATA: this envelope always has exactly one element */
	if (p == end || *p++ != '[')
		BAD("SD-ELEMENT [");
	if (!sd_name(&p, end, m->sd_id))
		BAD("SD-ID");
	while (p < end && *p == ' ') {
		struct param *prm = &m->params[m->nparams];

		p++;
		if (m->nparams == MAX_PARAMS)
			BAD("too many params");
		if (!sd_name(&p, end, prm->name))
			BAD("PARAM-NAME");
		if (p + 1 >= end || p[0] != '=' || p[1] != '"')
			BAD("=\"");
		p += 2;
		if (!param_value(&p, end, prm))
			BAD("PARAM-VALUE");
		m->nparams++;
	}
	if (p == end || *p++ != ']')
		BAD("SD-ELEMENT ]");
	if (p < end && *p == '[')
		BAD("a second SD-ELEMENT");
	if (p == end)
		return NULL;
	if (*p++ != ' ')
		BAD("SP before MSG");
	m->body = p;
	m->body_len = (size_t)(end - p);
	return NULL;
#undef BAD
}

/* Parse, failing the test on any violation, naming where it is. */
static void parse(const char *s, size_t n, struct msg *m)
{
	size_t at = 0;
	const char *why = parse_msg(s, n, m, &at);

	if (why)
		fail_msg("not RFC 5424 (%s) at byte %zu: %.*s", why, at, (int)n, s);
}

static const struct param *param(const struct msg *m, const char *name)
{
	const struct param *found = NULL;

	for (size_t i = 0; i < m->nparams; i++) {
		if (strcmp(m->params[i].name, name))
			continue;
		if (found)
			fail_msg("param %s twice", name);
		found = &m->params[i];
	}
	return found;
}

static void assert_param(const struct msg *m, const char *name, const char *want)
{
	const struct param *p = param(m, name);

	if (!p)
		fail_msg("no param %s", name);
	if (p->len != strlen(want) || memcmp(p->value, want, p->len))
		fail_msg("%s=\"%s\", want \"%s\"", name, p->value, want);
}

static void assert_no_param(const struct msg *m, const char *name)
{
	const struct param *p = param(m, name);

	if (p)
		fail_msg("param %s=\"%s\" present", name, p->value);
}

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
				 .category = "process", .type = "start", .action = "exec",
				 .proc = &fx->proc, .parent = &fx->parent, .rule = &fx->rule };
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
	fx->ev.category = NULL;
	assert_string_equal(format(fx)->msgid, "-");
	fx->ev = (struct event){ .time_ns = 1700000000000000000ULL, .kind = EVENT_KIND_STATE,
				 .category = "configuration", .type = "change",
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
	fx->ev.category = "package";
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
		T(test_parser_rejects_bad_messages),
		T(test_appends),
		T(test_long_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

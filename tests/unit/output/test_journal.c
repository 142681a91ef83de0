// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for user/journal.c: the records journal__format builds are decoded here
 * (a 32-bit host-order length, then NAME=value) and checked field by field against the
 * event, every name against journald's rules; journald__send is only fed malformed records
 * (no journald here, and none should be written to from a unit test).
 */
#include <errno.h>
#include <stdio.h>

#include "unit.h"

#include "lib/buf.h"
#include "rules/fields.h"
#include "output/journal.h"
#include "rules/rules.h"
#include "transport/journald.h"

#define UNSET ((uint32_t)-1)
#define HOST_ID "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
#define ARGS "kesl-control\0--start-task\0with\nnewline\0"

struct jfield {
	char name[80];
	const char *value;	/* into the record */
	size_t len;
};

struct jrec {
	struct jfield *f;
	size_t n;
};

/* Decode a whole record; any framing error fails the test. */
static void decode(const char *rec, size_t len, struct jrec *r)
{
	size_t off = 0, cap = 0;

	r->f = NULL;
	r->n = 0;
	while (off < len) {
		uint32_t flen;
		const char *eq;
		struct jfield *f;

		if (len - off < sizeof(flen))
			fail_msg("record ends inside a length at %zu", off);
		memcpy(&flen, rec + off, sizeof(flen));
		off += sizeof(flen);
		if (flen > len - off)
			fail_msg("field of %u bytes at %zu runs past the end (%zu)", flen, off, len);
		eq = memchr(rec + off, '=', flen);
		if (!eq)
			fail_msg("field at %zu has no '='", off);
		if (r->n == cap) {
			cap = cap ? cap * 2 : 64;
			r->f = realloc(r->f, cap * sizeof(*r->f));
			assert_non_null(r->f);
		}
		f = &r->f[r->n++];
		if ((size_t)(eq - (rec + off)) >= sizeof(f->name))
			fail_msg("a name of %zu bytes", (size_t)(eq - (rec + off)));
		memcpy(f->name, rec + off, (size_t)(eq - (rec + off)));
		f->name[eq - (rec + off)] = '\0';
		f->value = eq + 1;
		f->len = flen - (size_t)(eq + 1 - (rec + off));
		off += flen;
	}
}

/* journald's rule for a field an application may set (journal_field_valid()). */
static bool valid_journal_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || s[0] == '_' || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

static size_t count(const struct jrec *r, const char *name)
{
	size_t c = 0;

	for (size_t i = 0; i < r->n; i++)
		c += !strcmp(r->f[i].name, name);
	return c;
}

static const struct jfield *get(const struct jrec *r, const char *name, size_t nth)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->f[i].name, name) && !nth--)
			return &r->f[i];
	return NULL;
}

static void assert_field_bytes(const struct jrec *r, const char *name, const char *want,
			       size_t len)
{
	const struct jfield *f = get(r, name, 0);

	if (!f)
		fail_msg("no %s", name);
	if (count(r, name) != 1)
		fail_msg("%s %zu times", name, count(r, name));
	if (f->len != len || memcmp(f->value, want, len))
		fail_msg("%s=%.*s, want %.*s", name, (int)f->len, f->value, (int)len, want);
}

#define assert_field(r, name, want) assert_field_bytes(r, name, want, strlen(want))

static void assert_no_field(const struct jrec *r, const char *name)
{
	if (count(r, name))
		fail_msg("%s present", name);
}

/* The journal name the header promises: upper case, every other byte '_'. */
static void journal_name_of(const char *ecs, char *out)
{
	size_t i;

	for (i = 0; ecs[i]; i++) {
		char c = ecs[i];

		out[i] = c >= 'a' && c <= 'z' ? (char)(c - 32)
			 : (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ? c : '_';
	}
	out[i] = '\0';
}

/* ---- fixture ---- */

struct fixture {
	struct host host;
	struct event_env env;
	struct proc proc, parent;
	struct rule rule;
	struct event ev;
	struct buf b;
	struct jrec r;
	char *owned;		/* freed by teardown, even after a failed assertion */
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	strcpy(fx->host.name, "desk-07");
	strcpy(fx->host.id, HOST_ID);
	strcpy(fx->host.kernel, "6.1.0-18-amd64");
	strcpy(fx->host.arch, "x86_64");
	fx->env = (struct event_env){ .host = &fx->host, .users = users__new() };
	fx->proc = (struct proc){
		.pid = 4242, .ppid = 77, .uid = 0, .loginuid = UNSET, .sessionid = UNSET,
		.comm = "kesl-control", .exe = "/opt/kaspersky/kesl/bin/kesl-control",
		.cwd = "/root", .args = ARGS, .args_len = sizeof(ARGS) - 1, .argc = 3,
		.entity_id = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	fx->parent = (struct proc){ .pid = 77, .ppid = 1, .loginuid = UNSET, .sessionid = UNSET,
				    .comm = "bash", .exe = "/usr/bin/bash",
				    .args = "bash\0", .args_len = 5, .argc = 1 };
	fx->rule = (struct rule){ .id = "kaspersky-endpoint", .name = "Kaspersky Endpoint",
				  .severity = SEV_CRITICAL, .vendor = "Kaspersky" };
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

	free(fx->r.f);
	free(fx->owned);
	buf__free(&fx->b);
	users__free(fx->env.users);
	free(fx);
	return 0;
}

static struct jrec *format_body(struct fixture *fx, const char *body, size_t len)
{
	free(fx->r.f);
	buf__reset(&fx->b);
	journal__format(&fx->b, &fx->ev, &fx->env, body, len);
	assert_int_equal(buf__error(&fx->b), 0);
	decode(fx->b.p, fx->b.len, &fx->r);
	return &fx->r;
}

static struct jrec *format(struct fixture *fx)
{
	return format_body(fx, S("the record"));
}

/* ---- tests ---- */

static void test_standard_fields(void **state)
{
	struct fixture *fx = *state;
	struct jrec *r = format(fx);

	assert_string_equal(r->f[0].name, "MESSAGE");
	assert_field(r, "MESSAGE", "the record");
	assert_field(r, "PRIORITY", "2");		/* critical -> crit */
	assert_field(r, "SYSLOG_FACILITY", "10");	/* authpriv */
	assert_field(r, "SYSLOG_IDENTIFIER", "embargo");
	fx->rule.severity = SEV_LOW;
	assert_field(format(fx), "PRIORITY", "5");
	fx->ev.kind = EVENT_KIND_EVENT;
	fx->ev.rule = NULL;
	assert_field(format(fx), "PRIORITY", "6");
}

static void test_ecs_field_names(void **state)
{
	struct fixture *fx = *state;
	struct jrec *r = format(fx);

	assert_field(r, "PROCESS_PID", "4242");
	assert_field(r, "PROCESS_PARENT_PID", "77");
	assert_field(r, "PROCESS_EXECUTABLE", "/opt/kaspersky/kesl/bin/kesl-control");
	assert_field(r, "PROCESS_PARENT_EXECUTABLE", "/usr/bin/bash");
	assert_field(r, "PROCESS_WORKING_DIRECTORY", "/root");
	assert_field(r, "RULE_ID", "kaspersky-endpoint");
	assert_field(r, "RULE_RULESET", "Kaspersky");
	assert_field(r, "EMBARGO_RULE_SEVERITY", "critical");
	assert_field(r, "EVENT_KIND", "alert");
	assert_field(r, "EVENT_ACTION", "exec");
	assert_field(r, "HOST_ID", HOST_ID);
	assert_field(r, "HOST_NAME", "desk-07");
	assert_field(r, "PROCESS_ENTITY_ID", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_field(r, "USER_ID", "0");
	assert_field(r, "USER_NAME", "root");
	assert_field(r, "PROCESS_ARGS_COUNT", "3");
	/* @timestamp is the entry's own time: not a field */
	for (size_t i = 0; i < r->n; i++)
		assert_null(strstr(r->f[i].name, "TIMESTAMP"));
	/* absent things are absent, not empty */
	assert_no_field(r, "PACKAGE_NAME");
	assert_no_field(r, "FILE_PATH");
	assert_no_field(r, "EMBARGO_ALERT_COUNT");
}

static void test_run_and_sequence_fields(void **state)
{
	struct fixture *fx = *state;
	struct jrec *r;

	strcpy(fx->host.run_id, "0e1f5f7a-7b0c-4e43-9f6c-1b9d6e4b6a11-1700000000123456789");
	fx->host.run_start_ns = 1700000000123456789ULL;
	fx->ev.sequence = 42;
	r = format(fx);
	assert_field(r, "EMBARGO_RUN_ID", "0e1f5f7a-7b0c-4e43-9f6c-1b9d6e4b6a11-1700000000123456789");
	assert_field(r, "EMBARGO_RUN_START", "2023-11-14T22:13:20.123Z");
	assert_field(r, "EMBARGO_SEQUENCE", "42");
}

/* Every field the event has is there under its mapped name, and every name is valid. */
static void test_every_field_mapped(void **state)
{
	struct fixture *fx = *state;
	size_t n;
	const struct field_def *all = fields__all(&n);
	struct jrec *r = format(fx);

	for (size_t i = 0; i < r->n; i++)
		if (!valid_journal_name(r->f[i].name))
			fail_msg("'%s' is not a valid journal field name", r->f[i].name);
	for (size_t i = 0; i < n; i++) {
		struct field_value v;
		char name[128];

		if (all[i].name[0] == '@' || !strcmp(all[i].name, "message") ||
		    !fields__get(&all[i], &fx->ev, &fx->env, &v))
			continue;
		fields__release(&v);
		journal_name_of(all[i].name, name);
		if (strlen(name) <= 64 && !count(r, name))
			fail_msg("%s (%s) missing", all[i].name, name);
	}
}

/* No two ECS fields share a journal name: a lookup by name would mix them up. */
static void test_names_unique(void **state)
{
	size_t n;
	const struct field_def *all = fields__all(&n);
	char a[128], b[128];

	(void)state;
	for (size_t i = 0; i < n; i++) {
		journal_name_of(all[i].name, a);
		if (!strcmp(a, "MESSAGE") || !strcmp(a, "PRIORITY") ||
		    !strcmp(a, "SYSLOG_FACILITY") || !strcmp(a, "SYSLOG_IDENTIFIER"))
			if (strcmp(all[i].name, "message"))
				fail_msg("%s would clash with journald's %s", all[i].name, a);
		for (size_t j = i + 1; j < n; j++) {
			journal_name_of(all[j].name, b);
			if (!strcmp(a, b))
				fail_msg("%s and %s are both %s", all[i].name, all[j].name, a);
		}
	}
}

/* A list is one field per element, in order; the message field is MESSAGE only. */
static void test_lists_repeated(void **state)
{
	struct fixture *fx = *state;
	struct jrec *r = format(fx);

	assert_int_equal(count(r, "PROCESS_ARGS"), 3);
	assert_memory_equal(get(r, "PROCESS_ARGS", 0)->value, "kesl-control", 12);
	assert_int_equal(get(r, "PROCESS_ARGS", 0)->len, 12);
	assert_int_equal(get(r, "PROCESS_ARGS", 1)->len, 12);
	assert_memory_equal(get(r, "PROCESS_ARGS", 1)->value, "--start-task", 12);
	assert_int_equal(get(r, "PROCESS_ARGS", 2)->len, 12);
	assert_memory_equal(get(r, "PROCESS_ARGS", 2)->value, "with\nnewline", 12);
	assert_int_equal(count(r, "PROCESS_PARENT_ARGS"), 1);
	assert_int_equal(count(r, "EVENT_CATEGORY"), 1);
	assert_field(r, "EVENT_CATEGORY", "process");
	/* a state record's message is the MESSAGE, not a second one */
	fx->ev = (struct event){ .time_ns = 1700000000000000000ULL, .kind = EVENT_KIND_STATE,
				 .category = EVENT_CATEGORY_CONFIGURATION, .type = "change",
				 .action = "output-down", .outcome = "failure",
				 .message = "output x is down", .error = "refused" };
	r = format_body(fx, S("body"));
	assert_field(r, "MESSAGE", "body");
	assert_field(r, "ERROR_MESSAGE", "refused");
	assert_field(r, "EVENT_OUTCOME", "failure");
	assert_field(r, "PRIORITY", "4");
}

/* Values are bytes: newlines, NULs, invalid UTF-8 reach journald exactly as they are. */
static void test_binary_values_kept(void **state)
{
	struct fixture *fx = *state;
	static const char exe[] = "/tmp/a\nb\x1b[31m\xff\xfe=c";
	static const char body[] = "line1\nline2\n\0after-nul\xff";
	struct jrec *r;

	fx->proc.exe = (char *)exe;
	r = format_body(fx, body, sizeof(body) - 1);
	assert_field_bytes(r, "MESSAGE", body, sizeof(body) - 1);
	assert_field_bytes(r, "PROCESS_EXECUTABLE", exe, sizeof(exe) - 1);
}

static void test_empty_body(void **state)
{
	struct fixture *fx = *state;

	assert_field_bytes(format_body(fx, "", 0), "MESSAGE", "", 0);
}

/* journald takes at most 1024 fields per entry: an argv of 2000 must not make more. */
static void test_field_count_capped(void **state)
{
	struct fixture *fx = *state;
	size_t nargs = 2000, len = 0;
	char *args = fx->owned = malloc(nargs * 8);
	struct jrec *r;

	assert_non_null(args);
	for (size_t i = 0; i < nargs; i++)
		len += (size_t)sprintf(args + len, "a%zu", i) + 1;
	fx->proc.args = args;
	fx->proc.args_len = len;
	fx->proc.argc = (uint32_t)nargs;
	r = format(fx);
	if (r->n > 1024)
		fail_msg("%zu fields: journald refuses the entry, and journald__send calls such a "
			 "record malformed (-EINVAL) forever", r->n);
	/* what matters most is still there */
	assert_field(r, "MESSAGE", "the record");
	assert_field(r, "PRIORITY", "2");
	assert_field(r, "RULE_ID", "kaspersky-endpoint");
}

/* Appends after what the buffer holds, and the record decodes from there. */
static void test_appends(void **state)
{
	struct fixture *fx = *state;
	struct jrec r;

	buf__reset(&fx->b);
	buf__put(&fx->b, S("HEAD"));
	journal__format(&fx->b, &fx->ev, &fx->env, S("m"));
	assert_memory_equal(fx->b.p, "HEAD", 4);
	decode(fx->b.p + 4, fx->b.len - 4, &r);
	assert_field(&r, "MESSAGE", "m");
	free(r.f);
}

/* ---- journald__send refuses what is not a record, before sending anything ---- */

static void put_u32(char *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void test_send_malformed(void **state)
{
	char rec[64] = "";

	(void)state;
	/* nothing at all */
	assert_int_equal(journald__send(rec, 0), -EINVAL);
	/* a length cut short */
	put_u32(rec, 9);
	assert_int_equal(journald__send(rec, 3), -EINVAL);
	/* a length past the end */
	memcpy(rec + 4, "MESSAGE=x", 9);
	assert_int_equal(journald__send(rec, 4 + 8), -EINVAL);
	put_u32(rec, 100);
	assert_int_equal(journald__send(rec, 4 + 9), -EINVAL);
	/* a good field followed by garbage shorter than a length */
	put_u32(rec, 9);
	memcpy(rec + 13, "\x01\x02", 2);
	assert_int_equal(journald__send(rec, 15), -EINVAL);
	/* a field without '=' */
	put_u32(rec, 7);
	memcpy(rec + 4, "MESSAGE", 7);
	assert_int_equal(journald__send(rec, 11), -EINVAL);
	/* a field with an empty name */
	put_u32(rec, 2);
	memcpy(rec + 4, "=x", 2);
	assert_int_equal(journald__send(rec, 6), -EINVAL);
	/* an empty field */
	put_u32(rec, 0);
	assert_int_equal(journald__send(rec, 4), -EINVAL);
}

/* More fields than journald takes is malformed too (and refused without sending). */
static void test_send_too_many_fields(void **state)
{
	size_t n = 1025, len = n * (4 + 3);
	char *rec = malloc(len);

	(void)state;
	assert_non_null(rec);
	for (size_t i = 0; i < n; i++) {
		put_u32(rec + i * 7, 3);
		memcpy(rec + i * 7 + 4, "A=b", 3);
	}
	assert_int_equal(journald__send(rec, len), -EINVAL);
	free(rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_standard_fields),
		T(test_ecs_field_names),
		T(test_every_field_mapped),
		T(test_run_and_sequence_fields),
		cmocka_unit_test(test_names_unique),
		T(test_lists_repeated),
		T(test_binary_values_kept),
		T(test_empty_body),
		T(test_field_count_capped),
		T(test_appends),
		cmocka_unit_test(test_send_malformed),
		cmocka_unit_test(test_send_too_many_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

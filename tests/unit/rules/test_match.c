// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for user/match.c: rules loaded from YAML against a hand-made event (a process,
 * its parent, the host), what matches, why, and what the exact-value index spares.
 */
#include <fnmatch.h>

#include "rules_fixture.h"

#include "rules/match.h"

#define UNSET ((uint32_t)-1)
#define KESL "/opt/kaspersky/kesl/bin/kesl"
#define KESL_ARGS "kesl\0--start\0/etc/kesl.conf\0"
#define INIT_ARGS "/sbin/init\0"

struct hit {
	const char *id;
	char why[512];
	size_t why_len;
};

struct fixture {
	struct host host;
	struct event_env env;
	struct proc proc, parent;
	struct event ev;
	struct ruleset *rs;
	struct matcher *m;
	struct hit hits[16];
	size_t nhits;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	strcpy(fx->host.name, "box");
	fx->env = (struct event_env){ .host = &fx->host, .users = users__new() };
	fx->proc = (struct proc){
		.pid = 42, .ppid = 1, .loginuid = UNSET, .sessionid = UNSET, .comm = "kesl",
		.exe = KESL, .cwd = "/", .args = KESL_ARGS, .args_len = sizeof(KESL_ARGS) - 1,
		.argc = 3, .entity_id = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	fx->parent = (struct proc){
		.pid = 1, .loginuid = UNSET, .sessionid = UNSET, .comm = "systemd",
		.exe = "/usr/lib/systemd/systemd", .args = INIT_ARGS,
		.args_len = sizeof(INIT_ARGS) - 1, .argc = 1,
	};
	fx->ev = (struct event){ .time_ns = 1700000000123456789ULL,
				 .category = EVENT_CATEGORY_PROCESS, .type = "start",
				 .action = "exec", .proc = &fx->proc, .parent = &fx->parent };
	*state = fx;
	return fx->env.users ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	match__free(fx->m);
	rules__free(fx->rs);
	users__free(fx->env.users);
	free(fx);
	return 0;
}

static void use_rules_len(struct fixture *fx, const char *yaml, size_t len)
{
	fx->rs = load_ok(yaml, len);
	fx->m = match__new(fx->rs);
	assert_non_null(fx->m);
}

#define use_rules(fx, rules) use_rules_len(fx, S(HEAD rules))

static void on_match(void *ctx, const struct rule *r, const char *why, size_t why_len)
{
	struct fixture *fx = ctx;
	struct hit *h;

	assert_true(fx->nhits < ARRAY_SIZE(fx->hits));
	h = &fx->hits[fx->nhits++];
	assert_true(why_len <= sizeof(h->why));
	h->id = r->id;
	memcpy(h->why, why, why_len);
	h->why_len = why_len;
}

/* Match the event: the ids of the rules that matched, in callback order. */
static const char *run(struct fixture *fx, unsigned int on)
{
	static char ids[256];
	char *p = ids;
	int n;

	fx->nhits = 0;
	n = match__event(fx->m, on, MATCH_ALL_RULES, &fx->ev, &fx->env, on_match, fx);
	assert_int_equal(n, fx->nhits);
	*p = '\0';
	for (size_t i = 0; i < fx->nhits; i++)
		p += sprintf(p, "%s%s", i ? " " : "", fx->hits[i].id);
	return ids;
}

/* How many rules matching the event evaluated. */
static uint64_t evaluated(struct fixture *fx, unsigned int on)
{
	uint64_t before = match__stats(fx->m)->evaluated;

	run(fx, on);
	return match__stats(fx->m)->evaluated - before;
}

static void check_why(const struct hit *h, const char *want, size_t len)
{
	if (h->why_len != len || memcmp(h->why, want, len)) {
		for (const char *p = h->why; p < h->why + h->why_len; p += strlen(p) + 1)
			print_error("why: %s\n", p);
		fail_msg("%s: %zu bytes of reasons, want %zu", h->id, h->why_len, len);
	}
}

/* Each reason with the NUL after it: assert_why(fx, 0, "a == \"b\"\0"). */
#define assert_why(fx, i, lit) check_why(&(fx)->hits[i], lit, sizeof(lit) - 1)

/* ---- patterns and values ---- */

static void test_exact_name(void **state)
{
	struct fixture *fx = *state;

	use_rules(fx, RULE("r1", "{process.name: kesl}") RULE("r2", "{process.name: kes}")
		      RULE("r3", "{process.name: KESL}") RULE("r4", "{process.name: kesl-gui}"));
	assert_string_equal(run(fx, ON_PROCESS), "r1");
	assert_why(fx, 0, "process.name == \"kesl\"\0");
}

static void test_exact_executable(void **state)
{
	struct fixture *fx = *state;

	use_rules(fx, RULE("r1", "{process.executable: " KESL "}")
		      RULE("r2", "{process.executable: /opt/kaspersky/kesl/bin}"));
	assert_string_equal(run(fx, ON_PROCESS), "r1");
	assert_why(fx, 0, "process.executable == \"" KESL "\"\0");
}

static void test_glob_star_crosses_slash(void **state)
{
	struct fixture *fx = *state;

	use_rules(fx, RULE("r1", "{process.executable: '/opt/kaspersky/*'}")
		      RULE("r2", "{process.executable: '/opt/*/kesl'}")
		      RULE("r3", "{process.executable: '/opt/kaspersky/*/x'}")
		      RULE("r4", "{process.executable: '*'}"));
	assert_string_equal(run(fx, ON_PROCESS), "r1 r2 r4");
	assert_why(fx, 0, "process.executable ~ \"/opt/kaspersky/*\" (\"" KESL "\")\0");
}

static void test_glob_question_and_bracket(void **state)
{
	struct fixture *fx = *state;

	use_rules(fx, RULE("r1", "{process.name: 'kes?'}") RULE("r2", "{process.name: 'k[a-f]sl'}")
		      RULE("r3", "{process.name: 'k[!e]sl'}") RULE("r4", "{process.name: 'kesl?'}")
		      RULE("r5", "{process.name: '[kK]esl'}"));
	assert_string_equal(run(fx, ON_PROCESS), "r1 r2 r5");
	assert_why(fx, 0, "process.name ~ \"kes?\" (\"kesl\")\0");
}

static void test_nocase_exact(void **state)
{
	struct fixture *fx = *state;

	fx->proc.exe = "/opt/kaspersky/kesl/bin/KESL";
	use_rules(fx, RULE("r1", "{process.name|i: kesl}") RULE("r2", "{process.name: kesl}")
		      RULE("r3", "{process.name|i: kes}"));
	assert_string_equal(run(fx, ON_PROCESS), "r1");
	assert_why(fx, 0, "process.name|i == \"KESL\"\0");
}

static void test_nocase_glob(void **state)
{
	struct fixture *fx = *state;

	use_rules(fx, RULE("r1", "{process.executable|i: '/OPT/KASPERSKY/*'}")
		      RULE("r2", "{process.executable: '/OPT/KASPERSKY/*'}"));
	assert_string_equal(run(fx, ON_PROCESS), "r1");
	assert_why(fx, 0, "process.executable|i ~ \"/OPT/KASPERSKY/*\" (\"" KESL "\")\0");
}

static void test_pattern_list_is_any(void **state)
{
	struct fixture *fx = *state;

	use_rules(fx, RULE("r1", "{process.name: [a, kesl, b]}")
		      RULE("r2", "{process.name: [a, b]}")
		      RULE("r3", "{process.name: [zzz, 'ke*']}"));
	assert_string_equal(run(fx, ON_PROCESS), "r1 r3");
	assert_why(fx, 0, "process.name == \"kesl\"\0");
	assert_why(fx, 1, "process.name ~ \"ke*\" (\"kesl\")\0");
}

/* Each argument on its own, never the joined line (that is process.command_line). */
static void test_args_match_one_element(void **state)
{
	struct fixture *fx = *state;

	use_rules(fx, RULE("r1", "{process.args: --start}")
		      RULE("r2", "{process.args: 'kesl --start'}")
		      RULE("r3", "{process.args: '*kesl --start*'}")
		      RULE("r4", "{process.args: '*.conf'}")
		      RULE("r5", "{process.command_line: 'kesl --start /etc/kesl.conf'}")
		      RULE("r6", "{process.args: kesl}"));
	assert_string_equal(run(fx, ON_PROCESS), "r1 r4 r5 r6");
	assert_why(fx, 0, "process.args == \"--start\"\0");
	assert_why(fx, 1, "process.args ~ \"*.conf\" (\"/etc/kesl.conf\")\0");
	assert_why(fx, 2, "process.command_line == \"kesl --start /etc/kesl.conf\"\0");
}

static void test_numbers_as_decimal(void **state)
{
	struct fixture *fx = *state;

	use_rules(fx, RULE("r1", "{process.pid: '42'}") RULE("r2", "{process.pid: '042'}")
		      RULE("r3", "{process.pid: '4*'}") RULE("r4", "{process.parent.pid: 1}")
		      RULE("r5", "{process.args_count: 3}"));
	assert_string_equal(run(fx, ON_PROCESS), "r1 r3 r4 r5");
	assert_why(fx, 0, "process.pid == \"42\"\0");
}

static void test_booleans_as_text(void **state)
{
	struct fixture *fx = *state;

	use_rules(fx, RULE("yes", "{process.interactive: 'true'}")
		      RULE("no", "{process.interactive: false}"));
	assert_string_equal(run(fx, ON_PROCESS), "no");
	assert_why(fx, 0, "process.interactive == \"false\"\0");
	fx->proc.tty_major = 136;
	assert_string_equal(run(fx, ON_PROCESS), "yes");
}

static void test_dates_as_rfc3339(void **state)
{
	struct fixture *fx = *state;

	use_rules(fx, RULE("r1", "{'@timestamp': '2023-11-14T22:13:20.123Z'}")
		      RULE("r2", "{'@timestamp': '2023-11-14T*'}")
		      RULE("r3", "{'@timestamp': '1700000000123456789'}"));
	assert_string_equal(run(fx, ON_PROCESS), "r1 r2");
}

/* ---- conditions ---- */

static void test_all_any_not_nesting(void **state)
{
	struct fixture *fx = *state;

	use_rules(fx, RULE("r1", "{all: [{process.name: kesl}, {any: [{process.pid: '1'}, "
			   "{process.pid: '42'}]}, {not: {process.executable: '/usr/*'}}]}")
		      RULE("r2", "{all: [{process.name: kesl}, "
			   "{not: {process.executable: '/opt/*'}}]}")
		      RULE("r3", "{any: [{not: {process.name: kesl}}, {all: [{process.pid: '42'}, "
			   "{any: [{process.pid: '1'}, {process.name: x}]}]}]}")
		      RULE("r4", "{process.name: kesl, "
			   "not: [{process.pid: '1'}, {process.pid: '2'}]}"));
	assert_string_equal(run(fx, ON_PROCESS), "r1 r4");
	assert_why(fx, 0, "process.name == \"kesl\"\0process.pid == \"42\"\0"
		   "not process.executable: none of 1 pattern(s)\0");
	assert_why(fx, 1, "process.name == \"kesl\"\0not: the conditions at line 6 do not hold\0");
}

/* A failed branch of an any: or all: leaves no reason behind; nor does a not: that failed. */
static void test_why_only_from_conditions_that_held(void **state)
{
	struct fixture *fx = *state;

	use_rules(fx, RULE("r1", "{any: [{all: [{process.name: kesl}, {process.pid: '1'}]}, "
			   "{process.executable: '/opt/kaspersky/*'}]}")
		      RULE("r2", "{any: [{not: {process.name: kesl}}, {process.pid: '42'}]}")
		      RULE("r3", "{any: [{any: [{all: [{process.pid: '42'}, {process.name: x}]}]}, "
			   "{all: [{process.pid: '42'}, {process.name: kesl}]}]}"));
	assert_string_equal(run(fx, ON_PROCESS), "r1 r2 r3");
	assert_why(fx, 0, "process.executable ~ \"/opt/kaspersky/*\" (\"" KESL "\")\0");
	assert_why(fx, 1, "process.pid == \"42\"\0");
	assert_why(fx, 2, "process.pid == \"42\"\0process.name == \"kesl\"\0");
}

static void test_why_of_not(void **state)
{
	struct fixture *fx = *state;

	use_rules(fx, RULE("r1", "{not: {process.name: [a, b]}}")
		      RULE("r2", "{not: {process.name|i: A}}")
		      RULE("r3", "{not: [{process.name: a}, {process.pid: '1'}]}")
		      RULE("r4", "{not: {process.name: a, process.pid: '1'}}"));
	assert_string_equal(run(fx, ON_PROCESS), "r1 r2 r3 r4");
	assert_why(fx, 0, "not process.name: none of 2 pattern(s)\0");
	assert_why(fx, 1, "not process.name|i: none of 1 pattern(s)\0");
	assert_why(fx, 2, "not: the conditions at line 5 do not hold\0");
	assert_why(fx, 3, "not: the conditions at line 6 do not hold\0");
}

/* No parent known, no hash, no filename: never matched, even by '*'; not: of them holds. */
static void test_absent_field_never_matches(void **state)
{
	struct fixture *fx = *state;

	fx->ev.parent = NULL;
	use_rules(fx, RULE("r1", "{process.parent.name: '*'}") RULE("r2", "{process.parent.pid: 1}")
		      RULE("r3", "{process.hash.sha256: '*'}")
		      RULE("r4", "{embargo.process.filename: '*'}")
		      RULE("r5", "{not: {process.parent.name: systemd}}"));
	assert_string_equal(run(fx, ON_PROCESS), "r5");
	assert_why(fx, 0, "not process.parent.name: none of 1 pattern(s)\0");
	fx->ev.parent = &fx->parent;
	assert_string_equal(run(fx, ON_PROCESS), "r1 r2");
}

/* ---- which rules are tried ---- */

static void test_disabled_rules_never_match(void **state)
{
	struct fixture *fx = *state;

	use_rules(fx, RULE_X("r1", ", enabled: false", "{process.name: kesl}")
		      RULE_X("r2", ", enabled: false", "{process.name: 'k*'}")
		      RULE("r3", "{process.name: kesl}"));
	assert_int_equal(match__unindexed(fx->m), 0);
	assert_int_equal(evaluated(fx, ON_PROCESS), 1);
	assert_string_equal(run(fx, ON_PROCESS), "r3");
}

static void test_on_filters_event_kind(void **state)
{
	struct package_info pkg = { "kesl", "12.0", "deb", "amd64" };
	struct fixture *fx = *state;

	use_rules(fx, RULE_X("pkg", ", on: [package]", "{package.name: kesl}")
		      RULE_X("pkgglob", ", on: package", "{package.name: 'k*'}")
		      RULE_X("both", ", on: [process, package]", "{process.name: kesl}")
		      RULE("proc", "{process.name: kesl}")
		      RULE_X("file", ", on: [file]", "{process.name: kesl}"));
	assert_int_equal(evaluated(fx, ON_PROCESS), 2);
	assert_string_equal(run(fx, ON_PROCESS), "both proc");
	fx->ev.package = &pkg;
	assert_int_equal(evaluated(fx, ON_PACKAGE), 3);
	assert_string_equal(run(fx, ON_PACKAGE), "pkg pkgglob both");
	assert_string_equal(run(fx, ON_FILE), "file");
}

/* Indexed and unindexed rules interleaved: the callbacks come in load order. */
static void test_matches_in_load_order(void **state)
{
	struct fixture *fx = *state;

	use_rules(fx, RULE("a", "{process.name: 'k*'}") RULE("b", "{process.name: kesl}")
		      RULE("c", "{not: {process.name: x}}")
		      RULE("d", "{process.executable: " KESL "}")
		      RULE("e", "{process.name: kesl}"));
	assert_string_equal(run(fx, ON_PROCESS), "a b c d e");
	assert_int_equal(match__stats(fx->m)->matched, 5);
	assert_int_equal(match__stats(fx->m)->events, 1);
}

/* Values are read again for each event: nothing of the last one is kept. */
static void test_each_event_read_afresh(void **state)
{
	struct fixture *fx = *state;

	use_rules(fx, RULE("kesl", "{process.name: kesl}") RULE("sh", "{process.name: sh}")
		      RULE("cl", "{process.command_line: 'sh -c x'}"));
	assert_string_equal(run(fx, ON_PROCESS), "kesl");
	fx->proc.exe = "/bin/sh", fx->proc.args = "sh\0-c\0x\0", fx->proc.args_len = 8;
	assert_string_equal(run(fx, ON_PROCESS), "sh cl");
	assert_int_equal(match__stats(fx->m)->events, 2);
	assert_int_equal(match__stats(fx->m)->matched, 3);
}

/* ---- the index ---- */

/* Only a root that implies no exact value is tried for every event. */
static void test_unindexed_counts_roots(void **state)
{
	struct fixture *fx = *state;

	use_rules(fx, RULE("exact", "{process.name: a}") RULE("all1", "{all: [{process.name: b}]}")
		      RULE("allmix", "{all: [{process.name: 'g*'}, {process.name: c}]}")
		      RULE("anyexact", "{any: [{process.name: d}, {process.pid: '7'}]}")
		      RULE("and", "{process.name: e, process.pid: '8'}")
		      RULE("glob", "{process.name: 'g*'}")
		      RULE("not", "{not: {process.name: e}}")
		      RULE("anyglob", "{any: [{process.name: 'g*'}]}")
		      RULE("anymix", "{any: [{process.name: f}, {process.name: 'g*'}]}")
		      RULE("mixlist", "{process.name: [h, 'g*']}")
		      RULE_X("off", ", enabled: false", "{process.name: 'g*'}"));
	assert_int_equal(match__unindexed(fx->m), 5);
	fx->proc.exe = "/bin/zzz";
	assert_int_equal(evaluated(fx, ON_PROCESS), 5);
	fx->proc.exe = "/bin/c";	/* allmix too */
	assert_int_equal(evaluated(fx, ON_PROCESS), 6);
	fx->proc.pid = 7;		/* anyexact by its second value */
	assert_int_equal(evaluated(fx, ON_PROCESS), 7);
}

#define NEXACT 10000

/* NEXACT exact-name rules (two per name), 3 globs, and a case-insensitive pair. */
static void use_many_rules(struct fixture *fx)
{
	size_t cap = 100 * (NEXACT + 10);
	char *yaml = malloc(cap), *p = yaml;

	assert_non_null(yaml);
	p += sprintf(p, HEAD);
	for (int i = 0; i < NEXACT; i++)
		p += sprintf(p, RULE("r%05d", "{process.name: n%04d}"), i, i, i % (NEXACT / 2));
	p += sprintf(p, RULE("g1", "{process.executable: '/usr/bin/n42*'}")
		     RULE("g2", "{process.name: 'zz*'}") RULE("g3", "{not: {process.pid: '1'}}")
		     RULE("ci", "{process.name|i: MiXeD}") RULE("cs", "{process.name: MiXeD}"));
	assert_true((size_t)(p - yaml) < cap);
	use_rules_len(fx, yaml, (size_t)(p - yaml));
	free(yaml);
	assert_int_equal(fx->rs->nrules, NEXACT + 5);
	assert_int_equal(match__unindexed(fx->m), 3);
}

/* The rules with the event's name and the 3 unindexed ones: not 10,000. */
static void test_index_cost_independent_of_rule_count(void **state)
{
	struct fixture *fx = *state;

	use_many_rules(fx);
	fx->proc.exe = "/usr/bin/n4242";
	assert_int_equal(evaluated(fx, ON_PROCESS), 2 + 3);
	assert_string_equal(run(fx, ON_PROCESS), "r04242 r09242 g1 g3");
	fx->proc.exe = "/usr/bin/other";
	assert_int_equal(evaluated(fx, ON_PROCESS), 3);
	assert_string_equal(run(fx, ON_PROCESS), "g3");
	assert_int_equal(match__stats(fx->m)->events, 4);
}

static void test_index_nocase_value_in_other_case(void **state)
{
	struct fixture *fx = *state;

	use_many_rules(fx);
	fx->proc.exe = "/usr/bin/mixed";
	assert_int_equal(evaluated(fx, ON_PROCESS), 1 + 3);
	assert_string_equal(run(fx, ON_PROCESS), "g3 ci");
	assert_why(fx, 1, "process.name|i == \"mixed\"\0");
	fx->proc.exe = "/usr/bin/MIXED";
	assert_int_equal(evaluated(fx, ON_PROCESS), 1 + 3);
	fx->proc.exe = "/usr/bin/MiXeD";
	assert_int_equal(evaluated(fx, ON_PROCESS), 2 + 3);
	assert_string_equal(run(fx, ON_PROCESS), "g3 ci cs");
}

/* The fast kinds (prefix, suffix, contains) must agree with fnmatch(3) on every glob. */
static void test_pattern_kinds_agree_with_fnmatch(void **state)
{
	static const char alphabet[] = "ab\\/.*?xA";
	char text[8], value[10];
	size_t fast = 0;

	(void)state;
	unit_rng_seed(7);
	for (int i = 0; i < 200000; i++) {
		size_t tn = 1 + unit_rng() % 6, vn = unit_rng() % 9;
		struct pattern p = { .text = text };
		bool nocase = unit_rng() & 1;

		for (size_t j = 0; j < tn; j++)
			text[j] = alphabet[unit_rng() % (sizeof(alphabet) - 1)];
		text[tn] = '\0';
		for (size_t j = 0; j < vn; j++)
			value[j] = alphabet[unit_rng() % 5];	/* a, b, backslash, slash, dot */
		value[vn] = '\0';
		rule__classify_pattern(&p);
		fast += p.kind != PAT_GLOB && p.kind != PAT_EXACT;
		/* a pattern without *, ? or [ is an exact value, escapes and all */
		if (match__pattern(&p, nocase, value, vn) !=
		    (p.glob ? !fnmatch(text, value, nocase ? FNM_CASEFOLD : 0)
			    : !(nocase ? strcasecmp : strcmp)(text, value)))
			fail_msg("pattern '%s' value '%s' nocase %d kind %d", text, value, nocase,
				 p.kind);
		free(p.lit);
	}
	assert_true(fast > 10000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pattern_kinds_agree_with_fnmatch),
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_exact_name),
		T(test_exact_executable),
		T(test_glob_star_crosses_slash),
		T(test_glob_question_and_bracket),
		T(test_nocase_exact),
		T(test_nocase_glob),
		T(test_pattern_list_is_any),
		T(test_args_match_one_element),
		T(test_numbers_as_decimal),
		T(test_booleans_as_text),
		T(test_dates_as_rfc3339),
		T(test_all_any_not_nesting),
		T(test_why_only_from_conditions_that_held),
		T(test_why_of_not),
		T(test_absent_field_never_matches),
		T(test_disabled_rules_never_match),
		T(test_on_filters_event_kind),
		T(test_matches_in_load_order),
		T(test_each_event_read_afresh),
		T(test_unindexed_counts_roots),
		T(test_index_cost_independent_of_rule_count),
		T(test_index_nocase_value_in_other_case),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for user/rules{,_parse}.c: what a rule file becomes, or each FILE:LINE:COL error.
 * Loading files and directories from disk: test_rules_files.c.
 */
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rules_fixture.h"


/* A file and what it must give: every error in order, or the shape of its first rule. */
struct load_case {
	const char *name;
	const char *yaml;
	const char *want[6];
};

static void check_errors(const char *yaml, const char *const *want)
{
	struct rules_errors errs = { 0 };
	struct ruleset *rs = rules__load_buffer("t.yaml", yaml, strlen(yaml), &errs);
	bool loaded = rs != NULL, same = true;
	size_t i;

	for (i = 0; i < errs.n && same; i++)
		same = i < 6 && want[i] && !strcmp(errs.msgs[i], want[i]);
	same = same && (i == 6 || !want[i]);
	for (i = 0; !same && (i < errs.n || (i < 6 && want[i])); i++)
		print_error("got:  %s\nwant: %s\n", i < errs.n ? errs.msgs[i] : "-",
			    i < 6 && want[i] ? want[i] : "-");
	rules__errors_free(&errs);
	rules__free(rs);
	assert_false(loaded);
	assert_true(same);
}

static void run_error_case(void **state)
{
	const struct load_case *c = *state;

	check_errors(c->yaml, c->want);
}

static const char valid[] =
	"# Kaspersky, for the tests\n"
	"vendor: Kaspersky\n"
	"references: [https://a.example, \"policy b\"]\n"
	"description: ignored\n"
	"rules:\n"
	"  - id: r-one\n"
	"    name: One\n"
	"    description: first\n"
	"    severity: low\n"
	"    references: [https://r1.example]\n"
	"    match:\n"
	"      process.name: kesl\n"
	"  - id: r-two\n"
	"    name: Two\n"
	"    severity: critical\n"
	"    on: [package, process]\n"
	"    enabled: false\n"
	"    match:\n"
	"      package.name: kesl\n"
	"  - id: r-three\n"
	"    name: Three\n"
	"    severity: medium\n"
	"    enabled: true\n"
	"    action: block\n"
	"    on: file\n"
	"    references: only-one\n"
	"    match: {file.path: /tmp/x}\n";

/* One line for what a rule says: id, name, description, severity, on, enabled, action, line. */
static void assert_rule(const struct rule *r, const char *want)
{
	char got[512];

	snprintf(got, sizeof(got), "%s|%s|%s|%s|on=%u|%s|%s|line %u", r->id, r->name,
		 r->description ? r->description : "-", rule__severity_name(r->severity), r->on,
		 r->enabled ? "enabled" : "disabled", rule__action_name(r->action), r->line);
	assert_string_equal(got, want);
}

/* The rule's references, joined by ", ". */
static void assert_refs(const struct rule *r, const char *want)
{
	char got[512] = "", *p = got;

	for (size_t i = 0; i < r->nreferences; i++)
		p += sprintf(p, "%s%s", i ? ", " : "", r->references[i]);
	assert_string_equal(got, want);
}

static void test_valid_file_rules(void **state)
{
	struct ruleset *rs = LOAD_OK(valid);

	(void)state;
	assert_int_equal(rs->nrules, 3);
	assert_int_equal(rs->nfiles, 1);
	/* on: process is the default (1), package|process = 3, file = 4 */
	assert_rule(rs->rules[0], "r-one|One|first|low|on=1|enabled|alert|line 6");
	assert_rule(rs->rules[1], "r-two|Two|-|critical|on=3|disabled|alert|line 13");
	assert_rule(rs->rules[2], "r-three|Three|-|medium|on=4|enabled|block|line 20");
	assert_int_equal(rs->rules[0]->match->line, 12);
	assert_int_equal(rs->rules[0]->match->col, 7);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(rs->rules[i]->vendor, "Kaspersky");
		assert_ptr_equal(rs->rules[i]->vendor, rs->rules[0]->vendor);
		assert_string_equal(rs->rules[i]->file, "t.yaml");
	}
	rules__free(rs);
}

/* The rule's own first, then the file's. */
static void test_valid_file_references(void **state)
{
	struct ruleset *rs = LOAD_OK(valid);

	(void)state;
	assert_refs(rs->rules[0], "https://r1.example, https://a.example, policy b");
	assert_refs(rs->rules[1], "https://a.example, policy b");
	assert_refs(rs->rules[2], "only-one, https://a.example, policy b");	/* a scalar */
	rules__free(rs);
	/* the file's keys in any order: rules first, its references still follow */
	rs = LOAD_OK("rules:\n" RULE("r1", "{process.name: a}") "references: last\nvendor: Late\n");
	assert_string_equal(rs->rules[0]->vendor, "Late");
	assert_refs(rs->rules[0], "last");
	rules__free(rs);
}

/* A match tree as text: all(a b), any(..), not(..), field[|i] then =exact or ~glob patterns. */
static char *shape(const struct match_node *m, char *p)
{
	static const char *const ops[] = { "all", "any", "not" };

	if (m->op != MATCH_FIELD) {
		p += sprintf(p, "%s(", ops[m->op]);
		for (size_t i = 0; i < m->nkids; i++)
			p = shape(m->kids[i], p + sprintf(p, i ? " " : ""));
		return p + sprintf(p, ")");
	}
	p += sprintf(p, "%s%s", m->field->name, m->nocase ? "|i" : "");
	for (size_t i = 0; i < m->npatterns; i++)
		p += sprintf(p, "%c%s", m->patterns[i].glob ? '~' : '=', m->patterns[i].text);
	return p;
}

static void run_shape_case(void **state)
{
	const struct load_case *c = *state;
	struct ruleset *rs = LOAD_OK(c->yaml);
	char got[512];

	shape(rs->rules[0]->match, got);
	rules__free(rs);
	assert_string_equal(got, c->want[0]);
}

#define SHAPE(name, match, want) { name, HEAD RULE("r1", match), { want } }

static const struct load_case shape_cases[] = {
	SHAPE("test_lone_condition_is_not_wrapped", "{process.name: kesl}", "process.name=kesl"),
	SHAPE("test_lone_any_is_kept", "{any: [{process.name: a}]}", "any(process.name=a)"),
	SHAPE("test_mapping_keys_are_an_implicit_all", "{process.name: kesl, process.pid: '42'}",
	      "all(process.name=kesl process.pid=42)"),
	SHAPE("test_nested_mapping_is_an_implicit_all",
	      "{any: [{process.name: a, process.pid: '1'}, {all: [{process.pid: '2'}]}]}",
	      "any(all(process.name=a process.pid=1) all(process.pid=2))"),
	SHAPE("test_not_list_is_not_of_any", "{not: [{process.name: a}, {process.name: b}]}",
	      "not(any(process.name=a process.name=b))"),
	SHAPE("test_not_mapping_is_not_of_it", "{not: {process.name: a}}", "not(process.name=a)"),
	SHAPE("test_glob_flag_from_metacharacters",
	      "{process.executable: [plain, 'a*', 'a?', 'a[bc]', 'a]b', 'a\\*', /usr/x]}",
	      "process.executable=plain~a*~a?~a[bc]=a]b~a\\*=/usr/x"),
	SHAPE("test_nocase_modifier", "{process.name|i: KESL, process.name: [KESL, 'K*']}",
	      "all(process.name|i=KESL process.name=KESL~K*)"),
	{ "test_package_field_accepted_on_package",
	  HEAD R1 "    on: [package]\n    match: {package.name: kesl}\n", { "package.name=kesl" } },
};

static void test_severity_score_and_name(void **state)
{
	static const char *const names[] = { "low", "medium", "high", "critical", "?" };
	static const int scores[] = { 21, 47, 73, 99, 0 };	/* and out of range */

	(void)state;
	for (int s = SEV_LOW; s <= SEV_CRITICAL + 1; s++) {
		assert_int_equal(rule__severity_score((enum severity)s), scores[s]);
		assert_string_equal(rule__severity_name((enum severity)s), names[s]);
	}
}

static void test_version_hashes_the_bytes(void **state)
{
	static const char a[] = HEAD RULE("r1", "{process.name: kesl}");
	static const char b[] = HEAD RULE("r1", "{process.name: kesk}");
	struct ruleset *ra = LOAD_OK(a), *rb = LOAD_OK(b), *again = LOAD_OK(a);
	char want[17];

	(void)state;
	sha16(a, want);
	assert_string_equal(ra->version, want);	/* 16 lowercase hex digits */
	assert_string_equal(again->version, ra->version);
	assert_string_not_equal(rb->version, ra->version);
	rules__free(ra);
	rules__free(rb);
	rules__free(again);
}

/* ---- errors, each with its place: one named test per case ---- */

#define M6 "    match:\n"	/* line 6; a condition at line 7, column 7 */

static const struct load_case error_cases[] = {
	{ "test_yaml_syntax_error", HEAD "  - id: x\n   name: y\n", { "t.yaml:4:4: YAML: did not "
	  "find expected '-' indicator while parsing a block collection" } },
	{ "test_yaml_unclosed_flow_list", "vendor: V\nrules: [a\n", { "t.yaml:3:1: YAML: did not "
	  "find expected ',' or ']' while parsing a flow sequence" } },
	/* libyaml gives reader errors (control character, invalid UTF-8, NUL) as an offset */
	{ "test_reader_error_has_its_place", HEAD "  - id: r\001x\n",
	  { "t.yaml:3:10: YAML: control characters are not allowed" } },
	{ "test_empty_file", "", { "t.yaml:1:1: empty rules file" } },
	{ "test_comment_only_file", "# nothing\n", { "t.yaml:1:1: empty rules file" } },
	{ "test_more_than_one_document", "vendor: V\nrules: []\n---\nvendor: W\n",
	  { "t.yaml:4:1: more than one YAML document: one rules file holds one" } },
	/* a broken second document is an error too, like a well-formed one */
	{ "test_broken_second_document", "vendor: V\nrules: []\n---\n[a\n", { "t.yaml:5:1: YAML: "
	  "did not find expected ',' or ']' while parsing a flow sequence" } },
	{ "test_top_level_list", "- vendor: V\n",
	  { "t.yaml:1:1: expected a mapping, not a list" } },
	{ "test_top_level_scalar", "hello\n", { "t.yaml:1:1: expected a mapping, not a string" } },
	{ "test_missing_vendor", "# c\nrules: []\n", { "t.yaml:2:1: missing 'vendor'" } },
	{ "test_missing_rules", "vendor: V\n", { "t.yaml:1:1: missing 'rules'" } },
	{ "test_rules_not_a_list", "vendor: V\nrules: {a: b}\n",
	  { "t.yaml:2:8: rules: must be a list of rules", "t.yaml:1:1: missing 'rules'" } },
	{ "test_unknown_top_level_key", "vendor: V\nvendr: W\nrules: []\n", { "t.yaml:2:1: "
	  "unknown key 'vendr' (expected vendor, references, description or rules)" } },
	{ "test_unknown_rule_key", HEAD R1 "    enable: false\n" MA,
	  { "t.yaml:6:5: unknown key 'enable' in a rule (expected id, name, description, "
	    "severity, on, match, references, enabled or action)" } },
	{ "test_rule_not_a_mapping", HEAD "  - r1\n",
	  { "t.yaml:3:5: expected a mapping, not a string" } },
	{ "test_rule_missing_id", HEAD "  - name: N\n    severity: low\n" MA,
	  { "t.yaml:3:5: rule is missing 'id'" } },
	{ "test_rule_missing_name", HEAD "  - id: r1\n    severity: low\n" MA,
	  { "t.yaml:3:5: rule 'r1' is missing 'name'" } },
	{ "test_rule_missing_severity", HEAD "  - id: r1\n    name: N\n" MA,
	  { "t.yaml:3:5: rule 'r1' is missing 'severity'" } },
	{ "test_rule_missing_match", HEAD R1, { "t.yaml:3:5: rule 'r1' is missing 'match'" } },
	/* the bad value only: the key is there */
	{ "test_bad_severity", HEAD "  - id: r1\n    name: N\n    severity: High\n" MA,
	  { "t.yaml:5:15: severity must be low, medium, high or critical, not 'High'" } },
	{ "test_bad_on_value", HEAD R1 "    on: [process, proces]\n" MA,
	  { "t.yaml:6:9: on: takes process, package or file, not 'proces'" } },
	{ "test_bad_action", HEAD R1 "    action: kill\n" MA,
	  { "t.yaml:6:13: action must be alert or block, not 'kill'" } },
	{ "test_enabled_yes", HEAD R1 "    enabled: yes\n" MA,
	  { "t.yaml:6:14: enabled must be true or false, not 'yes'" } },
	{ "test_unknown_field", HEAD R1 M6 "      process.nme: kesl\n",
	  { "t.yaml:7:7: unknown field 'process.nme'" } },
	{ "test_unknown_modifier", HEAD R1 M6 "      process.name|x: kesl\n",
	  { "t.yaml:7:7: unknown modifier '|x' (only |i, for case-insensitive)" } },
	{ "test_field_value_mapping", HEAD R1 M6 "      process.name: {is: kesl}\n",
	  { "t.yaml:7:21: the value of 'process.name' must be a pattern or a list of patterns, "
	    "not a mapping" } },
	{ "test_empty_pattern_list", HEAD R1 M6 "      process.name: []\n",
	  { "t.yaml:7:21: a pattern must not be an empty list" } },
	{ "test_all_not_a_list", HEAD R1 M6 "      all: {process.name: kesl}\n",
	  { "t.yaml:7:12: 'all' takes a list of conditions, not a mapping" } },
	{ "test_any_not_a_list", HEAD R1 M6 "      any: kesl\n",
	  { "t.yaml:7:12: 'any' takes a list of conditions, not a string" } },
	{ "test_empty_all", HEAD R1 M6 "      all: []\n",
	  { "t.yaml:7:12: 'all' must not be an empty list" } },
	{ "test_condition_is_a_list", HEAD R1 M6 "      - process.name: kesl\n", { "t.yaml:7:7: a "
	  "condition must be a mapping (field: pattern, all:, any: or not:), not a list" } },
	{ "test_empty_condition", HEAD R1 "    match: {}\n",
	  { "t.yaml:6:12: a condition must not be empty" } },
	{ "test_glob_unclosed_bracket", HEAD R1 M6 "      process.name: [ok, 'kes[l']\n",
	  { "t.yaml:7:21: pattern 'kes[l' has '[' without a closing ']'" } },
	{ "test_glob_trailing_backslash", HEAD R1 M6 "      process.name: 'kesl\\'\n",
	  { "t.yaml:7:21: pattern 'kesl\\' ends with a lone backslash" } },
	{ "test_duplicate_key", HEAD R1 M6 "      process.name: a\n      process.name: b\n",
	  { "t.yaml:8:7: duplicate key 'process.name'" } },
	{ "test_duplicate_rule_id_in_file", HEAD R1 M6 "      process.name: a\n" R1 M6 "      "
	  "process.name: b\n", { "t.yaml:8:5: duplicate rule id 'r1' (first at t.yaml:3)" } },
	{ "test_package_field_needs_on_package", HEAD R1 M6 "      package.name: kesl\n",
	  { "t.yaml:7:7: rule 'r1': package.name is only set on package (or file) events; add package "
	    "to on:" } },
	{ "test_file_field_needs_on_file", HEAD R1 "    on: package\n    match: {file.path: /x}\n",
	  { "t.yaml:7:12: rule 'r1': file.path is only set on file events; add file to on:" } },
	/* a rule without an id is named '?' in every message */
	{ "test_field_check_without_id", HEAD "  - name: N\n    severity: low\n"
	  "    match: {package.name: x}\n", { "t.yaml:3:5: rule is missing 'id'", "t.yaml:5:12: "
	  "rule '?': package.name is only set on package (or file) events; add package to on:" } },
	{ "test_string_list_not_a_mapping", HEAD R1 "    references: {a: b}\n" MA,
	  { "t.yaml:6:17: a reference must be a string, not a mapping" } },
	{ "test_pattern_not_a_list", HEAD R1 "    match: {process.name: [a, [b]]}\n",
	  { "t.yaml:6:31: a pattern must be a string, not a list" } },
	{ "test_nul_escape_in_scalar", HEAD R1 M6 "      process.name: \"kesl\\0\"\n",
	  { "t.yaml:7:21: a pattern contains a NUL byte" } },
	/* every mistake of a file, in file order, and no rule set */
	{ "test_all_errors_reported_in_order",
	  "vendor: V\n"
	  "colour: red\n"
	  "rules:\n"
	  "  - id: r1\n"
	  "    name: N\n"
	  "    severity: huge\n"
	  "    match: {process.nme: a}\n"
	  "  - id: r2\n"
	  "    name: N\n"
	  "    severity: low\n"
	  "    enabled: yes\n"
	  "    match: {process.name: []}\n"
	  "  - {id: r3, name: N, severity: low, match: {process.name: fine}}\n",
	  { "t.yaml:2:1: unknown key 'colour' (expected vendor, references, description or rules)",
	    "t.yaml:6:15: severity must be low, medium, high or critical, not 'huge'",
	    "t.yaml:7:13: unknown field 'process.nme'",
	    "t.yaml:11:14: enabled must be true or false, not 'yes'",
	    "t.yaml:12:27: a pattern must not be an empty list" } },
};

/* "    match: " then depth times "{all: [", a field, and the closing brackets */
static char *nested(int depth)
{
	char *buf = malloc(256 + 9 * (size_t)depth), *p = buf;

	assert_non_null(buf);
	p += sprintf(p, HEAD R1 "    match: ");
	for (int i = 0; i < depth; i++)
		p += sprintf(p, "{all: [");
	p += sprintf(p, "{process.name: a}");
	for (int i = 0; i < depth; i++)
		p += sprintf(p, "]}");
	sprintf(p, "\n");
	return buf;
}

static void test_nesting_limit(void **state)
{
	static const char *const want[] = { "t.yaml:6:243: conditions nested deeper than 32",
					    NULL };
	char *ok = nested(32), *deep = nested(33);
	struct ruleset *rs = LOAD_OK(ok);

	(void)state;
	free(ok);
	rules__free(rs);
	check_errors(deep, want);	/* the innermost mapping: 12 + 7 * 33 */
	free(deep);
}

/* libyaml is quadratic in flow nesting: deep brackets are refused before it parses */
static void test_deep_brackets_refused_before_parsing(void **state)
{
	static const char *const want[] = {
		"t.yaml:2:264: brackets nested deeper than 256 levels", NULL };
	char buf[1024] = "vendor: V\nrules: ";

	(void)state;
	memset(buf + strlen(buf), '[', 300);
	check_errors(buf, want);
}

/* 10 levels of 10 aliases to the level below (10^10 leaves if expanded), then a rule. */
static char *alias_bomb(void)
{
	char *buf = malloc(8192), *p = buf;

	assert_non_null(buf);
	p += sprintf(p, HEAD R1 "    match:\n      any:\n"
		     "        - any: &a0 [{process.name: x}, {process.name: y}]\n");
	for (int l = 1; l < 10; l++) {
		p += sprintf(p, "        - any: &a%d [", l);
		for (int k = 0; k < 10; k++)
			p += sprintf(p, "%s{any: *a%d}", k ? ", " : "", l - 1);
		p += sprintf(p, "]\n");
	}
	sprintf(p, RULE("later", "{process.name: z}"));
	return buf;
}

/*
 * Loaded whole (both rules) or rejected with an error, within a second of CPU time
 * (sanitizers included); never cut silently.
 */
static void test_alias_bomb(void **state)
{
	struct rules_errors errs = { 0 };
	char *bomb = alias_bomb();
	struct timespec t0, t1;
	struct ruleset *rs;
	size_t nrules, nerrs;
	double took;

	(void)state;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	rs = rules__load_buffer("t.yaml", bomb, strlen(bomb), &errs);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	nrules = rs ? rs->nrules : 0;
	nerrs = errs.n;
	print_message("alias bomb: %.3f s CPU, %zu rules, %zu errors\n", took, nrules, nerrs);
	rules__free(rs);
	rules__errors_free(&errs);
	free(bomb);
	assert_true(took < 1.0);
	assert_true(nerrs > 0 || nrules == 2);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_valid_file_rules),
		cmocka_unit_test(test_valid_file_references),
		cmocka_unit_test(test_severity_score_and_name),
		cmocka_unit_test(test_version_hashes_the_bytes),
		cmocka_unit_test(test_nesting_limit),
		cmocka_unit_test(test_alias_bomb),
		cmocka_unit_test(test_deep_brackets_refused_before_parsing),
	};
	struct CMUnitTest tests[ARRAY_SIZE(fixed) + ARRAY_SIZE(shape_cases) +
				ARRAY_SIZE(error_cases)];
	size_t n = ARRAY_SIZE(fixed);

	memcpy(tests, fixed, sizeof(fixed));
	for (size_t i = 0; i < ARRAY_SIZE(shape_cases); i++)
		tests[n++] = (struct CMUnitTest){ .name = shape_cases[i].name,
						  .test_func = run_shape_case,
						  .initial_state = (void *)&shape_cases[i] };
	for (size_t i = 0; i < ARRAY_SIZE(error_cases); i++)
		tests[n++] = (struct CMUnitTest){ .name = error_cases[i].name,
						  .test_func = run_error_case,
						  .initial_state = (void *)&error_cases[i] };
	return cmocka_run_group_tests(tests, NULL, NULL);
}

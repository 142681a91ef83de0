// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for user/ocsf.c with hostile input: control bytes, broken UTF-8 and
 * megabyte strings stay one line of valid JSON (the fixture is ocsf_fixture.h).
 */
#include "ocsf_fixture.h"

/* ---- hostile input ----------------------------------------------------------------- */

#define NASTY "\x1b[31m\n\t\x01\x7f|\xff\xfe|\xc3\x28|\xe0\x80\x80|\xed\xa0\x80|\xe2\x80\xa8"

static void assert_clean(const struct jv *v)
{
	if (v->t == J_STR) {
		assert_true(utf8_valid(v->s, v->len));
		assert_int_equal(strlen(v->s), v->len);
	}
	for (size_t i = 0; i < v->n; i++)
		assert_clean(&v->kids[i]);
}

static void test_hostile_strings_stay_json(void **state)
{
	static const char args[] = "kav\0" NASTY "\0";
	struct fx *fx = *state;
	const struct jv *r;

	fx->proc.args = (char *)args, fx->proc.args_len = sizeof(args) - 1;
	fx->proc.exe = "/tmp/" NASTY, fx->proc.cwd = "\xff/\n";
	fx->ev.kind = EVENT_KIND_ALERT, fx->ev.rule = &fx->rule;
	fx->ev.why = "process.args == " NASTY, fx->ev.why_len = sizeof("process.args == " NASTY);
	r = emit(fx);
	assert_clean(r);
	assert_non_null(strstr(must(r, "evidences[0].process.cmd_line", J_STR)->s,
			       "\x1b[31m\n\t\x01\x7f|" FFFD FFFD "|"));
	assert_non_null(strstr(must(r, "evidences[0].process.file.name", J_STR)->s, FFFD));
	assert_null(strchr(json__buf(&fx->w), '\n'));
}

static void test_huge_strings_stay_json(void **state)
{
	struct fx *fx = *state;
	size_t big = 1 << 20;
	char *args = malloc(big + 1), *path = malloc(big + 1);
	const struct jv *r;

	assert_non_null(args);
	assert_non_null(path);
	unit_rng_seed(7);
	for (size_t i = 0; i < big; i++)
		args[i] = (char)unit_rng(), path[i] = (char)('a' + i % 26);
	args[big] = '\0', path[0] = '/', path[big] = '\0';
	fx->proc.args = args, fx->proc.args_len = big + 1;
	fx->ev.category = EVENT_CATEGORY_FILE, fx->ev.action = "file-created";
	fx->ev.file = &fx->file;
	fx->file.path = path;
	r = emit(fx);
	assert_clean(r);
	assert_int_equal(must(r, "file.path", J_STR)->len, big);
	assert_true(must(r, "actor.process.cmd_line", J_STR)->len >= big / 2);
	free(args);
	free(path);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_hostile_strings_stay_json),
		T(test_huge_strings_stay_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

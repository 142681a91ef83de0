// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for user/cef.c: every record is parsed back by a small CEF parser written
 * from the spec, each value compared after unescaping, and every key checked against the
 * spec's dictionary (both in cef_spec.h, not taken from cef.c). Escaping, truncation
 * and hostile bytes; the parser's own refusals.
 */
#include "cef_fixture.h"

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

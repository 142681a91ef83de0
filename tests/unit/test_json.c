// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for user/json.c. Outputs are compared byte for byte; anything
 * built from hostile bytes also goes through the strict validator below.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"

/* string literal with embedded NULs: pointer and length */
#define S(lit) lit, sizeof(lit) - 1
#define FFFD "\xEF\xBF\xBD"

/* ---- strict validator for compact JSON (no whitespace, as we emit) ---- */

struct cursor {
	const unsigned char *p, *end;
	char *dec;		/* decoded string body, if non-NULL */
	size_t dlen;
};

static bool is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static unsigned int hex_val(unsigned char c)
{
	return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* Length of the well-formed RFC 3629 sequence at p, 0 if ill-formed. */
static size_t utf8_valid_len(const unsigned char *p, const unsigned char *end)
{
	size_t n = (size_t)(end - p), len, i;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xC2 && p[0] <= 0xDF) {
		len = 2;
		cp = p[0] & 0x1F;
	} else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
		len = 3;
		cp = p[0] & 0x0F;
	} else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
		len = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3F);
	}
	/* decode-and-check rather than byte ranges: an independent oracle */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

static bool utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	size_t l;

	while (p < end) {
		l = utf8_valid_len(p, end);
		if (!l)
			return false;
		p += l;
	}
	return true;
}

static void dec_put(struct cursor *c, const void *s, size_t n)
{
	if (!c->dec)
		return;
	memcpy(c->dec + c->dlen, s, n);
	c->dlen += n;
}

static bool v_string(struct cursor *c)
{
	static const char brief[] = "\"\\/bfnrt", real[] = "\"\\/\b\f\n\r\t";
	const char *e;
	unsigned int cp;
	size_t l;
	int i;

	if (c->p >= c->end || *c->p++ != '"')
		return false;
	while (c->p < c->end) {
		if (*c->p == '"') {
			c->p++;
			return true;
		}
		if (*c->p < 0x20 || *c->p == 0x7F)
			return false;
		if (*c->p >= 0x80) {
			l = utf8_valid_len(c->p, c->end);
			/* raw U+2028/U+2029 are promised escaped */
			if (!l || (l == 3 && c->p[0] == 0xE2 && c->p[1] == 0x80 &&
				   (c->p[2] == 0xA8 || c->p[2] == 0xA9)))
				return false;
			dec_put(c, c->p, l);
			c->p += l;
			continue;
		}
		if (*c->p != '\\') {
			dec_put(c, c->p++, 1);
			continue;
		}
		if (++c->p >= c->end)
			return false;
		e = *c->p ? strchr(brief, *c->p) : NULL;
		if (e) {
			dec_put(c, &real[e - brief], 1);
			c->p++;
			continue;
		}
		if (*c->p++ != 'u' || c->end - c->p < 4)
			return false;
		for (cp = 0, i = 0; i < 4; i++, c->p++) {
			if (!is_hex(*c->p))
				return false;
			cp = cp << 4 | hex_val(*c->p);
		}
		/* the writer never needs surrogate pairs: it only escapes < U+0080 and U+2028/9 */
		if (cp >= 0xD800 && cp <= 0xDFFF)
			return false;
		if (cp < 0x80) {
			unsigned char b = (unsigned char)cp;

			dec_put(c, &b, 1);
		} else if (cp == 0x2028 || cp == 0x2029) {
			unsigned char b[3] = { 0xE2, 0x80, (unsigned char)(cp == 0x2028 ? 0xA8 : 0xA9) };

			dec_put(c, b, 3);
		} else {
			c->dec = NULL;	/* not produced by us; stop decoding */
		}
	}
	return false;
}

static bool v_number(struct cursor *c)
{
	const unsigned char *start;

	if (c->p < c->end && *c->p == '-')
		c->p++;
	if (c->p >= c->end || *c->p < '0' || *c->p > '9')
		return false;
	start = c->p;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
		c->p++;
	return !(*start == '0' && c->p - start > 1);	/* no leading zeros */
}

static bool v_word(struct cursor *c, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n))
		return false;
	c->p += n;
	return true;
}

static bool v_value(struct cursor *c, int depth);

static bool v_members(struct cursor *c, int depth, bool object)
{
	char close = object ? '}' : ']';

	c->p++;
	if (c->p < c->end && *c->p == close) {
		c->p++;
		return true;
	}
	for (;;) {
		if (object && (!v_string(c) || c->p >= c->end || *c->p++ != ':'))
			return false;
		if (!v_value(c, depth + 1) || c->p >= c->end)
			return false;
		if (*c->p == close) {
			c->p++;
			return true;
		}
		if (*c->p++ != ',')
			return false;
	}
}

static bool v_value(struct cursor *c, int depth)
{
	if (depth > 32 || c->p >= c->end)
		return false;
	switch (*c->p) {
	case '{':
		return v_members(c, depth, true);
	case '[':
		return v_members(c, depth, false);
	case '"':
		return v_string(c);
	case 't':
		return v_word(c, "true");
	case 'f':
		return v_word(c, "false");
	case 'n':
		return v_word(c, "null");
	default:
		return v_number(c);
	}
}

/* One compact JSON value filling exactly s[0..n), no NUL inside. */
static bool valid_json(const char *s, size_t n)
{
	struct cursor c = { (const unsigned char *)s, (const unsigned char *)s + n, NULL, 0 };

	return strlen(s) == n && v_value(&c, 0) && c.p == c.end;
}

/* Validate a quoted string at s and decode it into dec (room for n bytes). */
static bool decode_string(const char *s, size_t n, char *dec, size_t *dlen)
{
	struct cursor c = { (const unsigned char *)s, (const unsigned char *)s + n, dec, 0 };

	if (!v_string(&c) || c.p != c.end || !c.dec)
		return false;
	*dlen = c.dlen;
	return true;
}

/* ---- fixtures and helpers ---- */

static int setup(void **state)
{
	struct json_writer *w = malloc(sizeof(*w));

	if (!w)
		return -1;
	json__init(w);
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	json__free(*state);
	free(*state);
	return 0;
}

/* {"v":<escaped s>} with the braces and key stripped: just the quoted value */
static const char *escaped(struct json_writer *w, const char *s, size_t n)
{
	static char out[256];
	const char *buf;
	size_t len;

	json__begin(w);
	json__string_n(w, "v", s, n);
	assert_int_equal(json__end(w), 0);
	buf = json__buf(w);
	len = json__len(w);
	assert_true(valid_json(buf, len));
	assert_true(len - 6 < sizeof(out));
	memcpy(out, buf + 5, len - 6);
	out[len - 6] = '\0';
	return out;
}

/* ---- structure ---- */

static void test_nested_keys_grouped(void **state)
{
	struct json_writer *w = *state;

	json__begin(w);
	json__string(w, "process.name", "bash");
	json__long(w, "process.pid", 42);
	json__long(w, "process.parent.pid", 1);
	json__string(w, "user.name", "root");
	assert_int_equal(json__end(w), 0);
	assert_string_equal(json__buf(w),
		"{\"process\":{\"name\":\"bash\",\"pid\":42,\"parent\":{\"pid\":1}},"
		"\"user\":{\"name\":\"root\"}}");
	assert_int_equal(json__len(w), strlen(json__buf(w)));
}

static void test_deep_close_and_reopen_siblings(void **state)
{
	struct json_writer *w = *state;

	json__begin(w);
	json__long(w, "a.b.c.d", 1);
	json__long(w, "a.b.e", 2);
	json__long(w, "a.f", 3);
	json__long(w, "g", 4);
	json__long(w, "h.b.c", 5);	/* same names under another parent are fine */
	assert_int_equal(json__end(w), 0);
	assert_string_equal(json__buf(w),
		"{\"a\":{\"b\":{\"c\":{\"d\":1},\"e\":2},\"f\":3},\"g\":4,\"h\":{\"b\":{\"c\":5}}}");
}

static void test_empty_event(void **state)
{
	struct json_writer *w = *state;

	json__begin(w);
	assert_int_equal(json__end(w), 0);
	assert_string_equal(json__buf(w), "{}");
}

static void test_reopen_closed_object_is_error(void **state)
{
	struct json_writer *w = *state;

	json__begin(w);
	json__long(w, "process.pid", 1);
	json__long(w, "user.id", 2);
	json__string(w, "process.name", "x");
	assert_int_equal(json__error(w), -EINVAL);
	json__long(w, "user.gid", 3);	/* later good calls still land */
	assert_int_equal(json__end(w), -EINVAL);
	assert_string_equal(json__buf(w), "{\"process\":{\"pid\":1},\"user\":{\"id\":2,\"gid\":3}}");
	assert_true(valid_json(json__buf(w), json__len(w)));
}

static void test_reopen_nested_closed_object_is_error(void **state)
{
	struct json_writer *w = *state;

	json__begin(w);
	json__long(w, "a.b.x", 1);
	json__long(w, "a.c.x", 2);
	json__long(w, "a.b.y", 3);
	assert_int_equal(json__end(w), -EINVAL);
	assert_string_equal(json__buf(w), "{\"a\":{\"b\":{\"x\":1},\"c\":{\"x\":2}}}");
}

static void test_same_leaf_twice_is_error(void **state)
{
	struct json_writer *w = *state;

	json__begin(w);
	json__long(w, "a.b", 1);
	json__long(w, "a.b", 2);
	assert_int_equal(json__end(w), -EINVAL);
	assert_string_equal(json__buf(w), "{\"a\":{\"b\":1}}");
}

static void test_leaf_and_object_same_name_is_error(void **state)
{
	struct json_writer *w = *state;

	json__begin(w);
	json__long(w, "a", 1);
	json__long(w, "a.b", 2);		/* object named like the previous leaf */
	assert_int_equal(json__error(w), -EINVAL);
	json__long(w, "c.d.e", 3);
	json__long(w, "c.d", 4);		/* leaf named like the open object */
	json__long(w, "c.x", 5);
	json__long(w, "c.d", 6);		/* leaf named like a closed object */
	assert_int_equal(json__end(w), -EINVAL);
	assert_string_equal(json__buf(w), "{\"a\":1,\"c\":{\"d\":{\"e\":3},\"x\":5}}");
}

static void test_closed_list_overflow_stops_detecting(void **state)
{
	static const char tail[] =
		"\"object_000000019\":{\"x\":19},\"object_000000018\":{\"y\":0}}";
	struct json_writer *w = *state;
	char key[64];
	int i;

	/* 20 names of 17 bytes (NUL included) overflow the 128-byte pool after 7 */
	json__begin(w);
	for (i = 0; i < 20; i++) {
		snprintf(key, sizeof(key), "object_%09d.x", i);
		json__long(w, key, i);
	}
	json__long(w, "object_000000000.y", 0);	/* recorded: still caught */
	assert_int_equal(json__error(w), -EINVAL);
	json__begin(w);
	for (i = 0; i < 20; i++) {
		snprintf(key, sizeof(key), "object_%09d.x", i);
		json__long(w, key, i);
	}
	json__long(w, "object_000000018.y", 0);	/* not recorded: let through */
	assert_int_equal(json__end(w), 0);
	assert_true(valid_json(json__buf(w), json__len(w)));
	/* the documented cost: a duplicate key */
	assert_string_equal(json__buf(w) + json__len(w) - strlen(tail), tail);
}

static void test_depth_limit(void **state)
{
	struct json_writer *w = *state;

	json__begin(w);
	json__long(w, "a.b.c.d.e.f.g.h", 1);
	assert_int_equal(json__error(w), 0);
	json__long(w, "a.b.c.d.e.f.g.i.j", 2);
	assert_int_equal(json__end(w), -EINVAL);
	assert_string_equal(json__buf(w),
		"{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{\"h\":1}}}}}}}}");
}

static void test_empty_segment_is_error(void **state)
{
	static const char *const bad[] = { "", "a..b", ".a", "a.", ".", "a.b..", NULL };
	struct json_writer *w = *state;
	size_t i;

	/* NULL too: a missing key is as bad as an empty one */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json__begin(w);
		json__long(w, bad[i], 1);
		assert_int_equal(json__end(w), -EINVAL);
		assert_string_equal(json__buf(w), "{}");
	}
}

static void test_key_too_long_is_error(void **state)
{
	struct json_writer *w = *state;
	char key[JSON_MAX_KEY + 1];

	memset(key, 'k', sizeof(key));
	key[JSON_MAX_KEY] = '\0';
	json__begin(w);
	json__long(w, key, 1);
	assert_int_equal(json__end(w), -EINVAL);
	assert_string_equal(json__buf(w), "{}");

	key[JSON_MAX_KEY - 1] = '\0';	/* longest accepted */
	json__begin(w);
	json__long(w, key, 1);
	assert_int_equal(json__end(w), 0);
	assert_int_equal(json__len(w), JSON_MAX_KEY - 1 + 6);
}

static void test_special_chars_in_key_escaped(void **state)
{
	struct json_writer *w = *state;

	json__begin(w);
	json__long(w, "a\"b.c\\d", 1);
	json__long(w, "x\n\xC3", 2);
	assert_int_equal(json__end(w), 0);
	assert_string_equal(json__buf(w), "{\"a\\\"b\":{\"c\\\\d\":1},\"x\\n" FFFD "\":2}");
}

static void test_at_timestamp_key(void **state)
{
	struct json_writer *w = *state;

	json__begin(w);
	json__string(w, "@timestamp", "2024-01-01T00:00:00.000Z");
	json__string(w, "event.kind", "event");
	assert_int_equal(json__end(w), 0);
	assert_string_equal(json__buf(w),
		"{\"@timestamp\":\"2024-01-01T00:00:00.000Z\",\"event\":{\"kind\":\"event\"}}");
}

static void test_reset_between_events(void **state)
{
	struct json_writer *w = *state;

	json__begin(w);
	json__long(w, "process.pid", 1);
	json__long(w, "user.id", 0);
	json__long(w, "process.ppid", 1);
	assert_int_equal(json__end(w), -EINVAL);

	/* new event: error, buffer and closed-object memory all start over */
	json__begin(w);
	assert_int_equal(json__error(w), 0);
	json__long(w, "process.pid", 2);
	assert_int_equal(json__end(w), 0);
	assert_string_equal(json__buf(w), "{\"process\":{\"pid\":2}}");
}

static void test_call_outside_event_is_error(void **state)
{
	struct json_writer *w = *state;

	assert_string_equal(json__buf(w), "");
	json__long(w, "a", 1);
	assert_int_equal(json__error(w), -EINVAL);
	json__begin(w);
	assert_int_equal(json__end(w), 0);
	json__long(w, "a", 1);
	assert_int_equal(json__error(w), -EINVAL);
	assert_string_equal(json__buf(w), "{}");
}

/* ---- scalars ---- */

static void test_long_ulong_extremes(void **state)
{
	struct json_writer *w = *state;

	json__begin(w);
	json__long(w, "min", LLONG_MIN);
	json__long(w, "max", LLONG_MAX);
	json__long(w, "zero", 0);
	json__ulong(w, "umax", ULLONG_MAX);
	assert_int_equal(json__end(w), 0);
	assert_string_equal(json__buf(w),
		"{\"min\":-9223372036854775808,\"max\":9223372036854775807,\"zero\":0,"
		"\"umax\":18446744073709551615}");
}

static void test_bool(void **state)
{
	struct json_writer *w = *state;

	json__begin(w);
	json__bool(w, "a.t", true);
	json__bool(w, "a.f", false);
	assert_int_equal(json__end(w), 0);
	assert_string_equal(json__buf(w), "{\"a\":{\"t\":true,\"f\":false}}");
}

static void test_raw_value(void **state)
{
	struct json_writer *w = *state;

	json__begin(w);
	json__raw_value(w, "a.obj", "{\"k\":[1,2]}");
	json__raw_value(w, "a.none", NULL);
	json__raw_value(w, "a.n", "null");
	assert_int_equal(json__end(w), 0);
	assert_string_equal(json__buf(w), "{\"a\":{\"obj\":{\"k\":[1,2]},\"n\":null}}");
}

static void test_null_string_skips_key(void **state)
{
	struct json_writer *w = *state;

	json__begin(w);
	json__string(w, "a.b", NULL);
	json__string_n(w, "a.c", NULL, 3);
	json__string(w, "d", "");
	assert_int_equal(json__end(w), 0);
	assert_string_equal(json__buf(w), "{\"d\":\"\"}");
}

/* ---- arrays ---- */

static void test_arrays(void **state)
{
	struct json_writer *w = *state;

	json__begin(w);
	json__begin_array(w, "process.args");
	json__array_string(w, "ls");
	json__array_string_n(w, S("-l\0x"));
	json__array_string(w, NULL);
	json__end_array(w);
	json__begin_array(w, "process.ids");
	json__array_long(w, -1);
	json__array_long(w, 7);
	json__end_array(w);
	json__begin_array(w, "empty");
	json__end_array(w);
	json__long(w, "n", 1);
	assert_int_equal(json__end(w), 0);
	assert_string_equal(json__buf(w),
		"{\"process\":{\"args\":[\"ls\",\"-l\\u0000x\"],\"ids\":[-1,7]},\"empty\":[],\"n\":1}");
}

static void test_array_misuse_is_error(void **state)
{
	struct json_writer *w = *state;

	json__begin(w);
	json__array_long(w, 1);			/* no array open */
	assert_int_equal(json__error(w), -EINVAL);
	json__begin(w);
	json__end_array(w);			/* no array open */
	assert_int_equal(json__error(w), -EINVAL);
	json__begin(w);
	json__begin_array(w, "a");
	json__long(w, "b", 1);			/* keyed member inside an array */
	json__array_long(w, 2);
	assert_int_equal(json__end(w), -EINVAL);	/* array left open */
	assert_string_equal(json__buf(w), "{\"a\":[2]}");
}

/* ---- escaping ---- */

static void test_escape_control_and_quotes(void **state)
{
	struct json_writer *w = *state;

	assert_string_equal(escaped(w, S("\"q\" \\ /")), "\"\\\"q\\\" \\\\ /\"");
	assert_string_equal(escaped(w, S("\b\f\n\r\t")), "\"\\b\\f\\n\\r\\t\"");
	assert_string_equal(escaped(w, S("\x01\x0b\x1f\x7f")), "\"\\u0001\\u000b\\u001f\\u007f\"");
	assert_string_equal(escaped(w, S(" ~")), "\" ~\"");
}

static void test_escape_esc_byte(void **state)
{
	struct json_writer *w = *state;

	assert_string_equal(escaped(w, S("\x1b[31mred")), "\"\\u001b[31mred\"");
}

static void test_embedded_nul_in_string_n(void **state)
{
	struct json_writer *w = *state;

	assert_string_equal(escaped(w, S("a\0b\0")), "\"a\\u0000b\\u0000\"");
	assert_string_equal(escaped(w, S("\0")), "\"\\u0000\"");
	assert_string_equal(escaped(w, "", 0), "\"\"");
}

static void test_u2028(void **state)
{
	struct json_writer *w = *state;

	assert_string_equal(escaped(w, S("a\xE2\x80\xA8" "b\xE2\x80\xA9")), "\"a\\u2028b\\u2029\"");
	/* neighbours stay raw */
	assert_string_equal(escaped(w, S("\xE2\x80\xA7\xE2\x80\xAA")), "\"\xE2\x80\xA7\xE2\x80\xAA\"");
}

static void test_valid_multibyte_passthrough(void **state)
{
	static const char *const ok[] = {
		"\xC2\x80", "\xC3\xA9", "\xDF\xBF",			/* 2 bytes */
		"\xE0\xA0\x80", "\xE2\x82\xAC", "\xED\x9F\xBF",		/* 3 bytes */
		"\xEE\x80\x80", "\xEF\xBF\xBD", "\xEF\xBF\xBF",
		"\xF0\x90\x80\x80", "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF",	/* 4 bytes */
		"gr\xC3\xBC\xC3\x9F \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x90\xA7",
	};
	struct json_writer *w = *state;
	char want[64];
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(want, sizeof(want), "\"%s\"", ok[i]);
		assert_string_equal(escaped(w, ok[i], strlen(ok[i])), want);
	}
}

static void test_invalid_utf8_maximal_subparts(void **state)
{
	static const struct {
		const char *in;
		size_t n;
		const char *out;
	} cases[] = {
		{ S("\xE2\x82" "A"), "\"" FFFD "A\"" },			/* truncated 3-byte */
		{ S("\x80"), "\"" FFFD "\"" },				/* lone continuation */
		{ S("\x80\xBF"), "\"" FFFD FFFD "\"" },
		{ S("\xF0\x9F\x98"), "\"" FFFD "\"" },			/* truncated at end */
		{ S("\xC0\xAF"), "\"" FFFD FFFD "\"" },			/* overlong '/' */
		{ S("\xC1\xBF"), "\"" FFFD FFFD "\"" },
		{ S("\xE0\x80\xAF"), "\"" FFFD FFFD FFFD "\"" },	/* overlong 3-byte */
		{ S("\xE0\x9F\xBF"), "\"" FFFD FFFD FFFD "\"" },
		{ S("\xF0\x80\x80\xAF"), "\"" FFFD FFFD FFFD FFFD "\"" },	/* overlong 4-byte */
		{ S("\xED\xA0\x80"), "\"" FFFD FFFD FFFD "\"" },	/* surrogate D800 */
		{ S("\xED\xBF\xBF"), "\"" FFFD FFFD FFFD "\"" },	/* surrogate DFFF */
		{ S("\xF4\x90\x80\x80"), "\"" FFFD FFFD FFFD FFFD "\"" },	/* U+110000 */
		{ S("\xF5\x80\x80\x80"), "\"" FFFD FFFD FFFD FFFD "\"" },
		{ S("\xF8\x88\x80\x80\x80"), "\"" FFFD FFFD FFFD FFFD FFFD "\"" },
		{ S("\xFE\xFF"), "\"" FFFD FFFD "\"" },
		{ S("\xC2"), "\"" FFFD "\"" },
		{ S("\xC2" "A"), "\"" FFFD "A\"" },
		{ S("\xE1\x80\xE1\x80\x80"), "\"" FFFD "\xE1\x80\x80\"" },
		{ S("\xF1\x80\x80"), "\"" FFFD "\"" },
		{ S("\xC3\n"), "\"" FFFD "\\n\"" },			/* cut by a control */
		{ S("\xE2\x80\""), "\"" FFFD "\\\"\"" },		/* cut by a quote */
		{ S("\xE2\x80\xE2\x80\xA8"), "\"" FFFD "\\u2028\"" },
		{ S("\xF0\x9F\x98\xF0\x9F\x98\x80"), "\"" FFFD "\xF0\x9F\x98\x80\"" },
		/* Unicode 15 ch. 3, U+FFFD substitution example */
		{ S("\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64"),
		  "\"a" FFFD FFFD FFFD "b" FFFD "c" FFFD FFFD "d\"" },
	};
	struct json_writer *w = *state;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_string_equal(escaped(w, cases[i].in, cases[i].n), cases[i].out);
	}
}

static void test_large_string_grows_buffer(void **state)
{
	struct json_writer *w = *state;
	size_t n = 1 << 20, i;
	char *s = malloc(n);
	const char *out;

	assert_non_null(s);
	for (i = 0; i < n; i++)
		s[i] = i % 1024 == 1023 ? '\n' : 'x';
	json__begin(w);
	json__string_n(w, "big", s, n);
	assert_int_equal(json__end(w), 0);
	/* {"big":" + body with 1024 newlines doubled + "} */
	assert_int_equal(json__len(w), 8 + n + n / 1024 + 2);
	out = json__buf(w);
	assert_memory_equal(out, "{\"big\":\"xxx", 11);
	assert_memory_equal(out + 8 + 1023, "\\nx", 3);
	assert_string_equal(out + json__len(w) - 4, "\\n\"}");
	assert_true(valid_json(out, json__len(w)));
	free(s);
}

static void test_escape_api_appends(void **state)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;

	(void)state;
	assert_int_equal(json__escape(&buf, &len, &cap, "", 0), 0);
	assert_non_null(buf);
	assert_string_equal(buf, "");
	assert_int_equal(json__escape(&buf, &len, &cap, S("a\"\x80")), 0);
	assert_int_equal(json__escape(&buf, &len, &cap, S("\0")), 0);
	assert_string_equal(buf, "a\\\"" FFFD "\\u0000");
	assert_int_equal(len, strlen(buf));
	assert_true(cap > len);
	free(buf);
}

static void test_escape_size_overflow_is_enomem(void **state)
{
	char *buf = NULL;
	size_t len = SIZE_MAX - 2, cap = 0;

	(void)state;
	assert_int_equal(json__escape(&buf, &len, &cap, "abc", 3), -ENOMEM);
	assert_null(buf);
	assert_int_equal(len, SIZE_MAX - 2);
	assert_int_equal(cap, 0);
}

/* ---- hostile input ---- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint32_t rng(void)
{
	/* xorshift64*: same sequence on every libc, unlike rand() */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
}

/*
 * Bytes biased towards what breaks escapers: UTF-8 pieces, controls, quotes.
 * clean: only ASCII and well-formed pieces, so the round trip can be checked.
 */
static size_t random_bytes(char *s, size_t max, bool clean)
{
	static const char *const pieces[] = {
		/* well-formed first */
		"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xE2\x80\xA8", "\xE2\x80\xA9",
		"\xEF\xBF\xBD", "\"", "\\", "\\u", "\x1b", "\x7f",
		"\xED\xA0\x80", "\xF4\x90\x80\x80", "\xC0\xAF", "\xE0\x80", "\xF0\x9F",
	};
	size_t npieces = clean ? 11 : sizeof(pieces) / sizeof(pieces[0]);
	size_t len = rng() % (max + 1), n = 0, l;
	const char *p;

	while (n < len) {
		switch (rng() % 4) {
		case 0:
			p = pieces[rng() % npieces];
			l = strlen(p);
			if (l > len - n)
				l = clean ? 0 : len - n;	/* clean: don't cut a character */
			if (!l)
				return n;
			memcpy(s + n, p, l);
			n += l;
			break;
		case 1:
			/* high half: lead and continuation bytes */
			s[n++] = (char)(clean ? rng() & 0x7F : 0x80 | (rng() & 0x7F));
			break;
		default:
			s[n++] = (char)(rng() & (clean ? 0x7F : 0xFF));
			break;
		}
	}
	return n;
}

static void test_random_bytes_always_valid_json(void **state)
{
	struct json_writer *w = *state;
	char in[64], key[65], dec[64 * 6];
	size_t n, kn, i, len, dlen, valid = 0;
	const char *buf;
	int round;

	for (round = 0; round < 2000; round++) {
		n = random_bytes(in, sizeof(in), round % 4 == 0);
		kn = random_bytes(key, sizeof(key) - 1, false);
		for (i = 0; i < kn; i++)
			if (key[i] == '.' || key[i] == '\0')
				key[i] = '_';
		key[kn] = '\0';
		if (!kn)
			strcpy(key, "k");

		json__begin(w);
		json__string_n(w, "value", in, n);
		assert_int_equal(json__end(w), 0);
		buf = json__buf(w);
		len = json__len(w);
		assert_true(valid_json(buf, len));
		assert_memory_equal(buf, "{\"value\":", 9);
		assert_true(decode_string(buf + 9, len - 10, dec, &dlen));
		assert_true(utf8_valid(dec, dlen));
		/* valid input must come back unchanged: nothing lost, nothing replaced */
		if (utf8_valid(in, n)) {
			valid++;
			assert_int_equal(dlen, n);
			assert_memory_equal(dec, in, n);
		}

		/* the same bytes as a key segment and as an array element */
		json__begin(w);
		json__begin_array(w, key);
		json__array_string_n(w, in, n);
		json__end_array(w);
		assert_int_equal(json__end(w), 0);
		assert_true(valid_json(json__buf(w), json__len(w)));
	}
	/* the bias must also produce clean strings, or the round-trip check is idle */
	assert_true(valid >= 500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_nested_keys_grouped),
		T(test_deep_close_and_reopen_siblings),
		T(test_empty_event),
		T(test_reopen_closed_object_is_error),
		T(test_reopen_nested_closed_object_is_error),
		T(test_same_leaf_twice_is_error),
		T(test_leaf_and_object_same_name_is_error),
		T(test_closed_list_overflow_stops_detecting),
		T(test_depth_limit),
		T(test_empty_segment_is_error),
		T(test_key_too_long_is_error),
		T(test_special_chars_in_key_escaped),
		T(test_at_timestamp_key),
		T(test_reset_between_events),
		T(test_call_outside_event_is_error),
		T(test_long_ulong_extremes),
		T(test_bool),
		T(test_raw_value),
		T(test_null_string_skips_key),
		T(test_arrays),
		T(test_array_misuse_is_error),
		T(test_escape_control_and_quotes),
		T(test_escape_esc_byte),
		T(test_embedded_nul_in_string_n),
		T(test_u2028),
		T(test_valid_multibyte_passthrough),
		T(test_invalid_utf8_maximal_subparts),
		T(test_large_string_grows_buffer),
		T(test_escape_api_appends),
		T(test_escape_size_overflow_is_enomem),
		T(test_random_bytes_always_valid_json),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The CEF tests' fixture (test_cef.c, test_cef_escape.c): an exec of kesl-control made by
 * hand, encoded by cef.c, parsed back by cef_spec.h's parser and checked against the spec.
 */
#ifndef EMBARGO_TESTS_CEF_FIXTURE_H
#define EMBARGO_TESTS_CEF_FIXTURE_H

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

static inline int setup(void **state)
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

static inline int teardown(void **state)
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
static inline struct rec *encode(struct fixture *fx)
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

static inline void assert_ext(const struct rec *r, const char *key, const char *want)
{
	const char *got = ext_get(r, key);

	if (!got)
		fail_msg("%s absent in %s", key, r->raw);
	assert_string_equal(got, want);
}

static inline void assert_no_ext(const struct rec *r, const char *key)
{
	if (ext_get(r, key))
		fail_msg("%s present in %s", key, r->raw);
}

static inline void assert_exts(const struct rec *r, const char *const *kv)
{
	for (; *kv; kv += 2)
		assert_ext(r, kv[0], kv[1]);
}

static inline void assert_no_exts(const struct rec *r, const char *const *keys)
{
	for (; *keys; keys++)
		assert_no_ext(r, *keys);
}

/* ASSERT_EXTS(r, key, value, key, value...); ASSERT_NO_EXTS(r, key, key...) */
#define ASSERT_EXTS(r, ...) assert_exts(r, (const char *const[]){ __VA_ARGS__, NULL })
#define ASSERT_NO_EXTS(r, ...) assert_no_exts(r, (const char *const[]){ __VA_ARGS__, NULL })

static inline void assert_header(const struct rec *r, const char *class_id, const char *name,
			  const char *severity)
{
	assert_string_equal(r->header[1], "embargo");
	assert_string_equal(r->header[2], "embargo");
	assert_int_equal(strncmp(r->header[3], EMBARGO_VERSION, 31), 0);
	assert_string_equal(r->header[4], class_id);
	assert_string_equal(r->header[5], name);
	assert_string_equal(r->header[6], severity);
}

static inline void make_alert(struct fixture *fx)
{
	fx->ev.kind = EVENT_KIND_ALERT;
	fx->ev.rule = &fx->rule;
}

static inline char *repeat(char c, size_t n, const char *tail)
{
	char *s = malloc(n + strlen(tail) + 1);

	assert_non_null(s);
	memset(s, c, n);
	strcpy(s + n, tail);
	return s;
}

#endif /* EMBARGO_TESTS_CEF_FIXTURE_H */

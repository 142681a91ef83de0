/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The OCSF tests' fixture (test_ocsf.c, test_ocsf_hostile.c): hand-made events written as
 * OCSF 1.8.0 by ocsf.c and parsed back; every attribute checked against ocsf_spec.h.
 */
#ifndef EMBARGO_TESTS_OCSF_FIXTURE_H
#define EMBARGO_TESTS_OCSF_FIXTURE_H

#include <stdio.h>

#include "json_check.h"

#include "rules/fields.h"
#include "process/identity.h"
#include "output/ocsf.h"
#include "rules/rules.h"

#include "ocsf_spec.h"

/* ---- fixture -------------------------------------------------------------------- */

#define SUDO_ARGS "sudo\0ls\0-l\0"
#define INIT_ARGS "/sbin/init\0splash\0"
#define SHA_A "aaaa000000000000000000000000000000000000000000000000000000000001"
#define SHA_B "bbbb000000000000000000000000000000000000000000000000000000000002"
#define WHY "process.name == kav\0process.hash.sha256 == " SHA_A "\0"
#define T_NS 1700000000123456789ULL
#define T_MS 1700000000123LL

struct fx {
	struct host host;
	struct event_env env;
	struct proc proc, parent;
	struct file_ident ident;
	struct rule rule;
	char *refs[2];
	struct package_info pkg;
	struct file_info file;
	struct health health;
	struct event ev;
	struct json_writer w;
	struct jv root;
};

static inline int fx_setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	strcpy(fx->host.name, "box");
	strcpy(fx->host.id, "0f1e2d3c4b5a69788796a5b4c3d2e1f0");
	strcpy(fx->host.kernel, "6.1.0-18-amd64");
	strcpy(fx->host.arch, "x86_64");
	fx->env = (struct event_env){ .host = &fx->host, .users = users__new() };
	strcpy(fx->ident.sha256, SHA_A);
	fx->proc = (struct proc){
		.pid = 4242, .ppid = 1, .uid = 1000, .euid = 0, .gid = 1001, .egid = 0,
		.loginuid = (uint32_t)-1, .sessionid = (uint32_t)-1, .comm = "sudo-rs",
		.exe = "/usr/bin/sudo", .cwd = "/home/ada", .args = SUDO_ARGS,
		.args_len = sizeof(SUDO_ARGS) - 1, .argc = 3, .ident = &fx->ident,
		.entity_id = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	fx->parent = (struct proc){
		.pid = 1, .loginuid = (uint32_t)-1, .sessionid = (uint32_t)-1,
		.comm = "systemd", .exe = "/usr/lib/systemd/systemd", .args = INIT_ARGS,
		.args_len = sizeof(INIT_ARGS) - 1, .argc = 2,
		.entity_id = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
	};
	fx->refs[0] = "https://example.org/ban", fx->refs[1] = "https://example.org/2";
	fx->rule = (struct rule){ .id = "kaspersky-exec", .name = "Kaspersky program runs",
				  .description = "A Kaspersky binary was executed",
				  .severity = SEV_HIGH, .references = fx->refs,
				  .nreferences = 2, .vendor = "Kaspersky" };
	fx->pkg = (struct package_info){ .name = "kesl", .version = "12.0.0-1",
					 .type = "deb", .architecture = "amd64" };
	fx->file = (struct file_info){ .path = "/home/ada/Downloads/kav.deb", .sha256 = SHA_B };
	fx->ev = (struct event){ .time_ns = T_NS, .category = EVENT_CATEGORY_PROCESS,
				 .type = "start", .action = "exec", .proc = &fx->proc,
				 .parent = &fx->parent };
	json__init(&fx->w);
	*state = fx;
	return fx->env.users ? 0 : -1;
}

static inline int fx_teardown(void **state)
{
	struct fx *fx = *state;

	jv_free(&fx->root);
	json__free(&fx->w);
	users__free(fx->env.users);
	free(fx);
	return 0;
}

static inline void dump(const struct fx *fx)
{
	const char *path = getenv("OCSF_DUMP");
	FILE *f = path ? fopen(path, "a") : NULL;

	if (!f)
		return;
	fprintf(f, "%s\n", json__buf(&fx->w));
	fclose(f);
}

/* Write the event, check it is JSON and fits the table; the parsed record. */
static inline const struct jv *emit(struct fx *fx)
{
	struct cursor c;

	assert_int_equal(ocsf__write(&fx->w, &fx->ev, &fx->env), 0);
	if (!valid_json(json__buf(&fx->w), json__len(&fx->w)))
		fail_msg("not JSON: %.300s", json__buf(&fx->w));
	dump(fx);
	jv_free(&fx->root);
	memset(&fx->root, 0, sizeof(fx->root));
	c = (struct cursor){ (const unsigned char *)json__buf(&fx->w),
			     (const unsigned char *)json__buf(&fx->w) + json__len(&fx->w) };
	parse_value(&c, &fx->root);
	check_record(&fx->root);
	return &fx->root;
}

static inline void classified(const struct jv *r, int cls, int activity, const char *name,
		       const char *type_name)
{
	assert_jint(r, "class_uid", cls);
	assert_jint(r, "category_uid", cls / 1000);
	assert_jint(r, "activity_id", activity);
	assert_jstr(r, "activity_name", name);
	assert_jstr(r, "type_name", type_name);
	assert_jint(r, "type_uid", cls * 100 + activity);
}

#endif /* EMBARGO_TESTS_OCSF_FIXTURE_H */

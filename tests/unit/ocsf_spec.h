/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * For test_ocsf.c: OCSF 1.8.0 as the schema defines it, independent of user/output/ocsf.c. The
 * table transcribed by hand from the schema (tests/integration/ocsf_check.py has the same
 * table, and checks it against the schema itself), a JSON parser that reads a record back
 * into a tree, and the check of every attribute of a record against the table.
 */
#ifndef EMBARGO_TESTS_OCSF_SPEC_H
#define EMBARGO_TESTS_OCSF_SPEC_H

#include <stdio.h>

#include "json_check.h"

/* ---- the table: what embargo may write, from the OCSF 1.8.0 schema --------------------
 * Types: integer, long, timestamp (epoch ms), string, boolean, json (any), object (any
 * object), an object's name; "[]" before it: an array; "!" after: the schema requires it.
 */

struct attr {
	const char *name;
	const char *type;
};

struct shape {
	const char *name;	/* object name, or class_uid in decimal */
	const char *file;	/* where it was transcribed from */
	const struct attr *attrs;	/* ends with a NULL name */
};

/* events/base_event.json (actor and device: per class, see below) */
#define BASE_ATTRS                                                                        \
	{ "activity_id", "integer!" }, { "activity_name", "string" },                    \
	{ "category_name", "string" }, { "category_uid", "integer!" },                   \
	{ "class_name", "string" }, { "class_uid", "integer!" }, { "count", "integer" },  \
	{ "end_time", "timestamp" }, { "message", "string" }, { "metadata", "metadata!" }, \
	{ "severity", "string" }, { "severity_id", "integer!" },                         \
	{ "start_time", "timestamp" }, { "status", "string" },                           \
	{ "status_detail", "string" }, { "status_id", "integer" }, { "time", "timestamp!" }, \
	{ "type_name", "string" }, { "type_uid", "long!" }, { "unmapped", "object" },     \
	{ NULL }

/* events/system/system.json makes actor and device required; elsewhere the host profile */
static const struct attr base_event[] = { { "actor", "actor" }, { "device", "device" },
					  BASE_ATTRS };
static const struct attr file_activity[] = { { "actor", "actor!" }, { "device", "device!" },
					     { "file", "file!" }, BASE_ATTRS };
static const struct attr process_activity[] = { { "actor", "actor!" },
						{ "device", "device!" },
						{ "process", "process!" }, BASE_ATTRS };
static const struct attr detection_finding[] = {
	{ "actor", "actor" }, { "device", "device" }, { "evidences", "[]evidences" },
	{ "finding_info", "finding_info!" }, { "is_alert", "boolean" },
	{ "resources", "[]resource_details" }, BASE_ATTRS
};
static const struct attr application_lifecycle[] = { { "actor", "actor" },
						     { "app", "product!" },
						     { "device", "device" }, BASE_ATTRS };

static const struct shape classes[] = {
	{ "0", "events/base_event.json", base_event },
	{ "1001", "events/system/file_activity.json < system.json", file_activity },
	{ "1007", "events/system/process_activity.json < system.json", process_activity },
	{ "2004", "events/findings/detection_finding.json < finding.json", detection_finding },
	{ "6002", "events/application/application_lifecycle.json", application_lifecycle },
};

static const struct shape objects[] = {
	{ "actor", "objects/actor.json",
	  (const struct attr[]){ { "app_name", "string" }, { "process", "process" },
				 { "user", "user" }, { NULL } } },
	{ "analytic", "objects/analytic.json < _entity.json",
	  (const struct attr[]){ { "category", "string" }, { "name", "string" },
				 { "type", "string" }, { "type_id", "integer!" },
				 { "uid", "string" }, { NULL } } },
	{ "device", "objects/device.json < endpoint.json < _entity.json",
	  (const struct attr[]){ { "hostname", "string" }, { "hw_info", "device_hw_info" },
				 { "name", "string" }, { "os", "os" }, { "type", "string" },
				 { "type_id", "integer!" }, { "uid", "string" }, { NULL } } },
	{ "device_hw_info", "objects/device_hw_info.json",
	  (const struct attr[]){ { "cpu_architecture", "string" },
				 { "cpu_architecture_id", "integer" }, { NULL } } },
	{ "evidences", "objects/evidences.json < _entity.json",
	  (const struct attr[]){ { "data", "json" }, { "file", "file" },
				 { "process", "process" }, { NULL } } },
	{ "file", "objects/file.json < _entity.json",
	  (const struct attr[]){ { "ext", "string" }, { "hashes", "[]fingerprint" },
				 { "modified_time", "timestamp" }, { "name", "string!" },
				 { "path", "string" }, { "size", "long" }, { "type", "string" },
				 { "type_id", "integer!" }, { NULL } } },
	{ "finding_info", "objects/finding_info.json",
	  (const struct attr[]){ { "analytic", "analytic" }, { "desc", "string" },
				 { "title", "string" }, { "uid", "string!" }, { NULL } } },
	{ "fingerprint", "objects/fingerprint.json",
	  (const struct attr[]){ { "algorithm", "string" }, { "algorithm_id", "integer!" },
				 { "value", "string!" }, { NULL } } },
	{ "metadata", "objects/metadata.json",
	  (const struct attr[]){ { "correlation_uid", "string" }, { "event_code", "string" },
				 { "log_name", "string" }, { "product", "product!" },
				 { "profiles", "[]string" }, { "sequence", "integer" },
				 { "uid", "string" }, { "version", "string!" }, { NULL } } },
	{ "os", "objects/os.json",
	  (const struct attr[]){ { "kernel_release", "string" }, { "name", "string!" },
				 { "type", "string" }, { "type_id", "integer!" }, { NULL } } },
	{ "process", "objects/process.json < process_entity.json < _entity.json",
	  (const struct attr[]){ { "cmd_line", "string" }, { "created_time", "timestamp" },
				 { "file", "file" }, { "name", "string" },
				 { "parent_process", "process" }, { "pid", "integer" },
				 { "uid", "string" }, { "user", "user" },
				 { "working_directory", "string" }, { NULL } } },
	{ "product", "objects/product.json < _entity.json",
	  (const struct attr[]){ { "name", "string" }, { "uid", "string" },
				 { "vendor_name", "string" }, { "version", "string" },
				 { NULL } } },
	{ "resource_details", "objects/resource_details.json < _resource.json",
	  (const struct attr[]){ { "name", "string" }, { "type", "string" },
				 { "uid", "string" }, { "version", "string" }, { NULL } } },
	{ "user", "objects/user.json < _entity.json",
	  (const struct attr[]){ { "name", "string" }, { "uid", "string" }, { NULL } } },
};

/* ---- the record, parsed ------------------------------------------------------------ */

enum jtype { J_OBJ, J_ARR, J_STR, J_INT, J_BOOL, J_NULL, J_OTHER };

struct jv {
	enum jtype t;
	char *key;		/* in an object */
	char *s;		/* J_STR, decoded */
	size_t len;
	long long i;		/* J_INT, J_BOOL */
	struct jv *kids;
	size_t n;
};

static inline char *parse_string(struct cursor *c, size_t *len)
{
	const unsigned char *start = c->p;
	struct cursor dec;
	char *s;

	c->dec = NULL;
	assert_true(v_string(c));
	s = malloc((size_t)(c->p - start) + 1);
	assert_non_null(s);
	dec = (struct cursor){ start, c->p, s, 0 };
	assert_true(v_string(&dec));
	s[dec.dlen] = '\0';
	*len = dec.dlen;
	return s;
}

static inline void parse_value(struct cursor *c, struct jv *v);

static inline void parse_members(struct cursor *c, struct jv *v, bool object)
{
	v->t = object ? J_OBJ : J_ARR;
	c->p++;
	while (*c->p != (object ? '}' : ']')) {
		struct jv *kid;
		size_t klen;

		v->kids = realloc(v->kids, (v->n + 1) * sizeof(*v->kids));
		assert_non_null(v->kids);
		kid = memset(&v->kids[v->n++], 0, sizeof(*kid));
		if (object) {
			kid->key = parse_string(c, &klen);
			assert_int_equal(*c->p++, ':');
		}
		parse_value(c, kid);
		if (*c->p == ',')
			c->p++;
	}
	c->p++;
}

static inline void parse_value(struct cursor *c, struct jv *v)
{
	char *end;

	switch (*c->p) {
	case '{':
	case '[':
		parse_members(c, v, *c->p == '{');
		return;
	case '"':
		v->t = J_STR;
		v->s = parse_string(c, &v->len);
		return;
	case 't':
	case 'f':
	case 'n':
		v->t = *c->p == 'n' ? J_NULL : J_BOOL;
		v->i = *c->p == 't';
		c->p += *c->p == 'f' ? 5 : 4;
		return;
	}
	v->i = strtoll((const char *)c->p, &end, 10);
	v->t = strchr(".eE", *end) && *end ? J_OTHER : J_INT;
	c->p = (const unsigned char *)end;
}

static inline void jv_free(struct jv *v)
{
	for (size_t i = 0; i < v->n; i++)
		jv_free(&v->kids[i]);
	free(v->kids);
	free(v->key);
	free(v->s);
}

/* "a.b[0].c" */
static inline const struct jv *jget(const struct jv *v, const char *path)
{
	char seg[128];

	while (v && *path) {
		size_t n = strcspn(path, ".[");

		memcpy(seg, path, n);
		seg[n] = '\0';
		path += n;
		if (n) {
			const struct jv *found = NULL;

			for (size_t i = 0; v->t == J_OBJ && i < v->n; i++)
				if (!strcmp(v->kids[i].key, seg))
					found = &v->kids[i];
			v = found;
		}
		if (v && *path == '[') {
			size_t i = strtoul(path + 1, (char **)&path, 10);

			v = v->t == J_ARR && i < v->n ? &v->kids[i] : NULL;
			path++;
		}
		path += *path == '.';
	}
	return v;
}

static inline const struct jv *must(const struct jv *root, const char *path, enum jtype t)
{
	const struct jv *v = jget(root, path);

	if (!v || v->t != t)
		fail_msg("%s: absent or not of type %d", path, t);
	return v;
}

static inline void assert_jstr(const struct jv *root, const char *path, const char *want)
{
	const struct jv *v = must(root, path, J_STR);

	if (strcmp(v->s, want))
		fail_msg("%s: \"%s\", want \"%s\"", path, v->s, want);
}

static inline void assert_jint(const struct jv *root, const char *path, long long want)
{
	const struct jv *v = must(root, path, J_INT);

	if (v->i != want)
		fail_msg("%s: %lld, want %lld", path, v->i, want);
}

static inline void assert_jabsent(const struct jv *root, const char *path)
{
	if (jget(root, path))
		fail_msg("%s: present", path);
}

/* ---- the record, against the table -------------------------------------------------- */

static inline const struct shape *find_shape(const struct shape *s, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s[i].name, name))
			return &s[i];
	return NULL;
}

static inline void check_object(const struct jv *obj, const struct attr *attrs, const char *path);

static inline void check_value(const struct jv *v, const char *type, const char *path)
{
	char t[64], at[512];
	const struct shape *obj;

	snprintf(t, sizeof(t), "%.*s", (int)strcspn(type, "!"), type);
	if (!strncmp(t, "[]", 2)) {
		if (v->t != J_ARR)
			fail_msg("%s: not an array", path);
		for (size_t i = 0; i < v->n; i++) {
			snprintf(at, sizeof(at), "%s[%zu]", path, i);
			check_value(&v->kids[i], t + 2, at);
		}
		return;
	}
	if (!strcmp(t, "integer") ? v->t != J_INT || v->i != (int32_t)v->i :
	    !strcmp(t, "long") ? v->t != J_INT :
	    !strcmp(t, "timestamp") ? v->t != J_INT || v->i < 0 || v->i >= 100000000000000LL :
	    !strcmp(t, "string") ? v->t != J_STR :
	    !strcmp(t, "boolean") ? v->t != J_BOOL :
	    !strcmp(t, "json") ? false : v->t != J_OBJ)
		fail_msg("%s: not of type %s", path, t);
	obj = find_shape(objects, ARRAY_SIZE(objects), t);
	if (obj)
		check_object(v, obj->attrs, path);
	else if (strcmp(t, "integer") && strcmp(t, "long") && strcmp(t, "timestamp") &&
		 strcmp(t, "string") && strcmp(t, "boolean") && strcmp(t, "json") &&
		 strcmp(t, "object"))
		fail_msg("%s: type %s is not in the table", path, t);
}

static inline const struct attr *find_attr(const struct attr *attrs, const char *name)
{
	for (; attrs->name; attrs++)
		if (!strcmp(attrs->name, name))
			return attrs;
	return NULL;
}

static inline void check_object(const struct jv *obj, const struct attr *attrs, const char *path)
{
	char at[512];

	for (size_t i = 0; i < obj->n; i++) {
		const struct attr *a = find_attr(attrs, obj->kids[i].key);

		snprintf(at, sizeof(at), "%s%s%s", path, *path ? "." : "", obj->kids[i].key);
		if (!a)
			fail_msg("%s: not an attribute here (table)", at);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(obj->kids[j].key, obj->kids[i].key))
				fail_msg("%s: twice", at);
		check_value(&obj->kids[i], a->type, at);
	}
	for (; attrs->name; attrs++)
		if (strchr(attrs->type, '!') && !jget(obj, attrs->name))
			fail_msg("%s%s%s: required, missing", path, *path ? "." : "", attrs->name);
}

static inline void check_record(const struct jv *root)
{
	const struct jv *uid = must(root, "class_uid", J_INT);
	char name[24];
	const struct shape *cls;

	snprintf(name, sizeof(name), "%lld", uid->i);
	cls = find_shape(classes, ARRAY_SIZE(classes), name);
	if (!cls)
		fail_msg("class_uid %s: not in the table", name);
	check_object(root, cls->attrs, "");
	assert_int_equal(must(root, "type_uid", J_INT)->i,
			 uid->i * 100 + must(root, "activity_id", J_INT)->i);
	assert_jstr(root, "metadata.version", "1.8.0");
	assert_true(must(root, "time", J_INT)->i > 100000000000LL);
}

#endif /* EMBARGO_TESTS_OCSF_SPEC_H */

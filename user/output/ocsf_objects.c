// SPDX-License-Identifier: GPL-2.0-only
/*
 * The OCSF objects embargo writes (process, file, device, metadata...) and the
 * `unmapped` object. Attribute names are those of the OCSF 1.8.0 objects/ files;
 * values come from the ECS field catalogue.
 */
#include "output/ocsf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/ecs.h"
#include "rules/fields.h"

/* Enum values from objects/file.json, os.json, fingerprint.json, device_hw_info. */
#define FILE_TYPE_REGULAR	1	/* "if the distinction is not known": what we write */
#define FILE_TYPE_EXECUTABLE	8	/* it was exec'd */
#define OS_TYPE_LINUX		200
#define HASH_SHA256		3
#define DEVICE_TYPE_UNKNOWN	0	/* desktop or laptop: the host facts do not say */
#define CPU_ARCH_OTHER		99

/* Catalogue fields OCSF has no attribute for: written as unmapped.<ECS name>. */
static const char *const unmapped_fields[] = {
	/* sorted, so the members of each object are contiguous as json.h needs */
	"embargo.elf.build_id",
	"embargo.elf.soname",
	"embargo.health.alerts",
	"embargo.health.events",
	"embargo.health.hash_backlog",
	"embargo.health.hash_oldest_pending_ms",
	"embargo.health.hash_pending",
	"embargo.health.kernel_drops",
	"embargo.health.outputs_down",
	"embargo.health.outputs_up",
	"embargo.health.rules_version",
	"embargo.health.sensor_state",
	"embargo.health.spool_evicted",
	"embargo.health.spool_records",
	"embargo.health.spool_write_failed",
	"embargo.health.uptime",
	"embargo.package.previous_version",
	"embargo.previous_run.last_heartbeat",
	"embargo.previous_run.last_sequence",
	"embargo.previous_run.run_id",
	"embargo.previous_run.state",
	"embargo.process.app.id",
	"embargo.process.app.path",
	"embargo.process.app.type",
	"embargo.process.args_truncated",
	"embargo.process.audit_session_id",
	"embargo.process.cgroup_id",
	"embargo.process.comm",
	"embargo.process.exe.deleted",
	"embargo.process.exe.device",
	"embargo.process.exe.inode",
	"embargo.process.exe.nlink",
	"embargo.process.exe_source",
	"embargo.process.filename",
	"embargo.process.identity_unavailable",
	"embargo.process.interpreter",
	"embargo.process.late",
	"embargo.process.loader",
	"embargo.process.login_user.id",
	"embargo.process.login_user.name",
	"embargo.process.mnt_ns",
	"embargo.process.script.hash.sha256",
	"embargo.process.script.path",
	"embargo.rule.references",
	"embargo.run.start",
	"embargo.sequence",	/* past metadata.sequence's 32 bits only */
	"embargo.spool.output",
	"embargo.spool.recovered",
	"embargo.spool.write_failed",
	"package.architecture",
	"package.installed",
	"package.type",
	"process.args_count",
	"process.elf.architecture",
	"process.group.id",
	"process.group.name",
	"process.interactive",
	"process.real_group.id",
	"process.real_group.name",
	"process.real_user.id",
	"process.real_user.name",
	"process.tty.char_device.major",
	"process.tty.char_device.minor",
};

/* ---- values ------------------------------------------------------------------------ */

/* OCSF's timestamp_t: milliseconds since the epoch. */
static long long ms_of_ns(long long ns)
{
	return ns / 1000000;
}

static void write_value(struct json_writer *w, const char *key, const struct field_def *f,
			const struct field_value *v)
{
	switch (f->type) {
	case FT_KEYWORD:
		json__string_n(w, key, v->str, v->len);
		break;
	case FT_LONG:
		json__long(w, key, v->num);
		break;
	case FT_BOOL:
		json__bool(w, key, v->num != 0);
		break;
	case FT_DATE:
		json__long(w, key, ms_of_ns(v->num));
		break;
	case FT_LIST:
	case FT_NESTED:
		ecs__write_list(w, key, NULL, v);
		break;
	}
}

void ocsf_copy(struct ocsf_ctx *c, struct json_writer *w, const char *key, const char *ecs)
{
	const struct field_def *f = fields__find(ecs);
	struct field_value v;

	if (!f || !fields__get(f, c->ev, c->env, &v))
		return;
	write_value(w, key, f, &v);
	fields__release(&v);
}

bool ocsf_has(struct ocsf_ctx *c, const char *ecs)
{
	const struct field_def *f = fields__find(ecs);
	struct field_value v;
	bool has = f && fields__get(f, c->ev, c->env, &v);

	if (has)
		fields__release(&v);
	return has;
}

const char *ocsf_key(char *buf, const char *at, const char *name)
{
	int n = snprintf(buf, JSON_MAX_KEY, "%s%s%s", at, *at ? "." : "", name);

	/* too long: an empty key, which the writer refuses and reports, never a wrong one */
	if (n < 0 || n >= JSON_MAX_KEY)
		buf[0] = '\0';
	return buf;
}

/* at.name = ECS field ecs_at.ecs_name */
static void copy_at(struct ocsf_ctx *c, struct json_writer *w, const char *at, const char *name,
		    const char *ecs_at, const char *ecs_name)
{
	char key[JSON_MAX_KEY], ecs[JSON_MAX_KEY];

	ocsf_copy(c, w, ocsf_key(key, at, name), ocsf_key(ecs, ecs_at, ecs_name));
}

static void note_error(struct ocsf_ctx *c, int err)
{
	if (!c->err)
		c->err = err;
}

void ocsf_put_array_of(struct ocsf_ctx *c, struct json_writer *w, const char *key,
		       struct json_writer *elem)
{
	int err = json__end(elem);
	size_t n = json__len(elem);
	char *array;

	if (err) {
		note_error(c, err);
		return;
	}
	array = malloc(n + 3);
	if (!array) {
		note_error(c, -ENOMEM);
		return;
	}
	array[0] = '[';
	memcpy(array + 1, json__buf(elem), n);
	memcpy(array + 1 + n, "]", 2);
	json__raw_value(w, key, array);
	free(array);
}

/* ---- files ------------------------------------------------------------------------ */

/* key = [fingerprint] of the SHA-256 in ECS field ecs, when the event has one. */
static void write_hashes(struct ocsf_ctx *c, struct json_writer *w, const char *key,
			 const char *ecs)
{
	struct json_writer fp;

	if (!ocsf_has(c, ecs))
		return;
	json__init(&fp);
	json__begin(&fp);
	json__long(&fp, "algorithm_id", HASH_SHA256);
	json__string(&fp, "algorithm", "SHA-256");
	ocsf_copy(c, &fp, "value", ecs);
	ocsf_put_array_of(c, w, key, &fp);
	json__free(&fp);
}

static void write_file_type(struct json_writer *w, const char *at, int type_id)
{
	char key[JSON_MAX_KEY];

	json__string(w, ocsf_key(key, at, "type"),
		     type_id == FILE_TYPE_EXECUTABLE ? "Executable File" : "Regular File");
	json__long(w, ocsf_key(key, at, "type_id"), type_id);
}

/* The file a file event is about (objects/file.json). */
void ocsf_write_file(struct ocsf_ctx *c, struct json_writer *w, const char *at)
{
	char key[JSON_MAX_KEY];

	if (!c->ev->file || !ocsf_has(c, "file.name"))
		return;
	copy_at(c, w, at, "ext", "file", "extension");
	write_hashes(c, w, ocsf_key(key, at, "hashes"), "file.hash.sha256");
	copy_at(c, w, at, "name", "file", "name");
	copy_at(c, w, at, "path", "file", "path");
	write_file_type(w, at, FILE_TYPE_REGULAR);
}

/*
 * A process's executable. The catalogue has no field for its file name alone (process.name
 * may be comm), so it is cut from the path here.
 */
static void write_executable(struct ocsf_ctx *c, struct json_writer *w, const char *at,
			     const char *ecs_proc, bool main)
{
	const struct field_def *f;
	struct field_value v;
	char key[JSON_MAX_KEY], ecs[JSON_MAX_KEY];
	const char *slash;

	f = fields__find(ocsf_key(ecs, ecs_proc, "executable"));
	if (!f || !fields__get(f, c->ev, c->env, &v))
		return;
	write_hashes(c, w, ocsf_key(key, at, "hashes"), ocsf_key(ecs, ecs_proc, "hash.sha256"));
	if (main)
		copy_at(c, w, at, "modified_time", "embargo.process", "exe.mtime");
	slash = memrchr(v.str, '/', v.len);
	slash = slash && slash + 1 < v.str + v.len ? slash + 1 : v.str;
	json__string_n(w, ocsf_key(key, at, "name"), slash, v.len - (size_t)(slash - v.str));
	json__string_n(w, ocsf_key(key, at, "path"), v.str, v.len);
	if (main)
		copy_at(c, w, at, "size", "embargo.process", "exe.size");
	write_file_type(w, at, FILE_TYPE_EXECUTABLE);
	fields__release(&v);
}

/* ---- processes -------------------------------------------------------------------- */

/*
 * objects/process.json, from the ECS fields under ecs_proc ("process" or "process.parent").
 * The event's own process (main) has more fields in the catalogue than its parent.
 */
static void write_process_as(struct ocsf_ctx *c, struct json_writer *w, const char *at,
			     const char *ecs_proc, bool main)
{
	char key[JSON_MAX_KEY];

	copy_at(c, w, at, "cmd_line", ecs_proc, "command_line");
	copy_at(c, w, at, "created_time", ecs_proc, "start");
	write_executable(c, w, ocsf_key(key, at, "file"), ecs_proc, main);
	copy_at(c, w, at, "name", ecs_proc, "name");
	if (main)
		ocsf_write_parent(c, w, ocsf_key(key, at, "parent_process"));
	copy_at(c, w, at, "pid", ecs_proc, "pid");
	copy_at(c, w, at, "uid", ecs_proc, "entity_id");
	/* the user it runs as: the effective one, like ECS process.user */
	copy_at(c, w, at, "user.name", ecs_proc, "user.name");
	copy_at(c, w, at, "user.uid", ecs_proc, "user.id");
	if (main)
		copy_at(c, w, at, "working_directory", ecs_proc, "working_directory");
}

void ocsf_write_process(struct ocsf_ctx *c, struct json_writer *w, const char *at)
{
	if (c->ev->proc)
		write_process_as(c, w, at, "process", true);
}

/* The parent; when it is gone, still its pid, which the child carries. */
void ocsf_write_parent(struct ocsf_ctx *c, struct json_writer *w, const char *at)
{
	char key[JSON_MAX_KEY];

	if (c->ev->parent)
		write_process_as(c, w, at, "process.parent", false);
	else if (c->ev->proc)
		json__long(w, ocsf_key(key, at, "pid"), c->ev->proc->ppid);
}

/* ---- embargo itself, and this machine --------------------------------------------- */

/* objects/product.json: embargo, as metadata.product and as the app of its own records. */
void ocsf_write_product(struct json_writer *w, const char *at)
{
	char key[JSON_MAX_KEY];

	json__string(w, ocsf_key(key, at, "name"), "embargo");
	json__string(w, ocsf_key(key, at, "vendor_name"), "embargo");
	json__string(w, ocsf_key(key, at, "version"), EMBARGO_VERSION);
}

/* metadata.sequence is an integer_t, 32 bits: a longer run's numbers go to unmapped */
static bool sequence_fits(const struct event *ev)
{
	return ev->sequence && ev->sequence <= INT32_MAX;
}

void ocsf_write_metadata(struct ocsf_ctx *c, struct json_writer *w)
{
	/* the run: the records of one run of embargo, numbered in metadata.sequence */
	ocsf_copy(c, w, "metadata.correlation_uid", "embargo.run.id");
	ocsf_copy(c, w, "metadata.event_code", "event.action");
	ocsf_copy(c, w, "metadata.log_name", "event.dataset");
	ocsf_write_product(w, "metadata.product");
	/* device and actor come from the host profile in some classes: always declare it */
	json__begin_array(w, "metadata.profiles");
	json__array_string(w, "host");
	json__end_array(w);
	if (sequence_fits(c->ev))
		json__long(w, "metadata.sequence", (long long)c->ev->sequence);
	json__string(w, "metadata.version", OCSF_VERSION);
}

/* The cpu_architecture_id enum of the dictionary, from uname -m. */
static int cpu_architecture_id(const char *machine, const char **caption)
{
	static const struct {
		const char *prefix;
		int id;
		const char *caption;
	} archs[] = {
		{ "x86_64", 1, "x86" }, { "i386", 1, "x86" }, { "i486", 1, "x86" },
		{ "i586", 1, "x86" }, { "i686", 1, "x86" }, { "aarch64", 2, "ARM" },
		{ "arm", 2, "ARM" }, { "riscv", 3, "RISC-V" },
	};

	for (size_t i = 0; i < sizeof(archs) / sizeof(archs[0]); i++) {
		if (!strncmp(machine, archs[i].prefix, strlen(archs[i].prefix))) {
			*caption = archs[i].caption;
			return archs[i].id;
		}
	}
	*caption = machine;	/* Other: the source's own name */
	return CPU_ARCH_OTHER;
}

void ocsf_write_device(struct ocsf_ctx *c, struct json_writer *w)
{
	const char *arch = c->env->host->arch, *caption;

	ocsf_copy(c, w, "device.hostname", "host.hostname");
	if (arch[0]) {
		int id = cpu_architecture_id(arch, &caption);

		json__string(w, "device.hw_info.cpu_architecture", caption);
		json__long(w, "device.hw_info.cpu_architecture_id", id);
	}
	ocsf_copy(c, w, "device.os.kernel_release", "host.os.kernel");
	json__string(w, "device.os.name", "Linux");
	json__string(w, "device.os.type", "Linux");
	json__long(w, "device.os.type_id", OS_TYPE_LINUX);
	json__string(w, "device.type", "Unknown");
	json__long(w, "device.type_id", DEVICE_TYPE_UNKNOWN);
	ocsf_copy(c, w, "device.uid", "host.id");
}

void ocsf_write_unmapped(struct ocsf_ctx *c, struct json_writer *w)
{
	char key[JSON_MAX_KEY];

	for (size_t i = 0; i < sizeof(unmapped_fields) / sizeof(unmapped_fields[0]); i++) {
		if (!strcmp(unmapped_fields[i], "embargo.sequence") && sequence_fits(c->ev))
			continue;
		ocsf_copy(c, w, ocsf_key(key, "unmapped", unmapped_fields[i]), unmapped_fields[i]);
	}
}

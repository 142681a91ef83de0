// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for user/fields.c: the shape of the field table, and what each
 * field reads from a hand-made event (a process, its parent, the host).
 */
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <time.h>

#include "unit.h"

#include "rules/fields.h"
#include "sensor/sensor.h"
#include "process/identity.h"
#include "rules/rules.h"

#define UNSET ((uint32_t)-1)
#define SUDO_ARGS "sudo\0ls\0-l\0"
#define INIT_ARGS "/sbin/init\0splash\0"

struct fixture {
	struct host host;
	struct event_env env;
	struct proc proc, parent;
	struct event ev;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	strcpy(fx->host.name, "box");
	strcpy(fx->host.id, "0f1e2d3c4b5a69788796a5b4c3d2e1f0");
	strcpy(fx->host.kernel, "6.1.0-18-amd64");
	strcpy(fx->host.arch, "x86_64");
	fx->env = (struct event_env){ .host = &fx->host, .users = users__new() };
	fx->proc = (struct proc){
		.pid = 4242, .ppid = 1, .uid = 1000, .euid = 0, .gid = 1001, .egid = 0,
		.loginuid = UNSET, .sessionid = UNSET, .comm = "sudo-rs",
		.exe = "/usr/bin/sudo", .cwd = "/home/ada", .args = SUDO_ARGS,
		.args_len = sizeof(SUDO_ARGS) - 1, .argc = 3,
		.entity_id = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	fx->parent = (struct proc){
		.pid = 1, .uid = 0, .euid = 0, .loginuid = UNSET, .sessionid = UNSET,
		.comm = "systemd", .exe = "/usr/lib/systemd/systemd", .cwd = "/",
		.args = INIT_ARGS, .args_len = sizeof(INIT_ARGS) - 1, .argc = 2,
		.entity_id = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
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

	users__free(fx->env.users);
	free(fx);
	return 0;
}

static bool get(const struct fixture *fx, const char *name, struct field_value *v)
{
	const struct field_def *f = fields__find(name);

	if (!f)
		fail_msg("no field %s", name);
	return fields__get(f, &fx->ev, &fx->env, v);
}

/* The field is present with exactly these len bytes. */
static void assert_bytes(const struct fixture *fx, const char *name, const char *want,
			 size_t len)
{
	struct field_value v;

	if (!get(fx, name, &v))
		fail_msg("%s absent", name);
	assert_int_equal(v.len, len);
	assert_memory_equal(v.str, want, len);
	fields__release(&v);
}

#define assert_str(fx, name, want) assert_bytes(fx, name, want, strlen(want))

static void assert_num(const struct fixture *fx, const char *name, long long want)
{
	struct field_value v;

	if (!get(fx, name, &v))
		fail_msg("%s absent", name);
	assert_int_equal(v.num, want);
}

static void assert_absent(const struct fixture *fx, const char *name)
{
	struct field_value v;

	if (get(fx, name, &v))
		fail_msg("%s present", name);
	assert_null(v.owned);
}

/* ---- the table ---- */

static void test_names_unique(void **state)
{
	size_t n;
	const struct field_def *all = fields__all(&n);

	(void)state;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (!strcmp(all[i].name, all[j].name))
				fail_msg("%s twice (%zu, %zu)", all[i].name, i, j);
}

/* For every prefix "a." and "a.b." of a name, the names starting with it form one run. */
static void test_object_members_contiguous(void **state)
{
	size_t n, first, last;
	const struct field_def *all = fields__all(&n);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		for (const char *dot = strchr(all[i].name, '.'); dot; dot = strchr(dot + 1, '.')) {
			size_t plen = (size_t)(dot - all[i].name) + 1;

			first = n, last = 0;
			for (size_t j = 0; j < n; j++) {
				if (strncmp(all[j].name, all[i].name, plen))
					continue;
				first = j < first ? j : first;
				last = j;
			}
			for (size_t j = first; j <= last; j++)
				if (strncmp(all[j].name, all[i].name, plen))
					fail_msg("%s splits the members of %.*s", all[j].name,
						 (int)plen, all[i].name);
		}
	}
}

/* "a.b" as a value and "a.b.c" would need "b" to be both a value and an object. */
static void test_no_field_is_also_an_object(void **state)
{
	size_t n;
	const struct field_def *all = fields__all(&n);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(all[i].name);

		for (size_t j = 0; j < n; j++)
			if (!strncmp(all[j].name, all[i].name, len) && all[j].name[len] == '.')
				fail_msg("%s is a value and %s a member", all[i].name, all[j].name);
	}
}

static void test_role_matches_name(void **state)
{
	size_t n;
	const struct field_def *all = fields__all(&n);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		bool parent = !strncmp(all[i].name, "process.parent.", 15);

		assert_int_equal(all[i].role == ROLE_PARENT, parent);
		assert_non_null(all[i].get);
	}
}

static void test_find_each_by_name(void **state)
{
	size_t n;
	const struct field_def *all = fields__all(&n);

	(void)state;
	for (size_t i = 0; i < n; i++)
		assert_ptr_equal(fields__find(all[i].name), &all[i]);
}

/* Rules naming these wait for the file's content; no other field makes them wait. */
static void test_content_fields_are_the_read_ones(void **state)
{
	static const char *const content[] = {
		"process.hash.sha256", "process.parent.hash.sha256", "process.elf.architecture",
		"process.elf.sections.name", "process.elf.shared_libraries",
		"embargo.elf.build_id", "embargo.elf.soname", "embargo.elf.strings",
		"embargo.process.identity_unavailable",
		"embargo.process.identity_unavailable_reason",
		"embargo.process.script.hash.sha256", "file.hash.sha256",
	};
	size_t n, found = 0;
	const struct field_def *all = fields__all(&n);

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(content); i++)
		assert_true(fields__from_content(fields__find(content[i])));
	for (size_t i = 0; i < n; i++)
		found += fields__from_content(&all[i]);
	assert_int_equal(found, ARRAY_SIZE(content));
}

static void test_find_unknown_is_null(void **state)
{
	static const char *const names[] = { "", "process", "process.", "process.nope",
					     "user.id.x", "USER.ID", "user.i", " user.id" };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		assert_null(fields__find(names[i]));
}

/* ---- what the fields read ---- */

static void test_process_fields_read_proc(void **state)
{
	struct fixture *fx = *state;

	assert_num(fx, "process.pid", 4242);
	assert_str(fx, "process.executable", "/usr/bin/sudo");
	assert_str(fx, "process.working_directory", "/home/ada");
	assert_str(fx, "process.entity_id", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_bytes(fx, "process.args", S(SUDO_ARGS));
	assert_num(fx, "process.args_count", 3);
	assert_str(fx, "embargo.process.comm", "sudo-rs");
	assert_int_equal(fields__find("process.args")->type, FT_LIST);
}

static void test_parent_fields_read_parent(void **state)
{
	struct fixture *fx = *state;

	assert_num(fx, "process.parent.pid", 1);
	assert_str(fx, "process.parent.executable", "/usr/lib/systemd/systemd");
	assert_str(fx, "process.parent.name", "systemd");
	assert_str(fx, "process.parent.entity_id", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	assert_str(fx, "process.parent.command_line", "/sbin/init splash");
	assert_num(fx, "process.parent.args_count", 2);
	fx->parent.uid = 7, fx->parent.euid = 8;
	assert_str(fx, "process.parent.real_user.id", "7");
	assert_str(fx, "process.parent.user.id", "8");
}

static void test_command_line_joins_args(void **state)
{
	struct fixture *fx = *state;
	struct field_value v;

	assert_true(get(fx, "process.command_line", &v));
	assert_int_equal(v.len, 10);
	assert_string_equal(v.str, "sudo ls -l");
	assert_ptr_equal(v.str, v.owned);
	fields__release(&v);
	assert_null(v.owned);
	/* an empty argument keeps its place */
	fx->proc.args = "a\0\0b\0", fx->proc.args_len = 5;
	assert_str(fx, "process.command_line", "a  b");
	fx->proc.args = NULL, fx->proc.args_len = 0;
	assert_absent(fx, "process.command_line");
}

static void test_name_is_exe_basename(void **state)
{
	struct fixture *fx = *state;

	assert_str(fx, "process.name", "sudo");
	fx->proc.exe = NULL;
	assert_str(fx, "process.name", "sudo-rs");
	assert_absent(fx, "process.executable");
}

static void test_user_id_is_real_uid(void **state)
{
	struct fixture *fx = *state;

	assert_str(fx, "user.id", "1000");
	assert_str(fx, "process.real_user.id", "1000");
	assert_str(fx, "process.user.id", "0");
	assert_str(fx, "group.id", "1001");
	assert_str(fx, "process.real_group.id", "1001");
	assert_str(fx, "process.group.id", "0");
	fx->proc.uid = UINT32_MAX - 1;
	assert_str(fx, "user.id", "4294967294");
	assert_int_equal(fields__find("user.id")->type, FT_KEYWORD);
}

static void test_user_names_from_nss(void **state)
{
	struct fixture *fx = *state;
	uint32_t nobody = 3999999999u;

	assert_str(fx, "process.user.name", getpwuid(0)->pw_name);
	assert_str(fx, "process.group.name", getgrgid(0)->gr_name);
	if (getpwuid(nobody) || getgrgid(nobody))
		skip();
	fx->proc.uid = nobody, fx->proc.gid = nobody;
	assert_absent(fx, "user.name");
	assert_absent(fx, "group.name");
	assert_absent(fx, "user.name");	/* the cached negative answer */
}

static void test_file_in_a_home_names_its_owner(void **state)
{
	struct fixture *fx = *state;
	struct file_info file = { .path = "/home/u/Downloads/kvrt.run" };

	fx->ev.proc = NULL;
	fx->ev.file = &file;
	assert_absent(fx, "user.id");	/* a file of no home (a download event) */
	file.in_home = true;
	file.uid = 0;
	assert_str(fx, "user.id", "0");
	assert_str(fx, "user.name", getpwuid(0)->pw_name);
	assert_absent(fx, "process.user.name");
}

static void test_unset_optional_fields_absent(void **state)
{
	static const char *const absent[] = {
		"embargo.process.login_user.id", "embargo.process.login_user.name",
		"embargo.process.audit_session_id", "process.tty.char_device.major",
		"process.tty.char_device.minor", "embargo.process.cgroup_id",
		"embargo.process.mnt_ns", "embargo.process.exe.inode",
		"embargo.process.exe.device", "embargo.process.exe.mtime",
		"embargo.process.exe_source", "embargo.process.late",
		"embargo.process.args_truncated", "embargo.process.filename",
		"embargo.process.interpreter", "process.start",
	};
	struct fixture *fx = *state;

	for (size_t i = 0; i < ARRAY_SIZE(absent); i++)
		assert_absent(fx, absent[i]);
	assert_num(fx, "process.interactive", 0);
	assert_num(fx, "embargo.process.exe.deleted", 0);
}

static void test_set_optional_fields_present(void **state)
{
	struct fixture *fx = *state;
	struct proc *p = &fx->proc;

	p->loginuid = 1000, p->sessionid = 5, p->tty_major = 136, p->tty_minor = 3;
	p->cgroup_id = 77, p->mntns = 4026531840u, p->exe_source = EXE_KERNEL;
	p->late = true, p->args_truncated = true, p->exe_deleted = true;
	p->file = (struct ev_file){ .dev = 0x803, .ino = 12, .size = 100, .nlink = 1,
				    .mtime_sec = 2, .mtime_nsec = 5 };
	assert_str(fx, "embargo.process.login_user.id", "1000");
	assert_num(fx, "embargo.process.audit_session_id", 5);
	assert_num(fx, "process.tty.char_device.major", 136);
	assert_num(fx, "process.tty.char_device.minor", 3);
	assert_num(fx, "process.interactive", 1);
	assert_num(fx, "embargo.process.cgroup_id", 77);
	assert_num(fx, "embargo.process.mnt_ns", 4026531840u);
	assert_str(fx, "embargo.process.exe_source", "kernel");
	assert_num(fx, "embargo.process.late", 1);
	assert_num(fx, "embargo.process.args_truncated", 1);
	assert_num(fx, "embargo.process.exe.deleted", 1);
	assert_num(fx, "embargo.process.exe.inode", 12);
	assert_num(fx, "embargo.process.exe.device", 0x803);
	assert_num(fx, "embargo.process.exe.size", 100);
	assert_num(fx, "embargo.process.exe.nlink", 1);
	assert_num(fx, "embargo.process.exe.mtime", 2000000005);
}

static void test_no_parent_means_no_parent_fields(void **state)
{
	struct fixture *fx = *state;
	size_t n, absent = 0;
	const struct field_def *all = fields__all(&n);
	struct field_value v;

	fx->ev.parent = NULL;
	for (size_t i = 0; i < n; i++) {
		if (all[i].role != ROLE_PARENT)
			continue;
		assert_false(fields__get(&all[i], &fx->ev, &fx->env, &v));
		absent++;
	}
	assert_true(absent > 0);
	assert_num(fx, "process.pid", 4242);
}

static void test_event_category_is_process_list(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(fields__find("event.category")->type, FT_LIST);
	assert_str(fx, "event.category", "process");
	assert_int_equal(fields__find("event.type")->type, FT_LIST);
	assert_str(fx, "event.type", "start");
}

static void test_event_and_host_fields(void **state)
{
	struct fixture *fx = *state;

	assert_num(fx, "@timestamp", 1700000000123456789LL);
	assert_int_equal(fields__find("@timestamp")->type, FT_DATE);
	assert_str(fx, "event.action", "exec");
	assert_str(fx, "event.kind", "event");
	assert_str(fx, "event.module", "embargo");
	assert_str(fx, "event.dataset", "embargo.process");
	assert_str(fx, "agent.type", "embargo");
	assert_str(fx, "ecs.version", "9.4.0");
	assert_str(fx, "host.name", "box");
	assert_str(fx, "host.hostname", "box");
	assert_str(fx, "host.id", "0f1e2d3c4b5a69788796a5b4c3d2e1f0");
	assert_str(fx, "host.os.kernel", "6.1.0-18-amd64");
	assert_str(fx, "host.architecture", "x86_64");
	assert_str(fx, "host.os.type", "linux");
	/* event fields need no process */
	fx->ev.proc = NULL;
	assert_str(fx, "event.action", "exec");
	assert_absent(fx, "process.pid");
	assert_absent(fx, "user.id");
}

static void test_unknown_host_facts_absent(void **state)
{
	struct fixture *fx = *state;

	fx->host.id[0] = fx->host.kernel[0] = fx->host.arch[0] = '\0';
	assert_absent(fx, "host.id");
	assert_absent(fx, "host.os.kernel");
	assert_absent(fx, "host.architecture");
	fx->ev.action = NULL;
	assert_absent(fx, "event.action");
}

static uint64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void test_process_start_is_wall_clock(void **state)
{
	struct fixture *fx = *state;
	uint64_t boot = clock_ns(CLOCK_BOOTTIME), real = clock_ns(CLOCK_REALTIME);
	struct field_value v;
	long long want;

	fx->proc.start_boot_ns = boot - 5000000000ULL;	/* started 5 s ago */
	want = (long long)(real - 5000000000ULL);
	assert_true(get(fx, "process.start", &v));
	assert_in_range(v.num, want - 50000000LL, want + 50000000LL);
	assert_int_equal(fields__find("process.start")->type, FT_DATE);
}

/* Every field of a fully populated event reads without error, keywords without NULs. */
static void test_every_field_readable(void **state)
{
	struct fixture *fx = *state;
	size_t n, present = 0;
	const struct field_def *all = fields__all(&n);
	struct field_value v;

	fx->proc.uid = fx->proc.gid = 0;	/* ids every system can name */
	fx->proc.loginuid = 0, fx->proc.sessionid = 1, fx->proc.tty_major = 4;
	fx->proc.exe_source = EXE_PROC, fx->proc.file.ino = 1, fx->proc.start_boot_ns = 1;
	fx->proc.cgroup_id = 1, fx->proc.mntns = 1, fx->proc.late = true;
	fx->proc.ident_unavailable = "gone";
	fx->proc.app_type = "flatpak", fx->proc.app_id = "com.example.App", fx->proc.app_path = "/x";
	fx->proc.args_truncated = true, fx->proc.filename = "sudo", fx->proc.interp = "/x";
	fx->parent.start_boot_ns = 1;
	/* what identity.c gives a process: a hash and the ELF facts */
	struct file_ident ident = { .refs = 1, .elf = { .is_elf = true, .arch = "x86_64",
			.build_id = "ab12", .soname = "libx.so.1", .needed = "libc.so.6",
			.needed_len = 10, .sections = ".text", .sections_len = 6,
			.strings = "Copyright", .strings_len = 10 } };

	snprintf(ident.sha256, sizeof(ident.sha256), "%064d", 0);
	fx->proc.ident = fx->proc.script_ident = fx->parent.ident = &ident;
	fx->proc.loader = "/lib64/ld-linux-x86-64.so.2", fx->proc.script = "/tmp/s.sh";
	fx->proc.origin_path = "/opt/V/bin/tool", fx->proc.origin_source = "/opt/V";
	/* the parts only alerts, package, file and state records have */
	char *refs[] = { "https://example.org/ban" };
	struct rule rule = { .id = "r", .name = "R", .description = "d", .vendor = "V",
			     .severity = SEV_HIGH, .references = refs, .nreferences = 1 };
	struct package_info pkg = { "kesl", "12.0", "deb", "amd64", "11.0", 1, "/home/u/x" };
	struct file_info file = { "/tmp/kesl_12.0_amd64.deb", "ab" };

	fx->ev.rule = &rule, fx->ev.why = "process.name == \"kesl\"", fx->ev.why_len = 23;
	fx->ev.package = &pkg, fx->ev.file = &file;
	fx->ev.message = "m", fx->ev.error = "e", fx->ev.outcome = "success";
	/* a folded alert, and a heartbeat's counters */
	struct health health = { .uptime_s = 1, .rules_version = "abc", .sensor_state = "ok" };

	fx->ev.count = 2, fx->ev.first_ns = 1, fx->ev.last_ns = 2, fx->ev.health = &health;
	/* a blocked process */
	struct verdict verdict = { "on", VERDICT_QUARANTINE, VERDICT_QUARANTINED, 4300, "abc-1",
				   3, 1, 2 };

	fx->ev.verdict = &verdict;
	/* the started record: what the kernel gave the sensors */
	struct capabilities caps = { "5.10.0-32-amd64", "tp_btf", "bounded",
				     S("path walk: bounded loop\0"), S("file probe x: y\0") };

	fx->ev.caps = &caps;
	/* every record's run and number; a spool's loss; how the previous run ended */
	struct spool_loss loss = { "ecs:tcp://10.0.0.5:514", 3, true };
	struct previous_run prev = { "unclean", "0e1f-1700000000000000001", 17, 1 };

	strcpy(fx->host.run_id, "0e1f-1700000000000000002");
	fx->host.run_start_ns = 1;
	fx->ev.sequence = 9, fx->ev.spool_loss = &loss, fx->ev.previous_run = &prev;
	for (size_t i = 0; i < n; i++) {
		if (!fields__get(&all[i], &fx->ev, &fx->env, &v))
			continue;
		present++;
		if (all[i].type == FT_KEYWORD) {
			assert_non_null(v.str);
			assert_null(memchr(v.str, '\0', v.len));
		}
		fields__release(&v);
	}
	fx->proc.ident = fx->proc.script_ident = fx->parent.ident = NULL;
	fx->proc.loader = fx->proc.script = NULL;
	fx->proc.origin_path = fx->proc.origin_source = NULL;
	fx->proc.app_type = NULL, fx->proc.app_id = fx->proc.app_path = NULL;
	assert_int_equal(present, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_names_unique),
		T(test_object_members_contiguous),
		T(test_content_fields_are_the_read_ones),
		T(test_no_field_is_also_an_object),
		T(test_role_matches_name),
		T(test_find_each_by_name),
		T(test_find_unknown_is_null),
		T(test_process_fields_read_proc),
		T(test_parent_fields_read_parent),
		T(test_command_line_joins_args),
		T(test_name_is_exe_basename),
		T(test_user_id_is_real_uid),
		T(test_user_names_from_nss),
		T(test_file_in_a_home_names_its_owner),
		T(test_unset_optional_fields_absent),
		T(test_set_optional_fields_present),
		T(test_no_parent_means_no_parent_fields),
		T(test_event_category_is_process_list),
		T(test_event_and_host_fields),
		T(test_unknown_host_facts_absent),
		T(test_process_start_is_wall_clock),
		T(test_every_field_readable),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the rules loader: any bytes as one rule file. A rule set that loads
 * is indexed (match__new) and run against two fixed events, so the index builder and the
 * evaluator see every tree the parser accepts. The loader's contract is checked too: a rule
 * set comes back exactly when no error was reported, and every error reads FILE:LINE:COL.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "process/identity.h"
#include "rules/match.h"
#include "rules/rules.h"

#define NAME "fuzz.yaml"
#define ARGS "kesl\0--start\0/etc/kesl.conf\0"
#define PARENT_ARGS "/sbin/init\0"
#define NEEDED "libc.so.6\0libpthread.so.0\0"
#define SECTIONS ".text\0.rodata\0.data\0"
#define STRINGS "Kaspersky\0Copyright\0"

static struct host host = {
	.name = "box", .id = "5f0c2e0b8a6d4b1e9c3f7a2d1e0b9c8d", .kernel = "6.1.0-fuzz",
	.arch = "x86_64",
};

static struct file_ident ident = {
	.refs = 1,
	.sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	.elf = {
		.is_elf = true, .arch = "x86_64", .build_id = "0123456789abcdef",
		.soname = "libkesl.so.1",
		.needed = NEEDED, .needed_len = sizeof(NEEDED) - 1,
		.sections = SECTIONS, .sections_len = sizeof(SECTIONS) - 1,
		.strings = STRINGS, .strings_len = sizeof(STRINGS) - 1,
	},
};

static struct proc proc = {
	.pid = 42, .ppid = 1, .start_boot_ns = 1000000000ULL, .uid = 0, .euid = 0, .gid = 0,
	.egid = 0, .loginuid = 1000, .sessionid = 3, .mntns = 4026531840U, .tty_major = 136,
	.tty_minor = 1, .cgroup_id = 1234, .comm = "kesl",
	.exe = "/opt/kaspersky/kesl/bin/kesl", .cwd = "/", .filename = "./kesl",
	.interp = "/bin/sh", .args = ARGS, .args_len = sizeof(ARGS) - 1, .argc = 3,
	.file = { .dev = 2049, .ino = 1234, .nlink = 1, .size = 4096 },
	.exe_source = EXE_KERNEL, .entity_id = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	.ident = &ident, .script = "/tmp/kvrt.run", .app_type = "flatpak",
	.app_id = "com.tencent.WeChat", .script_ident = &ident,
};

static struct proc parent = {
	.pid = 1, .loginuid = (uint32_t)-1, .sessionid = (uint32_t)-1, .comm = "systemd",
	.exe = "/usr/lib/systemd/systemd", .args = PARENT_ARGS,
	.args_len = sizeof(PARENT_ARGS) - 1, .argc = 1,
};

static const struct package_info package = {
	.name = "kesl", .version = "12.0.0.6672", .type = "deb", .architecture = "amd64",
};

static const struct file_info file = {
	.path = "/opt/kaspersky/kesl/bin/kesl.tar.gz",
	.sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
};

static char *alert_refs[] = { "https://www.fcc.gov/supplychain/coveredlist",
			      "https://aur.archlinux.org/packages/kesl" };

/* what an alert carries: rules may name rule.* and event.reason too */
static const struct rule alert_rule = {
	.id = "kaspersky-kesl-process", .name = "KESL running", .description = "A KESL program ran",
	.severity = SEV_HIGH, .on = ON_PROCESS, .enabled = true, .references = alert_refs,
	.nreferences = 2, .vendor = "Kaspersky", .file = "kaspersky.yaml", .line = 9,
};

#define WHY "process.name == \"kesl\"\0process.executable ~ \"/opt/*\" (\"/opt/k\")"

static struct event_env env = { .host = &host };

static void on_match(void *ctx, const struct rule *r, const char *why, size_t why_len)
{
	size_t *n = ctx;

	/* the reasons must be NUL-terminated strings inside the buffer */
	if (!r || (why_len && why[why_len - 1] != '\0'))
		__builtin_trap();
	(*n)++;
}

static void run(struct matcher *m, unsigned int on, const struct event *ev)
{
	size_t n = 0;
	int ret = match__event(m, on, MATCH_ALL_RULES, ev, &env, on_match, &n);

	if (ret >= 0 && (size_t)ret != n)
		__builtin_trap();
}

/* "NAME:LINE:COL: text", LINE and COL from 1 */
static bool well_formed(const char *msg)
{
	unsigned long line, col;
	int end = 0;

	if (strncmp(msg, NAME ":", sizeof(NAME)))
		return false;
	if (sscanf(msg + sizeof(NAME), "%lu:%lu: %n", &line, &col, &end) != 2 || !end)
		return false;
	return line >= 1 && col >= 1;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	env.users = users__new();	/* kept for the whole run: names are cached */
	return env.users ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rules_errors errs = { 0 };
	struct ruleset *rs = rules__load_buffer(NAME, (const char *)data, size, &errs);
	struct event full = {
		.time_ns = 1700000000123456789ULL, .kind = EVENT_KIND_EVENT,
		.category = EVENT_CATEGORY_PROCESS, .type = "start", .action = "exec", .outcome = "success",
		.proc = &proc, .parent = &parent, .package = &package, .file = &file,
		.rule = &alert_rule, .why = WHY, .why_len = sizeof(WHY), .message = "a message",
		.error = "an error",
	};
	struct event bare = { .category = EVENT_CATEGORY_PROCESS, .type = "start", .proc = &parent };
	struct matcher *m;

	if (!rs != !!errs.n)
		__builtin_trap();	/* a rule set exactly when nothing was wrong */
	for (size_t i = 0; i < errs.n; i++) {
		if (!errs.msgs[i] || !well_formed(errs.msgs[i])) {
			fprintf(stderr, "malformed error message: %s\n",
				errs.msgs[i] ? errs.msgs[i] : "(null)");
			__builtin_trap();
		}
	}
	rules__errors_free(&errs);
	if (!rs)
		return 0;
	m = match__new(rs);
	if (m) {
		run(m, ON_PROCESS | ON_PACKAGE | ON_FILE, &full);
		run(m, ON_PROCESS, &bare);
		match__free(m);
	}
	rules__free(rs);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for user/program.c: which paths are dynamic loaders, PROG out of
 * `ld.so [OPTIONS] PROG ARGS`, and a #! script's own path. argv is handed over as an
 * exact-size heap copy, so ASan sees any read past its last NUL.
 */
#include <stdio.h>

#include "unit.h"

#include "process/program.h"

/* program__loader_target for exe, cwd and argv (args_len bytes, NULs included). */
static char *target(const char *exe, const char *cwd, const char *args, size_t args_len)
{
	struct proc p = { .exe = (char *)exe, .cwd = (char *)cwd, .args_len = args_len };
	char *out;

	p.args = args ? unit_dup_exact(args, args_len) : NULL;
	out = program__loader_target(&p);
	free(p.args);
	return out;
}

/* The target must be want (NULL: none); compared before anything can leak. */
static void expect_target(const char *exe, const char *cwd, const char *args,
			  size_t args_len, const char *want)
{
	char *got = target(exe, cwd, args, args_len);
	bool ok = want ? got && !strcmp(got, want) : !got;

	if (!ok) {
		fail_msg("target \"%s\", want \"%s\"", got ? got : "(null)",
			 want ? want : "(null)");
	}
	free(got);
}

static void expect_script(const char *filename, const char *interp, const char *cwd,
			  const char *want)
{
	struct proc p = { .filename = (char *)filename, .interp = (char *)interp,
			  .cwd = (char *)cwd };
	char *got = program__script_path(&p);
	bool ok = want ? got && !strcmp(got, want) : !got;

	if (!ok) {
		fail_msg("script \"%s\", want \"%s\"", got ? got : "(null)",
			 want ? want : "(null)");
	}
	free(got);
}

#define LD "/lib64/ld-linux-x86-64.so.2"

static void test_loaders_recognised(void **state)
{
	static const char *const yes[] = {
		"ld-linux-x86-64.so.2", LD, "/lib/ld-linux-aarch64.so.1",
		"/lib/ld-musl-x86_64.so.1", "ld.so", "/usr/lib/ld.so", "/lib64/ld64.so.2",
		"ld64.so.1", "/lib/x86_64-linux-gnu/ld-2.31.so", "ld-linux.so.2",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++)
		if (!program__is_loader(yes[i]))
			fail_msg("%s is a loader", yes[i]);
}

static void test_non_loaders_rejected(void **state)
{
	static const char *const no[] = {
		"ldconfig", "/sbin/ldconfig", "ld", "/usr/bin/ld", "lddtree", "/usr/bin/ldd",
		"/usr/bin/ld.bfd", "ld.gold", "old-ld.so", "/lib64/ld-linux-x86-64.so.2/bash",
		"", "/", "/usr/lib/ld.so.d/",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(no); i++)
		if (program__is_loader(no[i]))
			fail_msg("\"%s\" is no loader", no[i]);
}

static void test_loader_absolute_target(void **state)
{
	(void)state;
	expect_target(LD, "/home/ada", S("ld.so\0/bin/x\0"), "/bin/x");
	expect_target("/lib/ld-musl-x86_64.so.1", NULL, S("ld\0/usr/bin/id\0-u\0"),
		      "/usr/bin/id");
}

static void test_loader_options_with_values_skipped(void **state)
{
	(void)state;
	expect_target(LD, "/srv/app", S("ld.so\0--library-path\0/a\0--argv0\0n\0./x\0-v\0"),
		      "/srv/app/x");
	/* a value that looks like an option or a program is still a value */
	expect_target(LD, "/", S("ld.so\0--argv0\0--list\0--preload\0/p.so\0x\0"), "/x");
	expect_target(LD, "/", S("ld.so\0--audit\0/bin/a\0--inhibit-rpath\0b\0/bin/c\0"),
		      "/bin/c");
	expect_target(LD, "/", S("ld.so\0--glibc-hwcaps-prepend\0x\0--glibc-hwcaps-mask\0"
				 "y\0/bin/c\0"), "/bin/c");
}

static void test_loader_flag_options_skipped(void **state)
{
	(void)state;
	expect_target(LD, "/tmp", S("ld.so\0--list\0/bin/x\0"), "/bin/x");
	expect_target(LD, "/tmp", S("ld.so\0--verify\0--inhibit-cache\0/bin/x\0"), "/bin/x");
}

static void test_loader_double_dash_ends_options(void **state)
{
	(void)state;
	expect_target(LD, "/tmp", S("ld.so\0--\0/bin/x\0"), "/bin/x");
	/* after "--" even a name starting with "--" is the program */
	expect_target(LD, "/w", S("ld.so\0--\0--odd\0"), "/w/--odd");
	expect_target(LD, "/w", S("ld.so\0--\0"), NULL);
}

static void test_loader_without_program(void **state)
{
	(void)state;
	expect_target(LD, "/tmp", S("ld.so\0"), NULL);
	expect_target(LD, "/tmp", S("ld.so\0--list\0"), NULL);
	expect_target(LD, "/tmp", S("ld.so\0\0"), NULL);	/* an empty PROG */
	expect_target(LD, "/tmp", NULL, 0, NULL);
}

static void test_loader_option_value_missing(void **state)
{
	(void)state;
	/* the args end right after the option: no value, no program, no read past them */
	expect_target(LD, "/tmp", S("ld.so\0--preload\0"), NULL);
	expect_target(LD, "/tmp", S("ld.so\0--list\0--library-path\0"), NULL);
	expect_target(LD, "/tmp", S("ld.so\0--argv0\0name\0"), NULL);
}

static void test_loader_relative_target_needs_cwd(void **state)
{
	(void)state;
	expect_target(LD, NULL, S("ld.so\0./x\0"), NULL);
	expect_target(LD, "relative/dir", S("ld.so\0x\0"), NULL);
	expect_target(LD, "", S("ld.so\0x\0"), NULL);
	/* ./ prefixes go, a trailing slash on the cwd is not doubled */
	expect_target(LD, "/home/ada/", S("ld.so\0././bin/x\0"), "/home/ada/bin/x");
	expect_target(LD, "/", S("ld.so\0x\0"), "/x");
}

static void test_non_loader_exe_has_no_target(void **state)
{
	(void)state;
	expect_target("/usr/bin/env", "/tmp", S("env\0/bin/x\0"), NULL);
	expect_target("/sbin/ldconfig", "/tmp", S("ldconfig\0/bin/x\0"), NULL);
	expect_target(NULL, "/tmp", S("ld.so\0/bin/x\0"), NULL);
}

static void test_script_path_with_interp(void **state)
{
	(void)state;
	expect_script("/home/ada/run.py", "/usr/bin/python3", "/tmp", "/home/ada/run.py");
	expect_script("run.sh", "/bin/sh", "/home/ada", "/home/ada/run.sh");
}

static void test_script_path_without_interp(void **state)
{
	(void)state;
	expect_script("/usr/bin/ls", NULL, "/tmp", NULL);
	expect_script(NULL, "/bin/sh", "/tmp", NULL);
}

static void test_script_relative_path_joined_to_cwd(void **state)
{
	(void)state;
	expect_script("./run.sh", "/bin/sh", "/home/ada", "/home/ada/run.sh");
	expect_script("././bin/run.sh", "/bin/sh", "/home/ada/", "/home/ada/bin/run.sh");
	expect_script("../up.sh", "/bin/sh", "/srv/x", "/srv/x/../up.sh");
	expect_script("./run.sh", "/bin/sh", NULL, NULL);
	expect_script("./run.sh", "/bin/sh", "home", NULL);
}

/* A loader known by identity, whatever its name: PROG becomes the executable, once. */
static void test_run_by_loader_names_the_program_whatever_the_runner_is_called(void **state)
{
	static const char args[] = "innocent\0--argv0\0fake\0tool\0x";
	struct proc p = { .exe = strdup("/tmp/innocent"), .cwd = (char *)"/opt/v",
			  .args_len = sizeof(args) };

	(void)state;
	p.args = unit_dup_exact(args, sizeof(args));
	assert_true(program__run_by_loader(&p));
	assert_string_equal(p.exe, "/opt/v/tool");
	assert_string_equal(p.loader, "/tmp/innocent");
	assert_int_equal(p.exe_source, EXE_LOADER);
	/* resolved already: nothing changes */
	assert_false(program__run_by_loader(&p));
	assert_string_equal(p.exe, "/opt/v/tool");
	free(p.exe);
	free(p.loader);
	free(p.args);
	/* no program in argv: not resolved */
	struct proc q = { .exe = strdup("/tmp/innocent"), .args_len = 9 };

	q.args = unit_dup_exact("innocent", 9);
	assert_false(program__run_by_loader(&q));
	assert_null(q.loader);
	free(q.exe);
	free(q.args);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_by_loader_names_the_program_whatever_the_runner_is_called),
		cmocka_unit_test(test_loaders_recognised),
		cmocka_unit_test(test_non_loaders_rejected),
		cmocka_unit_test(test_loader_absolute_target),
		cmocka_unit_test(test_loader_options_with_values_skipped),
		cmocka_unit_test(test_loader_flag_options_skipped),
		cmocka_unit_test(test_loader_double_dash_ends_options),
		cmocka_unit_test(test_loader_without_program),
		cmocka_unit_test(test_loader_option_value_missing),
		cmocka_unit_test(test_loader_relative_target_needs_cwd),
		cmocka_unit_test(test_non_loader_exe_has_no_target),
		cmocka_unit_test(test_script_path_with_interp),
		cmocka_unit_test(test_script_path_without_interp),
		cmocka_unit_test(test_script_relative_path_joined_to_cwd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

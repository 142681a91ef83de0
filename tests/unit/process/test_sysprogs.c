// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for user/process/sysprogs.c on files made in a temporary directory: what is
 * known by inode and by content, each kind apart, links followed, the bound kept, and the
 * list handed to the kernel.
 */
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"

#include "file_fixture.h"
#include "process/sysprogs.h"

struct fixture {
	char dir[64];
	struct identity *id;
	struct sysprogs *s;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	strcpy(fx->dir, "/tmp/embargo-sysprogs-XXXXXX");
	fx->id = identity__new("/proc", 1);
	fx->s = sysprogs__new();
	*state = fx;
	return mkdtemp(fx->dir) && fx->id && fx->s ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx->dir);
	assert_int_equal(system(cmd), 0);
	sysprogs__free(fx->s);
	identity__free(fx->id);
	free(fx);
	return 0;
}

/* dir/name with the given content; its identity as the kernel reports it */
static struct ev_file put(struct fixture *fx, const char *name, const char *content)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", fx->dir, name);
	spit(path, content, strlen(content));
	assert_int_equal(stat(path, &st), 0);
	return (struct ev_file){ .dev = st.st_dev, .ino = st.st_ino };
}

static void add(struct fixture *fx, enum sysprog_kind kind, const char *pattern, const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", fx->dir, pattern);
	sysprogs__add(fx->s, fx->id, kind, path, name);
}

static void test_known_by_inode_and_content_each_kind_apart(void **state)
{
	struct fixture *fx = *state;
	struct ev_file ld = put(fx, "ld-linux.so.2", "loader bytes");
	struct ev_file pm = put(fx, "dpkg", "package manager bytes");
	struct ev_file other = put(fx, "other", "something else");
	char sha[65];

	add(fx, SYSPROG_LOADER, "ld-*.so*", NULL);
	add(fx, SYSPROG_PKG_MANAGER, "dpkg", "dpkg");
	assert_int_equal(sysprogs__len(fx->s, SYSPROG_LOADER), 1);
	assert_int_equal(sysprogs__len(fx->s, SYSPROG_PKG_MANAGER), 1);
	assert_true(sysprogs__by_inode(fx->s, SYSPROG_LOADER, &ld));
	assert_false(sysprogs__by_inode(fx->s, SYSPROG_PKG_MANAGER, &ld));
	assert_true(sysprogs__by_inode(fx->s, SYSPROG_PKG_MANAGER, &pm));
	assert_false(sysprogs__by_inode(fx->s, SYSPROG_LOADER, &other));
	sha256_hex("package manager bytes", strlen("package manager bytes"), sha);
	assert_true(sysprogs__by_hash(fx->s, SYSPROG_PKG_MANAGER, sha));	/* a copy */
	assert_false(sysprogs__by_hash(fx->s, SYSPROG_LOADER, sha));
	assert_false(sysprogs__by_hash(fx->s, SYSPROG_PKG_MANAGER, NULL));
	/* no inode is nothing, whatever the device */
	assert_false(sysprogs__by_inode(fx->s, SYSPROG_LOADER, &(struct ev_file){ .dev = ld.dev }));
}

/* a symlink names the real file: one entry, known by the real inode */
static void test_links_followed_once(void **state)
{
	struct fixture *fx = *state;
	struct ev_file real = put(fx, "apt-real", "apt bytes");
	char link[128];

	snprintf(link, sizeof(link), "%s/apt", fx->dir);
	assert_int_equal(symlink("apt-real", link), 0);
	add(fx, SYSPROG_PKG_MANAGER, "apt", "apt");
	add(fx, SYSPROG_PKG_MANAGER, "apt-real", "apt");
	assert_int_equal(sysprogs__len(fx->s, SYSPROG_PKG_MANAGER), 1);
	assert_true(sysprogs__by_inode(fx->s, SYSPROG_PKG_MANAGER, &real));
}

static void test_files_for_the_kernel_name_their_command(void **state)
{
	struct fixture *fx = *state;
	struct ev_file pm = put(fx, "apt-get", "apt-get bytes");
	struct ev_file_id ids[4];
	const char *names[4];

	put(fx, "ld-x.so", "ld bytes");
	add(fx, SYSPROG_LOADER, "ld-*.so", NULL);
	add(fx, SYSPROG_PKG_MANAGER, "apt-get", "apt-get");
	assert_int_equal(sysprogs__files(fx->s, SYSPROG_PKG_MANAGER, ids, names, 4), 1);
	assert_int_equal(ids[0].dev, pm.dev);
	assert_int_equal(ids[0].ino, pm.ino);
	assert_string_equal(names[0], "apt-get");
	assert_int_equal(sysprogs__files(fx->s, SYSPROG_LOADER, ids, names, 4), 1);
	assert_string_equal(names[0], "ld-x.so");
	assert_int_equal(sysprogs__files(fx->s, SYSPROG_LOADER, ids, names, 0), 0);
}

static void test_bounded_and_missing(void **state)
{
	struct fixture *fx = *state;
	char name[16], content[32];

	for (int i = 0; i < SYSPROGS_MAX + 5; i++) {
		snprintf(name, sizeof(name), "pm%02d", i);
		snprintf(content, sizeof(content), "bytes %d", i);
		put(fx, name, content);
	}
	add(fx, SYSPROG_PKG_MANAGER, "pm*", NULL);
	add(fx, SYSPROG_LOADER, "missing-*", NULL);
	assert_int_equal(sysprogs__len(fx->s, SYSPROG_PKG_MANAGER), SYSPROGS_MAX);
	assert_int_equal(sysprogs__len(fx->s, SYSPROG_LOADER), 0);
	assert_int_equal(sysprogs__len(NULL, SYSPROG_LOADER), 0);
	assert_false(sysprogs__by_hash(NULL, SYSPROG_LOADER, "x"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_known_by_inode_and_content_each_kind_apart),
		T(test_links_followed_once),
		T(test_files_for_the_kernel_name_their_command),
		T(test_bounded_and_missing),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for user/packages/privatedb.c: which dpkg database a session's argv names, and
 * what a session installed in one, read from real status files in a temporary directory.
 */
#include <errno.h>
#include <ftw.h>
#include <sys/stat.h>

#include "file_fixture.h"	/* spit; stdio.h, sys/stat.h, unistd.h */

#include "packages/privatedb.h"

#define STANZA(name, ver) "Package: " name "\nStatus: install ok installed\n" \
	"Architecture: amd64\nVersion: " ver "\n\n"

/* A session root with argv (NUL-separated in one literal) and cwd. */
static struct proc root_of(const char *args, size_t len, const char *cwd)
{
	return (struct proc){ .pid = 1, .args = (char *)args, .args_len = len,
			      .cwd = (char *)cwd };
}

#define ROOT(lit, cwd) root_of(lit, sizeof(lit), cwd)

static void check_admindir(struct proc p, const char *want)
{
	char got[4096];
	bool found = privatedbs__admindir_of(&p, got, sizeof(got));

	if (!want) {
		assert_false(found);
		return;
	}
	assert_true(found);
	assert_string_equal(got, want);
}

static void test_admindir_forms(void **state)
{
	(void)state;
	check_admindir(ROOT("dpkg\0--admindir=/srv/adm\0-i\0x.deb", "/"), "/srv/adm");
	check_admindir(ROOT("dpkg\0--admindir\0/srv/adm\0-i\0x.deb", "/"), "/srv/adm");
	check_admindir(ROOT("dpkg\0--root=/srv/r\0-i\0x.deb", "/"), "/srv/r/var/lib/dpkg");
	check_admindir(ROOT("dpkg\0--root\0/srv/r\0-i\0x.deb", "/"), "/srv/r/var/lib/dpkg");
}

static void test_admindir_last_one_wins(void **state)
{
	(void)state;
	check_admindir(ROOT("dpkg\0--root=/r\0--admindir=/a\0-i\0x.deb", "/"), "/a");
	check_admindir(ROOT("dpkg\0--admindir=/a\0--root=/r\0-i\0x.deb", "/"),
		       "/r/var/lib/dpkg");
}

static void test_admindir_relative_to_cwd(void **state)
{
	(void)state;
	check_admindir(ROOT("dpkg\0--admindir=adm\0-i\0x.deb", "/home/u"), "/home/u/adm");
	check_admindir(ROOT("dpkg\0--admindir=adm\0-i\0x.deb", NULL), NULL);
}

static void test_no_admindir(void **state)
{
	(void)state;
	check_admindir(ROOT("dpkg\0-i\0x.deb", "/"), NULL);
	check_admindir(ROOT("dpkg\0--admindir=/var/lib/dpkg\0-i\0x.deb", "/"), NULL);
	check_admindir(ROOT("dpkg\0--root=/\0-i\0x.deb", "/"), NULL);
	check_admindir(ROOT("dpkg\0--admindir=\0-i\0x.deb", "/"), NULL);
	check_admindir(ROOT("dpkg\0--admindir", "/"), NULL);	/* no value */
	check_admindir(ROOT("dpkg\0--admindirx=/a", "/"), NULL);
	check_admindir(ROOT("dpkg\0-i\0--\0--admindir=/a", "/"), NULL);	/* an operand */
	check_admindir(root_of(NULL, 0, "/"), NULL);
}

/* ---- compare: what changed in a database, as "kind:name@version:path" lines ---- */

struct seen {
	char text[1024];
};

static void record(void *ctx, enum pkg_change kind, const struct pkg *now,
		   const struct pkg *before)
{
	static const char *const kinds[] = { "installed", "upgraded", "removed" };
	struct seen *s = ctx;
	size_t len = strlen(s->text);

	(void)before;
	snprintf(s->text + len, sizeof(s->text) - len, "%s:%s@%s:%s\n", kinds[kind], now->name,
		 now->version, now->path);
}

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/embargo-privatedb-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	(void)state;
	return nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static void put_status(const char *text)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/status", dir);
	spit(path, text, strlen(text));
}

static void test_compare_reports_what_the_session_installed(void **state)
{
	struct privatedbs *dbs = privatedbs__new();
	struct seen s = { "" };
	char want[1024];

	(void)state;
	assert_non_null(dbs);
	put_status(STANZA("linuxqq", "3.2.9"));
	privatedbs__compare(dbs, dir, record, &s);	/* all of it: installed out of sight */
	snprintf(want, sizeof(want), "installed:linuxqq@3.2.9:%s\n", dir);
	assert_string_equal(s.text, want);

	s.text[0] = '\0';
	privatedbs__compare(dbs, dir, record, &s);	/* nothing new */
	assert_string_equal(s.text, "");

	put_status(STANZA("linuxqq", "3.2.10") STANZA("wechat", "4.0"));
	privatedbs__compare(dbs, dir, record, &s);
	snprintf(want, sizeof(want), "upgraded:linuxqq@3.2.10:%s\ninstalled:wechat@4.0:%s\n",
		 dir, dir);
	assert_string_equal(s.text, want);
	privatedbs__free(dbs);
}

static void test_compare_leaves_a_fifo_unread(void **state)
{
	struct privatedbs *dbs = privatedbs__new();
	struct seen s = { "" };
	char path[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/status", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	privatedbs__compare(dbs, dir, record, &s);	/* returns: nobody writes the FIFO */
	assert_string_equal(s.text, "");
	privatedbs__free(dbs);
}

static void test_compare_missing_database_is_empty(void **state)
{
	struct privatedbs *dbs = privatedbs__new();
	struct seen s = { "" };
	char missing[256];

	(void)state;
	snprintf(missing, sizeof(missing), "%s/nope", dir);
	privatedbs__compare(dbs, missing, record, &s);
	assert_string_equal(s.text, "");
	privatedbs__free(dbs);
}

static void test_many_databases_forget_the_oldest(void **state)
{
	struct privatedbs *dbs = privatedbs__new();
	struct seen s = { "" };
	char sub[256];

	(void)state;
	put_status(STANZA("linuxqq", "1"));
	privatedbs__compare(dbs, dir, record, &s);
	for (int i = 0; i < PRIVATEDB_MAX; i++) {	/* others push it out */
		snprintf(sub, sizeof(sub), "%s/none-%d", dir, i);
		privatedbs__compare(dbs, sub, record, &s);
	}
	s.text[0] = '\0';
	privatedbs__compare(dbs, dir, record, &s);	/* said again, as new */
	assert_non_null(strstr(s.text, "installed:linuxqq@1:"));
	privatedbs__free(dbs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_admindir_forms),
		cmocka_unit_test(test_admindir_last_one_wins),
		cmocka_unit_test(test_admindir_relative_to_cwd),
		cmocka_unit_test(test_no_admindir),
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_compare_reports_what_the_session_installed),
		T(test_compare_leaves_a_fifo_unread),
		T(test_compare_missing_database_is_empty),
		T(test_many_databases_forget_the_oldest),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

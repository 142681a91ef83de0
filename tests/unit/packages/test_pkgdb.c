// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for user/pkgdb.c: dpkg status text, the dpkg/flatpak/snap trees in a temporary
 * directory, and what changed between two inventories, all compared as text.
 */
#include <errno.h>
#include <ftw.h>

#include "file_fixture.h"	/* slurp, spit; stdio.h, sys/stat.h, unistd.h */

#include "packages/pkgdb.h"

#define INSTALLED "Status: install ok installed\n"

/* Every package as "type/name/arch version", space-separated. */
static void render(const struct inventory *inv, char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	for (const struct pkg *p = inv->pkgs; p < inv->pkgs + inv->n; p++) {
		len += (size_t)snprintf(out + len, size - len, "%s%s/%s/%s %s", len ? " " : "",
					p->type, p->name, p->arch, p->version);
		assert_true(len < size);
	}
}

/* The inventory holds exactly these packages, in this order; then it is freed. */
static void check_inv(struct inventory *inv, const char *want)
{
	char got[1024];

	render(inv, got, sizeof(got));
	assert_string_equal(got, want);
	pkgdb__free(inv);
	assert_null(inv->pkgs);
	assert_int_equal(inv->n, 0);
}

static void check_parse(const char *text, size_t len, const char *want)
{
	struct inventory inv = { 0 };

	assert_int_equal(pkgdb__parse_dpkg(text, len, &inv), 0);
	check_inv(&inv, want);
}

/* ---- dpkg's status text ---- */

static void test_parse_status_stanzas(void **state)
{
	static const char text[] =
		"Package: base-files\nEssential: yes\n" INSTALLED "Priority: required\n"
		"Architecture: amd64\nVersion: 12.4+deb12u5\n"
		"Description: Debian base system miscellaneous files\n"
		" This package contains the basic filesystem hierarchy of a Debian system.\n"
		" .\n It also contains some miscellaneous files.\n\n"
		"Package: libc6\n" INSTALLED "Priority: optional\nArchitecture: i386\n"
		"Multi-Arch: same\nVersion: 2.36-9+deb12u4\n"
		"Description: GNU C Library: Shared libraries\n Contains the libraries.\n\n"
		"Package: tzdata\n" INSTALLED "Architecture: all\nVersion: 2024a-0+deb12u1\n"
		"Description: time zone and daylight-saving time data\n .\n";

	(void)state;
	check_parse(S(text), "deb/base-files/amd64 12.4+deb12u5 deb/libc6/i386 2.36-9+deb12u4 "
			     "deb/tzdata/all 2024a-0+deb12u1");
}

/* Essential: yes; Priority required or important: what user/protect.c protects */
static void test_parse_priority_and_essential(void **state)
{
	static const char text[] =
		"Package: a\nEssential: yes\n" INSTALLED "Priority: optional\n\n"
		"Package: b\n" INSTALLED "Priority: required\n\n"
		"Package: c\n" INSTALLED "Priority:  important \n\n"
		"Package: d\n" INSTALLED "Priority: standard\nEssential: no\n\n"
		"Package: e\n" INSTALLED "Priority: requiredx\nEssential: yess\n\n";
	static const bool essential[] = { true, false, false, false, false };
	static const bool base[] = { false, true, true, false, false };
	struct inventory inv = { 0 };

	(void)state;
	assert_int_equal(pkgdb__parse_dpkg(S(text), &inv), 0);
	assert_int_equal(inv.n, 5);
	for (size_t i = 0; i < inv.n; i++) {
		assert_int_equal(inv.pkgs[i].essential, essential[i]);
		assert_int_equal(inv.pkgs[i].base_priority, base[i]);
	}
	pkgdb__free(&inv);
}

#define STANZA(name, status) "Package: " name "\nStatus: " status "\n\n"

/* installed, unpacked, half-configured, triggers-awaited, triggers-pending: files on disk */
static void test_parse_keeps_files_on_disk(void **state)
{
	static const char text[] =
		STANZA("a", "install ok installed") STANZA("b", "deinstall ok config-files")
		STANZA("c", "install ok unpacked") STANZA("d", "purge ok not-installed")
		STANZA("e", "install reinstreq half-configured")
		STANZA("f", "install reinstreq half-installed")
		STANZA("g", "install ok triggers-awaited") STANZA("h", "hold ok triggers-pending")
		"Package: i\nVersion: 1\n\n" STANZA("j", "install ok installed-ish")
		STANZA("k", "deinstall ok installed");

	(void)state;
	check_parse(S(text), "deb/a/  deb/c/  deb/e/  deb/g/  deb/h/  deb/k/ ");
}

static void test_parse_fields_in_any_order(void **state)
{
	(void)state;
	check_parse(S("Version: 1:9.2p1-2\nArchitecture: arm64\nDescription: ssh client\n"
		      INSTALLED "Package: openssh-client\n"), "deb/openssh-client/arm64 1:9.2p1-2");
}

static void test_parse_crlf_lines(void **state)
{
	(void)state;
	check_parse(S("Package: a\r\nStatus: install ok installed\r\nArchitecture: amd64\r\n"
		      "Version: 1.0\r\nDescription: x\r\n .\r\n more\r\n\r\n"
		      "Package: b\r\nStatus: install ok installed\r\nVersion: 2\r\n"),
		    "deb/a/amd64 1.0 deb/b/ 2");
}

static void test_parse_missing_version_or_arch_is_empty(void **state)
{
	(void)state;
	check_parse(S("Package: nover\n" INSTALLED "Architecture: amd64\n\n"
		      "Package: noarch\n" INSTALLED "Version: 3\n\nPackage: neither\n" INSTALLED),
		    "deb/nover/amd64  deb/noarch/ 3 deb/neither/ ");
}

static void test_parse_skips_stanza_without_package(void **state)
{
	(void)state;
	check_parse(S(INSTALLED "Version: 1\nArchitecture: amd64\n\n"
		      "Package:\n" INSTALLED "Version: 2\n\n"
		      "Package: real\n" INSTALLED "Version: 3\n"), "deb/real/ 3");
}

static void test_parse_last_line_without_newline(void **state)
{
	(void)state;
	check_parse(S("Package: a\n" INSTALLED "Version: 1.2.3"), "deb/a/ 1.2.3");
}

static void test_parse_status_trailing_blanks(void **state)
{
	(void)state;
	check_parse(S("Package: a\nStatus: install ok installed   \t\nVersion: 1  \n"), "deb/a/ 1");
}

static void test_parse_continuation_is_not_a_field(void **state)
{
	(void)state;
	check_parse(S("Package: real\n" INSTALLED "Version: 1\n"
		      "Description: mentions other fields\n Package: fake\n\tVersion: 666\n"
		      " Status: purge ok not-installed\n Architecture: s390x\n"), "deb/real/ 1");
}

static void test_parse_long_values_cut(void **state)
{
	static char big[5000], text[3 * sizeof(big) + 100];
	struct inventory inv = { 0 };
	int len;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	len = snprintf(text, sizeof(text), "Package: n%s\n" INSTALLED "Version: v%s\n"
		       "Architecture: a%s", big, big, big);
	assert_int_equal(pkgdb__parse_dpkg(text, (size_t)len, &inv), 0);
	assert_int_equal(inv.n, 1);
	assert_int_equal(strlen(inv.pkgs[0].name), 1024);
	assert_int_equal(strlen(inv.pkgs[0].version), 1024);
	assert_int_equal(strlen(inv.pkgs[0].arch), 1024);
	assert_memory_equal(inv.pkgs[0].version, "vxx", 3);
	pkgdb__free(&inv);
}

static void test_parse_empty_input(void **state)
{
	(void)state;
	check_parse("", 0, "");
	check_parse(S("\n\n\r\n\n"), "");
}

static void test_parse_system_status(void **state)
{
	struct inventory inv = { 0 };
	unsigned char *text;
	size_t len, found = 0;

	(void)state;
	if (access("/var/lib/dpkg/status", R_OK))
		skip();
	text = slurp("/var/lib/dpkg/status", &len);
	assert_int_equal(pkgdb__parse_dpkg((const char *)text, len, &inv), 0);
	assert_true(inv.n > 100);
	for (size_t i = 0; i < inv.n; i++)
		found += !strcmp(inv.pkgs[i].name, "dpkg") + !strcmp(inv.pkgs[i].name, "coreutils");
	assert_int_equal(found, 2);
	pkgdb__free(&inv);
	free(text);
}

/* ---- the managers' trees, in a fresh directory per test ---- */

struct tree {
	char dir[64], path[3][96];	/* status, flatpak/app, snaps */
	struct pkgdb_paths paths;
};

static int tree_setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	strcpy(t->dir, "/tmp/embargo-test-pkgdb-XXXXXX");
	if (!mkdtemp(t->dir))
		return free(t), -1;
	for (size_t i = 0; i < 3; i++)
		snprintf(t->path[i], sizeof(t->path[i]), "%s/%s", t->dir,
			 (const char *[]){ "status", "flatpak/app", "snaps" }[i]);
	t->paths = (struct pkgdb_paths){ t->path[0], { t->path[1], NULL }, t->path[2] };
	*state = t;
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int tree_teardown(void **state)
{
	struct tree *t = *state;
	int err = nftw(t->dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);

	free(t);
	return err;
}

/* Under the tree: "a/b/" a directory, "a/b" an empty file, "a/b>t" a link to t. */
static void make(const struct tree *t, const char *const *spec, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char path[512], *target;

		snprintf(path, sizeof(path), "%s/%s", t->dir, spec[i]);
		target = strchr(path, '>');
		if (target)
			*target++ = '\0';
		for (char *s = strchr(path + strlen(t->dir) + 1, '/'); s; s = strchr(s + 1, '/')) {
			*s = '\0';
			assert_true(!mkdir(path, 0755) || errno == EEXIST);
			*s = '/';
		}
		if (target)
			assert_int_equal(symlink(target, path), 0);
		else if (path[strlen(path) - 1] != '/')
			spit(path, "", 0);
	}
}

#define MAKE(t, spec) make(t, spec, ARRAY_SIZE(spec))
#define FLATPAKS "flatpak/com.tencent.WeChat/x86_64 stable flatpak/org.gimp.GIMP/aarch64 stable"
#define SNAPS "snap/core/ 16202 snap/wechat/ 42"

/* active a directory, active a link to one; no active, active dangling: not installed */
static const char *const flatpaks[] = {
	"flatpak/app/com.tencent.WeChat/x86_64/stable/active/files/",
	"flatpak/app/com.tencent.WeChat/current>x86_64/stable",
	"flatpak/app/org.gimp.GIMP/aarch64/stable/0123abcd/files/",
	"flatpak/app/org.gimp.GIMP/aarch64/stable/active>0123abcd",
	"flatpak/app/org.nope.Gone/x86_64/stable/0123abcd/",
	"flatpak/app/org.nope.Dangling/x86_64/beta/active>missing",
	"flatpak/app/.hidden",
};

static const char *const snaps[] = {
	"snaps/partial/", "snaps/wechat_42.snap", "snaps/core_16202.snap",
	"snaps/not-a-snap.txt", "snaps/noversion.snap", "snaps/wechat_43.snap.partial",
};

static void check_read(const struct tree *t, const char *want)
{
	struct inventory inv;

	assert_int_equal(pkgdb__read(&t->paths, &inv), 0);
	check_inv(&inv, want);
}

/* no flatpak or snap directory: no flatpaks, no snaps */
static void test_read_dpkg_status_file(void **state)
{
	struct tree *t = *state;

	spit(t->path[0], S("Package: zsh\n" INSTALLED "Architecture: amd64\nVersion: 5.9-4\n\n"
			   "Package: gone\nStatus: deinstall ok config-files\nVersion: 1\n\n"
			   "Package: wechat\n" INSTALLED "Architecture: amd64\nVersion: 1.0.0\n"));
	check_read(t, "deb/wechat/amd64 1.0.0 deb/zsh/amd64 5.9-4");
}

static void test_read_flatpak_active_deployments(void **state)
{
	struct tree *t = *state;

	MAKE(t, flatpaks);	/* and no dpkg status file */
	check_read(t, FLATPAKS);
}

static void test_read_snap_files(void **state)
{
	struct tree *t = *state;

	MAKE(t, snaps);
	check_read(t, SNAPS);
}

static void test_read_sorted_by_type_name_arch(void **state)
{
	struct tree *t = *state;

	MAKE(t, snaps);
	MAKE(t, flatpaks);
	spit(t->path[0], S("Package: libc6\n" INSTALLED "Architecture: i386\nVersion: 2.36\n\n"
			   "Package: libc6\n" INSTALLED "Architecture: amd64\nVersion: 2.36\n\n"
			   "Package: adduser\n" INSTALLED "Architecture: all\nVersion: 3.134\n"));
	check_read(t, "deb/adduser/all 3.134 deb/libc6/amd64 2.36 deb/libc6/i386 2.36 "
		      FLATPAKS " " SNAPS);
}

/*
 * BUG (fixed in ce04d00): read_snap listed every <name>_<rev>.snap, but snapd keeps earlier
 * revisions' files (refresh.retain): one snap was two entries with one identity, which
 * pkgdb__diff paired by position, reporting false upgrades/downgrades on refresh.
 */
static void test_read_one_entry_per_snap(void **state)
{
	struct tree *t = *state;

	MAKE(t, snaps);
	make(t, (const char *[]){ "snaps/core_16574.snap" }, 1);
	check_read(t, "snap/core/ 16574 snap/wechat/ 42");	/* the newest revision */
}

/*
 * BUG (fixed in ce04d00): with nothing found, pkgdb__read called qsort(NULL, 0, ...), but
 * glibc declares qsort's base nonnull: UBSan stopped the sanitized build (UB in any build).
 */
static void test_read_nothing_installed(void **state)
{
	static const struct tree none = { .paths = { .dpkg_status = "/nonexistent/status",
		.flatpak_dirs = { "/nonexistent/app", NULL }, .snap_dir = "/nonexistent/snaps" } };

	(void)state;
	check_read(&none, "");
}

/* ---- what changed between two inventories ---- */

/* render's text back into an inventory; free with pkgdb__free */
static struct inventory inv_of(const char *text)
{
	struct inventory inv = { 0 };
	char *copy = strdup(text), *save, *id;

	for (id = strtok_r(copy, " ", &save); id; id = strtok_r(NULL, " ", &save)) {
		char *name = strchr(id, '/') + 1, *arch = strchr(name, '/') + 1;
		char *version = strtok_r(NULL, " ", &save);

		name[-1] = arch[-1] = '\0';
		inv.pkgs = realloc(inv.pkgs, ++inv.n * sizeof(*inv.pkgs));
		inv.pkgs[inv.n - 1] = (struct pkg){ strdup(id), strdup(name), strdup(version),
						    strdup(arch), strdup("") };
	}
	free(copy);
	return inv;
}

/* Each change as "+" installed, "-" removed or "^" upgraded, type/name/arch version[<was]. */
struct changes {
	const struct inventory *old, *new;
	char log[512];
};

static bool within(const struct pkg *p, const struct inventory *inv)
{
	return p && p >= inv->pkgs && p < inv->pkgs + inv->n;
}

/* now: the new entry, or the removed one; before: the old entry, NULL on install */
static void record(void *ctx, enum pkg_change kind, const struct pkg *now,
		   const struct pkg *before)
{
	struct changes *cs = ctx;
	size_t len = strlen(cs->log);

	assert_true(within(now, kind == PKG_REMOVED ? cs->old : cs->new));
	assert_true(kind == PKG_INSTALLED ? !before : within(before, cs->old));
	assert_true(kind != PKG_REMOVED || now == before);
	snprintf(cs->log + len, sizeof(cs->log) - len, "%s%c%s/%s/%s %s%s%s", len ? " " : "",
		 "+^-"[kind], now->type, now->name, now->arch, now->version,
		 kind == PKG_UPGRADED ? "<" : "", kind == PKG_UPGRADED ? before->version : "");
}

/* Diffing old against new reports exactly want. */
static void check_diff(const char *old, const char *new, const char *want)
{
	struct inventory a = inv_of(old), b = inv_of(new);
	struct changes cs = { &a, &b, "" };

	pkgdb__diff(&a, &b, record, &cs);
	assert_string_equal(cs.log, want);
	pkgdb__free(&a);
	pkgdb__free(&b);
}

#define BASH "deb/bash/amd64 5.2.15-2"
#define LIBC "deb/libc6/amd64 2.36"
#define WECHAT_FP "flatpak/com.tencent.WeChat/x86_64 stable"
#define CORE "snap/core/ 16202"
#define BASE BASH " " LIBC " " WECHAT_FP " " CORE

static void test_diff_unchanged_reports_nothing(void **state)
{
	(void)state;
	check_diff(BASE, BASE, "");
}

static void test_diff_install(void **state)
{
	(void)state;
	check_diff(BASE, BASH " deb/kesl/amd64 12.0 " LIBC " " WECHAT_FP " " CORE,
		   "+deb/kesl/amd64 12.0");
}

static void test_diff_remove(void **state)
{
	(void)state;
	check_diff(BASE, LIBC " " WECHAT_FP " " CORE, "-" BASH);
	check_diff(BASE, BASH " " LIBC, "-" WECHAT_FP " -" CORE);
}

/* a downgrade too: the version changed */
static void test_diff_version_change_is_upgrade(void **state)
{
	(void)state;
	check_diff(BASE, BASH " deb/libc6/amd64 2.35 flatpak/com.tencent.WeChat/x86_64 beta "
		   "snap/core/ 16574", "^deb/libc6/amd64 2.35<2.36 "
		   "^flatpak/com.tencent.WeChat/x86_64 beta<stable ^snap/core/ 16574<16202");
}

/* Identity is type, name and arch: a change in any of them is a removal and an install. */
static void test_diff_identity_is_type_name_arch(void **state)
{
	(void)state;
	check_diff("deb/wechat/amd64 1 flatpak/wechat/x86_64 1", "deb/wechat/i386 1 snap/wechat/ 1",
		   "-deb/wechat/amd64 1 +deb/wechat/i386 1 -flatpak/wechat/x86_64 1 "
		   "+snap/wechat/ 1");
}

static void test_diff_reports_in_sorted_order(void **state)
{
	(void)state;
	check_diff(BASE, "deb/apt/amd64 2.6.1 deb/libc6/amd64 2.37 "
		   "flatpak/org.gimp.GIMP/x86_64 stable " CORE " snap/wechat/ 42",
		   "+deb/apt/amd64 2.6.1 -" BASH " ^deb/libc6/amd64 2.37<2.36 -" WECHAT_FP
		   " +flatpak/org.gimp.GIMP/x86_64 stable +snap/wechat/ 42");
}

static void test_diff_empty_inventories(void **state)
{
	(void)state;
	check_diff("", "", "");
	check_diff("", BASH " " LIBC, "+" BASH " +" LIBC);
	check_diff(BASH " " LIBC, "", "-" BASH " -" LIBC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_status_stanzas),
		cmocka_unit_test(test_parse_priority_and_essential),
		cmocka_unit_test(test_parse_keeps_files_on_disk),
		cmocka_unit_test(test_parse_fields_in_any_order),
		cmocka_unit_test(test_parse_crlf_lines),
		cmocka_unit_test(test_parse_missing_version_or_arch_is_empty),
		cmocka_unit_test(test_parse_skips_stanza_without_package),
		cmocka_unit_test(test_parse_last_line_without_newline),
		cmocka_unit_test(test_parse_status_trailing_blanks),
		cmocka_unit_test(test_parse_continuation_is_not_a_field),
		cmocka_unit_test(test_parse_long_values_cut),
		cmocka_unit_test(test_parse_empty_input),
		cmocka_unit_test(test_parse_system_status),
		cmocka_unit_test(test_diff_unchanged_reports_nothing),
		cmocka_unit_test(test_diff_install),
		cmocka_unit_test(test_diff_remove),
		cmocka_unit_test(test_diff_version_change_is_upgrade),
		cmocka_unit_test(test_diff_identity_is_type_name_arch),
		cmocka_unit_test(test_diff_reports_in_sorted_order),
		cmocka_unit_test(test_diff_empty_inventories),
#define T(f) cmocka_unit_test_setup_teardown(f, tree_setup, tree_teardown)
		T(test_read_dpkg_status_file),
		T(test_read_flatpak_active_deployments),
		T(test_read_snap_files),
		T(test_read_sorted_by_type_name_arch),
		T(test_read_one_entry_per_snap),
#undef T
		cmocka_unit_test(test_read_nothing_installed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

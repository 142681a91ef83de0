// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for user/process/markers.c: the Package: of real .debs built here by dpkg-deb
 * (gzip, xz and uncompressed control, whatever the file's name), a
 * .flatpakref's Name=, and hostile input: every truncation and byte flip of a real .deb
 * gives its true name or none, never another name and never a crash.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "process/markers.h"

struct deb {
	char dir[64];
	char path[128];
	uint8_t *bytes;
	size_t len;
};

/* A real .deb of package name, its control compressed with z (gzip, none, xz). */
static void build_deb(struct deb *d, const char *name, const char *z)
{
	char cmd[512], control[160];
	FILE *f;
	int fd;

	snprintf(d->dir, sizeof(d->dir), "/tmp/embargo-markers-XXXXXX");
	assert_non_null(mkdtemp(d->dir));
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/pkg/DEBIAN %s/pkg/opt/x && echo hi > %s/pkg/opt/x/f",
		 d->dir, d->dir, d->dir);
	assert_int_equal(system(cmd), 0);
	snprintf(control, sizeof(control), "%s/pkg/DEBIAN/control", d->dir);
	f = fopen(control, "w");
	assert_non_null(f);
	fprintf(f, "Package: %s\nVersion: 4.0.1\nArchitecture: amd64\n"
		   "Maintainer: Test <t@example.org>\nDescription: a test\n", name);
	fclose(f);
	/* saved under a name that says nothing: the content says what it is */
	snprintf(d->path, sizeof(d->path), "%s/x.zip", d->dir);
	snprintf(cmd, sizeof(cmd), "dpkg-deb -Z%s --root-owner-group --build %s/pkg %s >/dev/null",
		 z, d->dir, d->path);
	assert_int_equal(system(cmd), 0);
	fd = open(d->path, O_RDONLY);
	assert_true(fd >= 0);
	d->len = (size_t)lseek(fd, 0, SEEK_END);
	d->bytes = malloc(d->len);
	assert_non_null(d->bytes);
	assert_int_equal(pread(fd, d->bytes, d->len, 0), (ssize_t)d->len);
	close(fd);
}

static void drop_deb(struct deb *d)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", d->dir);
	assert_int_equal(system(cmd), 0);
	free(d->bytes);
}

static void test_deb_package_field_whatever_the_file_name(void **state)
{
	struct deb d;
	struct file_markers m;
	int fd;

	(void)state;
	build_deb(&d, "wechat", "gzip");
	fd = open(d.path, O_RDONLY);
	assert_int_equal(markers__from_fd(fd, &m), 0);
	close(fd);
	assert_int_equal(m.kind, MARKER_DEB);
	assert_string_equal(m.type, "deb");
	assert_string_equal(m.package, "wechat");
	assert_null(m.unread);
	drop_deb(&d);
	build_deb(&d, "linuxqq", "none");
	markers__from_buf(d.bytes, d.len, &m);
	assert_string_equal(m.package, "linuxqq");
	drop_deb(&d);
}

/* dpkg-deb's default: control.tar.xz */
static void test_xz_control(void **state)
{
	struct deb d;
	struct file_markers m;

	(void)state;
	build_deb(&d, "kesl", "xz");
	markers__from_buf(d.bytes, d.len, &m);
	assert_int_equal(m.kind, MARKER_DEB);
	assert_string_equal(m.package, "kesl");
	assert_null(m.unread);
	/* cut inside the xz member: its check cannot be verified, no name */
	for (size_t len = 0; len < 200 && len < d.len; len++) {
		markers__from_buf(d.bytes, len, &m);
		assert_string_equal(m.package, "");
	}
	drop_deb(&d);
}

/* Every prefix and every single-byte change of a real .deb: its name or none, no other. */
static void test_hostile_debs_give_the_true_name_or_none(void **state)
{
	struct deb d;
	struct file_markers m;
	size_t named = 0;

	(void)state;
	build_deb(&d, "com.qq.im.deepin", "gzip");
	for (size_t len = 0; len <= d.len; len++) {
		uint8_t *copy = malloc(len ? len : 1);	/* exactly len: ASan sees any overread */

		memcpy(copy, d.bytes, len);
		markers__from_buf(copy, len, &m);
		free(copy);
		if (m.package[0])
			assert_string_equal(m.package, "com.qq.im.deepin");
		named += m.package[0] != 0;
	}
	assert_true(named > 0);
	for (size_t at = 0; at < d.len && at < 4096; at++) {
		uint8_t saved = d.bytes[at];

		d.bytes[at] ^= 0x5a;
		markers__from_buf(d.bytes, d.len, &m);
		d.bytes[at] = saved;
		/* gzip's CRC stands between a flipped byte and another name */
		if (m.package[0])
			assert_string_equal(m.package, "com.qq.im.deepin");
	}
	drop_deb(&d);
}

static void expect_ref(const char *text, enum marker_kind kind, const char *name)
{
	struct file_markers m;

	markers__from_buf(text, strlen(text), &m);
	assert_int_equal(m.kind, kind);
	assert_string_equal(m.package, name);
}

static void test_flatpakref_name(void **state)
{
	(void)state;
	expect_ref("[Flatpak Ref]\nTitle=WeChat\nName=com.tencent.WeChat\nBranch=stable\n"
		   "Url=https://dl.flathub.org/repo/\nIsRuntime=false\n",
		   MARKER_FLATPAKREF, "com.tencent.WeChat");
	expect_ref("\xef\xbb\xbf# a comment\n\n[Flatpak Ref]\r\nName = com.qq.QQ \r\n",
		   MARKER_FLATPAKREF, "com.qq.QQ");
	/* Name= of another group is not the app's */
	expect_ref("[Flatpak Ref]\nTitle=x\n[Other]\nName=com.qq.QQ\n", MARKER_FLATPAKREF, "");
	/* a name with characters no app id has */
	expect_ref("[Flatpak Ref]\nName=com.qq.QQ;rm -rf\n", MARKER_FLATPAKREF, "");
	expect_ref("[Flatpak Ref]\nName=\n", MARKER_FLATPAKREF, "");
	/* not a flatpakref: the group must come first */
	expect_ref("hello\n[Flatpak Ref]\nName=com.qq.QQ\n", MARKER_NONE, "");
	expect_ref("", MARKER_NONE, "");
}

static void test_other_files_have_no_marker(void **state)
{
	static const uint8_t ar_not_deb[] = "!<arch>\nhello.o/        0           0     0     644     4         `\nabcd";
	struct file_markers m;
	int fd = open("/usr/bin/printf", O_RDONLY);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(markers__from_fd(fd, &m), 0);
	close(fd);
	assert_int_equal(m.kind, MARKER_NONE);
	markers__from_buf(ar_not_deb, sizeof(ar_not_deb) - 1, &m);
	assert_int_equal(m.kind, MARKER_NONE);
	assert_int_equal(markers__from_fd(-1, &m), -EBADF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deb_package_field_whatever_the_file_name),
		cmocka_unit_test(test_xz_control),
		cmocka_unit_test(test_hostile_debs_give_the_true_name_or_none),
		cmocka_unit_test(test_flatpakref_name),
		cmocka_unit_test(test_other_files_have_no_marker),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

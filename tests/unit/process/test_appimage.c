// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for user/process/appimage.c (through markers.c, as downloads are read): the
 * desktop id of AppImages made by tests/integration/squashfs.py (which the integration tests
 * check against the kernel's own squashfs), gzip or stored metadata, a basic or extended
 * root directory, an image past what is in memory read through the fd; and hostile input:
 * every truncation and byte flip gives the true name or none, never a crash.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "process/appimage.h"
#include "process/markers.h"

struct image {
	char dir[64];
	char path[128];
	uint8_t *bytes;
	size_t len;
};

/* An AppImage of kind (squashfs.py's: gzip, plain, zstd, none), and its bytes. */
static void build(struct image *im, const char *kind)
{
	char cmd[512];
	int fd;

	snprintf(im->dir, sizeof(im->dir), "/tmp/embargo-appimage-XXXXXX");
	assert_non_null(mkdtemp(im->dir));
	snprintf(im->path, sizeof(im->path), "%s/x.zip", im->dir);
	snprintf(cmd, sizeof(cmd), "python3 tests/integration/squashfs.py %s %s", im->path,
		 kind);
	assert_int_equal(system(cmd), 0);
	fd = open(im->path, O_RDONLY);
	assert_true(fd >= 0);
	im->len = (size_t)lseek(fd, 0, SEEK_END);
	im->bytes = malloc(im->len);
	assert_non_null(im->bytes);
	assert_int_equal(pread(fd, im->bytes, im->len, 0), (ssize_t)im->len);
	close(fd);
}

static void drop(struct image *im)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", im->dir);
	assert_int_equal(system(cmd), 0);
	free(im->bytes);
}

static void expect_file(const char *kind, const char *name, const char *unread)
{
	struct image im;
	struct file_markers m;
	int fd;

	build(&im, kind);
	fd = open(im.path, O_RDONLY);
	assert_int_equal(markers__from_fd(fd, &m), 0);
	close(fd);
	assert_int_equal(m.kind, MARKER_APPIMAGE);
	assert_string_equal(m.type, "appimage");
	assert_string_equal(m.package, name);
	if (unread)
		assert_string_equal(m.unread, unread);
	else
		assert_null(m.unread);
	drop(&im);
}

static void test_desktop_id_with_gzip_metadata(void **state)
{
	(void)state;
	expect_file("gzip", "wechat", NULL);
}

static void test_desktop_id_with_stored_metadata_and_an_extended_root(void **state)
{
	(void)state;
	expect_file("plain", "wechat", NULL);
}

static void test_zstd_is_said_unread(void **state)
{
	(void)state;
	expect_file("zstd", "", "squashfs compressed with zstd not read");
}

static void test_no_desktop_file_no_name(void **state)
{
	(void)state;
	expect_file("none", "", "no desktop file at the image's root");
}

/* The image lies past the bytes in memory (a runtime of megabytes): it is read by fd. */
static void test_image_past_the_head_is_read_through_the_fd(void **state)
{
	struct image im;
	char id[256];
	int fd;

	(void)state;
	build(&im, "gzip");
	fd = open(im.path, O_RDONLY);
	assert_true(fd >= 0);
	assert_null(appimage__desktop_id(&(struct appimage_src){ im.bytes, 64, fd }, id,
					 sizeof(id)));
	assert_string_equal(id, "wechat");
	assert_non_null(appimage__desktop_id(&(struct appimage_src){ im.bytes, 64, -1 }, id,
					     sizeof(id)));
	assert_string_equal(id, "");
	close(fd);
	drop(&im);
}

/* Every cut and every flipped byte of kind's image: its true name, or none. */
static void hostile(const char *kind, bool checksummed)
{
	struct image im;
	struct file_markers m;
	size_t named = 0, image_at;

	build(&im, kind);
	image_at = im.len - 4096;	/* the image is padded to 4 KiB, and smaller than that */
	for (size_t len = 0; len <= im.len; len += len < image_at ? 997 : 1) {
		uint8_t *copy = malloc(len ? len : 1);	/* exactly len: ASan sees any overread */

		memcpy(copy, im.bytes, len);
		markers__from_buf(copy, len, &m);
		free(copy);
		if (m.package[0])
			assert_string_equal(m.package, "wechat");
		named += m.package[0] != 0;
	}
	assert_true(named > 0);
	for (size_t at = image_at; at < im.len; at++) {
		uint8_t saved = im.bytes[at];

		im.bytes[at] ^= 0x5a;
		markers__from_buf(im.bytes, im.len, &m);
		im.bytes[at] = saved;
		/* zlib's Adler-32 stands between a flipped byte and another name */
		if (m.package[0] && checksummed)
			assert_string_equal(m.package, "wechat");
	}
	drop(&im);
}

static void test_hostile_images_give_the_true_name_or_none(void **state)
{
	(void)state;
	hostile("gzip", true);
	hostile("plain", false);
}

static void test_not_an_appimage(void **state)
{
	static const uint8_t elf_no_magic[64] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
	uint8_t ai[64];
	char id[256];

	(void)state;
	assert_false(appimage__is(elf_no_magic, sizeof(elf_no_magic)));
	memcpy(ai, elf_no_magic, sizeof(ai));
	memcpy(ai + 8, "AI\2", 3);
	assert_true(appimage__is(ai, sizeof(ai)));
	assert_false(appimage__is(ai, 15));
	/* section headers at the end of the address space: no image there */
	memset(ai + 0x28, 0xff, 8);
	assert_non_null(appimage__desktop_id(&(struct appimage_src){ ai, sizeof(ai), -1 }, id,
					     sizeof(id)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_desktop_id_with_gzip_metadata),
		cmocka_unit_test(test_desktop_id_with_stored_metadata_and_an_extended_root),
		cmocka_unit_test(test_zstd_is_said_unread),
		cmocka_unit_test(test_no_desktop_file_no_name),
		cmocka_unit_test(test_image_past_the_head_is_read_through_the_fd),
		cmocka_unit_test(test_hostile_images_give_the_true_name_or_none),
		cmocka_unit_test(test_not_an_appimage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

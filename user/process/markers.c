// SPDX-License-Identifier: GPL-2.0-only
#include "process/markers.h"

#include "process/appimage.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <lzma.h>
#include <zlib.h>

#define AR_MAGIC "!<arch>\n"
#define AR_HEADER 60
#define TAR_BLOCK 512
#define XZ_MEMLIMIT (32u << 20)	/* xz -9's dictionary needs less; a bigger one is refused */

/* A byte range of the input; every read below stays inside one. */
struct span {
	const uint8_t *p;
	size_t len;
};

/* A decimal (ar) or octal (tar) number of a fixed-width field; false if it is not one. */
static bool parse_number(const uint8_t *field, size_t width, unsigned int base, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	while (i < width && field[i] == ' ')
		i++;
	if (i == width || field[i] < '0' || field[i] >= '0' + base)
		return false;
	for (; i < width && field[i] >= '0' && field[i] < '0' + base; i++) {
		if (v > (UINT64_MAX - 9) / base)
			return false;
		v = v * base + (field[i] - '0');
	}
	for (; i < width; i++)
		if (field[i] != ' ' && field[i] != '\0')
			return false;
	*out = v;
	return true;
}

/* Copy a name made only of the characters allowed; false (and "") when it has another. */
static bool take_name(const char *s, size_t n, const char *extra, char *out, size_t size)
{
	out[0] = '\0';
	if (n < 2 || n >= size)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!(c < 0x80 && isalnum(c)) && !(c && strchr(extra, c)))
			return false;
	}
	memcpy(out, s, n);
	out[n] = '\0';
	return true;
}

/*
 * The value of "Key:" (or "Key=") at the start of a line of text, trimmed; NULL if none.
 * one_group: text starts with an INI group's line, and the key must be in that group.
 */
static const char *line_value(struct span text, const char *key, bool one_group,
			      size_t *vlen)
{
	size_t klen = strlen(key) - 1;	/* the name, without its ':' or '=' */

	for (size_t at = 0; at < text.len;) {
		const char *line = (const char *)text.p + at;
		size_t left = text.len - at;
		const char *nl = memchr(line, '\n', left);
		size_t n = nl ? (size_t)(nl - line) : left, start = klen, end = n;

		while (start < n && (line[start] == ' ' || line[start] == '\t'))
			start++;	/* "Name = x" as GKeyFile allows */
		if (n > klen && !memcmp(line, key, klen) && start < n && line[start] == key[klen]) {
			start++;
			while (start < end && (line[start] == ' ' || line[start] == '\t'))
				start++;
			while (end > start && isspace((unsigned char)line[end - 1]))
				end--;
			*vlen = end - start;
			return line + start;
		}
		if (one_group && at && n > 0 && line[0] == '[')
			return NULL;
		at += n + 1;
	}
	return NULL;
}

/* "./control" (or "control") in a tar stream; its bytes, or false. */
static bool tar_control(struct span tar, struct span *control)
{
	for (size_t at = 0; tar.len - at >= TAR_BLOCK;) {
		const uint8_t *h = tar.p + at;
		uint64_t size;
		char name[101];

		if (h[0] == '\0')
			return false;	/* the end-of-archive blocks */
		if (!parse_number(h + 124, 12, 8, &size) || size > tar.len)
			return false;
		memcpy(name, h, 100);
		name[100] = '\0';
		at += TAR_BLOCK;
		if (size > tar.len - at)
			return false;	/* cut: a name read from it could be cut too */
		if ((!strcmp(name, "./control") || !strcmp(name, "control")) &&
		    (h[156] == '0' || h[156] == '\0')) {
			*control = (struct span){ tar.p + at, size };
			return true;
		}
		at += (size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
		if (at > tar.len)
			return false;
	}
	return false;
}

/*
 * Inflate a whole gzip member into out (at most MARKERS_INFLATE_MAX): its size, or 0 when
 * it is cut, too large or fails its CRC: only bytes the file vouches for are read.
 */
static size_t gunzip(struct span in, uint8_t *out)
{
	z_stream z = { .next_in = (Bytef *)in.p, .avail_in = (uInt)in.len, .next_out = out,
		       .avail_out = MARKERS_INFLATE_MAX };
	size_t n;
	int rc;

	if (in.len > UINT32_MAX || inflateInit2(&z, 15 + 16) != Z_OK)
		return 0;
	rc = inflate(&z, Z_FINISH);
	n = rc == Z_STREAM_END ? z.total_out : 0;
	inflateEnd(&z);
	return n;
}

/* The same for an xz member: whole, within the memory limit, its check verified. */
static size_t unxz(struct span in, uint8_t *out)
{
	lzma_stream z = LZMA_STREAM_INIT;
	size_t n;

	if (lzma_stream_decoder(&z, XZ_MEMLIMIT, 0) != LZMA_OK)
		return 0;
	z.next_in = in.p;
	z.avail_in = in.len;
	z.next_out = out;
	z.avail_out = MARKERS_INFLATE_MAX;
	n = lzma_code(&z, LZMA_FINISH) == LZMA_STREAM_END ? (size_t)z.total_out : 0;
	lzma_end(&z);
	return n;
}

typedef size_t (*unpack_fn)(struct span in, uint8_t *out);

/* The Package: field of a control.tar member's bytes (unpack: its decompressor; NULL: none). */
static void deb_control(struct span member, unpack_fn unpack, struct file_markers *m)
{
	uint8_t *plain = unpack ? malloc(MARKERS_INFLATE_MAX) : NULL;
	struct span tar = member, control;
	const char *v;
	size_t vlen;

	if (unpack) {
		if (!plain) {
			m->unread = "out of memory";
			return;
		}
		tar = (struct span){ plain, unpack(member, plain) };
	}
	if (!tar_control(tar, &control))
		m->unread = "no control file";
	else if (!(v = line_value(control, "Package:", false, &vlen)) ||
		 !take_name(v, vlen, "+-.", m->package, sizeof(m->package)))
		m->unread = "no valid Package: field";
	free(plain);
}

/* The ar member named name (with or without GNU's trailing '/'), or false. */
static bool ar_member_name(const uint8_t *h, const char *name)
{
	size_t n = strlen(name);

	if (memcmp(h, name, n))
		return false;
	for (size_t i = n + (h[n] == '/'); i < 16; i++)
		if (h[i] != ' ')
			return false;
	return true;
}

static void read_deb(struct span in, struct file_markers *m)
{
	static const struct {
		const char *name;
		unpack_fn unpack;
	} readable[] = { { "control.tar.gz", gunzip }, { "control.tar.xz", unxz },
			 { "control.tar", NULL } };
	size_t at = strlen(AR_MAGIC);

	m->kind = MARKER_DEB;
	m->type = "deb";
	while (in.len - at >= AR_HEADER) {
		const uint8_t *h = in.p + at;
		uint64_t size;
		struct span member;

		if (h[58] != '`' || h[59] != '\n' || !parse_number(h + 48, 10, 10, &size))
			break;
		at += AR_HEADER;
		member = (struct span){ in.p + at, size < in.len - at ? size : in.len - at };
		for (size_t i = 0; i < sizeof(readable) / sizeof(readable[0]); i++)
			if (ar_member_name(h, readable[i].name)) {
				deb_control(member, readable[i].unpack, m);
				return;
			}
		if (!memcmp(h, "control.tar.", 12)) {
			m->unread = !memcmp(h + 12, "zst", 3) ? "control.tar.zst not read" :
								"unknown control.tar compression";
			return;
		}
		if (size >= in.len - at)
			break;
		at += size + (size & 1);
	}
	m->unread = "no control member";
}

static void read_flatpakref(struct span in, struct file_markers *m)
{
	const uint8_t *group = memmem(in.p, in.len, "[Flatpak Ref]", 13);
	struct span rest;
	const char *v;
	size_t vlen;

	m->kind = MARKER_FLATPAKREF;
	m->type = "flatpak";
	if (!group) {
		m->unread = "no [Flatpak Ref] group";
		return;
	}
	rest = (struct span){ group, in.len - (size_t)(group - in.p) };
	if (!(v = line_value(rest, "Name=", true, &vlen)) ||
	    !take_name(v, vlen, "._-", m->package, sizeof(m->package)))
		m->unread = "no valid Name= in [Flatpak Ref]";
}

/* A flatpakref starts with its group, after blank lines or comments. */
static bool is_flatpakref(struct span in)
{
	size_t at = 0;

	if (in.len >= 3 && !memcmp(in.p, "\xef\xbb\xbf", 3))
		at = 3;
	while (at < in.len) {
		const char *line = (const char *)in.p + at;
		const char *nl = memchr(line, '\n', in.len - at);
		size_t n = nl ? (size_t)(nl - line) : in.len - at;

		if (n && line[0] != '#' && line[0] != '\r')
			return n >= 13 && !memcmp(line, "[Flatpak Ref]", 13);
		at += n + 1;
	}
	return false;
}

static void read_appimage(const struct appimage_src *src, struct file_markers *m)
{
	m->kind = MARKER_APPIMAGE;
	m->type = "appimage";
	m->unread = appimage__desktop_id(src, m->package, sizeof(m->package));
}

static void from_src(const struct appimage_src *src, struct file_markers *m)
{
	struct span in = { src->head, src->head_len };

	memset(m, 0, sizeof(*m));
	if (in.len >= 8 + AR_HEADER && !memcmp(in.p, AR_MAGIC, 8) &&
	    ar_member_name(in.p + 8, "debian-binary"))
		read_deb(in, m);
	else if (is_flatpakref(in))
		read_flatpakref(in, m);
	else if (appimage__is(in.p, in.len))
		read_appimage(src, m);
}

void markers__from_buf(const void *buf, size_t len, struct file_markers *m)
{
	from_src(&(struct appimage_src){ .head = buf, .head_len = len, .fd = -1 }, m);
}

/*
 * Whether a file starting with these bytes can be of a kind with markers: an ar archive, an
 * ELF (an AppImage), or text that may open with a [Flatpak Ref] group after blank lines,
 * comments or a byte-order mark. Most files are none: 64 bytes are read, not a megabyte.
 */
static bool may_have_markers(const uint8_t *head, size_t len)
{
	return len >= 8 && (!memcmp(head, AR_MAGIC, 8) || appimage__is(head, len) ||
			    (head[0] && strchr("[#\r\n\t \xef", head[0])));
}

int markers__from_fd(int fd, struct file_markers *m)
{
	uint8_t head[64], *buf;
	size_t len = 0;
	ssize_t n = 0;

	memset(m, 0, sizeof(*m));
	n = pread(fd, head, sizeof(head), 0);
	if (n < 0)
		return -errno;
	if (!may_have_markers(head, (size_t)n))
		return 0;
	if (!(buf = malloc(MARKERS_READ_MAX)))
		return -ENOMEM;
	while (len < MARKERS_READ_MAX &&
	       (n = pread(fd, buf + len, MARKERS_READ_MAX - len, (off_t)len)) > 0)
		len += (size_t)n;
	if (n < 0) {
		n = -errno;
		free(buf);
		return (int)n;
	}
	from_src(&(struct appimage_src){ .head = buf, .head_len = len, .fd = fd }, m);
	free(buf);
	return 0;
}

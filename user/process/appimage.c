// SPDX-License-Identifier: GPL-2.0-only
#include "process/appimage.h"

#include <elf.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <lzma.h>
#include <zlib.h>

/*
 * Written by hand: no Debian library reads squashfs (squashfuse's libsquashfuse is not
 * packaged as a library in Debian 12), and a name needs only the root directory. Layout:
 * linux/fs/squashfs/squashfs_fs.h (format 4.0, little-endian).
 */
#define SQFS_MAGIC 0x73717368u
#define SQFS_SUPER 96
#define SQFS_META_MAX 8192
#define SQFS_META_PLAIN 0x8000	/* a metadata block's header: stored uncompressed */
#define SQFS_GZIP 1
#define SQFS_XZ 4
#define SQFS_ZSTD 6
#define SQFS_DIR 1
#define SQFS_FILE 2
#define SQFS_SYMLINK 3
#define SQFS_LDIR 8
#define SQFS_INODE_HEADER 16
#define SQFS_DIR_HEADER 12
#define SQFS_DIR_ENTRY 8
#define SQFS_DIR_COUNT_MAX 256	/* entries per directory header (the format's bound) */
#define DIR_BYTES_MAX (256u << 10)	/* a root listing longer than this is not read */
#define XZ_MEMLIMIT (32u << 20)

struct sqfs {
	const struct appimage_src *src;
	uint64_t base;		/* where the image starts in the file */
	uint64_t used;		/* its bytes_used: every table lies below */
	uint16_t compressor;
	uint64_t inode_table, dir_table;
	unsigned int blocks;	/* metadata blocks read so far */
};

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* n bytes at off of the file: from its head when there, else read. */
static bool read_at(const struct appimage_src *src, uint64_t off, void *out, size_t n)
{
	size_t got = 0;

	if (off <= src->head_len && n <= src->head_len - off) {
		memcpy(out, src->head + off, n);
		return true;
	}
	if (src->fd < 0 || off > INT64_MAX - n)
		return false;
	while (got < n) {
		ssize_t r = pread(src->fd, (uint8_t *)out + got, n - got, (off_t)(off + got));

		if (r <= 0 && !(r < 0 && errno == EINTR))
			return false;
		if (r > 0)
			got += (size_t)r;
	}
	return true;
}

bool appimage__is(const void *head, size_t len)
{
	const uint8_t *h = head;

	return len >= EI_NIDENT && !memcmp(h, ELFMAG, SELFMAG) && h[8] == 'A' && h[9] == 'I' &&
	       h[10] == 2;
}

/* The image follows the runtime's section headers, as the runtime itself finds it. */
static bool image_offset(const uint8_t *h, size_t len, uint64_t *off)
{
	uint64_t shoff;
	uint16_t entsize, num;

	if (h[EI_CLASS] == ELFCLASS64 && len >= sizeof(Elf64_Ehdr)) {
		shoff = le64(h + offsetof(Elf64_Ehdr, e_shoff));
		entsize = le16(h + offsetof(Elf64_Ehdr, e_shentsize));
		num = le16(h + offsetof(Elf64_Ehdr, e_shnum));
	} else if (h[EI_CLASS] == ELFCLASS32 && len >= sizeof(Elf32_Ehdr)) {
		shoff = le32(h + offsetof(Elf32_Ehdr, e_shoff));
		entsize = le16(h + offsetof(Elf32_Ehdr, e_shentsize));
		num = le16(h + offsetof(Elf32_Ehdr, e_shnum));
	} else {
		return false;
	}
	if (shoff > UINT64_MAX - (uint64_t)entsize * num)
		return false;
	*off = shoff + (uint64_t)entsize * num;
	return true;
}

static bool unpack(uint16_t compressor, const uint8_t *in, size_t n, uint8_t *out,
		   size_t *got)
{
	if (compressor == SQFS_GZIP) {
		uLongf len = SQFS_META_MAX;

		if (uncompress(out, &len, in, n) != Z_OK)
			return false;
		*got = len;
		return true;
	}
	if (compressor == SQFS_XZ) {
		uint64_t limit = XZ_MEMLIMIT;
		size_t in_pos = 0, out_pos = 0;

		if (lzma_stream_buffer_decode(&limit, 0, NULL, in, &in_pos, n, out, &out_pos,
					      SQFS_META_MAX) != LZMA_OK)
			return false;
		*got = out_pos;
		return true;
	}
	return false;
}

/*
 * len bytes of the metadata at table + block, skip bytes into its (decompressed) blocks,
 * which follow each other there: an inode, a directory listing.
 */
static bool read_meta(struct sqfs *s, uint64_t table, uint64_t block, size_t skip,
		      uint8_t *out, size_t len)
{
	uint8_t raw[SQFS_META_MAX], plain[SQFS_META_MAX], hdr[2];
	uint64_t pos = table + block;
	size_t copied = 0;

	if (block > s->used || table > s->used - block)
		return false;
	while (copied < len) {
		size_t n, m;

		if (++s->blocks > APPIMAGE_META_BLOCKS || pos > s->used - 2 ||
		    !read_at(s->src, s->base + pos, hdr, 2))
			return false;
		n = le16(hdr) & ~SQFS_META_PLAIN;
		if (!n || n > SQFS_META_MAX || n > s->used - pos - 2 ||
		    !read_at(s->src, s->base + pos + 2, raw, n))
			return false;
		if (le16(hdr) & SQFS_META_PLAIN)
			memcpy(plain, raw, m = n);
		else if (!unpack(s->compressor, raw, n, plain, &m))
			return false;
		pos += 2 + n;
		if (skip >= m) {
			skip -= m;
			continue;
		}
		n = m - skip < len - copied ? m - skip : len - copied;
		memcpy(out + copied, plain + skip, n);
		copied += n;
		skip = 0;
	}
	return true;
}

static const char *read_super(struct sqfs *s)
{
	uint8_t sb[SQFS_SUPER];

	if (!read_at(s->src, s->base, sb, sizeof(sb)) || le32(sb) != SQFS_MAGIC)
		return "no squashfs image after the ELF runtime";
	if (le16(sb + 28) != 4)
		return "squashfs version not 4";
	s->compressor = le16(sb + 20);
	s->used = le64(sb + 40);
	s->inode_table = le64(sb + 64);
	s->dir_table = le64(sb + 72);
	if (s->compressor == SQFS_ZSTD)
		return "squashfs compressed with zstd not read";
	if (s->compressor != SQFS_GZIP && s->compressor != SQFS_XZ)
		return "squashfs compression not read";
	if (s->used < SQFS_SUPER || s->used > INT64_MAX - s->base ||
	    s->inode_table >= s->used || s->dir_table >= s->used)
		return "squashfs tables out of the image";
	return NULL;
}

/* The root directory's listing: where it starts in the directory table, and its length. */
struct listing {
	uint32_t block;
	uint16_t offset;
	uint32_t size;
};

static const char *root_listing(struct sqfs *s, struct listing *l)
{
	uint8_t sb[SQFS_SUPER], ino[SQFS_INODE_HEADER + 24];
	uint64_t ref;
	uint16_t type;

	if (!read_at(s->src, s->base, sb, sizeof(sb)))
		return "squashfs superblock unreadable";
	ref = le64(sb + 32);
	if (!read_meta(s, s->inode_table, ref >> 16, ref & 0xffff, ino, SQFS_INODE_HEADER))
		return "squashfs root inode unreadable";
	type = le16(ino);
	if (type == SQFS_DIR &&
	    read_meta(s, s->inode_table, ref >> 16, ref & 0xffff, ino, SQFS_INODE_HEADER + 16)) {
		*l = (struct listing){ .block = le32(ino + 16), .size = le16(ino + 24),
				       .offset = le16(ino + 26) };
		return NULL;
	}
	if (type == SQFS_LDIR &&
	    read_meta(s, s->inode_table, ref >> 16, ref & 0xffff, ino, SQFS_INODE_HEADER + 24)) {
		*l = (struct listing){ .size = le32(ino + 20), .block = le32(ino + 24),
				       .offset = le16(ino + 34) };
		return NULL;
	}
	return "squashfs root is not a directory";
}

/* A name of the desktop file's kind: "x.desktop", x made of what a desktop id holds. */
static bool desktop_id(const uint8_t *name, size_t n, char *id, size_t size)
{
	static const char suffix[] = ".desktop";
	size_t idlen = n - (sizeof(suffix) - 1);

	if (n <= sizeof(suffix) - 1 || memcmp(name + idlen, suffix, sizeof(suffix) - 1) ||
	    idlen < 2 || idlen >= size)
		return false;
	for (size_t i = 0; i < idlen; i++)
		if (!(name[i] >= 'a' && name[i] <= 'z') && !(name[i] >= 'A' && name[i] <= 'Z') &&
		    !(name[i] >= '0' && name[i] <= '9') && !memchr("._-", name[i], 3))
			return false;
	memcpy(id, name, idlen);
	id[idlen] = '\0';
	return true;
}

/* The first desktop file (a file or a link) in a listing of len bytes. */
static bool find_desktop(const uint8_t *d, size_t len, char *id, size_t size)
{
	size_t at = 0;

	while (len - at >= SQFS_DIR_HEADER) {
		uint32_t count = le32(d + at) + 1;

		at += SQFS_DIR_HEADER;
		if (count > SQFS_DIR_COUNT_MAX)
			return false;
		for (uint32_t i = 0; i < count; i++) {
			uint16_t type;
			size_t n;

			if (len - at < SQFS_DIR_ENTRY)
				return false;
			type = le16(d + at + 4);
			n = (size_t)le16(d + at + 6) + 1;
			if (n > len - at - SQFS_DIR_ENTRY)
				return false;
			if ((type == SQFS_FILE || type == SQFS_SYMLINK) &&
			    desktop_id(d + at + SQFS_DIR_ENTRY, n, id, size))
				return true;
			at += SQFS_DIR_ENTRY + n;
		}
	}
	return false;
}

const char *appimage__desktop_id(const struct appimage_src *src, char *id, size_t size)
{
	struct sqfs s = { .src = src };
	struct listing l;
	const char *why;
	uint8_t *dir;
	bool found;

	id[0] = '\0';
	if (!appimage__is(src->head, src->head_len) ||
	    !image_offset(src->head, src->head_len, &s.base) || s.base > INT64_MAX)
		return "not an AppImage";
	if ((why = read_super(&s)) || (why = root_listing(&s, &l)))
		return why;
	if (l.size <= 3)	/* the size counts "." and "..", which are not listed */
		return "no desktop file at the image's root";
	if (l.size - 3 > DIR_BYTES_MAX)
		return "squashfs root listing too long";
	if (!(dir = malloc(l.size - 3)))
		return "out of memory";
	found = read_meta(&s, s.dir_table, l.block, l.offset, dir, l.size - 3) &&
		find_desktop(dir, l.size - 3, id, size);
	free(dir);
	return found ? NULL : "no desktop file at the image's root";
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by test_elfinfo.c and test_identity.c: whole files in and out, their
 * SHA-256 computed independently of identity.c, a string scanner, a 64-bit little-endian
 * ELF's section headers read and rewritten in place (hostile variants of a real binary),
 * and checks of the NUL-separated lists struct elf_info holds.
 */
#ifndef EMBARGO_TESTS_FILE_FIXTURE_H
#define EMBARGO_TESTS_FILE_FIXTURE_H

#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "unit.h"

#include "lib/strscan.h"

/* The whole file at path, malloc'ed; its size in *len. */
static inline unsigned char *slurp(const char *path, size_t *len)
{
	struct stat st;
	unsigned char *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	assert_non_null(buf);
	assert_int_equal(pread(fd, buf, (size_t)st.st_size, 0), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

/* Replace path's content with len bytes of buf. */
static inline void spit(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

/* Lowercase hex SHA-256 of a buffer or a file, by OpenSSL's one-shot EVP_Digest. */
static inline void sha256_hex(const void *buf, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;

	assert_int_equal(EVP_Digest(buf, len, md, &md_len, EVP_sha256(), NULL), 1);
	assert_int_equal(md_len, 32);
	for (unsigned int i = 0; i < md_len; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static inline void sha256_of_path(const char *path, char out[65])
{
	size_t len;
	unsigned char *buf = slurp(path, &len);

	sha256_hex(buf, len, out);
	free(buf);
}

/* A scanner for a fixed list of patterns. */
static inline struct strscan *strscan_of(const char *const *pats, size_t n)
{
	struct strscan *s = strscan__new((char *const *)pats, n);

	assert_non_null(s);
	return s;
}

/* The ELF header and section headers of a buffer, copied out and back (any alignment). */
static inline Elf64_Ehdr ehdr_of(const unsigned char *buf)
{
	Elf64_Ehdr eh;

	memcpy(&eh, buf, sizeof(eh));
	return eh;
}

static inline Elf64_Shdr shdr_of(const unsigned char *buf, size_t i)
{
	Elf64_Ehdr eh = ehdr_of(buf);
	Elf64_Shdr sh;

	memcpy(&sh, buf + eh.e_shoff + i * eh.e_shentsize, sizeof(sh));
	return sh;
}

static inline void shdr_set(unsigned char *buf, size_t i, const Elf64_Shdr *sh)
{
	Elf64_Ehdr eh = ehdr_of(buf);

	memcpy(buf + eh.e_shoff + i * eh.e_shentsize, sh, sizeof(*sh));
}

/* The index of the section called name in a well-formed buffer; fails the test if none. */
static inline size_t section_index(const unsigned char *buf, const char *name)
{
	Elf64_Ehdr eh = ehdr_of(buf);
	Elf64_Shdr strtab = shdr_of(buf, eh.e_shstrndx);

	for (size_t i = 0; i < eh.e_shnum; i++)
		if (!strcmp((const char *)buf + strtab.sh_offset + shdr_of(buf, i).sh_name, name))
			return i;
	fail_msg("no section %s", name);
	return 0;
}

/* NUL-separated lists (struct elf_info): how many names, whether s is one, exact content */
static inline size_t list_count(const char *list, size_t len)
{
	size_t n = 0;

	for (size_t off = 0; off < len; off += strlen(list + off) + 1)
		n++;
	return n;
}

static inline bool list_has(const char *list, size_t len, const char *s)
{
	for (size_t off = 0; off < len; off += strlen(list + off) + 1)
		if (!strcmp(list + off, s))
			return true;
	return false;
}

static inline void assert_list(const char *list, size_t len, const char *want,
			       size_t want_len)
{
	assert_int_equal(len, want_len);
	if (want_len)
		assert_memory_equal(list, want, want_len);
	else
		assert_null(list);
}

/* What the exec probe would report for the file st describes. */
static inline struct ev_file ran_from_stat(const struct stat *st)
{
	return (struct ev_file){ .dev = st->st_dev, .ino = st->st_ino,
				 .size = (uint64_t)st->st_size, .mode = st->st_mode,
				 .mtime_sec = st->st_mtim.tv_sec,
				 .mtime_nsec = (uint32_t)st->st_mtim.tv_nsec,
				 .ctime_sec = st->st_ctim.tv_sec,
				 .ctime_nsec = (uint32_t)st->st_ctim.tv_nsec };
}

/*
 * A copy of /usr/bin/true in a new temp dir made from tmpl (dir, 32 bytes), at path
 * (dir/true, 64 bytes), with its SHA-256 by OpenSSL in sha: 0, or -1.
 */
static inline int copy_of_true(const char *tmpl, char dir[32], char path[64], char sha[65])
{
	unsigned char *buf;
	size_t len;

	snprintf(dir, 32, "%s", tmpl);
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, 64, "%s/true", dir);
	buf = slurp("/usr/bin/true", &len);
	spit(path, buf, len);
	sha256_hex(buf, len, sha);
	free(buf);
	return 0;
}

#endif /* EMBARGO_TESTS_FILE_FIXTURE_H */

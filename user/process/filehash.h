/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A file's version and its content hash, for the identity cache (identity.h). The hash reads
 * at most the size the version says, and a version is checked again after: a file grown or
 * changed while it was read is no version at all (docs/identity.md).
 */
#ifndef EMBARGO_FILEHASH_H
#define EMBARGO_FILEHASH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

/* A file's identity: a change of any part means new content may be behind it. */
struct file_key {
	uint64_t dev, ino, size;
	int64_t mtime_sec, ctime_sec;
	uint32_t mtime_nsec, ctime_nsec;
};

struct file_key file_key__of_stat(const struct stat *st);
/* The open file still is that version (size, mtime, ctime); false if fstat fails. */
bool file_key__still(int fd, const struct file_key *key);
/* When hashing must stop: overdue(arg) is asked between chunks. */
struct hash_budget {
	bool (*overdue)(const void *arg);
	const void *arg;
};

/*
 * SHA-256 (hex) of the first size bytes; bytes read are added to *bytes. 0, -ESTALE if the
 * file ended before size, -ETIMEDOUT when budget (NULL: none) ran out, -EIO on a read or
 * digest failure.
 */
int filehash__sha256(int fd, uint64_t size, const struct hash_budget *budget, char out[65],
		     uint64_t *bytes);

#endif /* EMBARGO_FILEHASH_H */

// SPDX-License-Identifier: GPL-2.0-only
#include "process/filehash.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "lib/hex.h"

#define CHUNK (64 << 10)	/* pread size: a huge file never sits in memory */

struct file_key file_key__of_stat(const struct stat *st)
{
	return (struct file_key){ st->st_dev, st->st_ino, (uint64_t)st->st_size,
				  st->st_mtim.tv_sec, st->st_ctim.tv_sec,
				  (uint32_t)st->st_mtim.tv_nsec, (uint32_t)st->st_ctim.tv_nsec };
}

/*
 * SHA-256 of the first size bytes, with pread from 0 (a shared or moved file offset does
 * not matter). Never past size: a file grown after its size was checked (a sparse 15 TB
 * truncate) is not read to its new end. -ESTALE if it ended before size.
 */
int filehash__sha256(int fd, uint64_t size, const struct hash_budget *budget, char out[65],
		     uint64_t *bytes)
{
	unsigned char md[EVP_MAX_MD_SIZE], *buf = malloc(CHUNK);
	unsigned int md_len = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint64_t off = 0;
	ssize_t n = 0;
	int err = -EIO;

	if (!buf || !ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
		goto out;
	while (off < size &&
	       (n = pread(fd, buf, size - off < CHUNK ? (size_t)(size - off) : CHUNK, (off_t)off)) > 0) {
		if (!EVP_DigestUpdate(ctx, buf, (size_t)n))
			goto out;
		off += (uint64_t)n;
		if (budget && budget->overdue(budget->arg)) {
			*bytes += off;
			err = -ETIMEDOUT;
			goto out;
		}
	}
	*bytes += off;
	if (n < 0)
		goto out;
	if (off < size) {
		err = -ESTALE;
		goto out;
	}
	if (!EVP_DigestFinal_ex(ctx, md, &md_len) || md_len != 32)
		goto out;
	hex__encode(md, md_len, out, 2 * md_len + 1);
	err = 0;
out:
	EVP_MD_CTX_free(ctx);
	free(buf);
	return err;
}

bool file_key__still(int fd, const struct file_key *key)
{
	struct stat st;

	return !fstat(fd, &st) && (uint64_t)st.st_size == key->size &&
	       st.st_mtim.tv_sec == key->mtime_sec &&
	       (uint32_t)st.st_mtim.tv_nsec == key->mtime_nsec &&
	       st.st_ctim.tv_sec == key->ctime_sec && (uint32_t)st.st_ctim.tv_nsec == key->ctime_nsec;
}

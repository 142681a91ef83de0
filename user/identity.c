// SPDX-License-Identifier: GPL-2.0-only
#include "identity.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "hmap.h"

#define CACHE_MAX 8192		/* files; past it the cache starts over */
#define CHUNK (64 << 10)	/* huge files are hashed a chunk at a time */

/* A file's identity: a change of any part means new content may be behind it. */
struct file_key {
	uint64_t dev, ino, size;
	int64_t mtime_sec, ctime_sec;
	uint32_t mtime_nsec, ctime_nsec;
};

struct cached_hash {
	struct file_key key;
	char sha256[65];
};

struct identity {
	char *proc_root;
	struct hmap cache;	/* dev/ino mix -> struct cached_hash */
	struct identity_stats stats;
	unsigned char *buf;
};

struct identity *identity__new(const char *proc_root)
{
	struct identity *id = calloc(1, sizeof(*id));

	if (!id)
		return NULL;
	hmap__init(&id->cache);
	id->proc_root = strdup(proc_root);
	id->buf = malloc(CHUNK);
	if (!id->proc_root || !id->buf) {
		identity__free(id);
		return NULL;
	}
	return id;
}

static void cache_clear(struct identity *id)
{
	uint64_t key;
	void *value;

	for (size_t it = 0; hmap__next(&id->cache, &it, &key, &value);)
		free(value);
	hmap__free(&id->cache);
}

void identity__free(struct identity *id)
{
	if (!id)
		return;
	cache_clear(id);
	free(id->proc_root);
	free(id->buf);
	free(id);
}

const struct identity_stats *identity__stats(const struct identity *id)
{
	return &id->stats;
}

static uint64_t key_slot(const struct file_key *k)
{
	return (k->dev * 0x9e3779b97f4a7c15ULL) ^ k->ino;
}

static struct file_key key_of_event(const struct ev_file *f)
{
	return (struct file_key){ f->dev, f->ino, f->size, f->mtime_sec, f->ctime_sec,
				  f->mtime_nsec, f->ctime_nsec };
}

static struct file_key key_of_stat(const struct stat *st)
{
	return (struct file_key){ st->st_dev, st->st_ino, (uint64_t)st->st_size,
				  st->st_mtim.tv_sec, st->st_ctim.tv_sec,
				  (uint32_t)st->st_mtim.tv_nsec, (uint32_t)st->st_ctim.tv_nsec };
}

static int hash_fd(struct identity *id, int fd, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	ssize_t n;
	int err = -EIO;

	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
		goto out;
	while ((n = read(fd, id->buf, CHUNK)) > 0)
		if (!EVP_DigestUpdate(ctx, id->buf, (size_t)n))
			goto out;
	if (n < 0 || !EVP_DigestFinal_ex(ctx, md, &md_len))
		goto out;
	for (unsigned int i = 0; i < md_len && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	err = 0;
out:
	EVP_MD_CTX_free(ctx);
	return err;
}

/*
 * The running file: through /proc/PID/exe while the process lives (deleted files and
 * memfds included), else by path if the file there is still the one that ran.
 */
static int open_executable(struct identity *id, const struct proc *p, struct stat *st)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "%s/%u/exe", id->proc_root, p->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && !fstat(fd, st) &&
	    (!p->file.ino || (st->st_ino == p->file.ino && st->st_dev == p->file.dev)))
		return fd;
	if (fd >= 0)
		close(fd);
	if (!p->exe || !p->file.ino)
		return -ENOENT;
	fd = open(p->exe, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && !fstat(fd, st) && st->st_ino == p->file.ino && st->st_dev == p->file.dev)
		return fd;
	if (fd >= 0)
		close(fd);
	return -ENOENT;
}

static const char *cache_put(struct identity *id, const struct file_key *k, const char *hex)
{
	struct cached_hash *c = malloc(sizeof(*c)), *old;

	if (!c)
		return NULL;
	if (hmap__len(&id->cache) >= CACHE_MAX)
		cache_clear(id);
	c->key = *k;
	memcpy(c->sha256, hex, sizeof(c->sha256));
	if (hmap__put(&id->cache, key_slot(k), c, (void **)&old)) {
		free(c);
		return NULL;
	}
	free(old);
	return c->sha256;
}

static const char *identity_sha256(struct identity *id, const struct proc *p)
{
	struct file_key key = key_of_event(&p->file);
	struct cached_hash *c = p->file.ino ? hmap__get(&id->cache, key_slot(&key)) : NULL;
	char hex[65];
	struct stat st;
	int fd;

	if (c && !memcmp(&c->key, &key, sizeof(key))) {
		id->stats.hits++;
		return c->sha256;
	}
	fd = open_executable(id, p, &st);
	if (fd < 0) {
		id->stats.unavailable++;
		return NULL;
	}
	id->stats.misses++;
	key = key_of_stat(&st);
	if (hash_fd(id, fd, hex)) {
		close(fd);
		return NULL;
	}
	close(fd);
	return cache_put(id, &key, hex);
}

int identity__fill(struct identity *id, struct proc *p)
{
	const char *hex = identity_sha256(id, p);

	if (!hex) {
		p->sha256[0] = '\0';
		return -ENOENT;
	}
	memcpy(p->sha256, hex, sizeof(p->sha256));
	return 0;
}

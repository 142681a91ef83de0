// SPDX-License-Identifier: GPL-2.0-only
#include "process/identity.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fsdev.h"
#include "lib/path.h"
#include "lib/workpool.h"
#include "process/filehash.h"
#include "process/identcache.h"

#define QUEUE_MAX 256		/* files waiting for a worker; each may hold one fd */
#define EXTRA_WORKERS 4		/* threads that may stand in for workers stuck in a file */

/* One file for a worker: what to open, and what it made of it. */
struct ident_job {
	struct workpool_job base;	/* first: the pool hands this back */
	void *cookie;
	int pathfd;			/* /proc/PID/exe opened O_PATH on the loop; -1: none */
	char *path;			/* else (or when that failed) the worker opens this */
	struct ev_file ran;		/* the file the kernel ran; ino 0: any file at path */
	bool follow;			/* path's last component may be a symlink */
	bool hash;			/* false: only whether it is there */
	uint64_t max_size;
	struct scan_ref *scan;
	/* written by the worker; remote is read by the answer of a job given up on */
	bool remote;
	bool hit;			/* the cache had it */
	bool read;			/* it was read to be hashed */
	struct file_ident *result;
	enum ident_why why;
	uint64_t bytes;
};

struct identity {
	char *proc_root;
	struct identcache *cache;
	struct scan_ref *scan;		/* current rule strings, NULL if none */
	unsigned int scan_gen;
	struct identity_stats stats;
	uint64_t max_size;		/* bytes: larger files are not hashed */
	uint64_t budget_ms, remote_budget_ms;
	struct workpool *pool;		/* NULL: answers are made on the caller */
	ident_done_fn done;
	void *done_ctx;
};

const char *ident__why_name(enum ident_why why)
{
	static const char *const names[] = {
		[IDENT_GONE] = "gone", [IDENT_NOT_REGULAR] = "not-a-regular-file",
		[IDENT_TOO_LARGE] = "too-large", [IDENT_CHANGED] = "changed-while-hashing",
		[IDENT_BACKLOG] = "backlog", [IDENT_TIMEOUT] = "timeout",
		[IDENT_REMOTE_TIMEOUT] = "timeout-remote-filesystem",
		[IDENT_STOPPING] = "stopping", [IDENT_FAILED] = "read-failed",
	};

	return why > IDENT_OK && why <= IDENT_FAILED ? names[why] : NULL;
}

static struct file_key key_of_event(const struct ev_file *f)
{
	return (struct file_key){ f->dev, f->ino, f->size, f->mtime_sec, f->ctime_sec,
				  f->mtime_nsec, f->ctime_nsec };
}

static unsigned int gen_of(const struct scan_ref *scan)
{
	return scan ? scan->gen : 0;
}

/* Content hash, then ELF identity, of an open file as key says it is. */
static enum ident_why identify(int fd, const struct file_key *key, struct scan_ref *scan,
			       const struct hash_budget *budget, uint64_t *bytes,
			       struct file_ident **out)
{
	struct file_ident *f = calloc(1, sizeof(*f));
	int err;

	if (!f)
		return IDENT_FAILED;
	f->refs = 1;
	f->key = *key;
	f->scan_gen = gen_of(scan);
	err = filehash__sha256(fd, key->size, budget, f->sha256, bytes);
	if (!err && !file_key__still(fd, key))
		err = -ESTALE;
	if (err) {
		ident__put(f);
		return err == -ESTALE ? IDENT_CHANGED : err == -ETIMEDOUT ? IDENT_TIMEOUT :
									  IDENT_FAILED;
	}
	/* a file libelf cannot read is still known by its hash */
	if (elf__read(fd, scan ? scan->scan : NULL, &f->elf) < 0)
		memset(&f->elf, 0, sizeof(f->elf));
	*out = f;
	return IDENT_OK;
}

static bool same_stamp(const struct ev_file *ran, const struct stat *st)
{
	return ran->size == (uint64_t)st->st_size && ran->mtime_sec == st->st_mtim.tv_sec &&
	       ran->mtime_nsec == (uint32_t)st->st_mtim.tv_nsec &&
	       ran->ctime_sec == st->st_ctim.tv_sec &&
	       ran->ctime_nsec == (uint32_t)st->st_ctim.tv_nsec;
}

bool ident__same_file(const struct ev_file *ran, const struct stat *st, bool on_overlay)
{
	if (st->st_ino != ran->ino)
		return false;
	if (st->st_dev == ran->dev)
		return true;
	/*
	 * overlayfs: the kernel names the file by the overlay's superblock (or by a layer's,
	 * where it holds the backing file), fstat by a per-layer pseudo device when the layers
	 * are on different filesystems without xino, so the devices cannot be compared. The
	 * stamp stands in for the device: size, mtime and ctime to the nanosecond. The kernel
	 * sets ctime to "now" on every change and no syscall sets it to a chosen value, so
	 * another file with this inode number (another layer's, or the number reused) passes
	 * only if changed in the same clock tick as the one that ran: harder than the reused
	 * inode number the device+inode check lets through. Off overlayfs, another device is
	 * another file.
	 */
	return on_overlay && same_stamp(ran, st);
}

static bool is_file_that_ran(int fd, const struct ev_file *ran, const struct stat *st)
{
	/* statfs only when the devices disagree: the common case costs no extra call */
	bool overlay = st->st_dev != ran->dev && fsdev__on_overlay(fd);

	return ran->ino == 0 || ident__same_file(ran, st, overlay);
}

/* The job's file, O_PATH: no filesystem open call, no FIFO or device opened. */
static int open_target(const struct ident_job *j, struct stat *st, bool *owned)
{
	int fd = j->pathfd;

	*owned = false;
	if (fd >= 0 && !fstat(fd, st) && is_file_that_ran(fd, &j->ran, st))
		return fd;
	/* the process is gone: its path, if the file there is still the one that ran */
	if (!j->path || (fd >= 0 && !j->ran.ino))
		return -ENOENT;
	fd = path__open_no_magic(j->path, O_PATH | (j->follow ? 0 : O_NOFOLLOW));
	if (fd < 0)
		return fd;
	*owned = true;
	if (!fstat(fd, st) && is_file_that_ran(fd, &j->ran, st))
		return fd;
	close(fd);
	return -ENOENT;
}

static bool job_overdue(const void *arg)
{
	return workpool__overdue(NULL, arg);
}

/* From the O_PATH file to its identity: the cache, else a read within the budget. */
static enum ident_why identify_target(struct identity *id, struct ident_job *j, int pathfd,
				      const struct stat *st)
{
	struct hash_budget budget = { job_overdue, &j->base };
	struct file_key key = file_key__of_stat(st);
	char reopen[64];
	enum ident_why why;
	int fd;

	if ((uint64_t)st->st_size > j->max_size)
		return IDENT_TOO_LARGE;
	/* the kernel's device (overlayfs: not fstat's), so the next exec of it is a cache hit */
	if (j->ran.ino)
		key.dev = j->ran.dev;
	if ((j->result = identcache__get(id->cache, &key, gen_of(j->scan)))) {
		j->hit = true;
		return IDENT_OK;
	}
	if (fsdev__on_remote(pathfd)) {
		__atomic_store_n(&j->remote, true, __ATOMIC_RELAXED);
		if (id->pool)
			workpool__shorten(id->pool, &j->base, id->remote_budget_ms);
	}
	snprintf(reopen, sizeof(reopen), "/proc/self/fd/%d", pathfd);
	fd = open(reopen, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return IDENT_GONE;
	j->read = true;
	why = identify(fd, &key, j->scan, id->pool ? &budget : NULL, &j->bytes, &j->result);
	close(fd);
	if (why == IDENT_TIMEOUT && j->remote)
		why = IDENT_REMOTE_TIMEOUT;
	return why;
}

static void run_job(struct identity *id, struct ident_job *j)
{
	struct stat st;
	bool owned;
	int fd = open_target(j, &st, &owned);

	if (fd < 0) {
		j->why = IDENT_GONE;
		return;
	}
	if (!S_ISREG(st.st_mode))
		j->why = j->hash ? IDENT_NOT_REGULAR : IDENT_OK;
	else
		j->why = j->hash ? identify_target(id, j, fd, &st) : IDENT_OK;
	if (owned)
		close(fd);
}

static void pool_run(void *ctx, struct workpool_job *job)
{
	run_job(ctx, (struct ident_job *)job);
	job->status = 0;
}

static enum ident_why why_of_status(const struct ident_job *j, int status)
{
	if (status == -ECANCELED)
		return IDENT_STOPPING;
	if (status == -ETIMEDOUT)
		return __atomic_load_n(&j->remote, __ATOMIC_RELAXED) ? IDENT_REMOTE_TIMEOUT :
								       IDENT_TIMEOUT;
	return j->why;
}

/* The counters, on the loop's thread: what one answer says. */
static void count_why(struct identity *id, enum ident_why why)
{
	if (why == IDENT_OK)
		return;
	id->stats.unavailable++;
	id->stats.too_large += why == IDENT_TOO_LARGE;
	id->stats.changed += why == IDENT_CHANGED;
	id->stats.backlog += why == IDENT_BACKLOG;
	id->stats.timeouts += why == IDENT_TIMEOUT || why == IDENT_REMOTE_TIMEOUT;
}

static void pool_answer(void *ctx, struct workpool_job *job, int status)
{
	struct identity *id = ctx;
	struct ident_job *j = (struct ident_job *)job;
	enum ident_why why = why_of_status(j, status);
	/* a job given up on is still the worker's: its result is not read until release */
	struct file_ident *f = status ? NULL : j->result;

	count_why(id, why);
	if (id->done)
		id->done(id->done_ctx, j->cookie, why == IDENT_OK ? f : NULL, why);
}

static void job_free(struct ident_job *j)
{
	if (j->pathfd >= 0)
		close(j->pathfd);
	ident__put(j->result);
	scan_ref__put(j->scan);
	free(j->path);
	free(j);
}

/* The worker is done with it: keep what it made (a late answer still fills the cache). */
static void pool_release(void *ctx, struct workpool_job *job)
{
	struct identity *id = ctx;
	struct ident_job *j = (struct ident_job *)job;

	id->stats.bytes += j->bytes;
	id->stats.hits += j->hit;
	id->stats.misses += j->read;
	id->stats.remote += j->remote;
	if (j->result && !j->hit)
		identcache__put(id->cache, j->result);
	job_free(j);
}

static const struct workpool_ops pool_ops = { pool_run, pool_answer, pool_release };

struct identity *identity__new(const char *proc_root, unsigned int workers)
{
	struct identity *id = calloc(1, sizeof(*id));

	if (!id)
		return NULL;
	id->max_size = IDENTITY_MAX_SIZE_DEFAULT;
	id->budget_ms = IDENTITY_BUDGET_MS;
	id->remote_budget_ms = IDENTITY_REMOTE_BUDGET_MS;
	id->proc_root = strdup(proc_root);
	id->cache = identcache__new();
	if (workers)
		id->pool = workpool__new(workers, workers + EXTRA_WORKERS, QUEUE_MAX, &pool_ops, id);
	if (!id->proc_root || !id->cache || (workers && !id->pool)) {
		identity__free(id);
		return NULL;
	}
	return id;
}

void identity__free(struct identity *id)
{
	if (!id)
		return;
	if (id->pool) {
		id->done = NULL;	/* whoever asked is gone: the rest only frees */
		identity__drain(id, 0);
		if (!workpool__free(id->pool, 1000))
			return;	/* a worker stuck in a file may still use the cache */
	}
	identcache__free(id->cache);
	scan_ref__put(id->scan);
	free(id->proc_root);
	free(id);
}

void identity__set_done(struct identity *id, ident_done_fn fn, void *ctx)
{
	id->done = fn;
	id->done_ctx = ctx;
}

int identity__fd(const struct identity *id)
{
	return id->pool ? workpool__fd(id->pool) : -1;
}

void identity__set_budget(struct identity *id, uint64_t local_ms, uint64_t remote_ms)
{
	id->budget_ms = local_ms;
	id->remote_budget_ms = remote_ms;
}

const struct identity_stats *identity__stats(const struct identity *id)
{
	return &id->stats;
}

void identity__set_scanner(struct identity *id, struct strscan *scan)
{
	scan_ref__put(id->scan);
	id->scan_gen++;
	id->scan = scan ? scan_ref__new(scan, id->scan_gen) : NULL;
}

void identity__set_max_size(struct identity *id, uint64_t bytes)
{
	id->max_size = bytes;
}

uint64_t identity__max_size(const struct identity *id)
{
	return id->max_size;
}

/* A cached answer for this version, if made with the current rule strings. */
static struct file_ident *cache_get(struct identity *id, const struct file_key *k)
{
	struct file_ident *f = identcache__get(id->cache, k, gen_of(id->scan));

	id->stats.hits += f != NULL;
	return f;
}

/* To a worker, or done here when there are none; j is consumed. */
static enum ident_status submit(struct identity *id, struct ident_job *j, void *cookie,
				struct file_ident **out, enum ident_why *why)
{
	enum ident_status st;

	j->cookie = cookie;
	j->max_size = id->max_size;
	j->scan = scan_ref__get(id->scan);
	if (id->pool) {
		if (!workpool__submit(id->pool, &j->base, id->budget_ms))
			return IDENT_PENDING;
		j->why = IDENT_BACKLOG;
	} else {
		run_job(id, j);
	}
	count_why(id, j->why);
	*why = j->why;
	*out = j->why == IDENT_OK ? ident__get(j->result) : NULL;
	st = *out || (j->why == IDENT_OK && !j->hash) ? IDENT_READY : IDENT_UNAVAILABLE;
	pool_release(id, &j->base);
	return st;
}

static struct ident_job *job_new(const char *path, const struct ev_file *ran)
{
	struct ident_job *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->pathfd = -1;
	j->hash = true;
	if (ran)
		j->ran = *ran;
	if (path && !(j->path = strdup(path))) {
		free(j);
		return NULL;
	}
	return j;
}

static enum ident_status no_memory(struct identity *id, enum ident_why *why)
{
	*why = IDENT_FAILED;
	count_why(id, *why);
	return IDENT_UNAVAILABLE;
}

enum ident_status identity__resolve_exe(struct identity *id, const struct proc *p,
					void *cookie, struct file_ident **out,
					enum ident_why *why)
{
	struct file_key key = key_of_event(&p->file);
	char link[64];
	struct ident_job *j;

	*out = NULL;
	*why = IDENT_OK;
	if (p->file.ino && (*out = cache_get(id, &key)))
		return IDENT_READY;
	j = job_new(p->file.ino ? p->exe : NULL, &p->file);
	if (!j)
		return no_memory(id, why);
	j->follow = true;
	/* following the magic link asks no filesystem anything: safe on the loop */
	snprintf(link, sizeof(link), "%s/%u/exe", id->proc_root, p->pid);
	j->pathfd = open(link, O_PATH | O_CLOEXEC);
	if (j->pathfd < 0 && !j->path) {
		job_free(j);
		*why = IDENT_GONE;
		count_why(id, *why);
		return IDENT_UNAVAILABLE;
	}
	return submit(id, j, cookie, out, why);
}

enum ident_status identity__resolve_path(struct identity *id, const char *path, void *cookie,
					 struct file_ident **out, enum ident_why *why)
{
	struct ident_job *j = job_new(path, NULL);

	*out = NULL;
	if (!j)
		return no_memory(id, why);
	j->follow = true;
	return submit(id, j, cookie, out, why);
}

enum ident_status identity__probe_file(struct identity *id, const char *path, bool hash,
				       void *cookie, struct file_ident **out,
				       enum ident_why *why)
{
	struct ident_job *j = job_new(path, NULL);

	*out = NULL;
	if (!j)
		return no_memory(id, why);
	j->hash = hash;
	return submit(id, j, cookie, out, why);
}

void identity__tick(struct identity *id)
{
	if (id->pool)
		workpool__tick(id->pool);
}

void identity__complete(struct identity *id)
{
	if (id->pool)
		workpool__complete(id->pool);
}

void identity__drain(struct identity *id, uint64_t wait_ms)
{
	if (id->pool)
		workpool__drain(id->pool, wait_ms);
}

void identity__load(struct identity *id, struct identity_load *out)
{
	struct workpool_load load = { 0 };

	if (id->pool)
		workpool__load(id->pool, &load);
	*out = (struct identity_load){ .pending = load.queued + load.running,
				       .stuck = load.stuck, .workers = load.workers,
				       .oldest_ms = load.oldest_ms };
}

struct file_ident *identity__of_fd(struct identity *id, int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return NULL;
	return identity__of_fd_at(id, fd, &st);
}

struct file_ident *identity__of_fd_at(struct identity *id, int fd, const struct stat *st)
{
	struct file_key key;
	struct file_ident *f = NULL;
	enum ident_why why;

	if (!S_ISREG(st->st_mode))
		return NULL;
	key = file_key__of_stat(st);
	if ((f = cache_get(id, &key)))
		return f;
	why = identify(fd, &key, id->scan, NULL, &id->stats.bytes, &f);
	count_why(id, why);
	if (f)
		identcache__put(id->cache, f);
	return f;
}

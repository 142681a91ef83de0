// SPDX-License-Identifier: GPL-2.0-only
#include "process/identity.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/workpool.h"
#include "process/filehash.h"
#include "process/identcache.h"
#include "process/identread.h"

#define QUEUE_MAX 256		/* files waiting for a worker; each may hold one fd */
#define EXTRA_WORKERS 4		/* threads that may stand in for workers stuck in a file */
#define REMOTE_WORKERS 2	/* FUSE and network files: each waits on a copier process */
#define REMOTE_QUEUE_MAX 64

struct identity {
	char *proc_root;
	struct identcache *cache;
	struct scan_ref *scan;		/* current rule strings, NULL if none */
	unsigned int scan_gen;
	struct identity_stats stats;
	uint64_t max_size;		/* bytes: larger files are not hashed */
	uint64_t budget_ms, remote_budget_ms;
	struct workpool *pool;		/* NULL: answers are made on the caller */
	struct workpool *remote_pool;
	int epfd;			/* both pools' eventfds */
	struct ident_reader local, remote;	/* how each pool's workers read */
	ident_done_fn done;
	void *done_ctx;
};

static void local_run(void *ctx, struct workpool_job *job)
{
	identread__run(&((struct identity *)ctx)->local, (struct ident_job *)job);
	job->status = 0;
}

static void remote_run(void *ctx, struct workpool_job *job)
{
	identread__run(&((struct identity *)ctx)->remote, (struct ident_job *)job);
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
	enum ident_why why;
	struct file_ident *f;

	/* handed to the remote pool, which answers: unless given up on first */
	if (j->ticket->answered || (!status && j->moved))
		return;
	j->ticket->answered = true;
	why = why_of_status(j, status);
	/* a job given up on is still the worker's: its result is not read until release */
	f = status ? NULL : j->result;
	count_why(id, why);
	if (id->done)
		id->done(id->done_ctx, j->cookie, why == IDENT_OK ? f : NULL, why);
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
	identjob__free(j);
}

static const struct workpool_ops local_ops = { local_run, pool_answer, pool_release };
static const struct workpool_ops remote_ops = { remote_run, pool_answer, pool_release };

static int epoll_add(int epfd, int fd)
{
	struct epoll_event e = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &e);
}

/* The workers, and one fd for the loop that is readable when either pool has answers. */
static int start_pools(struct identity *id, unsigned int workers)
{
	id->pool = workpool__new(workers, workers + EXTRA_WORKERS, QUEUE_MAX, &local_ops, id);
	id->remote_pool = workpool__new(REMOTE_WORKERS, REMOTE_WORKERS, REMOTE_QUEUE_MAX,
					&remote_ops, id);
	id->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!id->pool || !id->remote_pool || id->epfd < 0 ||
	    epoll_add(id->epfd, workpool__fd(id->pool)) ||
	    epoll_add(id->epfd, workpool__fd(id->remote_pool)))
		return -1;
	id->local.pool = id->pool;
	id->local.remote_pool = id->remote_pool;
	id->remote.pool = id->remote_pool;
	return 0;
}

struct identity *identity__new(const char *proc_root, unsigned int workers)
{
	struct identity *id = calloc(1, sizeof(*id));

	if (!id)
		return NULL;
	id->epfd = -1;
	id->max_size = IDENTITY_MAX_SIZE_DEFAULT;
	id->budget_ms = IDENTITY_BUDGET_MS;
	id->proc_root = strdup(proc_root);
	id->cache = identcache__new();
	id->local.cache = id->remote.cache = id->cache;
	identity__set_budget(id, IDENTITY_BUDGET_MS, IDENTITY_REMOTE_BUDGET_MS);
	if (!id->proc_root || !id->cache || (workers && start_pools(id, workers))) {
		identity__free(id);
		return NULL;
	}
	return id;
}

/* Stop the pools; false when a worker is still inside a file (it may use the cache). */
static bool stop_pools(struct identity *id)
{
	bool gone;

	id->done = NULL;	/* whoever asked is gone: the rest only frees */
	identity__drain(id, 0);
	/* the remote pool first: the local workers hand files to it */
	gone = workpool__free(id->remote_pool, 1000);
	gone = workpool__free(id->pool, 1000) && gone;
	if (id->epfd >= 0)
		close(id->epfd);
	return gone;
}

void identity__free(struct identity *id)
{
	if (!id)
		return;
	if ((id->pool || id->remote_pool) && !stop_pools(id))
		return;
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
	return id->epfd;
}

void identity__set_budget(struct identity *id, uint64_t local_ms, uint64_t remote_ms)
{
	id->budget_ms = local_ms;
	id->local.remote_budget_ms = id->remote.remote_budget_ms = remote_ms;
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
	struct file_ident *f = identcache__get(id->cache, k, identread__gen(id->scan));

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
		identread__run(&id->local, j);
	}
	count_why(id, j->why);
	*why = j->why;
	*out = j->why == IDENT_OK ? ident__get(j->result) : NULL;
	st = *out || (j->why == IDENT_OK && !j->hash) ? IDENT_READY : IDENT_UNAVAILABLE;
	pool_release(id, &j->base);
	return st;
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
	struct file_key key = identread__key_of_event(&p->file);
	char link[64];
	struct ident_job *j;

	*out = NULL;
	*why = IDENT_OK;
	if (p->file.ino && (*out = cache_get(id, &key)))
		return IDENT_READY;
	j = identjob__new(p->file.ino ? p->exe : NULL, &p->file);
	if (!j)
		return no_memory(id, why);
	j->follow = true;
	/* following the magic link asks no filesystem anything: safe on the loop */
	snprintf(link, sizeof(link), "%s/%u/exe", id->proc_root, p->pid);
	j->pathfd = open(link, O_PATH | O_CLOEXEC);
	if (j->pathfd < 0 && !j->path) {
		identjob__free(j);
		*why = IDENT_GONE;
		count_why(id, *why);
		return IDENT_UNAVAILABLE;
	}
	return submit(id, j, cookie, out, why);
}

enum ident_status identity__resolve_path(struct identity *id, const char *path, void *cookie,
					 struct file_ident **out, enum ident_why *why)
{
	struct ident_job *j = identjob__new(path, NULL);

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
	struct ident_job *j = identjob__new(path, NULL);

	*out = NULL;
	if (!j)
		return no_memory(id, why);
	j->hash = j->markers = hash;
	j->being_made = true;
	return submit(id, j, cookie, out, why);
}

void identity__tick(struct identity *id)
{
	if (!id->pool)
		return;
	workpool__tick(id->pool);
	workpool__tick(id->remote_pool);
}

void identity__complete(struct identity *id)
{
	if (!id->pool)
		return;
	workpool__complete(id->pool);
	workpool__complete(id->remote_pool);
}

void identity__drain(struct identity *id, uint64_t wait_ms)
{
	uint64_t due = workpool__now_ms() + wait_ms;

	if (!id->pool)
		return;
	/* local first: what it hands over is then in the remote pool's queue */
	workpool__drain(id->pool, wait_ms);
	workpool__drain(id->remote_pool, due - workpool__now_ms() < wait_ms ?
					     due - workpool__now_ms() : 0);
}

void identity__load(struct identity *id, struct identity_load *out)
{
	struct workpool_load load = { 0 }, remote = { 0 };

	if (id->pool) {
		workpool__load(id->pool, &load);
		workpool__load(id->remote_pool, &remote);
	}
	*out = (struct identity_load){
		.pending = load.queued + load.running + remote.queued + remote.running,
		.stuck = load.stuck + remote.stuck, .workers = load.workers + remote.workers,
		.oldest_ms = load.oldest_ms > remote.oldest_ms ? load.oldest_ms : remote.oldest_ms,
	};
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
	why = identread__fd(fd, &key, id->scan, &id->stats.bytes, &f);
	count_why(id, why);
	if (f)
		identcache__put(id->cache, f);
	return f;
}

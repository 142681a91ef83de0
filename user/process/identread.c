// SPDX-License-Identifier: GPL-2.0-only
#include "process/identread.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/childcopy.h"
#include "lib/fsdev.h"
#include "lib/path.h"
#include "process/filehash.h"
#include "process/markers.h"

struct ident_job *identjob__new(const char *path, const struct ev_file *ran)
{
	struct ident_job *j = calloc(1, sizeof(*j));

	if (!j || !(j->ticket = calloc(1, sizeof(*j->ticket)))) {
		free(j);
		return NULL;
	}
	j->ticket->refs = 1;
	j->pathfd = -1;
	j->hash = true;
	if (ran)
		j->ran = *ran;
	if (path && !(j->path = strdup(path))) {
		identjob__free(j);
		return NULL;
	}
	return j;
}

void identjob__free(struct ident_job *j)
{
	if (j->ticket && !__atomic_sub_fetch(&j->ticket->refs, 1, __ATOMIC_ACQ_REL))
		free(j->ticket);
	if (j->pathfd >= 0)
		close(j->pathfd);
	ident__put(j->result);
	scan_ref__put(j->scan);
	free(j->path);
	free(j);
}

struct file_key identread__key_of_event(const struct ev_file *f)
{
	return (struct file_key){ f->dev, f->ino, f->size, f->mtime_sec, f->ctime_sec,
				  f->mtime_nsec, f->ctime_nsec };
}

unsigned int identread__gen(const struct scan_ref *scan)
{
	return scan ? scan->gen : 0;
}

/* What a download's content says it is (a .deb's Package:...): kept when it says anything. */
static void read_markers(int fd, struct file_ident *f)
{
	struct file_markers *m = malloc(sizeof(*m));

	if (m && !markers__from_fd(fd, m) && m->kind != MARKER_NONE)
		f->markers = m;
	else
		free(m);
}

/*
 * Content hash, then ELF identity (a download: its markers), of an open file as key says
 * it is (recheck: and still is, after: a copy needs none).
 */
static enum ident_why identify(int fd, const struct file_key *key, struct scan_ref *scan,
			       const struct hash_budget *budget, bool recheck, bool markers,
			       uint64_t *bytes, struct file_ident **out)
{
	struct file_ident *f = calloc(1, sizeof(*f));
	int err;

	if (!f)
		return IDENT_FAILED;
	f->refs = 1;
	f->key = *key;
	f->scan_gen = identread__gen(scan);
	err = filehash__sha256(fd, key->size, budget, f->sha256, bytes);
	if (!err && recheck && !file_key__still(fd, key))
		err = -ESTALE;
	if (err) {
		ident__put(f);
		return err == -ESTALE ? IDENT_CHANGED : err == -ETIMEDOUT ? IDENT_TIMEOUT :
									  IDENT_FAILED;
	}
	/* a file libelf cannot read is still known by its hash */
	if (elf__read(fd, scan ? scan->scan : NULL, &f->elf) < 0)
		memset(&f->elf, 0, sizeof(f->elf));
	if (markers)
		read_markers(fd, f);
	*out = f;
	return IDENT_OK;
}

static bool is_file_that_ran(int fd, const struct ev_file *ran, const struct stat *st)
{
	/* statfs only when the devices disagree: the common case costs no extra call */
	bool overlay = st->st_dev != ran->dev && fsdev__on_overlay(fd);

	return ran->ino == 0 || ident__same_file(ran, st, overlay);
}

/* The job's file, O_PATH: no open call reaches the filesystem, no FIFO or device opens. */
static int open_path(const struct ident_job *j)
{
	return path__open_no_magic(j->path, O_PATH | (j->follow ? 0 : O_NOFOLLOW));
}

/* A local file: fstat it, and it is the one that ran (any file, when the kernel gave none). */
static bool stat_ran(const struct ident_job *j, int fd, struct stat *st)
{
	return !fstat(fd, st) && is_file_that_ran(fd, &j->ran, st);
}

/* The running file, or, the process gone or exec'd again, its path if still that file. */
static int open_local(const struct ident_job *j, int fd, struct stat *st, bool *owned)
{
	*owned = false;
	if (fd >= 0 && stat_ran(j, fd, st))
		return fd;
	if (!j->path || (fd >= 0 && !j->ran.ino))
		return -ENOENT;
	fd = open_path(j);
	if (fd < 0)
		return fd;
	*owned = true;
	if (stat_ran(j, fd, st))
		return fd;
	close(fd);
	return -ENOENT;
}

static bool job_overdue(const void *arg)
{
	return workpool__overdue(NULL, arg);
}

/* This version of the file, from the cache; false when the file must be read. */
static bool cached(const struct ident_reader *r, struct ident_job *j, struct file_key *key)
{
	/* the kernel's device (overlayfs: not fstat's), so the next exec of it is a cache hit */
	if (j->ran.ino)
		key->dev = j->ran.dev;
	j->result = identcache__get(r->cache, key, identread__gen(j->scan));
	j->hit = j->result != NULL;
	return j->hit;
}

/* A local file, O_PATH, to its identity: the cache, else a read within the budget. */
static enum ident_why identify_local(const struct ident_reader *r, struct ident_job *j, int pathfd,
				     const struct stat *st)
{
	struct hash_budget budget = { job_overdue, &j->base };
	struct file_key key = file_key__of_stat(st);
	char reopen[64];
	enum ident_why why;
	int fd;

	if (!S_ISREG(st->st_mode))
		return IDENT_NOT_REGULAR;
	if ((uint64_t)st->st_size > j->max_size)
		return IDENT_TOO_LARGE;
	if (cached(r, j, &key))
		return IDENT_OK;
	snprintf(reopen, sizeof(reopen), "/proc/self/fd/%d", pathfd);
	fd = open(reopen, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return IDENT_GONE;
	j->read = true;
	why = identify(fd, &key, j->scan, r->pool ? &budget : NULL, true, j->markers, &j->bytes,
		       &j->result);
	close(fd);
	return why;
}

struct remote_ask {
	const struct ident_reader *r;
	struct ident_job *j;
	struct file_key key;
};

/* Before a remote file is copied: is it the one that ran, and is it cached already? */
static bool remote_wanted(void *ctx, const struct stat *before)
{
	struct remote_ask *a = ctx;

	if (a->j->ran.ino && !ident__same_file(&a->j->ran, before, false))
		return false;
	a->key = file_key__of_stat(before);
	return !cached(a->r, a->j, &a->key);
}

/*
 * A file on FUSE or a network filesystem: read by a child process within the short
 * budget, so that a server that never answers strands the child, not this thread.
 */
static enum ident_why identify_remote(const struct ident_reader *r, struct ident_job *j, int pathfd)
{
	struct remote_ask ask = { r, j, { 0 } };
	struct file_key before, after;
	struct child_copy copy;
	enum ident_why why;
	uint64_t due;
	int err;

	__atomic_store_n(&j->remote, true, __ATOMIC_RELAXED);
	due = workpool__now_ms() + r->remote_budget_ms;
	if (r->pool) {
		workpool__shorten(r->pool, &j->base, r->remote_budget_ms);
		due = j->base.deadline_ms;
	}
	err = childcopy__copy(pathfd, j->max_size, due, remote_wanted, &ask, &copy);
	if (err)
		return err == -ETIMEDOUT ? IDENT_REMOTE_TIMEOUT : IDENT_GONE;
	if (!S_ISREG(copy.before.st_mode))
		return IDENT_NOT_REGULAR;
	if ((uint64_t)copy.before.st_size > j->max_size)
		return IDENT_TOO_LARGE;
	if (copy.memfd < 0)	/* not wanted: cached, or not the file that ran */
		return j->hit ? IDENT_OK : IDENT_GONE;
	j->read = true;
	before = file_key__of_stat(&copy.before);
	after = file_key__of_stat(&copy.after);
	if (memcmp(&before, &after, sizeof(before)))
		why = IDENT_CHANGED;
	else
		why = identify(copy.memfd, &ask.key, j->scan, NULL, false, j->markers, &j->bytes,
			       &j->result);
	close(copy.memfd);
	return why;
}

/* From a local worker: the remote pool's threads only wait on copier processes. */
static enum ident_why hand_over(const struct ident_reader *r, struct ident_job *j, int fd)
{
	struct ident_job *to = calloc(1, sizeof(*to));

	if (!to)
		return IDENT_FAILED;
	*to = (struct ident_job){ .cookie = j->cookie, .ticket = j->ticket, .ran = j->ran,
				  .follow = j->follow, .hash = true, .markers = j->markers,
				  .max_size = j->max_size,
				  .remote = true,
				  .scan = scan_ref__get(j->scan),
				  .pathfd = fcntl(fd, F_DUPFD_CLOEXEC, 0) };
	__atomic_add_fetch(&j->ticket->refs, 1, __ATOMIC_RELAXED);
	if (to->pathfd < 0 || workpool__submit(r->remote_pool, &to->base, r->remote_budget_ms)) {
		identjob__free(to);
		return IDENT_BACKLOG;
	}
	j->moved = true;
	return IDENT_OK;
}

/*
 * The file probes fire at syscall entry: a worker may look before the creating task, put off
 * the CPU right after the tracepoint (one CPU, a busy machine), has made the file. Not
 * there: looked for once more after this long, before it counts as a create that failed.
 */
#define BEING_MADE_GRACE_US 100000

void identread__run(const struct ident_reader *r, struct ident_job *j)
{
	int fd = j->pathfd >= 0 ? j->pathfd : open_path(j), local;
	bool local_owned;
	struct stat st;

	if (fd < 0 && j->being_made && !workpool__overdue(r->pool, &j->base)) {
		usleep(BEING_MADE_GRACE_US);
		fd = open_path(j);
	}
	if (fd < 0)
		j->why = IDENT_GONE;
	else if (!j->hash)
		j->why = IDENT_OK;	/* the O_PATH open found it: that was the question */
	else if (fsdev__on_remote(fd))
		j->why = r->remote_pool ? hand_over(r, j, fd) : identify_remote(r, j, fd);
	else if ((local = open_local(j, fd, &st, &local_owned)) < 0)
		j->why = IDENT_GONE;
	else {
		j->why = identify_local(r, j, local, &st);
		if (local_owned)
			close(local);
	}
	if (fd >= 0 && fd != j->pathfd)
		close(fd);
}

enum ident_why identread__fd(int fd, const struct file_key *key, struct scan_ref *scan,
			     uint64_t *bytes, struct file_ident **out)
{
	return identify(fd, key, scan, NULL, true, false, bytes, out);
}

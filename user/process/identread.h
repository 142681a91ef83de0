/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside identity.c: one file read for its identity, on a worker (or on the caller of a
 * one-shot command). Opened O_PATH first (no open call reaches the filesystem); a file on
 * FUSE or a network filesystem is read by a child process (lib/childcopy.h) and, from the
 * local workers, handed to the remote pool so that local hashing never waits behind it.
 */
#ifndef EMBARGO_IDENTREAD_H
#define EMBARGO_IDENTREAD_H

#include "lib/workpool.h"
#include "process/fileident.h"
#include "process/identcache.h"

/*
 * Shared by a job and its hand-off to the remote pool, so the asker hears once: the local
 * job given up on, or the remote one's answer, whichever the loop sees first.
 */
struct ident_ticket {
	int refs;
	bool answered;		/* on the loop's thread only */
};

/* One file for a worker: what to open, and what it made of it. */
struct ident_job {
	struct workpool_job base;	/* first: the pool hands this back */
	void *cookie;
	struct ident_ticket *ticket;
	int pathfd;			/* /proc/PID/exe opened O_PATH on the loop; -1: none */
	char *path;			/* else (or when that failed) the worker opens this */
	struct ev_file ran;		/* the file the kernel ran; ino 0: any file at path */
	bool follow;			/* path's last component may be a symlink */
	bool hash;			/* false: only whether it is there */
	bool markers;			/* a download: read what its content says it is too */
	bool being_made;		/* seen at a create's syscall entry: it may not be yet */
	uint64_t max_size;
	struct scan_ref *scan;
	/* written by the worker; remote is read by the answer of a job given up on */
	bool remote;
	bool moved;			/* handed to the remote pool: it answers */
	bool hit;			/* the cache had it */
	bool read;			/* it was read to be hashed */
	struct file_ident *result;
	enum ident_why why;
	uint64_t bytes;
};

/* What a worker reads with. */
struct ident_reader {
	struct identcache *cache;
	struct workpool *pool;		/* the pool running the job; NULL: on the caller */
	struct workpool *remote_pool;	/* where a local worker sends remote files; or NULL */
	uint64_t remote_budget_ms;
};

/* NULL when out of memory; the ticket is made here. */
struct ident_job *identjob__new(const char *path, const struct ev_file *ran);
void identjob__free(struct ident_job *j);
/* Sets j->why (and j->result, j->moved...). */
void identread__run(const struct ident_reader *r, struct ident_job *j);
/* An open file as key says it is, read now and checked again after; no time budget. */
enum ident_why identread__fd(int fd, const struct file_key *key, struct scan_ref *scan,
			     uint64_t *bytes, struct file_ident **out);
struct file_key identread__key_of_event(const struct ev_file *f);
unsigned int identread__gen(const struct scan_ref *scan);

#endif /* EMBARGO_IDENTREAD_H */

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a process really runs, by content: the SHA-256 of a file (OpenSSL EVP, so a FIPS
 * provider can serve it) and its ELF identity, cached by the file's identity (device,
 * inode, size, mtime, ctime) so a cache hit reads nothing.
 *
 * The event loop never opens, stats or reads a file a user controls: a few workers do
 * (lib/workpool.h), each file within a time budget (a short one on FUSE and network
 * filesystems), and answers come back through the done function when identity__fd() is
 * readable. The loop only opens /proc/PID/exe with O_PATH (no filesystem call: a deleted
 * file or a memfd stays reachable for the worker). A full queue answers "backlog" at once.
 * Made with no workers (the one-shot commands), it does the same work on the caller.
 */
#ifndef EMBARGO_IDENTITY_H
#define EMBARGO_IDENTITY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "process/fileident.h"
#include "process/proc.h"
#include "lib/strscan.h"


struct identity;

/* Counted on the loop's thread. */
struct identity_stats {
	uint64_t hits;		/* answered from the cache: no file read */
	uint64_t misses;	/* not in the cache: read to be hashed */
	uint64_t unavailable;	/* no identity, for any reason below or the file gone */
	uint64_t too_large;	/* not hashed: larger than the hash size limit */
	uint64_t changed;	/* no hash: the file changed while it was hashed (size, times) */
	uint64_t backlog;	/* no hash: the workers' queue was full */
	uint64_t timeouts;	/* no hash: over the time budget */
	uint64_t remote;	/* files on FUSE or a network filesystem (short budget) */
	uint64_t bytes;		/* hashed */
};

/* The work not done yet, for status and heartbeats. */
struct identity_load {
	unsigned int pending;	/* files queued or being hashed */
	unsigned int stuck;	/* workers still inside a file given up on */
	unsigned int workers;
	uint64_t oldest_ms;	/* how long the oldest pending file has waited; 0: none */
};

enum ident_status {
	IDENT_READY,		/* *out holds a reference */
	IDENT_PENDING,		/* the answer comes through the done function */
	IDENT_UNAVAILABLE,	/* *why says why */
};

/*
 * Called on the loop's thread with the cookie given: ident (a reference the callee may get)
 * or NULL and why. For identity__probe_file without a hash, IDENT_OK and NULL: it exists.
 */
typedef void (*ident_done_fn)(void *ctx, void *cookie, struct file_ident *ident,
			      enum ident_why why);

/* workers 0: every answer is made on the caller (IDENT_PENDING never comes). */
struct identity *identity__new(const char *proc_root, unsigned int workers);
void identity__free(struct identity *id);
void identity__set_done(struct identity *id, ident_done_fn fn, void *ctx);
/* An eventfd that is readable when answers wait; add it to the epoll set (-1: no workers). */
int identity__fd(const struct identity *id);
/* Time budgets per file, local and on FUSE / network filesystems (defaults below). */
#define IDENTITY_BUDGET_MS 10000
#define IDENTITY_REMOTE_BUDGET_MS 1000
void identity__set_budget(struct identity *id, uint64_t local_ms, uint64_t remote_ms);
/* Files larger than this are not hashed (IDENT_UNAVAILABLE, counted); default below. */
#define IDENTITY_MAX_SIZE_DEFAULT (512ULL << 20)
void identity__set_max_size(struct identity *id, uint64_t bytes);
uint64_t identity__max_size(const struct identity *id);
/* Rule strings to look for in ELF read-only data (taken over; NULL for none). */
void identity__set_scanner(struct identity *id, struct strscan *scan);

/* The executable p runs (through /proc/PID/exe, else its path if still the same inode). */
enum ident_status identity__resolve_exe(struct identity *id, const struct proc *p,
					void *cookie, struct file_ident **out,
					enum ident_why *why);
/* A file by path (a script, the program ld.so was asked to run); no magic links. */
enum ident_status identity__resolve_path(struct identity *id, const char *path, void *cookie,
					 struct file_ident **out, enum ident_why *why);
/*
 * Whether a file a user just created is there (its last component not followed), and its
 * identity if hash: a download (with its markers, markers.h). Answered through the done
 * function; with no workers, as
 * identity__resolve_path.
 */
enum ident_status identity__probe_file(struct identity *id, const char *path, bool hash,
				       void *cookie, struct file_ident **out,
				       enum ident_why *why);
/* The loop's tick: answer files over budget, replace stuck workers. */
void identity__tick(struct identity *id);
/* Hand every finished answer to the done function. */
void identity__complete(struct identity *id);
/* Wait up to wait_ms for every pending file, then answer the rest IDENT_STOPPING. */
void identity__drain(struct identity *id, uint64_t wait_ms);
void identity__load(struct identity *id, struct identity_load *out);
/* Identify an open file now, on the caller's thread (embargo inspect). */
struct file_ident *identity__of_fd(struct identity *id, int fd);
/*
 * The same, as fstat saw the file at st: at most st_size bytes are read, and NULL (counted
 * in stats.changed) if its size, mtime or ctime differ once hashed. A file grown after its
 * size was checked costs no more than its size then.
 */
struct file_ident *identity__of_fd_at(struct identity *id, int fd, const struct stat *st);

const struct identity_stats *identity__stats(const struct identity *id);

#endif /* EMBARGO_IDENTITY_H */

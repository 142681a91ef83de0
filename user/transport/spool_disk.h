/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal to the spool: its files on disk (spool_disk.c), for the queue in spool.c; not for
 * other callers. docs/outputs.md, "Spool", has the format. Nothing here takes the spool's
 * lock: the callers own the file descriptors and the memory they pass.
 */
#ifndef EMBARGO_SPOOL_DISK_H
#define EMBARGO_SPOOL_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "transport/spool_batch.h"

#define SPOOL_FRAME_HDR 24u	/* the frame header before each record on disk */

struct seg {
	uint64_t id, first_seq, nrecs, bytes;
};

/* A place in the log: a segment, a byte offset in it, the sequence number found there. */
struct pos {
	uint64_t seg, off, seq;
};

static inline uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static inline uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* *p holds *cap elements of elem bytes: make it hold want, at least doubling. */
int spool_grow(void **p, size_t *cap, size_t want, size_t elem);

/* --- the directory and its segment files --- */

/*
 * dir and its missing parents, 0700, opened into *dirfd (-1 if not; else left for the caller
 * to close even on error), checked writable and flock()ed.
 */
int spool_dir_open(const char *dir, int *dirfd);
/* The segment file of id: an openat() (fd, or -1 and errno) with flags, 0600 if created. */
int spool_seg_open(int dirfd, uint64_t id, int flags);
/* Remove it; a failure other than "gone already" is logged. */
void spool_seg_unlink(int dirfd, uint64_t id);

/* --- the cursor file: two checksummed slots, the newer valid one wins --- */

/*
 * Open (creating) the cursor file into *curfd (for the caller to close even on error) and
 * read it: *found and, if found, the newest valid slot in *out and its generation in
 * *cursor_gen. A file that had to be extended to its full size sets *dir_dirty.
 */
int spool_cursor_load(int dirfd, int *curfd, uint64_t *cursor_gen, struct pos *out,
		      bool *found, bool *dir_dirty);
/* Write p into the slot after generation *cursor_gen, fdatasync, then advance *cursor_gen. */
int spool_cursor_store(int curfd, uint64_t *cursor_gen, const struct pos *p);

/* --- opening: the segments found in the directory --- */

/*
 * Push every segment file of dirfd onto *segs (*n of *cap), sorted by id, then scan each:
 * count its records and cut a torn tail (bytes, nrecs, first_seq). *last_seq is the highest
 * sequence number seen; if the cursor *cur points at a record, cur->seq is set to its
 * number and *cur_found to true. The segments' bytes are left for the caller to add up.
 */
int spool_scan(int dirfd, struct seg **segs, size_t *n, size_t *cap, struct pos *cur,
	       uint64_t *last_seq, bool *cur_found);

/* --- frames --- */

/*
 * Frame rec (with sequence number seq) and write it at wpos of fd, the segment's end. On
 * failure the file ends where it ended, or has bytes past wpos that the next write
 * overwrites or a reopen cuts.
 */
int spool_frame_write(int fd, uint64_t wpos, uint64_t seq, const void *rec, size_t len);
/*
 * b starts at b->off and b->seq of g, and has no records yet; fd is g's file. Read g's
 * records from there into b: whole ones, up to max_bytes framed, but at least one, each
 * checked; b->end_off and b->end_seq after them. Returns how many; 0 when the first is
 * damaged, b then being a batch of no records that steps over the damage (b->skipped); or
 * -errno.
 */
int spool_read_batch(int fd, const struct seg *g, struct spool_batch *b, size_t max_bytes);
/* The same for b, but stepping over all the rest of g, as damaged. Returns 0. */
int spool_skip_segment(struct spool_batch *b, const struct seg *g);

#endif /* EMBARGO_SPOOL_DISK_H */

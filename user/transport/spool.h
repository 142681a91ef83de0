/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The on-disk queue between the event loop and one remote output's sender thread, so that a
 * dead or slow SIEM neither loses alerts (they wait on disk, up to a bound) nor blocks the
 * sensor (appending never waits for the sender). docs/outputs.md, "Spool", has the format.
 *
 * One producer thread appends. One consumer thread peeks a batch, sends it, then commits
 * it; delivery is at least once (a batch sent but not committed is sent again after a
 * crash), and each record carries a sequence number a receiver can drop duplicates by.
 * spool__close() must not race either thread: join the sender first. It does not sync.
 */
#ifndef EMBARGO_SPOOL_H
#define EMBARGO_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "transport/spool_batch.h"

#define SPOOL_MIN_BYTES (64u << 10)	/* the smallest max_bytes spool__open() takes */
#define SPOOL_RESERVE_BYTES (16u << 10)	/* disk kept for state records, beyond max_bytes */

/* Bytes are as on disk: each record plus its 24-byte frame header. */
struct spool_stats {
	uint64_t records, bytes;			/* waiting: appended, not committed */
	uint64_t evicted_records, evicted_bytes;	/* since open: dropped, never delivered */
	uint64_t appended, committed;			/* since open */
	uint64_t corrupt_records;			/* since open: damaged on disk, skipped */
};

struct spool;

/*
 * dir (and missing parents) is created 0700 if missing; files are 0600. max_bytes (at least
 * SPOOL_MIN_BYTES) bounds the disk used. Reopening an existing dir resumes: records appended
 * but never committed are delivered again. Errors in *err: -ENOTDIR (dir is not a directory),
 * -EACCES, -EROFS (not writable), -EBUSY (another spool has it open), -EINVAL (max_bytes).
 */
struct spool *spool__open(const char *dir, uint64_t max_bytes, int *err);
void spool__close(struct spool *s);
/* The longest record spool__append() takes: max_bytes / 4, at most SPOOL_RECORD_MAX. */
size_t spool__record_max(const struct spool *s);

/*
 * Producer (one thread). One write, no fsync; never waits for the consumer. When the spool
 * would exceed max_bytes the oldest records are evicted (counted in the stats), never the
 * new one. -EMSGSIZE: longer than spool__record_max(); -ENOSPC, -EIO...: the record is not
 * spooled, and the log is as it was before the call.
 *
 * The file system's last room is kept for records about embargo itself (a loss said where it
 * happened): spool__append() takes a record only while the reserve file (SPOOL_RESERVE_BYTES,
 * allocated on disk) is whole, and makes it anew first if it was used; -ENOSPC when it cannot.
 * Once it refused a record for want of room, it takes the next only when a reserve's worth
 * of room is free again. spool__append_reserved() gives the reserve's blocks back to the file
 * system when the disk is full, and writes the record into them.
 */
int spool__append(struct spool *s, const void *rec, size_t len);
int spool__append_reserved(struct spool *s, const void *rec, size_t len);
/* Producer: make appended records durable (fdatasync); the caller decides how often. */
int spool__sync(struct spool *s);

/*
 * Consumer (one other thread). Wait up to timeout_ms (-1 forever) for records after the
 * delivery cursor; fill b with up to max_bytes of them (as on disk, 24 bytes a record more),
 * in order: at least one if any is waiting, even if bigger than max_bytes. A batch ends at
 * the end of a segment. Returns the number of records, 0 on timeout or after spool__wake(),
 * or -errno. Peek does not remove: peeking again without a commit gives the same records in
 * the same order, unless eviction took them meanwhile (they count as evicted then).
 */
int spool__peek(struct spool *s, struct spool_batch *b, size_t max_bytes, int timeout_ms);
/*
 * Consumer: b was delivered; advance the cursor past it and persist the cursor (fdatasync),
 * so a restart does not resend it. -ESTALE: b does not start at the cursor (committed twice).
 */
int spool__commit(struct spool *s, const struct spool_batch *b);
void spool__batch_free(struct spool_batch *b);

/* Make a waiting spool__peek() return 0; if none waits, the next one that would wait. */
void spool__wake(struct spool *s);
void spool__stats(struct spool *s, struct spool_stats *out);

#endif /* EMBARGO_SPOOL_H */

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal to the spool: its reserve (spool_reserve.c), the file system's last room kept for
 * records about embargo itself, for the producer in spool.c; not for other callers.
 * docs/outputs.md, "Losses are records", says why.
 */
#ifndef EMBARGO_SPOOL_RESERVE_H
#define EMBARGO_SPOOL_RESERVE_H

#include <stdbool.h>
#include <stdint.h>

#define SPOOL_RESERVE_NAME "reserve"
#define SPOOL_ROOM_PROBE_NAME "reserve.probe"	/* is there room again? made, then removed */

/* The producer's own, in the spool's directory. */
struct spool_reserve {
	int dirfd;
	uint64_t bytes;		/* its size */
	bool held;		/* the reserve file is there, whole */
	bool wanting_room;	/* an ordinary record was refused for want of room */
};

/*
 * Before an ordinary record: 0 to write it, or -ENOSPC (-EDQUOT) to refuse it, when the
 * reserve cannot be made whole or, after a refusal, a reserve's worth of room is not free.
 * At open, it makes the reserve.
 */
int spool_reserve_before(struct spool_reserve *r);
/* After an ordinary record, with the write's result (0, -errno). */
void spool_reserve_after(struct spool_reserve *r, int err);
/*
 * A state record's write failed with err: true when the disk was full and the reserve's
 * blocks were given back to it, for the caller to write again.
 */
bool spool_reserve_release(struct spool_reserve *r, int err);

#endif /* EMBARGO_SPOOL_RESERVE_H */

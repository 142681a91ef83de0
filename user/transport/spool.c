// SPDX-License-Identifier: GPL-2.0-only
/*
 * The queue: a segmented append-only log and a persisted delivery cursor (docs/outputs.md,
 * "Spool"), shared by one producer and one consumer. Its files, their format and the scan
 * at open are in spool_disk.c.
 *
 * s->lock guards the segment list, the cursor, the batch in flight and the stats. Neither
 * thread holds it across I/O: the producer waits at most for the consumer's bookkeeping,
 * never for its reads, its sends or its fsyncs. Each side unlinks the segments it takes off
 * the list, so a file is removed by exactly one of them.
 */
#include "transport/spool.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "transport/spool_disk.h"
#include "transport/spool_reserve.h"

#define SEG_MIN (64u << 10)
#define SEG_MAX (64u << 20)

struct spool {
	int dirfd, curfd;
	uint64_t max_bytes, seg_max;
	size_t rec_max;
	/* the producer's own */
	int wfd;			/* the active segment; -1 until the first append */
	uint64_t wid, wpos;		/* its id and size */
	uint64_t next_seq, next_id;
	uint64_t sync_from;		/* the oldest segment that may hold unsynced records */
	bool dir_dirty;			/* a segment was created since the last sync */
	struct spool_reserve reserve;	/* disk kept for state records */
	/* the consumer's own */
	int rfd;
	uint64_t rfd_id, cursor_gen;
	/* shared, under lock */
	pthread_mutex_t lock;
	pthread_cond_t more;		/* a record appended, or spool__wake() */
	struct seg *segs;		/* oldest first */
	size_t nsegs, segs_cap;
	uint64_t active_id;		/* the one the producer writes, 0 if none */
	uint64_t disk;			/* sum of segs[].bytes; the producer also reads it unlocked */
	struct pos cur;			/* delivery cursor: the next record to deliver */
	struct pos inflight;		/* the end of the batch last peeked, if inflight_set */
	bool inflight_set, woken;
	uint64_t pending_recs, pending_bytes;	/* of that batch, evicted under it */
	struct spool_stats st;
};

static uint64_t sub0(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

static void unlink_seg(struct spool *s, uint64_t id)
{
	spool_seg_unlink(s->dirfd, id);
}

/* --- the segment list (under lock, but while opening) --- */

static uint64_t disk_of(const struct spool *s)
{
	return __atomic_load_n(&s->disk, __ATOMIC_RELAXED);
}

static void disk_add(struct spool *s, int64_t delta)
{
	__atomic_store_n(&s->disk, disk_of(s) + (uint64_t)delta, __ATOMIC_RELAXED);
}

/* The first segment whose id is id or later. */
static size_t seg_lower(const struct spool *s, uint64_t id)
{
	size_t i = 0;

	while (i < s->nsegs && s->segs[i].id < id)
		i++;
	return i;
}

static bool seg_listed(const struct spool *s, uint64_t id)
{
	size_t i = seg_lower(s, id);

	return i < s->nsegs && s->segs[i].id == id;
}

static int seg_push(struct spool *s, const struct seg *g)
{
	if (spool_grow((void **)&s->segs, &s->segs_cap, s->nsegs + 1, sizeof(*g)))
		return -ENOMEM;
	s->segs[s->nsegs++] = *g;
	disk_add(s, (int64_t)g->bytes);
	return 0;
}

static void seg_remove(struct spool *s, size_t i)
{
	disk_add(s, -(int64_t)s->segs[i].bytes);
	memmove(s->segs + i, s->segs + i + 1, (s->nsegs - i - 1) * sizeof(*s->segs));
	s->nsegs--;
}

/*
 * g is evicted: count what the consumer will never deliver. The records of the batch in
 * flight are not lost yet: its commit delivers them, and only a peek instead loses them.
 */
static void count_evicted(struct spool *s, const struct seg *g)
{
	struct pos read = s->inflight_set ? s->inflight : s->cur;
	uint64_t recs = 0, bytes = 0;

	if (s->cur.seg < g->id) {
		recs = g->nrecs;
		bytes = g->bytes;
	} else if (s->cur.seg == g->id) {
		recs = sub0(g->first_seq + g->nrecs, read.seq);
		bytes = sub0(g->bytes, read.off);
		s->pending_recs = sub0(read.seq, s->cur.seq);
		s->pending_bytes = sub0(read.off, s->cur.off);
	}
	s->st.evicted_records += recs;
	s->st.evicted_bytes += bytes;
}

/* The batch last peeked is given up on: if eviction took its records, they are lost now. */
static void abandon_inflight(struct spool *s)
{
	s->st.evicted_records += s->pending_recs;
	s->st.evicted_bytes += s->pending_bytes;
	s->pending_recs = s->pending_bytes = 0;
	s->inflight_set = false;
}

/*
 * Put the cursor on the next record: if its segment was evicted (or removed before a
 * restart), at the start of the next one left. A sealed segment read to its end is taken
 * off the list, its id in *done for the caller to unlink unlocked. True when the cursor's
 * segment has bytes to read; a copy of it in *out.
 */
static bool cursor_settle(struct spool *s, struct seg *out, uint64_t *done)
{
	size_t i = seg_lower(s, s->cur.seg);
	struct seg *g;

	*done = 0;
	if (i == s->nsegs)
		return false;
	g = &s->segs[i];
	if (g->id != s->cur.seg)
		s->cur = (struct pos){ g->id, 0, g->first_seq };
	if (s->cur.off < g->bytes) {
		*out = *g;
		return true;
	}
	if (g->id == s->active_id || i + 1 == s->nsegs)
		return false;
	*done = g->id;
	s->cur = (struct pos){ g[1].id, 0, g[1].first_seq };
	seg_remove(s, i);
	return false;
}

static int cursor_store(struct spool *s, const struct pos *p)
{
	return spool_cursor_store(s->curfd, &s->cursor_gen, p);
}

/* --- opening: the segments found in the directory, where the cursor was --- */

/*
 * Scan every segment; drop the empty ones and those the cursor is past; put the cursor on
 * a record boundary; go on numbering above everything seen, so that sequence numbers never
 * repeat, not even of records delivered and removed.
 */
static int load(struct spool *s)
{
	struct pos cur = { 0 };
	uint64_t last_seq = 0, cur_seq;
	bool have_cur = false, cur_found = false;
	int err = spool_cursor_load(s->dirfd, &s->curfd, &s->cursor_gen, &cur, &have_cur,
				    &s->dir_dirty);

	cur_seq = cur.seq;
	if (!err)
		err = spool_scan(s->dirfd, &s->segs, &s->nsegs, &s->segs_cap, &cur, &last_seq,
				 &cur_found);
	if (err)
		return err;
	for (size_t i = 0; i < s->nsegs; i++)
		disk_add(s, (int64_t)s->segs[i].bytes);
	for (size_t i = 0; i < s->nsegs;) {
		struct seg *g = &s->segs[i];

		if (g->nrecs && g->id >= cur.seg) {
			i++;
			continue;
		}
		unlink_seg(s, g->id);
		seg_remove(s, i);
	}
	if (seg_listed(s, cur.seg) && !cur_found) {
		struct seg *g = &s->segs[seg_lower(s, cur.seg)];

		/* past the end: records sent were lost in a crash before they reached the disk */
		if (cur.off >= g->bytes)
			cur = (struct pos){ g->id, g->bytes, g->first_seq + g->nrecs };
		else
			cur = (struct pos){ g->id, 0, g->first_seq };
	}
	s->cur = cur;
	/* from now on one slot is always valid: none means the file was damaged or removed */
	if (!have_cur && s->nsegs)
		log_warn("spool: no valid cursor, %zu segments are delivered from the start",
			 s->nsegs);
	if (!have_cur && (err = cursor_store(s, &cur)))
		return err;
	s->next_seq = max64(max64(last_seq + 1, cur_seq), 1);
	s->next_id = max64(s->nsegs ? s->segs[s->nsegs - 1].id : 0, cur.seg) + 1;
	s->sync_from = s->next_id;
	if (s->dir_dirty && fsync(s->dirfd))
		return -errno;
	s->dir_dirty = false;
	return 0;
}

struct spool *spool__open(const char *dir, uint64_t max_bytes, int *errp)
{
	struct spool *s = calloc(1, sizeof(*s));
	pthread_condattr_t ca;
	int err = 0;

	if (!s) {
		err = -ENOMEM;
		goto out;
	}
	s->dirfd = s->curfd = s->wfd = s->rfd = -1;
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->more, &ca);
	pthread_condattr_destroy(&ca);
	s->max_bytes = max_bytes;
	/* whole segments are evicted: small enough to lose little at once, few enough files */
	s->seg_max = min64(max64(max_bytes / 8, min64(SEG_MIN, max_bytes / 4)), SEG_MAX);
	s->rec_max = (size_t)min64(max_bytes / 4, SPOOL_RECORD_MAX);
	if (max_bytes < SPOOL_MIN_BYTES)
		err = -EINVAL;
	if (!err)
		err = spool_dir_open(dir, &s->dirfd);
	if (!err)
		err = load(s);
	s->reserve = (struct spool_reserve){ .dirfd = s->dirfd, .bytes = SPOOL_RESERVE_BYTES };
	if (!err)
		spool_reserve_before(&s->reserve);	/* made now; a full disk: made later */
out:
	if (err) {
		spool__close(s);
		s = NULL;
	}
	if (errp)
		*errp = err;
	return s;
}

void spool__close(struct spool *s)
{
	if (!s)
		return;
	if (s->wfd >= 0)
		close(s->wfd);
	if (s->rfd >= 0)
		close(s->rfd);
	if (s->curfd >= 0)
		close(s->curfd);
	if (s->dirfd >= 0)
		close(s->dirfd);	/* and with it the lock */
	pthread_cond_destroy(&s->more);
	pthread_mutex_destroy(&s->lock);
	free(s->segs);
	free(s);
}

size_t spool__record_max(const struct spool *s)
{
	return s->rec_max;
}

/* --- the producer --- */

static int rotate(struct spool *s)
{
	struct seg g = { .id = s->next_id++, .first_seq = s->next_seq };
	int fd, err;

	fd = spool_seg_open(s->dirfd, g.id, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	pthread_mutex_lock(&s->lock);
	err = seg_push(s, &g);
	if (!err)
		s->active_id = g.id;
	pthread_mutex_unlock(&s->lock);
	if (err) {
		close(fd);
		unlink_seg(s, g.id);
		return err;
	}
	/* not synced: spool__sync() finds it by name */
	if (s->wfd >= 0)
		close(s->wfd);
	s->wfd = fd;
	s->wid = g.id;
	s->wpos = 0;
	s->dir_dirty = true;
	return 0;
}

/* Evict whole segments, oldest first, until framed more bytes fit; never the active one. */
static void make_room(struct spool *s, uint64_t framed)
{
	for (;;) {
		struct seg g = { 0 };
		bool evict;

		pthread_mutex_lock(&s->lock);
		evict = disk_of(s) + framed > s->max_bytes && s->nsegs &&
			s->segs[0].id != s->active_id;
		if (evict) {
			g = s->segs[0];
			count_evicted(s, &g);
			seg_remove(s, 0);
		}
		pthread_mutex_unlock(&s->lock);
		if (!evict)
			return;
		unlink_seg(s, g.id);
	}
}

/* Rotate if needed, make room, write: the record is in the log, or the log is as it was. */
static int append_frame(struct spool *s, const void *rec, size_t len)
{
	uint64_t framed = SPOOL_FRAME_HDR + (uint64_t)len;
	struct seg *g;
	int err;

	if (s->wfd < 0 || (s->wpos && s->wpos + framed > s->seg_max)) {
		if ((err = rotate(s)))
			return err;
	}
	/* the consumer only ever lowers disk: no lock needed to see there is room */
	if (disk_of(s) + framed > s->max_bytes)
		make_room(s, framed);
	if ((err = spool_frame_write(s->wfd, s->wpos, s->next_seq, rec, len)))
		return err;
	pthread_mutex_lock(&s->lock);
	g = &s->segs[s->nsegs - 1];	/* the active one: nobody else removes it */
	g->nrecs++;
	g->bytes += framed;
	disk_add(s, (int64_t)framed);
	s->st.appended++;
	pthread_cond_signal(&s->more);
	pthread_mutex_unlock(&s->lock);
	s->wpos += framed;
	s->next_seq++;
	return 0;
}

int spool__append(struct spool *s, const void *rec, size_t len)
{
	int err;

	if (len > s->rec_max)
		return -EMSGSIZE;
	if (!(err = spool_reserve_before(&s->reserve)))
		err = append_frame(s, rec, len);
	spool_reserve_after(&s->reserve, err);
	return err;
}

int spool__append_reserved(struct spool *s, const void *rec, size_t len)
{
	int err;

	if (len > s->rec_max)
		return -EMSGSIZE;
	err = append_frame(s, rec, len);
	if (spool_reserve_release(&s->reserve, err))
		err = append_frame(s, rec, len);
	return err;
}

int spool__sync(struct spool *s)
{
	int fd, err = 0;

	/* segments sealed since the last sync; gone ones were delivered or evicted */
	for (uint64_t id = s->sync_from; id < s->wid; id++) {
		fd = spool_seg_open(s->dirfd, id, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			if (errno != ENOENT && !err)
				err = -errno;
			continue;
		}
		if (fdatasync(fd) && !err)
			err = -errno;
		close(fd);
	}
	if (s->wfd >= 0 && fdatasync(s->wfd) && !err)
		err = -errno;
	/* new names in the directory are durable only once the directory is */
	if (!err && s->dir_dirty && fsync(s->dirfd))
		err = -errno;
	if (!err) {
		s->dir_dirty = false;
		s->sync_from = max64(s->sync_from, s->wid);
	}
	return err;
}

/* --- the consumer --- */

static int reader_fd(struct spool *s, uint64_t id)
{
	if (s->rfd >= 0 && s->rfd_id == id)
		return 0;
	/* an evicted segment's space comes back only now */
	if (s->rfd >= 0)
		close(s->rfd);
	s->rfd = spool_seg_open(s->dirfd, id, O_RDONLY | O_CLOEXEC);
	s->rfd_id = id;
	return s->rfd < 0 ? -errno : 0;
}

/* Unlocked: the records of g from the cursor at. */
static int read_batch(struct spool *s, const struct seg *g, const struct pos *at,
		      struct spool_batch *b, size_t max_bytes)
{
	int err;

	b->n = 0;
	b->skipped = 0;
	b->seg = g->id;
	b->off = at->off;
	b->seq = at->seq;
	if ((err = reader_fd(s, g->id)))
		return err;
	return spool_read_batch(s->rfd, g, b, max_bytes);
}

static void deadline_in(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

/* Under lock: wait for an append or a wake; false once the time is up. */
static bool wait_more(struct spool *s, int timeout_ms, const struct timespec *deadline)
{
	if (timeout_ms < 0)
		return !pthread_cond_wait(&s->more, &s->lock);
	return timeout_ms && pthread_cond_timedwait(&s->more, &s->lock, deadline) != ETIMEDOUT;
}

int spool__peek(struct spool *s, struct spool_batch *b, size_t max_bytes, int timeout_ms)
{
	struct timespec deadline;
	struct seg g;
	struct pos at;
	uint64_t done;
	int n = 0;

	if (timeout_ms > 0)
		deadline_in(&deadline, timeout_ms);
	b->n = 0;
	pthread_mutex_lock(&s->lock);
	abandon_inflight(s);
	for (;;) {
		b->n = 0;
		if (!cursor_settle(s, &g, &done)) {
			if (done) {
				pthread_mutex_unlock(&s->lock);
				unlink_seg(s, done);
				pthread_mutex_lock(&s->lock);
				continue;
			}
			if (s->woken || !wait_more(s, timeout_ms, &deadline)) {
				s->woken = false;
				n = 0;
				break;
			}
			continue;
		}
		at = s->cur;
		pthread_mutex_unlock(&s->lock);
		n = read_batch(s, &g, &at, b, max_bytes);
		pthread_mutex_lock(&s->lock);
		/* evicted while we read: counted as lost then, so the cursor moves on */
		if (!seg_listed(s, g.id))
			continue;
		if (n == -ENOENT) {
			log_warn("spool: segment %" PRIu64 " vanished", g.id);
			n = spool_skip_segment(b, &g);
		}
		if (n < 0) {
			b->n = 0;
			break;
		}
		if (!b->n) {
			s->cur = (struct pos){ g.id, b->end_off, b->end_seq };
			s->st.corrupt_records += b->skipped;
			continue;
		}
		s->inflight = (struct pos){ g.id, b->end_off, b->end_seq };
		s->inflight_set = true;
		break;
	}
	pthread_mutex_unlock(&s->lock);
	return n;
}

int spool__commit(struct spool *s, const struct spool_batch *b)
{
	struct seg g;
	struct pos to;
	uint64_t done;
	int err;

	if (!b->n)
		return 0;
	pthread_mutex_lock(&s->lock);
	if (b->seg != s->cur.seg || b->off != s->cur.off || b->seq != s->cur.seq) {
		pthread_mutex_unlock(&s->lock);
		return -ESTALE;
	}
	s->cur = (struct pos){ b->seg, b->end_off, b->end_seq };
	s->inflight_set = false;
	s->pending_recs = s->pending_bytes = 0;	/* delivered after all */
	s->st.committed += b->n;
	cursor_settle(s, &g, &done);
	to = s->cur;
	pthread_mutex_unlock(&s->lock);
	err = cursor_store(s, &to);
	if (done)
		unlink_seg(s, done);
	return err;
}

void spool__batch_free(struct spool_batch *b)
{
	free(b->recs);
	free(b->buf);
	memset(b, 0, sizeof(*b));
}

void spool__wake(struct spool *s)
{
	pthread_mutex_lock(&s->lock);
	s->woken = true;
	pthread_cond_broadcast(&s->more);
	pthread_mutex_unlock(&s->lock);
}

void spool__stats(struct spool *s, struct spool_stats *out)
{
	pthread_mutex_lock(&s->lock);
	*out = s->st;
	out->records = out->bytes = 0;
	for (size_t i = 0; i < s->nsegs; i++) {
		const struct seg *g = &s->segs[i];

		if (g->id > s->cur.seg) {
			out->records += g->nrecs;
			out->bytes += g->bytes;
		} else if (g->id == s->cur.seg) {
			out->records += sub0(g->first_seq + g->nrecs, max64(s->cur.seq, g->first_seq));
			out->bytes += sub0(g->bytes, s->cur.off);
		}
	}
	pthread_mutex_unlock(&s->lock);
}

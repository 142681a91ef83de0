// SPDX-License-Identifier: GPL-2.0-only
/*
 * A segmented append-only log and a persisted delivery cursor (docs/outputs.md, "Spool").
 *
 * s->lock guards the segment list, the cursor, the batch in flight and the stats. Neither
 * thread holds it across I/O: the producer waits at most for the consumer's bookkeeping,
 * never for its reads, its sends or its fsyncs. Each side unlinks the segments it takes off
 * the list, so a file is removed by exactly one of them.
 */
#include "spool.h"

#include <ctype.h>
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "log.h"

#define FRAME_MAGIC 0x31505345u		/* "ESP1" */
#define FRAME_HDR 24u
#define CURSOR_MAGIC 0x31435345u	/* "ESC1" */
#define CURSOR_SLOT 512			/* two slots, never in the same sector */
#define CURSOR_NAME "cursor"
#define SEG_MIN (64u << 10)
#define SEG_MAX (64u << 20)
#define SCAN_CHUNK (1u << 20)

struct seg {
	uint64_t id, first_seq, nrecs, bytes;
};

/* A place in the log: a segment, a byte offset in it, the sequence number found there. */
struct pos {
	uint64_t seg, off, seq;
};

/* On disk, little-endian: before each record; hdr_crc covers the fields before it. */
struct frame_hdr {
	uint32_t magic, len;
	uint64_t seq;
	uint32_t data_crc, hdr_crc;
};

_Static_assert(sizeof(struct frame_hdr) == FRAME_HDR, "a frame header has no padding");

/* One slot of the cursor file; crc covers the fields after it. */
struct cursor_slot {
	uint32_t magic, crc;
	uint64_t gen, seg, off, seq;
};

_Static_assert(sizeof(struct cursor_slot) == 40, "a cursor slot has no padding");

struct frame {
	uint32_t len;
	uint64_t seq;
};

enum frame_status { FRAME_OK, FRAME_SHORT, FRAME_BAD_HDR, FRAME_BAD_DATA };

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

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static uint64_t sub0(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

static uint32_t crc(const void *p, size_t n)
{
	return (uint32_t)crc32(0, p, (uInt)n);	/* n is at most a frame */
}

static void frame_encode(struct frame_hdr *h, uint64_t seq, const void *rec, uint32_t len)
{
	h->magic = htole32(FRAME_MAGIC);
	h->len = htole32(len);
	h->seq = htole64(seq);
	h->data_crc = htole32(crc(rec, len));
	h->hdr_crc = htole32(crc(h, offsetof(struct frame_hdr, hdr_crc)));
}

/*
 * The frame at p, of which avail bytes are at hand. The header has its own CRC, so that a
 * damaged record whose length is intact can be stepped over. FRAME_SHORT with f filled in:
 * the header is good, the record needs FRAME_HDR + f->len bytes.
 */
static enum frame_status frame_check(const uint8_t *p, uint64_t avail, struct frame *f)
{
	struct frame_hdr h;

	if (avail < FRAME_HDR)
		return FRAME_SHORT;
	memcpy(&h, p, sizeof(h));	/* p has no alignment */
	if (le32toh(h.magic) != FRAME_MAGIC ||
	    le32toh(h.hdr_crc) != crc(&h, offsetof(struct frame_hdr, hdr_crc)))
		return FRAME_BAD_HDR;
	f->len = le32toh(h.len);
	f->seq = le64toh(h.seq);
	if (f->len > SPOOL_RECORD_MAX)
		return FRAME_BAD_HDR;
	if (avail < FRAME_HDR + f->len)
		return FRAME_SHORT;
	return le32toh(h.data_crc) == crc(p + FRAME_HDR, f->len) ? FRAME_OK : FRAME_BAD_DATA;
}

static void seg_name(char name[32], uint64_t id)
{
	snprintf(name, 32, "%016" PRIu64 ".seg", id);
}

static bool seg_parse(const char *name, uint64_t *id)
{
	if (strlen(name) != 20 || strcmp(name + 16, ".seg"))
		return false;
	for (int i = 0; i < 16; i++)
		if (!isdigit((unsigned char)name[i]))
			return false;
	*id = strtoull(name, NULL, 10);
	return *id > 0;
}

static void unlink_seg(struct spool *s, uint64_t id)
{
	char name[32];

	seg_name(name, id);
	if (unlinkat(s->dirfd, name, 0) && errno != ENOENT)
		log_warn("spool: cannot remove %s: %s", name, strerror(errno));
}

static ssize_t pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

static int grow(void **p, size_t *cap, size_t want, size_t elem)
{
	void *q;

	if (want <= *cap)
		return 0;
	want = max64(want, *cap * 2);
	q = realloc(*p, want * elem);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = want;
	return 0;
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
	if (grow((void **)&s->segs, &s->segs_cap, s->nsegs + 1, sizeof(*g)))
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

/* --- the cursor file: two checksummed slots, the newer valid one wins --- */

static uint32_t cursor_crc(const struct cursor_slot *c)
{
	return crc(&c->gen, sizeof(*c) - offsetof(struct cursor_slot, gen));
}

static bool cursor_decode(const uint8_t *p, uint64_t *gen, struct pos *out)
{
	struct cursor_slot c;

	memcpy(&c, p, sizeof(c));
	if (le32toh(c.magic) != CURSOR_MAGIC || le32toh(c.crc) != cursor_crc(&c))
		return false;
	*gen = le64toh(c.gen);
	*out = (struct pos){ le64toh(c.seg), le64toh(c.off), le64toh(c.seq) };
	return true;
}

static int cursor_load(struct spool *s, struct pos *out, bool *found)
{
	uint8_t buf[2 * CURSOR_SLOT] = { 0 };
	uint64_t gen;
	struct pos p;
	ssize_t n;

	s->curfd = openat(s->dirfd, CURSOR_NAME, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->curfd < 0)
		return -errno;
	n = pread_full(s->curfd, buf, sizeof(buf), 0);
	if (n < 0)
		return (int)n;
	/* full size once, so that a commit's fdatasync has no file size to write */
	if ((size_t)n < sizeof(buf)) {
		ssize_t w = pwrite(s->curfd, buf + n, sizeof(buf) - (size_t)n, n);

		if (w != (ssize_t)sizeof(buf) - n)
			return w < 0 ? -errno : -ENOSPC;
		s->dir_dirty = true;
	}
	*found = false;
	for (int slot = 0; slot < 2; slot++) {
		if (cursor_decode(buf + slot * CURSOR_SLOT, &gen, &p) &&
		    (!*found || gen > s->cursor_gen)) {
			*found = true;
			s->cursor_gen = gen;
			*out = p;
		}
	}
	return 0;
}

/* A torn write can only damage the slot written, never the newest: the other one. */
static int cursor_store(struct spool *s, const struct pos *p)
{
	uint64_t gen = s->cursor_gen + 1;
	struct cursor_slot c = { htole32(CURSOR_MAGIC), 0, htole64(gen), htole64(p->seg),
				 htole64(p->off), htole64(p->seq) };
	ssize_t n;

	c.crc = htole32(cursor_crc(&c));
	n = pwrite(s->curfd, &c, sizeof(c), (off_t)(gen & 1) * CURSOR_SLOT);
	if (n != (ssize_t)sizeof(c))
		return n < 0 ? -errno : -EIO;
	if (fdatasync(s->curfd))
		return -errno;
	s->cursor_gen = gen;
	return 0;
}

/* --- opening: the directory, the segments found in it, where the cursor was --- */

/* dir and its missing parents, 0700; the first error that is not "exists", if any. */
static int make_dirs(const char *dir)
{
	char *path, *p;
	int err = 0;

	if (!*dir)
		return -ENOENT;
	if (!(path = strdup(dir)))
		return -ENOMEM;
	for (p = path + 1;; p++) {
		char c = *p;

		if (c && c != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) && errno != EEXIST && !err)
			err = -errno;
		*p = c;
		if (!c)
			break;
	}
	free(path);
	return err;
}

static int open_dir(struct spool *s, const char *dir)
{
	int mkerr = make_dirs(dir);

	s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0)
		return errno == ENOTDIR || !mkerr ? -errno : mkerr;
	if (faccessat(s->dirfd, ".", W_OK | X_OK, AT_EACCESS))
		return -errno;
	/* two writers would interleave their records */
	if (flock(s->dirfd, LOCK_EX | LOCK_NB))
		return errno == EWOULDBLOCK ? -EBUSY : -errno;
	return 0;
}

static int seg_cmp(const void *a, const void *b)
{
	const struct seg *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int list_segments(struct spool *s)
{
	int fd = openat(s->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	struct seg g = { 0 };
	int err = 0;

	if (!d) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		return err;
	}
	while (!err && (e = readdir(d)))
		if (seg_parse(e->d_name, &g.id))
			err = seg_push(s, &g);
	closedir(d);
	if (s->nsegs > 1)
		qsort(s->segs, s->nsegs, sizeof(*s->segs), seg_cmp);
	return err;
}

/* A window on a file for the scan at open: bytes [base, base + len) in buf. */
struct reader {
	int fd;
	uint8_t *buf;
	size_t cap, len;
	uint64_t base;
};

static const uint8_t *reader_at(struct reader *r, uint64_t off, size_t need, int *err)
{
	ssize_t n;

	if (off >= r->base && off + need <= r->base + r->len)
		return r->buf + (off - r->base);
	if ((*err = grow((void **)&r->buf, &r->cap, max64(need, SCAN_CHUNK), 1)))
		return NULL;
	n = pread_full(r->fd, r->buf, max64(need, SCAN_CHUNK), off);
	if (n < 0 || (size_t)n < need) {
		*err = n < 0 ? (int)n : -EIO;
		return NULL;
	}
	r->base = off;
	r->len = (size_t)n;
	return r->buf;
}

/*
 * Count g's records and cut it after the last one. A frame that does not check out ends the
 * segment (a torn write, or damage that hides where the next frame starts), except a record
 * whose header is good and whose data is not with frames after it: that one stays, for the
 * reader to step over. Sequence numbers must increase by one, from above *last_seq. If the
 * cursor points at one of the frames, its sequence number goes in cur->seq.
 */
static int scan_segment(struct spool *s, struct seg *g, uint64_t *last_seq, struct pos *cur,
			bool *cur_found)
{
	struct reader r = { .fd = -1 };
	enum frame_status fs;
	const uint8_t *p;
	struct frame f = { 0 };
	struct stat st;
	uint64_t off = 0, left;
	char name[32];
	int err = 0;

	seg_name(name, g->id);
	r.fd = openat(s->dirfd, name, O_RDWR | O_CLOEXEC);
	if (r.fd < 0 || fstat(r.fd, &st)) {
		err = -errno;
		goto out;
	}
	for (; (left = (uint64_t)st.st_size - off); off += FRAME_HDR + f.len) {
		if (!(p = reader_at(&r, off, min64(left, FRAME_HDR), &err)))
			goto out;
		fs = frame_check(p, min64(left, FRAME_HDR), &f);
		if (fs == FRAME_SHORT && left >= FRAME_HDR && FRAME_HDR + f.len <= left) {
			if (!(p = reader_at(&r, off, FRAME_HDR + f.len, &err)))
				goto out;
			fs = frame_check(p, FRAME_HDR + f.len, &f);
		}
		if ((fs == FRAME_OK || fs == FRAME_BAD_DATA) &&
		    (g->nrecs ? f.seq != *last_seq + 1 : f.seq <= *last_seq))
			fs = FRAME_BAD_HDR;
		if (fs == FRAME_SHORT || fs == FRAME_BAD_HDR ||
		    (fs == FRAME_BAD_DATA && FRAME_HDR + f.len == left))
			break;
		if (!g->nrecs)
			g->first_seq = f.seq;
		if (cur->seg == g->id && cur->off == off) {
			cur->seq = f.seq;
			*cur_found = true;
		}
		g->nrecs++;
		*last_seq = f.seq;
	}
	g->bytes = off;
	if (off < (uint64_t)st.st_size) {
		log_warn("spool: %s: %" PRIu64 " bytes from offset %" PRIu64
			 " are not whole records (a torn write?), dropped",
			 name, (uint64_t)st.st_size - off, off);
		if (ftruncate(r.fd, (off_t)off)) {
			/* the reader stops at g->bytes all the same */
		}
	}
out:
	if (r.fd >= 0)
		close(r.fd);
	free(r.buf);
	return err;
}

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
	int err = cursor_load(s, &cur, &have_cur);

	if (!err)
		err = list_segments(s);
	cur_seq = cur.seq;
	for (size_t i = 0; !err && i < s->nsegs; i++)
		err = scan_segment(s, &s->segs[i], &last_seq, &cur, &cur_found);
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
		err = open_dir(s, dir);
	if (!err)
		err = load(s);
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
	char name[32];
	int fd, err;

	seg_name(name, g.id);
	fd = openat(s->dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
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

/* One pwritev; more only if it comes up short. On failure the file ends where it ended. */
static int write_frame(struct spool *s, struct frame_hdr *h, const void *rec, size_t len)
{
	struct iovec iov[2] = { { h, FRAME_HDR }, { (void *)rec, len } }, *v = iov;
	int nv = len ? 2 : 1, err;
	uint64_t off = s->wpos;
	ssize_t n;

	while (nv) {
		n = pwritev(s->wfd, v, nv, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -ENOSPC;
			if (off != s->wpos && ftruncate(s->wfd, (off_t)s->wpos)) {
				/* what is left past wpos is overwritten, or cut at reopen */
			}
			return err;
		}
		off += (uint64_t)n;
		for (; nv && (size_t)n >= v->iov_len; v++, nv--)
			n -= (ssize_t)v->iov_len;
		if (nv) {
			v->iov_base = (char *)v->iov_base + n;
			v->iov_len -= (size_t)n;
		}
	}
	return 0;
}

int spool__append(struct spool *s, const void *rec, size_t len)
{
	uint64_t framed = FRAME_HDR + (uint64_t)len;
	struct frame_hdr h;
	struct seg *g;
	int err;

	if (len > s->rec_max)
		return -EMSGSIZE;
	if (s->wfd < 0 || (s->wpos && s->wpos + framed > s->seg_max)) {
		if ((err = rotate(s)))
			return err;
	}
	/* the consumer only ever lowers disk: no lock needed to see there is room */
	if (disk_of(s) + framed > s->max_bytes)
		make_room(s, framed);
	frame_encode(&h, s->next_seq, rec, (uint32_t)len);
	if ((err = write_frame(s, &h, rec, len)))
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

int spool__sync(struct spool *s)
{
	char name[32];
	int fd, err = 0;

	/* segments sealed since the last sync; gone ones were delivered or evicted */
	for (uint64_t id = s->sync_from; id < s->wid; id++) {
		seg_name(name, id);
		fd = openat(s->dirfd, name, O_RDONLY | O_CLOEXEC);
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
	char name[32];

	if (s->rfd >= 0 && s->rfd_id == id)
		return 0;
	/* an evicted segment's space comes back only now */
	if (s->rfd >= 0)
		close(s->rfd);
	seg_name(name, id);
	s->rfd = openat(s->dirfd, name, O_RDONLY | O_CLOEXEC);
	s->rfd_id = id;
	return s->rfd < 0 ? -errno : 0;
}

/* A batch of no records that moves the cursor over damaged ones: one, or the segment's rest. */
static int skip_damaged(struct spool_batch *b, const struct seg *g, enum frame_status fs,
			const struct frame *f)
{
	if (fs == FRAME_BAD_DATA) {
		b->end_off = b->off + FRAME_HDR + f->len;
		b->end_seq = b->seq + 1;
	} else {
		b->end_off = g->bytes;
		b->end_seq = max64(g->first_seq + g->nrecs, b->seq);
	}
	b->skipped = b->end_seq - b->seq;
	log_warn("spool: segment %" PRIu64 " offset %" PRIu64 ": %" PRIu64
		 " damaged records skipped", g->id, b->off, b->skipped);
	return 0;
}

/* The records in b->buf[0, got): whole ones, up to max_bytes framed, but at least one. */
static int parse_batch(struct spool_batch *b, const struct seg *g, size_t got, bool to_end,
		       size_t max_bytes)
{
	const uint8_t *p = b->buf;
	enum frame_status fs = FRAME_BAD_HDR;
	uint64_t off = 0, seq = b->seq;
	struct frame f = { 0 };

	while (off < got || to_end) {
		fs = off < got ? frame_check(p + off, got - off, &f) : FRAME_BAD_HDR;
		if (fs == FRAME_SHORT && to_end)
			fs = FRAME_BAD_HDR;	/* a frame running past the last one written */
		if (fs == FRAME_SHORT || (b->n && off + FRAME_HDR + f.len > max_bytes))
			break;
		if ((fs == FRAME_OK || fs == FRAME_BAD_DATA) && f.seq != seq)
			fs = FRAME_BAD_HDR;
		if (fs != FRAME_OK)
			break;
		if (grow((void **)&b->recs, &b->recs_cap, b->n + 1, sizeof(*b->recs)))
			return -ENOMEM;
		b->recs[b->n++] = (struct spool_rec){ p + off + FRAME_HDR, f.len, f.seq };
		off += FRAME_HDR + f.len;
		seq++;
		if (b->off + off == g->bytes)
			break;
	}
	if (!b->n)
		return skip_damaged(b, g, fs, &f);
	b->end_off = b->off + off;
	b->end_seq = seq;
	return (int)b->n;
}

static ssize_t read_into(struct spool *s, struct spool_batch *b, size_t len, uint64_t off)
{
	if (grow(&b->buf, &b->buf_cap, len, 1))
		return -ENOMEM;
	return pread_full(s->rfd, b->buf, len, off);
}

/* Unlocked: the records of g from the cursor at. */
static int read_batch(struct spool *s, const struct seg *g, const struct pos *at,
		      struct spool_batch *b, size_t max_bytes)
{
	uint64_t avail = g->bytes - at->off;
	size_t want = (size_t)min64(avail, max64(max_bytes, FRAME_HDR));
	struct frame f;
	ssize_t got;
	int err;

	b->n = 0;
	b->skipped = 0;
	b->seg = g->id;
	b->off = at->off;
	b->seq = at->seq;
	if ((err = reader_fd(s, g->id)))
		return err;
	got = read_into(s, b, want, at->off);
	/* the first record whole, even when it is bigger than max_bytes */
	if (got >= FRAME_HDR && frame_check(b->buf, (size_t)got, &f) == FRAME_SHORT &&
	    FRAME_HDR + f.len <= avail)
		got = read_into(s, b, want = FRAME_HDR + f.len, at->off);
	if (got < 0)
		return (int)got;
	return parse_batch(b, g, (size_t)got, at->off + (size_t)got == g->bytes ||
			   (size_t)got < want, max_bytes);
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
			n = skip_damaged(b, &g, FRAME_BAD_HDR, NULL);
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

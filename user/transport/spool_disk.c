// SPDX-License-Identifier: GPL-2.0-only
/*
 * The spool's on-disk format (docs/outputs.md, "Spool"): checksummed frames in segment files,
 * the cursor file's two slots, and the scan at open that counts the records and cuts torn
 * tails. The queue built on it, and its locking, are in spool.c.
 */
#include "transport/spool_disk.h"

#include <ctype.h>
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <zlib.h>

#include "lib/log.h"

#define FRAME_MAGIC 0x31505345u		/* "ESP1" */
#define FRAME_HDR SPOOL_FRAME_HDR
#define CURSOR_MAGIC 0x31435345u	/* "ESC1" */
#define CURSOR_SLOT 512			/* two slots, never in the same sector */
#define CURSOR_NAME "cursor"
#define SCAN_CHUNK (1u << 20)

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

static uint32_t crc(const void *p, size_t n)
{
	return (uint32_t)crc32(0, p, (uInt)n);	/* n is at most a frame */
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

int spool_grow(void **p, size_t *cap, size_t want, size_t elem)
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

/* --- the directory and its segment files --- */

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

int spool_dir_open(const char *dir, int *dirfd)
{
	int mkerr = make_dirs(dir);

	*dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0)
		return errno == ENOTDIR || !mkerr ? -errno : mkerr;
	if (faccessat(*dirfd, ".", W_OK | X_OK, AT_EACCESS))
		return -errno;
	/* two writers would interleave their records */
	if (flock(*dirfd, LOCK_EX | LOCK_NB))
		return errno == EWOULDBLOCK ? -EBUSY : -errno;
	return 0;
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

int spool_seg_open(int dirfd, uint64_t id, int flags)
{
	char name[32];

	seg_name(name, id);
	return openat(dirfd, name, flags, 0600);
}

void spool_seg_unlink(int dirfd, uint64_t id)
{
	char name[32];

	seg_name(name, id);
	if (unlinkat(dirfd, name, 0) && errno != ENOENT)
		log_warn("spool: cannot remove %s: %s", name, strerror(errno));
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

int spool_cursor_load(int dirfd, int *curfd, uint64_t *cursor_gen, struct pos *out,
		      bool *found, bool *dir_dirty)
{
	uint8_t buf[2 * CURSOR_SLOT] = { 0 };
	uint64_t gen;
	struct pos p;
	ssize_t n;

	*curfd = openat(dirfd, CURSOR_NAME, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*curfd < 0)
		return -errno;
	n = pread_full(*curfd, buf, sizeof(buf), 0);
	if (n < 0)
		return (int)n;
	/* full size once, so that a commit's fdatasync has no file size to write */
	if ((size_t)n < sizeof(buf)) {
		ssize_t w = pwrite(*curfd, buf + n, sizeof(buf) - (size_t)n, n);

		if (w != (ssize_t)sizeof(buf) - n)
			return w < 0 ? -errno : -ENOSPC;
		*dir_dirty = true;
	}
	*found = false;
	for (int slot = 0; slot < 2; slot++) {
		if (cursor_decode(buf + slot * CURSOR_SLOT, &gen, &p) &&
		    (!*found || gen > *cursor_gen)) {
			*found = true;
			*cursor_gen = gen;
			*out = p;
		}
	}
	return 0;
}

/* A torn write can only damage the slot written, never the newest: the other one. */
int spool_cursor_store(int curfd, uint64_t *cursor_gen, const struct pos *p)
{
	uint64_t gen = *cursor_gen + 1;
	struct cursor_slot c = { htole32(CURSOR_MAGIC), 0, htole64(gen), htole64(p->seg),
				 htole64(p->off), htole64(p->seq) };
	ssize_t n;

	c.crc = htole32(cursor_crc(&c));
	n = pwrite(curfd, &c, sizeof(c), (off_t)(gen & 1) * CURSOR_SLOT);
	if (n != (ssize_t)sizeof(c))
		return n < 0 ? -errno : -EIO;
	if (fdatasync(curfd))
		return -errno;
	*cursor_gen = gen;
	return 0;
}

/* --- frames --- */

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

/* One pwritev; more only if it comes up short. On failure the file ends where it ended. */
int spool_frame_write(int fd, uint64_t wpos, uint64_t seq, const void *rec, size_t len)
{
	struct frame_hdr h;
	struct iovec iov[2] = { { &h, FRAME_HDR }, { (void *)rec, len } }, *v = iov;
	int nv = len ? 2 : 1, err;
	uint64_t off = wpos;
	ssize_t n;

	frame_encode(&h, seq, rec, (uint32_t)len);
	while (nv) {
		n = pwritev(fd, v, nv, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -ENOSPC;
			if (off != wpos && ftruncate(fd, (off_t)wpos)) {
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

/* --- opening: the segments found in the directory --- */

static int seg_cmp(const void *a, const void *b)
{
	const struct seg *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int list_segments(int dirfd, struct seg **segs, size_t *nsegs, size_t *cap)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
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
	while (!err && (e = readdir(d))) {
		if (!seg_parse(e->d_name, &g.id))
			continue;
		if (spool_grow((void **)segs, cap, *nsegs + 1, sizeof(g)))
			err = -ENOMEM;
		else
			(*segs)[(*nsegs)++] = g;
	}
	closedir(d);
	if (*nsegs > 1)
		qsort(*segs, *nsegs, sizeof(**segs), seg_cmp);
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
	if ((*err = spool_grow((void **)&r->buf, &r->cap, max64(need, SCAN_CHUNK), 1)))
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
static int scan_segment(int dirfd, struct seg *g, uint64_t *last_seq, struct pos *cur,
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
	r.fd = openat(dirfd, name, O_RDWR | O_CLOEXEC);
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

int spool_scan(int dirfd, struct seg **segs, size_t *n, size_t *cap, struct pos *cur,
	       uint64_t *last_seq, bool *cur_found)
{
	int err = list_segments(dirfd, segs, n, cap);

	for (size_t i = 0; !err && i < *n; i++)
		err = scan_segment(dirfd, &(*segs)[i], last_seq, cur, cur_found);
	return err;
}

/* --- reading a batch of records --- */

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

int spool_skip_segment(struct spool_batch *b, const struct seg *g)
{
	return skip_damaged(b, g, FRAME_BAD_HDR, NULL);
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
		if (spool_grow((void **)&b->recs, &b->recs_cap, b->n + 1, sizeof(*b->recs)))
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

static ssize_t read_into(int fd, struct spool_batch *b, size_t len, uint64_t off)
{
	if (spool_grow(&b->buf, &b->buf_cap, len, 1))
		return -ENOMEM;
	return pread_full(fd, b->buf, len, off);
}

int spool_read_batch(int fd, const struct seg *g, struct spool_batch *b, size_t max_bytes)
{
	uint64_t avail = g->bytes - b->off;
	size_t want = (size_t)min64(avail, max64(max_bytes, FRAME_HDR));
	struct frame f;
	ssize_t got;

	got = read_into(fd, b, want, b->off);
	/* the first record whole, even when it is bigger than max_bytes */
	if (got >= FRAME_HDR && frame_check(b->buf, (size_t)got, &f) == FRAME_SHORT &&
	    FRAME_HDR + f.len <= avail)
		got = read_into(fd, b, want = FRAME_HDR + f.len, b->off);
	if (got < 0)
		return (int)got;
	return parse_batch(b, g, (size_t)got, b->off + (size_t)got == g->bytes ||
			   (size_t)got < want, max_bytes);
}

// SPDX-License-Identifier: GPL-2.0-only
#include "transport/sender.h"

#include <errno.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "lib/log.h"
#include "transport/spool.h"
#include "transport/transport.h"

#define BATCH_MAX (1u << 20)		/* bytes sent before waiting for the receiver */
#define IDLE_CHECK_MS 500		/* with nothing to send, how often the link is checked */
#define GRACE_MS 100			/* after an ack, time for a dying receiver to say so */
#define UDP_GRACE_MS 20			/* time for an ICMP "port unreachable" to come back */
#define ACK_WAIT_MS 1000
#define BACKOFF_MIN_MS 200
#define BACKOFF_MAX_MS 5000

struct sender {
	const struct output_spec *spec;
	struct transport *t;
	struct spool *spool;
	pthread_t thread;
	pthread_mutex_t lock;		/* the fields below */
	pthread_cond_t wake;
	bool stop;			/* leave now */
	bool draining;			/* leave once the spool is empty or drain_until passed */
	atomic_bool abort_io;		/* the drain time is over: stop waiting for a receiver */
	struct timespec drain_until;
	struct sender_status st;	/* up, sent, resent, failures, error */
	unsigned int backoff_ms;	/* the sender thread's own */
	bool failing;			/* the last attempt failed: back off before the next */
};

static void set_up(struct sender *s, bool up, const char *error)
{
	pthread_mutex_lock(&s->lock);
	s->st.up = up;
	if (!up) {
		s->st.failures++;
		snprintf(s->st.error, sizeof(s->st.error), "%s", error);
	}
	pthread_mutex_unlock(&s->lock);
}

/* counter += n, where sender__status() reads it */
static void count(struct sender *s, uint64_t *counter, uint64_t n)
{
	pthread_mutex_lock(&s->lock);
	*counter += n;
	pthread_mutex_unlock(&s->lock);
}

static void count_delivered(struct sender *s, uint64_t n)
{
	s->failing = false;
	s->backoff_ms = BACKOFF_MIN_MS;
	count(s, &s->st.sent, n);
	set_up(s, true, NULL);
}

static bool past(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > t->tv_sec || (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

static bool should_leave(struct sender *s, bool idle)
{
	bool leave;

	pthread_mutex_lock(&s->lock);
	leave = s->stop || (s->draining && (idle || past(&s->drain_until)));
	pthread_mutex_unlock(&s->lock);
	return leave;
}

/* ms from now on a clock: monotonic for the condition variable, real for timed joins. */
static struct timespec clock_in_ms(clockid_t clock, unsigned int ms)
{
	struct timespec t;

	clock_gettime(clock, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

static struct timespec in_ms(unsigned int ms)
{
	return clock_in_ms(CLOCK_MONOTONIC, ms);
}

/* Sleep ms, or less if asked to stop. */
static void pause_ms(struct sender *s, unsigned int ms)
{
	struct timespec until = in_ms(ms);

	pthread_mutex_lock(&s->lock);
	while (!s->stop && !s->draining)
		if (pthread_cond_timedwait(&s->wake, &s->lock, &until) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&s->lock);
}

/*
 * After a failure the next attempt waits, longer each time, until a batch gets through: a
 * connect that works says little (UDP always connects; a TLS receiver may refuse us later).
 */
static bool ensure_connected(struct sender *s)
{
	if (transport__connected(s->t))
		return true;
	if (s->failing) {
		pause_ms(s, s->backoff_ms);
		s->backoff_ms = s->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS
								    : s->backoff_ms * 2;
	}
	if (transport__connect(s->t)) {
		set_up(s, false, transport__error(s->t));
		s->failing = true;
		return false;
	}
	if (transport__is_stream(s->t))
		set_up(s, true, NULL);
	return true;
}

static void link_lost(struct sender *s, const char *why)
{
	set_up(s, false, why);
	s->failing = true;
	transport__close(s->t);
}

static int send_batch(struct sender *s, const struct spool_batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		int err = transport__send(s->t, b->recs[i].data, b->recs[i].len);

		/* a record journald refuses would block every record behind it, forever */
		if (err == -EINVAL && s->spec->dest == OD_JOURNALD) {
			log_err("%s: journald refused record %llu (%zu bytes): %s; skipping it",
				s->spec->spec, (unsigned long long)b->recs[i].seq, b->recs[i].len,
				transport__error(s->t));
			count(s, &s->st.failures, 1);
			continue;
		}
		if (err) {
			link_lost(s, transport__error(s->t));
			return -EIO;
		}
	}
	return 0;
}

/* Streams: wait for the receiver's kernel to acknowledge everything, however slow. */
static int wait_acked(struct sender *s)
{
	int err;

	while ((err = transport__wait_acked(s->t, ACK_WAIT_MS)) == -ETIMEDOUT)
		if (should_leave(s, false))
			return err;
	if (err)
		link_lost(s, transport__error(s->t));
	return err;
}

/*
 * Did the receiver keep what was sent? An RST (or an ICMP error for UDP) in the grace time
 * means it may not have: the batch stays in the spool and goes again. A clean close (FIN)
 * means it read everything before closing.
 */
static bool receiver_kept_it(struct sender *s, size_t n)
{
	int grace = transport__is_stream(s->t) ? GRACE_MS
		    : s->spec->dest == OD_UDP	? UDP_GRACE_MS
						: 0;
	enum peer_state p = grace ? transport__peer(s->t, grace) : PEER_OPEN;

	if (p == PEER_RESET) {
		count(s, &s->st.resent, n);
		link_lost(s, "the receiver reset the connection; sending again what it may "
			     "not have read");
		return false;
	}
	if (p == PEER_CLOSED)
		transport__close(s->t);
	return true;
}

static void deliver(struct sender *s, const struct spool_batch *b)
{
	/* a receiver that closed meanwhile would silently drop what comes next */
	if (transport__is_stream(s->t) && transport__peer(s->t, 0) != PEER_OPEN) {
		transport__close(s->t);
		return;
	}
	if (send_batch(s, b))
		return;
	if (transport__is_stream(s->t) && wait_acked(s))
		return;
	if (!receiver_kept_it(s, b->n))
		return;
	if (spool__commit(s->spool, b))
		log_warn("%s: cannot record delivery in the spool; records may be sent twice",
			 s->spec->spec);
	count_delivered(s, b->n);
}

/* Nothing to send: notice a receiver that went away now, not at the next alert. */
static void check_idle_link(struct sender *s)
{
	if (transport__is_stream(s->t) && transport__connected(s->t) &&
	    transport__peer(s->t, 0) != PEER_OPEN) {
		link_lost(s, "the receiver closed the connection");
		ensure_connected(s);
	}
}

static void *sender_main(void *arg)
{
	struct sender *s = arg;

	for (;;) {
		struct spool_batch b = { 0 };
		int n;

		if (!ensure_connected(s)) {
			if (should_leave(s, true))	/* stopping: a dead receiver gets no wait */
				break;
			continue;
		}
		n = spool__peek(s->spool, &b, BATCH_MAX, IDLE_CHECK_MS);
		if (n > 0)
			deliver(s, &b);
		spool__batch_free(&b);
		if (n < 0) {
			log_warn("%s: cannot read the spool: %s", s->spec->spec, strerror(-n));
			pause_ms(s, BACKOFF_MAX_MS);
		}
		if (n == 0)
			check_idle_link(s);
		if (should_leave(s, n == 0))
			break;
	}
	transport__close(s->t);
	return NULL;
}

/* The spool's parents, created root-only (mkdir -p, mode 0700 for what it creates). */
static int make_dirs(const char *dir)
{
	char path[4096];
	size_t n = strlen(dir);

	if (n >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, dir, n + 1);
	for (char *p = path + 1; ; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(path, 0700) && errno != EEXIST)
			return -errno;
		*p = c;
		if (!c)
			return 0;
	}
}

static void init_sync(struct sender *s)
{
	pthread_condattr_t ca;

	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->wake, &ca);
	pthread_condattr_destroy(&ca);
}

struct sender *sender__start(const struct output_spec *spec, const char *dir, const char *name,
			     uint64_t spool_max, char *err, size_t errlen)
{
	struct sender *s = calloc(1, sizeof(*s));
	char path[4096];
	int e = 0;

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->spec = spec;
	s->backoff_ms = BACKOFF_MIN_MS;
	init_sync(s);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((e = make_dirs(dir)) || !(s->spool = spool__open(path, spool_max, &e))) {
		snprintf(err, errlen, "spool %s: %s", path, strerror(-e));
		goto fail;
	}
	s->t = transport__new(spec);
	if (s->t)
		transport__set_abort(s->t, &s->abort_io);
	if (!s->t || (e = pthread_create(&s->thread, NULL, sender_main, s))) {
		snprintf(err, errlen, "cannot start the sender of %s: %s", spec->spec,
			 strerror(e ? e : ENOMEM));
		goto fail;
	}
	return s;
fail:
	transport__free(s->t);
	spool__close(s->spool);
	free(s);
	return NULL;
}

int sender__enqueue(struct sender *s, const char *rec, size_t len, bool reserved)
{
	return reserved ? spool__append_reserved(s->spool, rec, len)
			: spool__append(s->spool, rec, len);
}

int sender__sync(struct sender *s)
{
	return spool__sync(s->spool);
}

void sender__stop(struct sender *s, int drain_ms)
{
	struct timespec join_by;

	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->drain_until = in_ms((unsigned int)drain_ms);
	s->draining = true;
	pthread_cond_broadcast(&s->wake);
	pthread_mutex_unlock(&s->lock);
	spool__sync(s->spool);
	spool__wake(s->spool);
	/* a receiver that accepts but never reads must not hold the stop up for long */
	join_by = clock_in_ms(CLOCK_REALTIME, (unsigned int)drain_ms + 1000);
	if (pthread_timedjoin_np(s->thread, NULL, &join_by) == ETIMEDOUT) {
		atomic_store(&s->abort_io, true);
		pthread_join(s->thread, NULL);
	}
	transport__free(s->t);
	spool__close(s->spool);
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

void sender__status(struct sender *s, struct sender_status *st)
{
	struct spool_stats ss;

	spool__stats(s->spool, &ss);
	pthread_mutex_lock(&s->lock);
	*st = s->st;
	pthread_mutex_unlock(&s->lock);
	st->spooled = ss.records;
	st->spool_bytes = ss.bytes;
	st->evicted = ss.evicted_records;
}

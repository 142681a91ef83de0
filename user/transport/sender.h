/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One queued output (syslog, udp, tcp, tls, journald): records are appended to its spool
 * on disk by the event loop, and a thread of its own sends them, in order, reconnecting
 * with backoff. A receiver that is down or slow only makes the spool grow.
 *
 * Streams: a batch leaves the spool once the receiver's kernel acknowledged it and the
 * connection then stayed up for a moment, or closed cleanly (FIN: the receiver read it).
 * A reset means the receiver may have dropped unread data, so the batch is sent again.
 */
#ifndef EMBARGO_SENDER_H
#define EMBARGO_SENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "transport/outspec.h"

struct sender_status {
	bool up;		/* the last attempt to connect or send worked */
	uint64_t sent;		/* records delivered */
	uint64_t resent;	/* records sent again after a reset */
	uint64_t failures;	/* failed connects and sends */
	uint64_t spooled;	/* records waiting */
	uint64_t spool_bytes;
	uint64_t evicted;	/* records dropped oldest-first from a full spool */
	char error[256];	/* why it is down */
};

struct sender;

/* The spool is dir/<name>; 0 or -errno with a reason in err. */
struct sender *sender__start(const struct output_spec *spec, const char *dir, const char *name,
			     uint64_t spool_max, char *err, size_t errlen);
/*
 * Never blocks on the receiver. reserved: a record about embargo itself, which may take the
 * spool's reserve on a full disk (spool__append_reserved()).
 */
int sender__enqueue(struct sender *s, const char *rec, size_t len, bool reserved);
int sender__sync(struct sender *s);
/* Gives the thread up to drain_ms to empty the spool, then stops it; the rest stays spooled. */
void sender__stop(struct sender *s, int drain_ms);
void sender__status(struct sender *s, struct sender_status *st);

#endif /* EMBARGO_SENDER_H */

// SPDX-License-Identifier: GPL-2.0-only
#include "output/output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"
#include "output/encode.h"
#include "output/fold.h"
#include "output/journal.h"
#include "lib/log.h"
#include "output/rfc5424.h"
#include "transport/sender.h"

#define CHECK_EVERY_NS 1000000000ULL	/* fold windows, outputs up/down */
#define SYNC_EVERY_NS 1000000000ULL	/* spools of ordinary events; alerts sync at once */
#define DRAIN_MS 2000			/* at stop, time given to senders to empty spools */
#define LOSS_SAY_EVERY_NS (10 * 1000000000ULL)	/* a streak of spool losses, said again */

struct sink {
	struct output_spec spec;
	struct encoder enc;
	struct buf envelope;
	FILE *file;			/* stdout, file: */
	struct sender *sender;		/* queued outputs */
	uint64_t written, failed;	/* failed: not written (direct), not spooled (queued) */
	bool write_failing;		/* said once per streak, not per record */
	bool dirty, urgent;		/* the spool has records not yet synced (one an alert) */
	uint64_t synced_ns;
	bool reported_up;
	uint64_t reported_evicted;
	/* queued: records the spool refused, said on the others at once, here once it takes more */
	bool losing;			/* refused one since its last ordinary record went in */
	int lost_err;			/* the last refusal's */
	uint64_t lost_said;		/* of failed, said in a record */
	uint64_t lost_next_ns;		/* no loss said before, stderr and records alike */
};

static void sink_free(struct sink *s)
{
	if (s->sender)
		sender__stop(s->sender, DRAIN_MS);
	if (s->file && s->file != stdout)
		fclose(s->file);
	else if (s->file)
		fflush(s->file);
	encoder__free(&s->enc);
	buf__free(&s->envelope);
	outspec__free(&s->spec);
}

struct output {
	struct sink *sinks;
	size_t n;
	const struct event_env *env;
	struct fold *fold;
	int err;			/* stdout cannot be written: the reader went away */
	uint64_t written;	/* events that went out (to every output) */
	uint64_t alerts;	/* alerts raised, folded repeats included */
	uint64_t sequence;	/* the last number given a record (embargo.sequence) */
	uint64_t next_check_ns;
};

struct output *output__stdout(FILE *out, enum output_format format, const struct event_env *env)
{
	struct output *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->env = env;
	o->sinks = calloc(1, sizeof(*o->sinks));
	if (!o->sinks) {
		free(o);
		return NULL;
	}
	o->n = 1;
	o->sinks[0].file = out;
	o->sinks[0].spec.dest = OD_STDOUT;
	encoder__init(&o->sinks[0].enc, format__resolve(format) == FORMAT_TEXT ? RF_TEXT
										    : RF_ECS);
	return o;
}

/* Append-only, 0600 when we create it: records say who ran what. */
static FILE *open_log_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	FILE *f;

	if (fd < 0)
		return NULL;
	f = fdopen(fd, "a");
	if (!f)
		close(fd);
	return f;
}

/* "tcp://10.0.0.5:514" -> "ecs-tcp___10.0.0.5_514": one spool directory per output */
static void spool_name(const struct output_spec *spec, char *name, size_t size)
{
	size_t n = 0;

	for (const char *p = spec->spec; *p && n + 1 < size; p++)
		name[n++] = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
					    (*p >= '0' && *p <= '9') || *p == '.' || *p == '-'
				    ? *p
				    : '_';
	name[n] = '\0';
}

static int sink_open(struct sink *s, const struct output_spec *spec,
		     const struct output_opts *opts, char *err, size_t errlen)
{
	char name[128];
	int e;

	if ((e = outspec__parse(spec->spec, &s->spec, err, errlen)))
		return e;
	encoder__init(&s->enc, s->spec.format);
	switch (s->spec.dest) {
	case OD_STDOUT:
		s->file = stdout;
		return 0;
	case OD_FILE:
		s->file = open_log_file(s->spec.path);
		if (!s->file) {
			snprintf(err, errlen, "%s: %s", s->spec.path, strerror(errno));
			return -errno;
		}
		return 0;
	default:
		spool_name(&s->spec, name, sizeof(name));
		s->sender = sender__start(&s->spec, opts->spool_dir, name, opts->spool_max, err,
					  errlen);
		s->reported_up = true;	/* a first failure to connect is news */
		return s->sender ? 0 : -EIO;
	}
}

struct output *output__open(const struct output_spec *specs, size_t n,
			    const struct output_opts *opts, const struct event_env *env, char *err,
			    size_t errlen)
{
	struct output *o = calloc(1, sizeof(*o));

	if (!o || !(o->sinks = calloc(n ? n : 1, sizeof(*o->sinks))) ||
	    (opts->fold_window_s && !(o->fold = fold__new(opts->fold_window_s)))) {
		snprintf(err, errlen, "out of memory");
		output__free(o);
		return NULL;
	}
	o->env = env;
	for (o->n = 0; o->n < n; o->n++) {
		if (sink_open(&o->sinks[o->n], &specs[o->n], opts, err, errlen)) {
			o->n++;
			output__free(o);
			return NULL;
		}
	}
	return o;
}

void output__free(struct output *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->n; i++)
		sink_free(&o->sinks[i]);
	free(o->sinks);
	fold__free(o->fold);
	free(o);
}

uint64_t output__written(const struct output *o)
{
	return o->written;
}

uint64_t output__alerts(const struct output *o)
{
	return o->alerts;
}

uint64_t output__sequence(const struct output *o)
{
	return o->sequence;
}

static void write_direct(struct output *o, struct sink *s, const char *rec, size_t len)
{
	if (fwrite(rec, 1, len, s->file) == len && fputc('\n', s->file) != EOF) {
		s->written++;
		s->write_failing = false;
		return;
	}
	s->failed++;
	if (s->file == stdout) {
		if (!o->err)
			o->err = -EIO;
	} else if (!s->write_failing) {
		log_err("%s: cannot write: %s (records are lost until it works again)",
			s->spec.spec, strerror(errno));
		s->write_failing = true;
	}
	clearerr(s->file);
}

/* 0, or -errno when the spool refused the record (the caller counts it). */
static int write_queued(struct sink *s, const struct event *ev, const struct event_env *env,
			const char *rec, size_t len, bool reserved)
{
	int err;

	buf__reset(&s->envelope);
	if (s->spec.dest == OD_JOURNALD)
		journal__format(&s->envelope, ev, env, rec, len);
	else
		rfc5424__format(&s->envelope, ev, env, rec, len);
	err = buf__error(&s->envelope) ?: sender__enqueue(s->sender, s->envelope.p,
							   s->envelope.len, reserved);
	if (err)
		return err;
	s->written++;
	s->dirty = true;
	s->urgent |= ev->kind != EVENT_KIND_EVENT;
	return 0;
}

/*
 * Write ev to s; 0 or -errno. reserved: a record about embargo itself may use the spool's
 * reserve of disk (spool.h); only such records do.
 */
static int sink_write(struct output *o, struct sink *s, const struct event *ev, bool reserved)
{
	const char *rec;
	size_t len;
	int err = encoder__encode(&s->enc, ev, o->env, &rec, &len);

	if (err) {
		log_warn("%s: cannot encode an event: %s, skipping it",
			 s->spec.spec ? s->spec.spec : "stdout", strerror(-err));
		return 0;
	}
	if (s->sender)
		return write_queued(s, ev, o->env, rec, len, reserved);
	write_direct(o, s, rec, len);
	return 0;
}

static void sink_event(struct output *o, struct sink *s, const struct event *ev)
{
	int err = sink_write(o, s, ev, ev->kind == EVENT_KIND_STATE);

	if (!err)
		return;
	s->failed++;
	s->losing = true;
	s->lost_err = err;
}

static struct event state_event(const char *action, const char *outcome, const char *message,
				const char *error)
{
	return (struct event){
		.time_ns = host__now_real_ns(), .kind = EVENT_KIND_STATE,
		.category = EVENT_CATEGORY_CONFIGURATION, .type = "change", .action = action,
		.outcome = outcome, .message = message, .error = error,
	};
}

/*
 * Before a record: an output that lost records and takes an ordinary record again first
 * says what it lost. The report is tried as an ordinary record (the reserve is no sign of
 * room); once it is in, the other outputs get it too.
 */
static void recover_sinks(struct output *o)
{
	for (size_t i = 0; i < o->n; i++) {
		struct sink *s = &o->sinks[i];
		struct spool_loss loss = { s->spec.spec, s->failed, true };
		struct event ev;
		char msg[512];

		if (!s->losing)
			continue;
		snprintf(msg, sizeof(msg), "output %s spools again: %llu records could not be "
			 "spooled since start", s->spec.spec, (unsigned long long)s->failed);
		ev = state_event("spool-write-failed", "failure", msg, NULL);
		ev.spool_loss = &loss;
		ev.sequence = o->sequence + 1;	/* taken only if it goes in */
		if (sink_write(o, s, &ev, false))
			continue;
		o->sequence++;
		s->losing = false;
		s->lost_said = s->failed;
		log_warn("%s", msg);
		for (size_t j = 0; j < o->n; j++)
			if (j != i)
				sink_event(o, &o->sinks[j], &ev);
		o->written++;
	}
}

static void fan_out(void *ctx, const struct event *ev);

/*
 * After a record: an output whose spool refused records says so at once, on stderr and in
 * a record to every output (its own takes it only if its reserve does); then at most every
 * LOSS_SAY_EVERY_NS while it keeps losing, with the count.
 */
static void say_losses(struct output *o, uint64_t now)
{
	for (size_t i = 0; i < o->n; i++) {
		struct sink *s = &o->sinks[i];
		struct spool_loss loss = { s->spec.spec, s->failed, false };
		const char *why = strerror(-s->lost_err);
		struct event ev;
		char msg[512];

		if (s->failed == s->lost_said || now < s->lost_next_ns)
			continue;
		snprintf(msg, sizeof(msg), "output %s: %llu records could not be spooled (%llu "
			 "since start): %s", s->spec.spec,
			 (unsigned long long)(s->failed - s->lost_said),
			 (unsigned long long)s->failed, why);
		log_err("%s", msg);
		s->lost_said = s->failed;
		s->lost_next_ns = now + LOSS_SAY_EVERY_NS;
		ev = state_event("spool-write-failed", "failure", msg, why);
		ev.spool_loss = &loss;
		fan_out(o, &ev);
	}
}

/*
 * Every record goes to every output with one number (embargo.sequence), given here: a
 * record an output lost leaves a gap in what it receives, and no number is given twice.
 */
static void fan_out(void *ctx, const struct event *ev)
{
	struct output *o = ctx;
	struct event rec = *ev;

	recover_sinks(o);
	rec.sequence = ++o->sequence;
	for (size_t i = 0; i < o->n; i++)
		sink_event(o, &o->sinks[i], &rec);
	o->written++;
	say_losses(o, host__now_real_ns());
}

void output__event(struct output *o, const struct event *ev)
{
	if (ev->kind == EVENT_KIND_ALERT && !ev->count)
		o->alerts++;
	if (o->fold && !fold__admit(o->fold, ev, fan_out, o))
		return;
	fan_out(o, ev);
}

int output__flush(struct output *o)
{
	uint64_t now = host__now_real_ns();

	for (size_t i = 0; i < o->n; i++) {
		struct sink *s = &o->sinks[i];

		if (s->file && fflush(s->file) && s->file == stdout && !o->err)
			o->err = -errno;
		if (s->sender && s->dirty && (s->urgent || now - s->synced_ns >= SYNC_EVERY_NS)) {
			sender__sync(s->sender);
			s->dirty = s->urgent = false;
			s->synced_ns = now;
		}
	}
	return o->err;
}

void output__state(struct output *o, const char *action, const char *outcome,
		   const char *message, const char *error)
{
	struct event ev = state_event(action, outcome, message, error);

	output__event(o, &ev);
}

void output__started(struct output *o, const char *message, const struct capabilities *caps,
		     const struct previous_run *prev)
{
	bool unclean = prev && !strcmp(prev->state, "unclean");
	struct event ev = state_event("started", unclean ? "failure" : "success", message, NULL);

	ev.caps = caps;
	ev.previous_run = prev && prev->state[0] ? prev : NULL;
	output__event(o, &ev);
}

/* Peers lose trust through silent gaps: an output going down or losing records is a record. */
static void report_sender(struct output *o, struct sink *s)
{
	struct sender_status st;
	char msg[512];

	sender__status(s->sender, &st);
	if (st.up != s->reported_up) {
		s->reported_up = st.up;
		snprintf(msg, sizeof(msg), "output %s is %s; %llu records spooled", s->spec.spec,
			 st.up ? "up" : "down", (unsigned long long)st.spooled);
		if (st.up)
			log_info("%s", msg);
		else
			log_warn("%s: %s", msg, st.error);
		output__state(o, st.up ? "output-up" : "output-down", st.up ? "success" : "failure",
			      msg, st.up ? NULL : st.error);
	}
	if (st.evicted > s->reported_evicted) {
		snprintf(msg, sizeof(msg), "output %s: spool full, %llu oldest records dropped "
			 "(%llu since start)", s->spec.spec,
			 (unsigned long long)(st.evicted - s->reported_evicted),
			 (unsigned long long)st.evicted);
		log_warn("%s", msg);
		s->reported_evicted = st.evicted;
		output__state(o, "spool-evicted", "failure", msg, NULL);
	}
}

void output__tick(struct output *o)
{
	uint64_t now = host__now_real_ns();

	if (now < o->next_check_ns)
		return;
	o->next_check_ns = now + CHECK_EVERY_NS;
	if (o->fold)
		fold__expire(o->fold, now, fan_out, o);
	for (size_t i = 0; i < o->n; i++)
		if (o->sinks[i].sender)
			report_sender(o, &o->sinks[i]);
	say_losses(o, now);
}

void output__fold_flush(struct output *o)
{
	if (o->fold)
		fold__expire(o->fold, UINT64_MAX, fan_out, o);
}

void output__reopen(struct output *o)
{
	for (size_t i = 0; i < o->n; i++) {
		struct sink *s = &o->sinks[i];
		FILE *f;

		if (s->spec.dest != OD_FILE)
			continue;
		fflush(s->file);
		f = open_log_file(s->spec.path);
		if (!f) {
			log_err("%s: cannot reopen: %s; still writing to the old file", s->spec.path,
				strerror(errno));
			continue;
		}
		fclose(s->file);
		s->file = f;
	}
}

static void sink_status(struct sink *s, struct output_status *st)
{
	struct sender_status ss;

	memset(st, 0, sizeof(*st));
	st->spec = s->spec.spec ? s->spec.spec : "stdout";
	st->written = s->written;
	st->failed = s->failed;
	st->up = !s->write_failing;
	if (!s->sender)
		return;
	sender__status(s->sender, &ss);
	st->queued = true;
	st->up = ss.up;
	st->written = ss.sent;
	st->spooled = ss.spooled;
	st->evicted = ss.evicted;
	memcpy(st->error, ss.error, sizeof(st->error));
}

size_t output__status(struct output *o, struct output_status *st, size_t max)
{
	size_t i;

	for (i = 0; i < o->n && i < max; i++)
		sink_status(&o->sinks[i], &st[i]);
	return i;
}

void output__health(struct output *o, struct health *h)
{
	struct output_status st;

	h->alerts = o->alerts;
	h->spool_records = h->spool_evicted = h->spool_write_failed = 0;
	h->outputs_up = h->outputs_down = 0;
	for (size_t i = 0; i < o->n; i++) {
		sink_status(&o->sinks[i], &st);
		h->spool_records += st.spooled;
		h->spool_evicted += st.evicted;
		if (st.queued)
			h->spool_write_failed += st.failed;
		if (st.up)
			h->outputs_up++;
		else
			h->outputs_down++;
	}
}

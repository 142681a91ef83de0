// SPDX-License-Identifier: GPL-2.0-only
#include "cli/status.h"

#include "lib/json.h"

#define U(x) ((unsigned long long)(x))

/* The output list as a JSON array of objects: the flat-key writer has no such arrays. */
static void outputs_json(const struct daemon_status *st, struct buf *out)
{
	struct json_writer w;

	json__init(&w);
	buf__putc(out, '[');
	for (size_t i = 0; i < st->noutputs; i++) {
		const struct output_status *o = &st->outputs[i];

		json__begin(&w);
		json__string(&w, "spec", o->spec);
		json__string(&w, "state", o->up ? "up" : "down");
		json__bool(&w, "queued", o->queued);
		json__ulong(&w, "written", o->written);
		json__ulong(&w, "failed", o->failed);
		json__ulong(&w, "spooled", o->spooled);
		json__ulong(&w, "evicted", o->evicted);
		if (o->error[0])
			json__string(&w, "error", o->error);
		json__end(&w);
		if (i)
			buf__putc(out, ',');
		buf__put(out, json__buf(&w), json__len(&w));
	}
	buf__putc(out, ']');
	json__free(&w);
}

/* "off" when --self-check 0: nothing checks the sensor */
static void selfcheck_json(const struct selfcheck_status *sc, struct json_writer *w)
{
	json__string(w, "selfcheck.state", sc->state ? sc->state : "off");
	json__ulong(w, "selfcheck.interval_s", sc->interval_s);
	json__ulong(w, "selfcheck.checks", sc->checks);
	json__ulong(w, "selfcheck.tamperings", sc->tamperings);
	json__ulong(w, "selfcheck.canaries", sc->canaries);
	json__ulong(w, "selfcheck.canaries_missed", sc->canaries_missed);
	json__string(w, "selfcheck.last_problem", sc->last);
}

static void selfcheck_text(const struct selfcheck_status *sc, struct buf *out)
{
	if (!sc->state) {
		buf__puts(out, "self-check: off\n");
		return;
	}
	buf__printf(out, "self-check: %s, every %us: %llu checks, %llu found tampering; "
			 "%llu canaries seen, %llu missed\n", sc->state, sc->interval_s,
		    U(sc->checks), U(sc->tamperings), U(sc->canaries), U(sc->canaries_missed));
	if (sc->last[0])
		buf__printf(out, "self-check last problem: %s\n", sc->last);
}

static void render_json(const struct daemon_status *st, struct buf *out)
{
	struct json_writer w;
	struct buf outputs = { 0 };
	const __u64 *k = st->kernel;

	outputs_json(st, &outputs);
	json__init(&w);
	json__begin(&w);
	json__string(&w, "version", EMBARGO_VERSION);
	json__long(&w, "pid", st->pid);
	json__ulong(&w, "uptime_s", st->uptime_s);
	json__string(&w, "probes", st->probes);
	json__ulong(&w, "rules.count", st->rules ? st->rules->nrules : 0);
	json__ulong(&w, "rules.files", st->rules ? st->rules->nfiles : 0);
	json__string(&w, "rules.version", st->rules ? st->rules->version : "");
	json__ulong(&w, "kernel.exec", k[STAT_EXEC]);
	json__ulong(&w, "kernel.hot", k[STAT_HOT]);
	json__ulong(&w, "kernel.fork", k[STAT_FORK]);
	json__ulong(&w, "kernel.exit", k[STAT_EXIT]);
	json__ulong(&w, "kernel.file", k[STAT_FILE]);
	json__ulong(&w, "kernel.dropped", k[STAT_RB_DROP]);
	json__ulong(&w, "kernel.argv_faults", k[STAT_ARGS_FAULT]);
	json__ulong(&w, "kernel.paths_truncated", k[STAT_PATH_TRUNC]);
	json__ulong(&w, "events.records", st->pipeline->records);
	json__ulong(&w, "events.alerts", st->alerts);
	json__ulong(&w, "events.packages", st->pipeline->packages);
	json__ulong(&w, "events.decode_errors", st->pipeline->decode_errors);
	json__ulong(&w, "events.waited_for_hash", st->pipeline->waited);
	json__ulong(&w, "hash.hits", st->identity->hits);
	json__ulong(&w, "hash.misses", st->identity->misses);
	json__ulong(&w, "hash.pending", st->hash_load.pending);
	json__ulong(&w, "hash.oldest_pending_ms", st->hash_load.oldest_ms);
	json__ulong(&w, "hash.workers", st->hash_load.workers);
	json__ulong(&w, "hash.workers_stuck", st->hash_load.stuck);
	json__ulong(&w, "hash.backlog", st->identity->backlog);
	json__ulong(&w, "hash.timeouts", st->identity->timeouts);
	json__ulong(&w, "hash.remote_files", st->identity->remote);
	json__ulong(&w, "hash.unavailable", st->identity->unavailable);
	json__ulong(&w, "hash.too_large", st->identity->too_large);
	json__ulong(&w, "hash.changed_while_hashing", st->identity->changed);
	json__ulong(&w, "hash.bytes", st->identity->bytes);
	json__ulong(&w, "processes", st->processes);
	selfcheck_json(&st->selfcheck, &w);
	json__raw_value(&w, "outputs", buf__str(&outputs));
	json__end(&w);
	buf__put(out, json__buf(&w), json__len(&w));
	buf__putc(out, '\n');
	json__free(&w);
	buf__free(&outputs);
}

static void render_text(const struct daemon_status *st, struct buf *out)
{
	const __u64 *k = st->kernel;

	buf__printf(out, "embargo %s, pid %d, up %llus, probes %s\n", EMBARGO_VERSION,
		    (int)st->pid, U(st->uptime_s), st->probes);
	if (st->rules)
		buf__printf(out, "rules: %zu from %zu files (version %s)\n", st->rules->nrules,
			    st->rules->nfiles, st->rules->version);
	else
		buf__puts(out, "rules: none loaded\n");
	buf__printf(out, "kernel: exec %llu (hot %llu), fork %llu, exit %llu, file %llu; "
			 "dropped %llu\n", U(k[STAT_EXEC]), U(k[STAT_HOT]), U(k[STAT_FORK]),
		    U(k[STAT_EXIT]), U(k[STAT_FILE]), U(k[STAT_RB_DROP]));
	buf__printf(out, "events: %llu records, %llu alerts, %llu package changes, "
			 "%llu decode errors\n", U(st->pipeline->records), U(st->alerts),
		    U(st->pipeline->packages), U(st->pipeline->decode_errors));
	buf__printf(out, "hashes: %llu cache hits, %llu misses, %llu unavailable, %llu too large, "
			 "%llu changed while hashed, %llu over budget, %llu refused (backlog)\n",
		    U(st->identity->hits), U(st->identity->misses), U(st->identity->unavailable),
		    U(st->identity->too_large), U(st->identity->changed),
		    U(st->identity->timeouts), U(st->identity->backlog));
	buf__printf(out, "hashing: %u pending (oldest %llu ms), %u workers (%u stuck)\n",
		    st->hash_load.pending, U(st->hash_load.oldest_ms), st->hash_load.workers,
		    st->hash_load.stuck);
	buf__printf(out, "processes known: %zu\n", st->processes);
	selfcheck_text(&st->selfcheck, out);
	for (size_t i = 0; i < st->noutputs; i++) {
		const struct output_status *o = &st->outputs[i];

		buf__printf(out, "output %s: %s, %llu written", o->spec, o->up ? "up" : "DOWN",
			    U(o->written));
		if (o->queued)
			buf__printf(out, ", %llu spooled, %llu evicted", U(o->spooled),
				    U(o->evicted));
		if (o->failed)
			buf__printf(out, o->queued ? ", %llu could not be spooled"
						   : ", %llu failed", U(o->failed));
		buf__printf(out, "%s%s\n", o->error[0] ? ": " : "", o->error);
	}
}

void status__render(const struct daemon_status *st, bool json, struct buf *out)
{
	if (json)
		render_json(st, out);
	else
		render_text(st, out);
}

void status__render_reload(bool ok, const char *message, char *const *errors, size_t nerrors,
			   bool json, struct buf *out)
{
	struct json_writer w;

	if (!json) {
		buf__printf(out, "%s\n", message);
		for (size_t i = 0; i < nerrors; i++)
			buf__printf(out, "%s\n", errors[i]);
		return;
	}
	json__init(&w);
	json__begin(&w);
	json__string(&w, "outcome", ok ? "success" : "failure");
	json__string(&w, "message", message);
	json__begin_array(&w, "errors");
	for (size_t i = 0; i < nerrors; i++)
		json__array_string(&w, errors[i]);
	json__end_array(&w);
	json__end(&w);
	buf__put(out, json__buf(&w), json__len(&w));
	buf__putc(out, '\n');
	json__free(&w);
}

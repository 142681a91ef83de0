// SPDX-License-Identifier: GPL-2.0-only
#include "output/fold.h"

#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/hmap.h"
#include "process/proctable.h"
#include "rules/rules.h"

/* The last repeat, copied: the process may be gone and the event's memory reused. */
struct held_event {
	struct event ev;
	struct proc *proc, *parent;
	struct package_info package;
	struct file_info file;
	char *pkg_name, *pkg_version, *pkg_type, *pkg_arch, *pkg_previous;
	char *file_path, *file_sha256, *why;
};

struct fold_entry {
	char *key;
	uint64_t window_end_ns;
	uint64_t repeats;
	uint64_t first_ns, last_ns;
	struct held_event *last;	/* NULL until a repeat came */
};

struct fold {
	uint64_t window_ns;
	struct hmap entries;	/* FNV-1a of the key -> fold_entry */
	uint64_t folded;
};

struct fold *fold__new(unsigned int window_s)
{
	struct fold *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->window_ns = (uint64_t)window_s * 1000000000ULL;
	hmap__init(&f->entries);
	return f;
}

static void held_free(struct held_event *h)
{
	if (!h)
		return;
	proctable__clone_free(h->proc);
	proctable__clone_free(h->parent);
	free(h->pkg_name);
	free(h->pkg_version);
	free(h->pkg_type);
	free(h->pkg_arch);
	free(h->pkg_previous);
	free(h->file_path);
	free(h->file_sha256);
	free(h->why);
	free(h);
}

static void entry_free(struct fold_entry *e)
{
	held_free(e->last);
	free(e->key);
	free(e);
}

void fold__free(struct fold *f)
{
	uint64_t k;
	void *v;

	if (!f)
		return;
	for (size_t i = 0; hmap__next(&f->entries, &i, &k, &v);)
		entry_free(v);
	hmap__free(&f->entries);
	free(f);
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

/*
 * rule, executable, user, and what the alert is about when it is not the process: the
 * action (an upgrade is not a repeat of the install) and the package (and its installation)
 * or file; and how it was enforced (a kill in the kernel is not a repeat of a kill after the
 * match). Joined by 0x1f, a separator no path or id contains in practice. NULL when out of memory.
 */
static char *fold_key(const struct event *ev)
{
	struct buf key = { 0 };

	buf__printf(&key, "%s\x1f%s\x1f", or_empty(ev->rule->id),
		    or_empty(ev->proc ? ev->proc->exe : NULL));
	if (ev->proc)
		buf__printf(&key, "%u", ev->proc->uid);
	buf__printf(&key, "\x1f%s\x1f%s", or_empty(ev->action),
		    or_empty(ev->package ? ev->package->name : ev->file ? ev->file->path : NULL));
	if (ev->package)	/* the same package in another installation is another install */
		buf__printf(&key, "\x1f%s", or_empty(ev->package->path));
	if (ev->verdict)
		buf__printf(&key, "\x1f%s\x1f%s", or_empty(event__method_name(ev->verdict->method)),
			    or_empty(event__result_name(ev->verdict->result)));
	if (buf__error(&key)) {
		buf__free(&key);
		return NULL;
	}
	return key.p;
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

static char *dup_or_null(const char *s, bool *failed)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		*failed = true;
	return d;
}

static struct held_event *hold(const struct event *ev)
{
	struct held_event *h = calloc(1, sizeof(*h));
	bool failed = false;

	if (!h)
		return NULL;
	h->ev = *ev;
	h->proc = ev->proc ? proctable__clone(ev->proc) : NULL;
	h->parent = ev->parent ? proctable__clone(ev->parent) : NULL;
	failed = (ev->proc && !h->proc) || (ev->parent && !h->parent);
	h->ev.proc = h->proc;
	h->ev.parent = h->parent;
	if (ev->package) {
		h->package = *ev->package;
		h->package.name = h->pkg_name = dup_or_null(ev->package->name, &failed);
		h->package.version = h->pkg_version = dup_or_null(ev->package->version, &failed);
		h->package.type = h->pkg_type = dup_or_null(ev->package->type, &failed);
		h->package.architecture = h->pkg_arch =
			dup_or_null(ev->package->architecture, &failed);
		h->package.previous_version = h->pkg_previous =
			dup_or_null(ev->package->previous_version, &failed);
		h->ev.package = &h->package;
	}
	if (ev->file) {
		h->file.path = h->file_path = dup_or_null(ev->file->path, &failed);
		h->file.sha256 = h->file_sha256 = dup_or_null(ev->file->sha256, &failed);
		h->ev.file = &h->file;
	}
	if (ev->why && (h->why = malloc(ev->why_len + 1))) {
		memcpy(h->why, ev->why, ev->why_len);
		h->why[ev->why_len] = '\0';
	}
	h->ev.why = h->why;
	h->ev.why_len = h->why ? ev->why_len : 0;
	if (failed || (ev->why && !h->why)) {
		held_free(h);
		return NULL;
	}
	return h;
}

static struct fold_entry *open_window(struct fold *f, uint64_t hash, char *key,
				      const struct event *ev)
{
	struct fold_entry *e = calloc(1, sizeof(*e));
	void *old;

	/* the slot is free: a previous entry was closed by the caller */
	if (!e || hmap__put(&f->entries, hash, e, &old)) {
		free(e);
		return NULL;
	}
	e->key = key;
	e->window_end_ns = ev->time_ns + f->window_ns;
	return e;
}

static void emit_summary(struct fold_entry *e, fold_emit_fn emit, void *ctx)
{
	struct event ev = e->last->ev;

	ev.count = e->repeats;
	ev.first_ns = e->first_ns;
	ev.last_ns = e->last_ns;
	ev.time_ns = e->last_ns;
	emit(ctx, &ev);
}

static void close_window(struct fold *f, uint64_t hash, struct fold_entry *e,
			 fold_emit_fn emit, void *ctx)
{
	if (e->repeats)
		emit_summary(e, emit, ctx);
	hmap__del(&f->entries, hash);
	entry_free(e);
}

bool fold__admit(struct fold *f, const struct event *ev, fold_emit_fn emit, void *ctx)
{
	struct fold_entry *e;
	struct held_event *h;
	uint64_t hash;
	char *key;

	if (!f->window_ns || ev->kind != EVENT_KIND_ALERT || !ev->rule || ev->count)
		return true;
	if (!(key = fold_key(ev)))
		return true;	/* out of memory: better a repeat than a silence */
	hash = fnv1a(key);
	e = hmap__get(&f->entries, hash);
	if (e && !strcmp(e->key, key) && ev->time_ns < e->window_end_ns) {
		free(key);
		if (!(h = hold(ev)))
			return true;
		held_free(e->last);
		e->last = h;
		if (!e->repeats++)
			e->first_ns = ev->time_ns;
		e->last_ns = ev->time_ns;
		f->folded++;
		return false;
	}
	if (e)	/* its window is over (or a hash collision): say what it folded first */
		close_window(f, hash, e, emit, ctx);
	if (!open_window(f, hash, key, ev))
		free(key);
	return true;
}

#define EXPIRE_BATCH 256

void fold__expire(struct fold *f, uint64_t now_ns, fold_emit_fn emit, void *ctx)
{
	uint64_t due[EXPIRE_BATCH], k;
	size_t n;
	void *v;

	/* collect, then close: deleting while walking would shift slots under the walk */
	do {
		size_t i = 0;

		n = 0;
		while (n < EXPIRE_BATCH && hmap__next(&f->entries, &i, &k, &v))
			if (now_ns == UINT64_MAX || now_ns >= ((struct fold_entry *)v)->window_end_ns)
				due[n++] = k;
		for (size_t j = 0; j < n; j++)
			close_window(f, due[j], hmap__get(&f->entries, due[j]), emit, ctx);
	} while (n == EXPIRE_BATCH);
}

uint64_t fold__folded(const struct fold *f)
{
	return f->folded;
}

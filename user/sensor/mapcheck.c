// SPDX-License-Identifier: GPL-2.0-only
#include "sensor/mapcheck.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hmap.h"

/* One expected entry; entries whose keys hash alike are chained. */
struct mc_entry {
	struct mc_entry *next;
	uint64_t seen;		/* the comparison that last saw it */
	bool changed;		/* that comparison found another value */
	unsigned char kv[];	/* key, then value */
};

struct mapcheck {
	struct hmap by_hash;	/* key hash -> chain of entries */
	size_t key_size, value_size, len;
	uint64_t gen;		/* the comparison under way, or the last */
};

/* FNV-1a: keys are short byte strings (names, paths, file ids) */
static uint64_t key_hash(const struct mapcheck *m, const void *key)
{
	const unsigned char *p = key;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < m->key_size; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

static struct mc_entry *find(const struct mapcheck *m, const void *key, uint64_t h)
{
	for (struct mc_entry *e = hmap__get(&m->by_hash, h); e; e = e->next)
		if (!memcmp(e->kv, key, m->key_size))
			return e;
	return NULL;
}

struct mapcheck *mapcheck__new(size_t key_size, size_t value_size)
{
	struct mapcheck *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	hmap__init(&m->by_hash);
	m->key_size = key_size;
	m->value_size = value_size;
	return m;
}

void mapcheck__clear(struct mapcheck *m)
{
	uint64_t h;
	void *v;

	for (size_t i = 0; hmap__next(&m->by_hash, &i, &h, &v);) {
		for (struct mc_entry *e = v, *next; e; e = next) {
			next = e->next;
			free(e);
		}
	}
	hmap__free(&m->by_hash);
	m->len = 0;
}

void mapcheck__free(struct mapcheck *m)
{
	if (!m)
		return;
	mapcheck__clear(m);
	free(m);
}

int mapcheck__put(struct mapcheck *m, const void *key, const void *value)
{
	uint64_t h = key_hash(m, key);
	struct mc_entry *e = find(m, key, h);

	if (e) {
		memcpy(e->kv + m->key_size, value, m->value_size);
		return 0;
	}
	e = calloc(1, sizeof(*e) + m->key_size + m->value_size);
	if (!e)
		return -ENOMEM;
	memcpy(e->kv, key, m->key_size);
	memcpy(e->kv + m->key_size, value, m->value_size);
	e->next = hmap__get(&m->by_hash, h);
	if (hmap__put(&m->by_hash, h, e, NULL)) {
		free(e);
		return -ENOMEM;
	}
	m->len++;
	return 0;
}

void mapcheck__del(struct mapcheck *m, const void *key)
{
	uint64_t h = key_hash(m, key);
	struct mc_entry *head = hmap__get(&m->by_hash, h), *e = head, *prev = NULL;
	size_t size = sizeof(*e) + m->key_size + m->value_size;

	while (e && memcmp(e->kv, key, m->key_size)) {
		prev = e;
		e = e->next;
	}
	if (!e)
		return;
	if (prev) {
		prev->next = e->next;
	} else if (e->next) {
		/* the table points at the head: the next entry moves into it, same size */
		struct mc_entry *next = e->next;

		memcpy(head, next, size);
		e = next;
	} else {
		hmap__del(&m->by_hash, h);
	}
	free(e);
	m->len--;
}

size_t mapcheck__len(const struct mapcheck *m)
{
	return m->len;
}

const void *mapcheck__get(const struct mapcheck *m, const void *key)
{
	const struct mc_entry *e = find(m, key, key_hash(m, key));

	return e ? e->kv + m->key_size : NULL;
}

void mapcheck__begin(struct mapcheck *m, struct mapcheck_diff *d)
{
	m->gen++;
	*d = (struct mapcheck_diff){ 0 };
}

enum mapcheck_verdict mapcheck__see(struct mapcheck *m, const void *key, const void *value,
				    struct mapcheck_diff *d)
{
	struct mc_entry *e = find(m, key, key_hash(m, key));

	if (!e) {
		d->extra++;
		return MAPCHECK_EXTRA;
	}
	if (e->seen == m->gen)
		return MAPCHECK_SAME;	/* counted the first time */
	e->seen = m->gen;
	e->changed = memcmp(e->kv + m->key_size, value, m->value_size) != 0;
	if (!e->changed)
		return MAPCHECK_SAME;
	d->changed++;
	return MAPCHECK_CHANGED;
}

void mapcheck__end(const struct mapcheck *m, struct mapcheck_diff *d)
{
	uint64_t h;
	void *v;

	for (size_t i = 0; hmap__next(&m->by_hash, &i, &h, &v);)
		for (const struct mc_entry *e = v; e; e = e->next)
			d->missing += e->seen != m->gen;
}

bool mapcheck__differs(const struct mapcheck_diff *d)
{
	return d->missing || d->extra || d->changed;
}

int mapcheck__each_differing(const struct mapcheck *m,
			     int (*fn)(void *ctx, const void *key, const void *value), void *ctx)
{
	uint64_t h;
	void *v;
	int err;

	for (size_t i = 0; hmap__next(&m->by_hash, &i, &h, &v);)
		for (const struct mc_entry *e = v; e; e = e->next)
			if ((e->seen != m->gen || e->changed) &&
			    (err = fn(ctx, e->kv, e->kv + m->key_size)))
				return err;
	return 0;
}

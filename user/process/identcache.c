// SPDX-License-Identifier: GPL-2.0-only
#include "process/identcache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hmap.h"

#define CACHE_MAX 8192		/* files; past it the cache starts over */

struct identcache {
	pthread_mutex_t lock;
	struct hmap map;	/* dev/ino mix -> struct file_ident (a reference) */
};

struct scan_ref *scan_ref__new(struct strscan *scan, unsigned int gen)
{
	struct scan_ref *ref = calloc(1, sizeof(*ref));

	if (!ref) {
		strscan__free(scan);
		return NULL;
	}
	*ref = (struct scan_ref){ .scan = scan, .gen = gen, .refs = 1 };
	return ref;
}

struct scan_ref *scan_ref__get(struct scan_ref *s)
{
	if (s)
		__atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
	return s;
}

void scan_ref__put(struct scan_ref *s)
{
	if (s && !__atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL)) {
		strscan__free(s->scan);
		free(s);
	}
}

static uint64_t key_slot(const struct file_key *k)
{
	return (k->dev * 0x9e3779b97f4a7c15ULL) ^ k->ino;
}

struct identcache *identcache__new(void)
{
	struct identcache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	pthread_mutex_init(&c->lock, NULL);
	hmap__init(&c->map);
	return c;
}

/* Under the lock. */
static void clear(struct identcache *c)
{
	uint64_t key;
	void *value;

	for (size_t it = 0; hmap__next(&c->map, &it, &key, &value);)
		ident__put(value);
	hmap__free(&c->map);
}

void identcache__free(struct identcache *c)
{
	if (!c)
		return;
	clear(c);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

struct file_ident *identcache__get(struct identcache *c, const struct file_key *k,
				   unsigned int gen)
{
	struct file_ident *f;

	pthread_mutex_lock(&c->lock);
	f = hmap__get(&c->map, key_slot(k));
	if (f && (memcmp(&f->key, k, sizeof(*k)) || f->scan_gen != gen))
		f = NULL;
	ident__get(f);
	pthread_mutex_unlock(&c->lock);
	return f;
}

void identcache__put(struct identcache *c, struct file_ident *f)
{
	void *old = NULL;

	pthread_mutex_lock(&c->lock);
	if (hmap__len(&c->map) >= CACHE_MAX)
		clear(c);
	if (!hmap__put(&c->map, key_slot(&f->key), ident__get(f), &old))
		ident__put(old);
	else
		ident__put(f);
	pthread_mutex_unlock(&c->lock);
}

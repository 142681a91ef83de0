// SPDX-License-Identifier: GPL-2.0-only
#include "sensor/kmaps.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "embargo/events.h"

/* An array's every index exists from load on, zero until written. */
static int expect_zeros(struct kmap *km)
{
	size_t vsize = bpf_map__value_size(km->map);
	void *zero = calloc(1, vsize);
	int err = zero ? 0 : -ENOMEM;

	for (__u32 i = 0; !err && i < bpf_map__max_entries(km->map); i++)
		err = mapcheck__put(km->want, &i, zero);
	free(zero);
	return err;
}

int kmap__init(struct kmap *km, struct bpf_map *map)
{
	*km = (struct kmap){ .map = map };
	km->want = mapcheck__new(bpf_map__key_size(map), bpf_map__value_size(map));
	if (!km->want)
		return -ENOMEM;
	return bpf_map__type(map) == BPF_MAP_TYPE_ARRAY ? expect_zeros(km) : 0;
}

void kmap__free(struct kmap *km)
{
	mapcheck__free(km->want);
	free(km->extra);
	*km = (struct kmap){ 0 };
}

const char *kmap__name(const struct kmap *km)
{
	return bpf_map__name(km->map);
}

int kmap__put(struct kmap *km, const void *key, const void *value)
{
	if (bpf_map__update_elem(km->map, key, bpf_map__key_size(km->map), value,
				 bpf_map__value_size(km->map), BPF_ANY))
		return -errno;
	return mapcheck__put(km->want, key, value);
}

int kmap__del(struct kmap *km, const void *key)
{
	if (bpf_map__delete_elem(km->map, key, bpf_map__key_size(km->map), 0) && errno != ENOENT)
		return -errno;
	mapcheck__del(km->want, key);
	return 0;
}

int kmap__clear(struct kmap *km)
{
	size_t ksize = bpf_map__key_size(km->map);
	void *key = malloc(ksize);
	int err;

	if (!key)
		return -ENOMEM;
	while (!(err = bpf_map__get_next_key(km->map, NULL, key, ksize)))
		if (bpf_map__delete_elem(km->map, key, ksize, 0) && errno != ENOENT)
			break;
	err = err == -ENOENT ? 0 : -errno;
	free(key);
	mapcheck__clear(km->want);
	return err;
}

int kmap__put_matches(struct kmap *km, const char *const *list, size_t n)
{
	int err;

	for (__u32 i = 0; i < n && i < EV_MATCH_MAX; i++) {
		struct ev_match m = {};

		m.len = (__u32)strlen(list[i]);
		if (m.len >= EV_MATCH_LEN)
			return -ENAMETOOLONG;
		memcpy(m.s, list[i], m.len);
		if ((err = kmap__put(km, &i, &m)))
			return err;
	}
	return 0;
}

static int keep_extra(struct kmap *km, const void *key, size_t ksize)
{
	if (km->nextra == km->extra_cap) {
		size_t cap = km->extra_cap ? km->extra_cap * 2 : 16;
		unsigned char *p = realloc(km->extra, cap * ksize);

		if (!p)
			return -ENOMEM;
		km->extra = p;
		km->extra_cap = cap;
	}
	memcpy(km->extra + km->nextra++ * ksize, key, ksize);
	return 0;
}

/* One entry the kernel holds: compared, and kept when nobody wrote it. */
static int see(struct kmap *km, const void *key, const void *value)
{
	if (mapcheck__see(km->want, key, value, &km->diff) == MAPCHECK_EXTRA)
		return keep_extra(km, key, bpf_map__key_size(km->map));
	return 0;
}

/*
 * The whole map in a system call or two where the kernel can (hash and array maps, 5.6 on):
 * reading the protected set key by key takes ~30 ms for 6,000 files. -errno otherwise.
 */
static int walk_batch(struct kmap *km)
{
	size_t ksize = bpf_map__key_size(km->map), vsize = bpf_map__value_size(km->map);
	__u32 max = bpf_map__max_entries(km->map), got = 0, count;
	unsigned char *keys = malloc(ksize * max), *values = malloc(vsize * max);
	__u64 batch;	/* the kernel's token: a bucket or an index */
	int err = keys && values ? 0 : -ENOMEM;

	while (!err && got < max) {
		count = max - got;
		err = bpf_map_lookup_batch(bpf_map__fd(km->map), got ? &batch : NULL, &batch,
					   keys + got * ksize, values + got * vsize, &count, NULL);
		got += count;
	}
	if (err == -ENOENT)
		err = 0;	/* the end of the map */
	for (__u32 i = 0; !err && i < got; i++)
		err = see(km, keys + i * ksize, values + i * vsize);
	free(keys);
	free(values);
	return err;
}

/*
 * Key by key (tries; kernels before 5.6). A walk by next key restarts from the first when
 * the key it stands on is deleted under it: bounded at twice the map's size, and entries
 * seen again count once (mapcheck__see).
 */
static int walk_keys(struct kmap *km)
{
	size_t ksize = bpf_map__key_size(km->map), vsize = bpf_map__value_size(km->map);
	size_t steps = 2 * (size_t)bpf_map__max_entries(km->map);
	unsigned char *keys = malloc(2 * ksize), *value = malloc(vsize);
	unsigned char *prev = NULL, *next = keys;
	int err = keys && value ? 0 : -ENOMEM;

	while (!err && steps-- && !(err = bpf_map__get_next_key(km->map, prev, next, ksize))) {
		if (bpf_map__lookup_elem(km->map, next, ksize, value, vsize, 0))
			err = errno == ENOENT ? 0 : -errno;	/* deleted meanwhile */
		else
			err = see(km, next, value);
		prev = next;
		next = next == keys ? keys + ksize : keys;
	}
	if (err == -ENOENT)
		err = 0;	/* the end of the map */
	free(keys);
	free(value);
	return err;
}

static int compare(struct kmap *km, int (*walk)(struct kmap *km))
{
	int err;

	km->nextra = 0;
	mapcheck__begin(km->want, &km->diff);
	if (!(err = walk(km)))
		mapcheck__end(km->want, &km->diff);
	return err;
}

int kmap__check(struct kmap *km)
{
	int err = -EOPNOTSUPP;

	if (bpf_map__type(km->map) != BPF_MAP_TYPE_LPM_TRIE)
		err = compare(km, walk_batch);
	return err ? compare(km, walk_keys) : 0;	/* again, key by key */
}

static int rewrite(void *ctx, const void *key, const void *value)
{
	struct bpf_map *map = ctx;

	return bpf_map__update_elem(map, key, bpf_map__key_size(map), value,
				    bpf_map__value_size(map), BPF_ANY) ? -errno : 0;
}

int kmap__repair(struct kmap *km)
{
	size_t ksize = bpf_map__key_size(km->map);
	int err = mapcheck__each_differing(km->want, rewrite, km->map);

	for (size_t i = 0; !err && i < km->nextra; i++)
		if (bpf_map__delete_elem(km->map, km->extra + i * ksize, ksize, 0) &&
		    errno != ENOENT)
			err = -errno;
	return err;
}

int kmaps__check(struct kmap *maps, size_t nmaps, struct kmap_check *out, size_t n)
{
	size_t found = 0;
	int err;

	for (size_t i = 0; i < nmaps; i++) {
		if ((err = kmap__check(&maps[i])))
			return err;
		if (mapcheck__differs(&maps[i].diff) && found < n)
			out[found++] = (struct kmap_check){ kmap__name(&maps[i]), maps[i].diff };
	}
	return (int)found;
}

int kmaps__repair(struct kmap *maps, size_t nmaps)
{
	int err;

	for (size_t i = 0; i < nmaps; i++)
		if (mapcheck__differs(&maps[i].diff) && (err = kmap__repair(&maps[i])))
			return err;
	return 0;
}

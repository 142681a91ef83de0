/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the unit tests: cmocka's includes, a seeded generator, and a builder
 * for exec records laid out as include/embargo/events.h documents them.
 */
#ifndef EMBARGO_TESTS_UNIT_H
#define EMBARGO_TESTS_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "embargo/events.h"

/* string literal with embedded NULs: pointer and length */
#define S(lit) lit, sizeof(lit) - 1
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t unit_rng_state = 0x9E3779B97F4A7C15ull;

static inline void unit_rng_seed(uint64_t seed)
{
	unit_rng_state = seed ? seed : 0x9E3779B97F4A7C15ull;
}

/* xorshift64*: the same sequence on every libc, unlike rand() */
static inline uint32_t unit_rng(void)
{
	unit_rng_state ^= unit_rng_state >> 12;
	unit_rng_state ^= unit_rng_state << 25;
	unit_rng_state ^= unit_rng_state >> 27;
	return (uint32_t)((unit_rng_state * 0x2545F4914F6CDD1Dull) >> 32);
}

/* A zeroed exec record with a valid header; the caller fills task/file and packs data[]. */
static inline struct ev_exec *unit_exec_new(void)
{
	struct ev_exec *ev = calloc(1, sizeof(*ev));

	assert_non_null(ev);
	ev->hdr.type = EV_EXEC;
	ev->hdr.abi = EV_ABI_VERSION;
	ev->hdr.ktime_ns = 1000;
	return ev;
}

/* Append one string (NUL included) at data[*off]; NULL: absent, length 0. */
static inline uint16_t unit_exec_put(struct ev_exec *ev, size_t *off, const char *s)
{
	size_t len = s ? strlen(s) + 1 : 0;

	assert_true(*off + len <= sizeof(ev->data));
	memcpy(ev->data + *off, s ? s : "", len);
	*off += len;
	return (uint16_t)len;
}

/*
 * Lay out filename, interp, exe, cwd and args_len bytes of args in the documented order,
 * set the lengths and hdr.size; returns the record size.
 */
/*
 * An exec whose file is seen through a mount: exe's tail from exe_mnt_off is its path
 * within that mount, whose root sits at mnt_root in its filesystem (NULL: the fs root).
 */
static inline size_t unit_exec_pack_mount(struct ev_exec *ev, const char *filename,
					  const char *interp, const char *exe,
					  uint16_t exe_mnt_off, const char *mnt_root,
					  const char *cwd, const char *args, size_t args_len)
{
	size_t off = 0;

	ev->filename_len = unit_exec_put(ev, &off, filename);
	ev->interp_len = unit_exec_put(ev, &off, interp);
	ev->exe_len = unit_exec_put(ev, &off, exe);
	ev->exe_mnt_off = exe_mnt_off;
	ev->mnt_root_len = unit_exec_put(ev, &off, mnt_root);
	ev->cwd_len = unit_exec_put(ev, &off, cwd);
	assert_true(off + args_len <= sizeof(ev->data));
	if (args_len)
		memcpy(ev->data + off, args, args_len);
	ev->args_len = (uint32_t)args_len;
	ev->hdr.size = (uint32_t)(EV_EXEC_FIXED_SIZE + off + args_len);
	return ev->hdr.size;
}

static inline size_t unit_exec_pack(struct ev_exec *ev, const char *filename, const char *interp,
				    const char *exe, const char *cwd, const char *args,
				    size_t args_len)
{
	return unit_exec_pack_mount(ev, filename, interp, exe, 0, NULL, cwd, args, args_len);
}

/* A heap copy of exactly n bytes, so ASan sees any read past the record's end. */
static inline void *unit_dup_exact(const void *src, size_t n)
{
	void *p = malloc(n ? n : 1);

	assert_non_null(p);
	memcpy(p, src, n);
	return p;
}

#endif /* EMBARGO_TESTS_UNIT_H */

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the spool's reserve (user/transport/spool_reserve.c): on a file system that is
 * really full (a small tmpfs of the test's own, tmpfs_fixture.h), ordinary records are
 * refused while records about embargo itself still go in, and the reserve comes back once
 * there is room. Skipped where no mount namespace can be had.
 */
#include <ftw.h>

#include "spool_fixture.h"
#include "tmpfs_fixture.h"

#define RECORD 1000	/* bytes: four frames a page */

static int group_setup(void **state)
{
	(void)state;
	return tmpfs_group_open(256);
}

/* A spool in the small tmpfs (the fixture's dir is moved there) and a filler file beside. */
static int setup_full(void **state)
{
	struct fx *fx;

	if (setup(state))
		return -1;
	fx = *state;
	snprintf(fx->dir, sizeof(fx->dir), "%s/q", tmpfs_dir);
	return 0;
}

static int teardown_full(void **state)
{
	teardown(state);
	unlink(tmpfs_filler());
	if (tmpfs_dir[0])
		nftw(tmpfs_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static struct fx *need_tmpfs(void **state)
{
	if (!tmpfs_dir[0])
		skip();
	return *state;
}

static int append_one(struct spool *s, uint64_t i, bool reserved)
{
	uint8_t buf[RECORD];

	rec_fill(buf, i, sizeof(buf));
	return reserved ? spool__append_reserved(s, buf, sizeof(buf))
			: spool__append(s, buf, sizeof(buf));
}

/* bytes the reserve file has on disk; -1 when there is none */
static long long reserve_on_disk(const struct fx *fx)
{
	char path[160];
	struct stat st;

	snprintf(path, sizeof(path), "%s/reserve", fx->dir);
	if (stat(path, &st))
		return -1;
	assert_int_equal(st.st_mode & 07777, 0600);
	return (long long)st.st_blocks * 512;
}

static void test_open_allocates_the_reserve(void **state)
{
	struct fx *fx = need_tmpfs(state);

	reopen(fx, SMALL);
	assert_true(reserve_on_disk(fx) >= SPOOL_RESERVE_BYTES);
	/* kept across a reopen, not made twice */
	reopen(fx, SMALL);
	assert_true(reserve_on_disk(fx) >= SPOOL_RESERVE_BYTES);
}

/* Peek and commit everything; the records must be 0, 1, ... numbered without a gap. */
static uint64_t drain(struct fx *fx)
{
	uint64_t got = 0;
	int n;

	while ((n = peek_expect(fx, 1 << 20, got)) > 0) {
		assert_int_equal(fx->b.recs[0].seq, got + 1);
		got += (uint64_t)n;
		assert_int_equal(spool__commit(fx->s, &fx->b), 0);
	}
	return got;
}

/*
 * A full disk: ordinary records go in only while the page they go into has room, then are
 * refused; reserved ones then take the reserve's room.
 */
static void test_full_disk_leaves_room_for_reserved_records(void **state)
{
	struct fx *fx = need_tmpfs(state);
	uint64_t n = 0, ordinary;
	int err;

	reopen(fx, SMALL);
	assert_int_equal(append_one(fx->s, n++, false), 0);
	tmpfs_fill(tmpfs_filler());
	while (!(err = append_one(fx->s, n, false)))
		n++;
	assert_int_equal(err, -ENOSPC);
	ordinary = n;
	assert_true(ordinary <= 4096 / (RECORD + FRAME));	/* the first page's room */
	/* refused once, refused until there is room: not into what is left of a page */
	assert_int_equal(spool__append(fx->s, "x", 1), -ENOSPC);
	while (!(err = append_one(fx->s, n, true)))
		n++;
	assert_int_equal(err, -ENOSPC);
	assert_int_equal(reserve_on_disk(fx), -1);
	assert_int_equal(n - ordinary, SPOOL_RESERVE_BYTES / (RECORD + FRAME));
	/* what went in is whole, in order, numbered without a gap */
	assert_int_equal(drain(fx), n);
}

/* Ordinary records stop short: they need the whole reserve back, not just their own room. */
static void test_ordinary_records_wait_for_the_whole_reserve(void **state)
{
	struct fx *fx = need_tmpfs(state);
	off_t full;

	reopen(fx, SMALL);
	full = tmpfs_fill(tmpfs_filler());
	while (!append_one(fx->s, 0, true))
		;
	tmpfs_shrink(tmpfs_filler(), full - SPOOL_RESERVE_BYTES / 2);
	assert_int_equal(append_one(fx->s, 0, false), -ENOSPC);
	assert_int_equal(reserve_on_disk(fx), -1);	/* a part of a reserve is none */
	assert_int_equal(append_one(fx->s, 0, true), 0);
	tmpfs_shrink(tmpfs_filler(), 0);
	assert_int_equal(append_one(fx->s, 0, false), 0);
	assert_true(reserve_on_disk(fx) >= SPOOL_RESERVE_BYTES);
}

/* Not for want of room: an oversize record is refused either way, the reserve untouched. */
static void test_oversize_is_not_a_full_disk(void **state)
{
	struct fx *fx = need_tmpfs(state);
	size_t max;
	uint8_t *big;

	reopen(fx, SMALL);
	max = spool__record_max(fx->s);
	big = calloc(1, max + 1);
	assert_non_null(big);
	assert_int_equal(spool__append_reserved(fx->s, big, max + 1), -EMSGSIZE);
	assert_int_equal(spool__append(fx->s, big, max + 1), -EMSGSIZE);
	free(big);
	assert_true(reserve_on_disk(fx) >= SPOOL_RESERVE_BYTES);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup_full, teardown_full)
	const struct CMUnitTest tests[] = {
		T(test_open_allocates_the_reserve),
		T(test_full_disk_leaves_room_for_reserved_records),
		T(test_ordinary_records_wait_for_the_whole_reserve),
		T(test_oversize_is_not_a_full_disk),
	};

	return cmocka_run_group_tests(tests, group_setup, tmpfs_group_close);
}

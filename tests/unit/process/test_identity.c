// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for user/identity.c on files in a temp dir (a copy of /usr/bin/true, small
 * files): SHA-256 (checked against OpenSSL's one-shot digest) and ELF identity, the cache,
 * the workers and their answers (why there is none), answers on the caller when there are
 * no workers, the scanner generation. Which file counts as the one the kernel ran:
 * test_fileident.c.
 */
#include <errno.h>
#include <ftw.h>
#include <poll.h>

#include "file_fixture.h"

#include "process/identity.h"

#define NFILES 200

struct fx {
	char dir[32];
	char path[64];			/* the copy of /usr/bin/true */
	char sha[65];			/* its SHA-256, by OpenSSL */
	struct stat st;			/* and its stat */
	struct identity *id;
	size_t nanswers;		/* what the callback got, in order */
	void *cookies[NFILES];
	struct file_ident *answers[NFILES];	/* a reference each */
	enum ident_why whys[NFILES];
};

#define DRAIN_MS 10000

static enum ident_why why;	/* what a synchronous answer said */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx || copy_of_true("/tmp/embargo-ident-XXXXXX", fx->dir, fx->path, fx->sha))
		return -1;
	*state = fx;
	return stat(fx->path, &fx->st);
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	for (size_t i = 0; i < fx->nanswers && i < NFILES; i++)
		ident__put(fx->answers[i]);
	identity__free(fx->id);
	nftw(fx->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

/* The done callback: keep the cookie, a reference to the answer and why. */
static void on_done(void *ctx, void *cookie, struct file_ident *f, enum ident_why w)
{
	struct fx *fx = ctx;

	if (fx->nanswers < NFILES) {
		fx->cookies[fx->nanswers] = cookie;
		fx->answers[fx->nanswers] = ident__get(f);
		fx->whys[fx->nanswers] = w;
	}
	fx->nanswers++;
}

/* workers 0: answers on the caller */
static struct identity *new_identity(struct fx *fx, unsigned int workers)
{
	fx->id = identity__new("/proc", workers);
	assert_non_null(fx->id);
	identity__set_done(fx->id, on_done, fx);
	return fx->id;
}

static struct file_ident *of_path(struct fx *fx, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct file_ident *f;

	assert_true(fd >= 0);
	f = identity__of_fd(fx->id, fd);
	close(fd);
	return f;
}

static void test_of_fd_hash_matches_openssl(void **state)
{
	struct fx *fx = *state;
	struct file_ident *f;

	new_identity(fx, 2);
	f = of_path(fx, fx->path);
	assert_non_null(f);
	assert_string_equal(f->sha256, fx->sha);
	assert_int_equal(f->key.ino, fx->st.st_ino);
	assert_int_equal(f->key.dev, fx->st.st_dev);
	assert_int_equal(f->key.size, fx->st.st_size);
	assert_true(f->elf.is_elf);
	assert_string_equal(f->elf.arch, "x86_64");
	assert_int_equal(strlen(f->elf.build_id), 40);
	assert_list(f->elf.needed, f->elf.needed_len, S("libc.so.6\0"));
	assert_null(f->elf.strings);
	assert_int_equal(f->refs, 2);	/* the cache's and ours */
	ident__put(f);
}

static void test_second_of_fd_is_cache_hit(void **state)
{
	struct fx *fx = *state;
	const struct identity_stats *s = identity__stats(new_identity(fx, 2));
	struct file_ident *a = of_path(fx, fx->path), *b;
	struct identity_stats before = *s;

	assert_non_null(a);
	b = of_path(fx, fx->path);
	assert_ptr_equal(a, b);
	assert_int_equal(s->hits, before.hits + 1);
	assert_int_equal(s->misses, before.misses);
	assert_int_equal(s->bytes, before.bytes);
	assert_int_equal(a->refs, 3);
	ident__put(b);
	ident__put(a);
}

static void test_changed_file_is_miss(void **state)
{
	struct fx *fx = *state;
	const struct identity_stats *s = identity__stats(new_identity(fx, 2));
	struct file_ident *a = of_path(fx, fx->path), *b;
	uint64_t hits = s->hits;
	char sha[65];
	int fd;

	assert_non_null(a);
	fd = open(fx->path, O_WRONLY | O_APPEND | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	b = of_path(fx, fx->path);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	assert_int_equal(s->hits, hits);
	sha256_of_path(fx->path, sha);
	assert_string_equal(b->sha256, sha);
	assert_string_not_equal(b->sha256, a->sha256);
	assert_int_equal(b->key.size, a->key.size + 1);
	assert_string_equal(a->sha256, fx->sha);	/* the old answer is unchanged */
	ident__put(a);
	ident__put(b);
}

static void test_resolve_path_pending_then_drained(void **state)
{
	struct fx *fx = *state;
	const struct identity_stats *s = identity__stats(new_identity(fx, 2));
	struct file_ident *f = (void *)1;
	int cookie;

	assert_int_equal(identity__resolve_path(fx->id, fx->path, &cookie, &f, &why), IDENT_PENDING);
	assert_null(f);
	identity__drain(fx->id, DRAIN_MS);
	assert_int_equal(fx->nanswers, 1);
	assert_ptr_equal(fx->cookies[0], &cookie);
	assert_non_null(fx->answers[0]);
	assert_int_equal(fx->whys[0], IDENT_OK);
	assert_string_equal(fx->answers[0]->sha256, fx->sha);
	assert_true(fx->answers[0]->elf.is_elf);
	assert_int_equal(s->misses, 1);
	/* a path is opened by a worker even then, but answered from the cache: no new read */
	assert_int_equal(identity__resolve_path(fx->id, fx->path, &cookie, &f, &why), IDENT_PENDING);
	identity__drain(fx->id, DRAIN_MS);
	assert_int_equal(fx->nanswers, 2);
	assert_ptr_equal(fx->answers[1], fx->answers[0]);
	assert_int_equal(s->hits, 1);
	assert_int_equal(s->misses, 1);
	assert_int_equal(s->backlog, 0);
}

static void test_answer_signalled_on_eventfd(void **state)
{
	struct fx *fx = *state;
	struct pollfd pfd = { .fd = identity__fd(new_identity(fx, 2)), .events = POLLIN };
	struct file_ident *f;
	int cookie;

	assert_int_equal(poll(&pfd, 1, 0), 0);
	assert_int_equal(identity__resolve_path(fx->id, fx->path, &cookie, &f, &why), IDENT_PENDING);
	assert_int_equal(poll(&pfd, 1, 10000), 1);
	identity__complete(fx->id);
	assert_int_equal(fx->nanswers, 1);
	assert_ptr_equal(fx->cookies[0], &cookie);
	assert_string_equal(fx->answers[0]->sha256, fx->sha);
	assert_int_equal(poll(&pfd, 1, 0), 0);
}

static void test_no_workers_answers_on_the_caller(void **state)
{
	struct fx *fx = *state;
	const struct identity_stats *s = identity__stats(new_identity(fx, 0));
	struct file_ident *f;
	int cookie;

	assert_int_equal(identity__fd(fx->id), -1);
	assert_int_equal(identity__resolve_path(fx->id, fx->path, &cookie, &f, &why), IDENT_READY);
	assert_non_null(f);
	assert_string_equal(f->sha256, fx->sha);
	assert_int_equal(s->misses, 1);
	assert_int_equal(s->bytes, fx->st.st_size);
	ident__put(f);
	identity__drain(fx->id, DRAIN_MS);
	assert_int_equal(fx->nanswers, 0);
}

static void test_missing_or_special_file_unavailable(void **state)
{
	struct fx *fx = *state;
	const struct identity_stats *s = identity__stats(new_identity(fx, 2));
	struct file_ident *f = (void *)1;
	char fifo[80];
	int cookie;

	snprintf(fifo, sizeof(fifo), "%s/fifo", fx->dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	/* opened by a worker, never on the caller: answered later, each with its reason */
	assert_int_equal(identity__resolve_path(fx->id, "/nonexistent/embargo", &cookie, &f, &why),
			 IDENT_PENDING);
	assert_null(f);
	/* a directory, and a FIFO with no writer (opening it must not block) */
	assert_int_equal(identity__resolve_path(fx->id, fx->dir, &cookie, &f, &why), IDENT_PENDING);
	assert_int_equal(identity__resolve_path(fx->id, fifo, &cookie, &f, &why), IDENT_PENDING);
	identity__drain(fx->id, DRAIN_MS);
	assert_int_equal(fx->nanswers, 3);
	for (size_t i = 0; i < 3; i++)
		assert_null(fx->answers[i]);
	assert_int_equal(fx->whys[0] + fx->whys[1] + fx->whys[2],
			 IDENT_GONE + 2 * IDENT_NOT_REGULAR);
	assert_int_equal(s->unavailable, 3);
	assert_int_equal(s->misses + s->bytes, 0);
}

/* This process as the table would hold it: its pid, exe path and file identity. */
static void self_proc(struct proc *p, char *exe, struct stat *st)
{
	assert_non_null(realpath("/proc/self/exe", exe));
	assert_int_equal(stat(exe, st), 0);
	memset(p, 0, sizeof(*p));
	p->pid = (uint32_t)getpid();
	p->exe = exe;
	p->file = ran_from_stat(st);
}

static void test_resolve_exe_of_this_process(void **state)
{
	struct fx *fx = *state;
	const struct identity_stats *s = identity__stats(new_identity(fx, 0));
	char exe[4096], sha[65];
	struct file_ident *f, *g;
	struct proc p;
	struct stat st;

	self_proc(&p, exe, &st);
	sha256_of_path(exe, sha);
	assert_int_equal(identity__resolve_exe(fx->id, &p, NULL, &f, &why), IDENT_READY);
	assert_non_null(f);
	assert_string_equal(f->sha256, sha);
	assert_int_equal(f->key.ino, st.st_ino);
	assert_true(f->elf.is_elf);
	/* the event's file identity alone finds it again: no open, no hashing */
	p.pid = 0x7fffffff;
	assert_int_equal(identity__resolve_exe(fx->id, &p, NULL, &g, &why), IDENT_READY);
	assert_ptr_equal(f, g);
	assert_int_equal(s->hits, 1);
	assert_int_equal(s->misses, 1);
	ident__put(g);
	ident__put(f);
}

static void test_resolve_exe_gone_process_other_inode(void **state)
{
	struct fx *fx = *state;
	const struct identity_stats *s = identity__stats(new_identity(fx, 0));
	struct file_ident *f = (void *)1;
	struct proc p = { .pid = 0x7fffffff, .exe = fx->path };

	p.file = (struct ev_file){ .dev = fx->st.st_dev, .ino = fx->st.st_ino + 1,
				   .size = (uint64_t)fx->st.st_size };
	/* the file at that path now is not the one that ran: nothing is hashed */
	assert_int_equal(identity__resolve_exe(fx->id, &p, NULL, &f, &why), IDENT_UNAVAILABLE);
	assert_null(f);
	assert_int_equal(why, IDENT_GONE);
	assert_int_equal(s->unavailable, 1);
	assert_int_equal(s->bytes + s->misses, 0);
	/* the same inode: the path stands in for /proc/PID/exe */
	p.file.ino = fx->st.st_ino;
	assert_int_equal(identity__resolve_exe(fx->id, &p, NULL, &f, &why), IDENT_READY);
	assert_string_equal(f->sha256, fx->sha);
	ident__put(f);
}

static void test_new_scanner_invalidates_cache(void **state)
{
	static const char *const one[] = { "GNU coreutils" };
	static const char *const two[] = { "embargo-absent", "Jim Meyering" };
	struct fx *fx = *state;
	const struct identity_stats *s = identity__stats(new_identity(fx, 0));
	struct file_ident *a, *b, *c;

	identity__set_scanner(fx->id, strscan_of(one, 1));
	assert_int_equal(identity__resolve_path(fx->id, fx->path, NULL, &a, &why), IDENT_READY);
	assert_list(a->elf.strings, a->elf.strings_len, S("GNU coreutils\0"));
	identity__set_scanner(fx->id, strscan_of(two, 2));
	assert_int_equal(identity__resolve_path(fx->id, fx->path, NULL, &b, &why), IDENT_READY);
	assert_ptr_not_equal(a, b);
	assert_int_equal(s->hits, 0);
	assert_int_equal(s->misses, 2);
	assert_list(b->elf.strings, b->elf.strings_len, S("Jim Meyering\0"));
	assert_list(a->elf.strings, a->elf.strings_len, S("GNU coreutils\0"));
	assert_string_equal(a->sha256, b->sha256);
	/* no scanner is a generation too */
	identity__set_scanner(fx->id, NULL);
	assert_int_equal(identity__resolve_path(fx->id, fx->path, NULL, &c, &why), IDENT_READY);
	assert_null(c->elf.strings);
	assert_int_equal(s->misses, 3);
	ident__put(a);
	ident__put(b);
	ident__put(c);
}

static void test_scanner_replaced_while_queued(void **state)
{
	static const char *const one[] = { "GNU coreutils" };
	static const char *const two[] = { "Jim Meyering" };
	struct fx *fx = *state;
	struct file_ident *f;

	new_identity(fx, 2);
	identity__set_scanner(fx->id, strscan_of(one, 1));
	assert_int_equal(identity__resolve_path(fx->id, fx->path, NULL, &f, &why), IDENT_PENDING);
	/* the queued job keeps the scanner it was given alive (ASan sees a use after free) */
	identity__set_scanner(fx->id, strscan_of(two, 1));
	identity__drain(fx->id, DRAIN_MS);
	assert_int_equal(fx->nanswers, 1);
	assert_string_equal(fx->answers[0]->elf.strings, "GNU coreutils");
	/* that answer is of an old generation: not served from the cache */
	assert_int_equal(identity__resolve_path(fx->id, fx->path, NULL, &f, &why), IDENT_PENDING);
	identity__drain(fx->id, DRAIN_MS);
	assert_int_equal(fx->nanswers, 2);
	assert_string_equal(fx->answers[1]->elf.strings, "Jim Meyering");
	assert_int_equal(identity__stats(fx->id)->hits, 0);
}

static void test_ident_refcounts(void **state)
{
	struct fx *fx = *state;
	struct file_ident *f;

	new_identity(fx, 2);
	assert_null(ident__get(NULL));
	ident__put(NULL);
	f = of_path(fx, fx->path);
	assert_non_null(f);
	assert_int_equal(f->refs, 2);
	assert_ptr_equal(ident__get(f), f);
	assert_int_equal(f->refs, 3);
	ident__put(f);
	assert_int_equal(f->refs, 2);
	/* ours outlives the identity and its cache (ASan: no use after free, no leak) */
	identity__free(fx->id);
	fx->id = NULL;
	assert_int_equal(f->refs, 1);
	assert_string_equal(f->sha256, fx->sha);
	ident__put(f);
}

static void test_free_with_jobs_queued(void **state)
{
	struct fx *fx = *state;
	struct file_ident *f;
	char path[80];

	new_identity(fx, 2);
	for (int i = 0; i < 8; i++) {
		snprintf(path, sizeof(path), "%s/q%d", fx->dir, i);
		spit(path, path, strlen(path));
		assert_int_equal(identity__resolve_path(fx->id, path, NULL, &f, &why), IDENT_PENDING);
	}
	/* neither answered nor drained: freeing closes and frees them all (ASan) */
	identity__free(fx->id);
	fx->id = NULL;
}

static void test_many_files_each_answered_once(void **state)
{
	struct fx *fx = *state;
	const struct identity_stats *s = identity__stats(new_identity(fx, 2));
	static int cookies[NFILES];
	unsigned int answered[NFILES] = { 0 };
	char path[80], sha[NFILES][65];
	size_t ready = 0, pending = 0, total = 0;
	enum ident_status st;
	struct file_ident *f;

	for (int i = 0; i < NFILES; i++) {
		char body[64];
		int n = snprintf(body, sizeof(body), "file %d of the many\n", i);

		snprintf(path, sizeof(path), "%s/m%03d", fx->dir, i);
		spit(path, body, (size_t)n);
		sha256_hex(body, (size_t)n, sha[i]);
		total += (size_t)n;
		st = identity__resolve_path(fx->id, path, &cookies[i], &f, &why);
		if (st == IDENT_PENDING) {
			pending++;
			continue;
		}
		assert_int_equal(st, IDENT_READY);
		assert_string_equal(f->sha256, sha[i]);
		ident__put(f);
		answered[i]++;
		ready++;
	}
	identity__drain(fx->id, DRAIN_MS);
	assert_int_equal(fx->nanswers, pending);
	for (size_t k = 0; k < fx->nanswers; k++) {
		int i = (int *)fx->cookies[k] - cookies;

		assert_true(i >= 0 && i < NFILES);
		assert_non_null(fx->answers[k]);
		assert_string_equal(fx->answers[k]->sha256, sha[i]);
		answered[i]++;
	}
	for (int i = 0; i < NFILES; i++)
		if (answered[i] != 1)
			fail_msg("file %d answered %u times", i, answered[i]);
	/* the queue (256) holds them all: none refused, every one read once */
	assert_int_equal(pending, NFILES);
	assert_int_equal(ready, 0);
	assert_int_equal(s->backlog, 0);
	assert_int_equal(s->misses, NFILES);
	assert_int_equal(s->bytes, total);
}

/*
 * Regression (fixed): a file whose read-only section claims an offset at or past 2^63 gets no identity
 * at all: elfinfo.c scan_range() preads at a negative offset, elf__read fails with
 * -EINVAL and identify() then drops the SHA-256 it had already computed.
 */
static void test_hostile_elf_still_hashed(void **state)
{
	static const char *const one[] = { "GNU coreutils" };
	struct fx *fx = *state;
	size_t len;
	unsigned char *buf = slurp(fx->path, &len);
	size_t ro = section_index(buf, ".rodata");
	Elf64_Shdr sh = shdr_of(buf, ro);
	struct file_ident *f;
	char sha[65];

	new_identity(fx, 0);
	identity__set_scanner(fx->id, strscan_of(one, 1));
	sh.sh_offset = 1ull << 63;
	shdr_set(buf, ro, &sh);
	spit(fx->path, buf, len);
	sha256_hex(buf, len, sha);
	free(buf);
	assert_int_equal(identity__resolve_path(fx->id, fx->path, NULL, &f, &why), IDENT_READY);
	assert_string_equal(f->sha256, sha);
	ident__put(f);
}

/* End to end: the process is gone, its path names a file on another device (not overlay). */
static void test_resolve_exe_other_device_off_overlay_unavailable(void **state)
{
	struct fx *fx = *state;
	const struct identity_stats *s = identity__stats(new_identity(fx, 0));
	struct file_ident *f = (void *)1;
	struct proc p = { .pid = 0x7fffffff, .exe = fx->path };

	p.file = ran_from_stat(&fx->st);
	p.file.dev = fx->st.st_dev + 2;
	assert_int_equal(identity__resolve_exe(fx->id, &p, NULL, &f, &why), IDENT_UNAVAILABLE);
	assert_null(f);
	assert_int_equal(s->unavailable, 1);
	assert_int_equal(s->bytes + s->misses, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_of_fd_hash_matches_openssl),
		T(test_second_of_fd_is_cache_hit),
		T(test_changed_file_is_miss),
		T(test_resolve_path_pending_then_drained),
		T(test_answer_signalled_on_eventfd),
		T(test_no_workers_answers_on_the_caller),
		T(test_missing_or_special_file_unavailable),
		T(test_resolve_exe_of_this_process),
		T(test_resolve_exe_gone_process_other_inode),
		T(test_new_scanner_invalidates_cache),
		T(test_scanner_replaced_while_queued),
		T(test_ident_refcounts),
		T(test_free_with_jobs_queued),
		T(test_many_files_each_answered_once),
		T(test_hostile_elf_still_hashed),
		T(test_resolve_exe_other_device_off_overlay_unavailable),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

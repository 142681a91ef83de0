// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for user/decode.c. Records are built by hand in the layout of
 * include/embargo/events.h and decoded from heap copies of exactly their size,
 * so ASan sees any read past a record's end.
 */
#include <errno.h>
#include <stdio.h>

#include "unit.h"

#include "sensor/decode.h"

#define ARGS3 "python3\0./run.py\0-v\0"

/* A complete exec record: filename, interp, exe, cwd and three args. */
static size_t good_exec(struct ev_exec *ev)
{
	ev->task.tgid = 4242;
	ev->argc = 3;
	return unit_exec_pack(ev, "./run.py", "/usr/bin/python3", "/usr/bin/python3.11",
			      "/home/ada", S(ARGS3));
}

/* Decode the first n bytes of rec from an exact heap copy; the view points into *copy. */
static int decode_copy(const void *rec, size_t n, struct exec_view *v, void **copy)
{
	*copy = unit_dup_exact(rec, n);
	return decode__exec(*copy, n, v);
}

static void test_exec_good_record_decodes(void **state)
{
	struct ev_exec *ev = unit_exec_new();
	size_t size = good_exec(ev);
	struct exec_view v;
	const char *data;
	void *buf;

	(void)state;
	assert_int_equal(size, EV_EXEC_FIXED_SIZE + 9 + 17 + 20 + 10 + 20);
	assert_int_equal(decode__type(ev, size), EV_EXEC);
	assert_int_equal(decode_copy(ev, size, &v, &buf), 0);
	data = ((const struct ev_exec *)buf)->data;
	assert_ptr_equal(v.ev, buf);
	assert_int_equal(v.ev->task.tgid, 4242);
	assert_int_equal(v.ev->argc, 3);
	assert_ptr_equal(v.filename, data);
	assert_string_equal(v.filename, "./run.py");
	assert_ptr_equal(v.interp, data + 9);
	assert_string_equal(v.interp, "/usr/bin/python3");
	assert_ptr_equal(v.exe, data + 26);
	assert_string_equal(v.exe, "/usr/bin/python3.11");
	assert_ptr_equal(v.exe_in_mount, v.exe);	/* on the namespace's root mount */
	assert_null(v.mnt_root);
	assert_ptr_equal(v.cwd, data + 46);
	assert_string_equal(v.cwd, "/home/ada");
	assert_ptr_equal(v.args, data + 56);
	assert_int_equal(v.args_len, sizeof(ARGS3) - 1);
	assert_memory_equal(v.args, ARGS3, sizeof(ARGS3) - 1);
	free(buf);
	free(ev);
}

/* /opt/QQ bind-mounted on /tmp: the exe's tail in its mount, and where the mount's root is */
static void test_exec_path_within_its_filesystem(void **state)
{
	struct ev_exec *ev = unit_exec_new();
	size_t size = unit_exec_pack_mount(ev, "/tmp/qq", NULL, "/tmp/qq", 4, "/opt/QQ", "/",
					   S("qq\0"));
	struct exec_view v;
	void *buf;

	(void)state;
	assert_int_equal(decode_copy(ev, size, &v, &buf), 0);
	assert_string_equal(v.exe, "/tmp/qq");
	assert_ptr_equal(v.exe_in_mount, v.exe + 4);
	assert_string_equal(v.exe_in_mount, "/qq");
	assert_ptr_equal(v.mnt_root, v.exe + 8);
	assert_string_equal(v.mnt_root, "/opt/QQ");
	assert_string_equal(v.cwd, "/");
	free(buf);
	/* an offset at or past the exe's NUL points at the next string: refused */
	ev->exe_mnt_off = ev->exe_len;
	assert_int_equal(decode_copy(ev, size, &v, &buf), -EBADMSG);
	free(buf);
	/* a mount root without its NUL runs into cwd: refused */
	ev->exe_mnt_off = 4;
	ev->data[ev->filename_len + ev->exe_len + ev->mnt_root_len - 1] = 'x';
	assert_int_equal(decode_copy(ev, size, &v, &buf), -EBADMSG);
	free(buf);
	free(ev);
}

static void test_exec_absent_interp_is_null(void **state)
{
	struct ev_exec *ev = unit_exec_new();
	size_t size = unit_exec_pack(ev, "/bin/ls", NULL, "/usr/bin/ls", "/", S("ls\0"));
	struct exec_view v;
	void *buf;

	(void)state;
	assert_int_equal(decode_copy(ev, size, &v, &buf), 0);
	assert_string_equal(v.filename, "/bin/ls");
	assert_null(v.interp);
	/* the next string follows filename directly */
	assert_ptr_equal(v.exe, v.filename + 8);
	assert_string_equal(v.exe, "/usr/bin/ls");
	assert_string_equal(v.cwd, "/");
	assert_memory_equal(v.args, "ls", 3);
	free(buf);
	free(ev);
}

static void test_exec_absent_strings_and_args_are_null(void **state)
{
	struct ev_exec *ev = unit_exec_new();
	size_t size = unit_exec_pack(ev, NULL, NULL, NULL, NULL, NULL, 0);
	struct exec_view v;
	void *buf;

	(void)state;
	assert_int_equal(size, EV_EXEC_FIXED_SIZE);
	assert_int_equal(decode_copy(ev, size, &v, &buf), 0);
	assert_ptr_equal(v.ev, buf);
	assert_null(v.filename);
	assert_null(v.interp);
	assert_null(v.exe);
	assert_null(v.cwd);
	assert_null(v.args);
	assert_int_equal(v.args_len, 0);
	free(buf);
	free(ev);
}

static void test_type_wrong_abi_is_eproto(void **state)
{
	struct ev_exec *ev = unit_exec_new();
	size_t size = good_exec(ev);
	struct exec_view v;

	(void)state;
	ev->hdr.abi = EV_ABI_VERSION + 1;
	assert_int_equal(decode__type(ev, size), -EPROTO);
	ev->hdr.abi = 0;
	assert_int_equal(decode__type(ev, size), -EPROTO);
	/* decode__exec folds every header error into -EBADMSG */
	assert_int_equal(decode__exec(ev, size, &v), -EBADMSG);
	free(ev);
}

static void test_type_size_mismatch_is_ebadmsg(void **state)
{
	struct ev_exec *ev = unit_exec_new();
	size_t size = good_exec(ev);
	struct exec_view v;

	(void)state;
	assert_int_equal(decode__type(ev, size - 1), -EBADMSG);
	assert_int_equal(decode__type(ev, size + 1), -EBADMSG);
	assert_int_equal(decode__exec(ev, size + 1, &v), -EBADMSG);
	ev->hdr.size = (uint32_t)size - 1;
	assert_int_equal(decode__type(ev, size), -EBADMSG);
	/* only the low 32 bits of size fit the header: a larger size never matches */
	ev->hdr.size = (uint32_t)size;
	assert_int_equal(decode__type(ev, size + (1ULL << 32)), -EBADMSG);
	free(ev);
}

static void test_type_shorter_than_header_is_ebadmsg(void **state)
{
	struct ev_header hdr = { .type = EV_EXIT, .abi = EV_ABI_VERSION, .size = 15 };
	struct exec_view v;
	void *buf;

	(void)state;
	for (size_t n = 0; n < sizeof(hdr); n++) {
		hdr.size = (uint32_t)n;
		buf = unit_dup_exact(&hdr, n);
		assert_int_equal(decode__type(buf, n), -EBADMSG);
		free(buf);
	}
	/* a whole header announcing an exec but shorter than its fixed part */
	hdr.type = EV_EXEC;
	hdr.size = sizeof(hdr);
	assert_int_equal(decode_copy(&hdr, sizeof(hdr), &v, &buf), -EBADMSG);
	assert_null(v.ev);
	free(buf);
}

static void test_type_unknown_is_enotsup(void **state)
{
	static const uint16_t types[] = { 0, 5, 0x100, 0xffff };	/* 4 is EV_FILE */
	struct ev_exec *ev = unit_exec_new();
	size_t size = good_exec(ev);
	struct exec_view v;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		ev->hdr.type = types[i];
		assert_int_equal(decode__type(ev, size), -ENOTSUP);
		assert_int_equal(decode__exec(ev, size, &v), -EBADMSG);
	}
	free(ev);
}

/* A rejected record leaves no record in the view (strings before the bad one may stay). */
static void test_exec_failure_leaves_no_record(void **state)
{
	struct ev_exec *ev = unit_exec_new();
	size_t size = good_exec(ev);
	struct exec_view v;

	(void)state;
	memset(&v, 0xa5, sizeof(v));
	ev->cwd_len = 200;	/* the earlier strings were fine */
	assert_int_equal(decode__exec(ev, size, &v), -EBADMSG);
	assert_null(v.ev);
	assert_null(v.cwd);
	assert_null(v.args);
	assert_int_equal(v.args_len, 0);
	free(ev);
}

static void test_exec_string_past_end_rejected(void **state)
{
	struct ev_exec *ev = unit_exec_new();
	size_t size = unit_exec_pack(ev, "/bin/true", NULL, "/usr/bin/true", "/", NULL, 0);
	struct exec_view v;
	void *buf;

	(void)state;
	/* cwd is the last string: one more byte runs past the record */
	ev->cwd_len = 3;
	assert_int_equal(decode_copy(ev, size, &v, &buf), -EBADMSG);
	free(buf);
	ev->cwd_len = 2;
	ev->filename_len = 0xffff;
	assert_int_equal(decode_copy(ev, size, &v, &buf), -EBADMSG);
	free(buf);
	ev->filename_len = 10;
	ev->exe_len = 0xffff;
	assert_int_equal(decode_copy(ev, size, &v, &buf), -EBADMSG);
	free(buf);
	free(ev);
}

static void test_exec_string_not_terminated_rejected(void **state)
{
	struct ev_exec *ev = unit_exec_new();
	size_t size = good_exec(ev);
	struct exec_view v;
	void *buf;

	(void)state;
	/* filename "./run.py" is 9 bytes; claim 8: its stated end is 'y', not NUL */
	ev->filename_len = 8;
	assert_int_equal(decode_copy(ev, size, &v, &buf), -EBADMSG);
	free(buf);
	ev->filename_len = 9;
	ev->data[9 + 17 - 1] = 'X';	/* interp's terminator */
	assert_int_equal(decode_copy(ev, size, &v, &buf), -EBADMSG);
	free(buf);
	free(ev);
}

static void test_exec_args_past_end_rejected(void **state)
{
	struct ev_exec *ev = unit_exec_new();
	size_t size = good_exec(ev);
	struct exec_view v;
	void *buf;

	(void)state;
	ev->args_len += 1;
	assert_int_equal(decode_copy(ev, size, &v, &buf), -EBADMSG);
	free(buf);
	ev->args_len = UINT32_MAX;
	assert_int_equal(decode_copy(ev, size, &v, &buf), -EBADMSG);
	free(buf);
	free(ev);
}

static void test_exec_args_over_max_rejected(void **state)
{
	struct ev_exec *ev = unit_exec_new();
	char *args = malloc(EV_ARGS_MAX + 1);
	struct exec_view v;
	size_t size;
	void *buf;

	(void)state;
	assert_non_null(args);
	memset(args, 'a', EV_ARGS_MAX + 1);
	args[EV_ARGS_MAX] = '\0';
	/* short paths leave room in data[]: only the EV_ARGS_MAX bound can reject this */
	size = unit_exec_pack(ev, "/x", NULL, NULL, "/", args, EV_ARGS_MAX + 1);
	assert_int_equal(decode_copy(ev, size, &v, &buf), -EBADMSG);
	free(buf);
	/* exactly EV_ARGS_MAX is fine */
	size = unit_exec_pack(ev, "/x", NULL, NULL, "/", args + 1, EV_ARGS_MAX);
	assert_int_equal(decode_copy(ev, size, &v, &buf), 0);
	assert_int_equal(v.args_len, EV_ARGS_MAX);
	free(buf);
	free(args);
	free(ev);
}

static void test_exec_maximal_record_decodes(void **state)
{
	struct ev_exec *ev = unit_exec_new();
	char *path[5], *args = malloc(EV_ARGS_MAX);
	struct exec_view v;
	size_t size;
	void *buf;

	(void)state;
	assert_non_null(args);
	for (int i = 0; i < 5; i++) {
		path[i] = malloc(EV_PATH_MAX);
		assert_non_null(path[i]);
		memset(path[i], 'a' + i, EV_PATH_MAX - 1);
		path[i][0] = '/';
		path[i][EV_PATH_MAX - 1] = '\0';
	}
	for (size_t i = 0; i < EV_ARGS_MAX; i++)
		args[i] = i % 8 == 7 ? '\0' : 'z';
	size = unit_exec_pack_mount(ev, path[0], path[1], path[2], EV_PATH_MAX - 2, path[3],
				    path[4], args, EV_ARGS_MAX);
	assert_int_equal(size, sizeof(struct ev_exec));
	assert_int_equal(decode_copy(ev, size, &v, &buf), 0);
	assert_string_equal(v.filename, path[0]);
	assert_string_equal(v.interp, path[1]);
	assert_string_equal(v.exe, path[2]);
	assert_string_equal(v.exe_in_mount, "c");
	assert_string_equal(v.mnt_root, path[3]);
	assert_string_equal(v.cwd, path[4]);
	assert_ptr_equal(v.args, ((const struct ev_exec *)buf)->data + 5 * EV_PATH_MAX);
	assert_int_equal(v.args_len, EV_ARGS_MAX);
	assert_int_equal(decode__args_count(v.args, v.args_len), EV_ARGS_MAX / 8);
	free(buf);
	for (int i = 0; i < 5; i++)
		free(path[i]);
	free(args);
	free(ev);
}

static void test_fork_good_record_decodes(void **state)
{
	struct ev_fork f = { .hdr = { EV_FORK, EV_ABI_VERSION, sizeof(f), 7 } };
	const struct ev_fork *out = NULL;

	(void)state;
	f.child.tgid = 200;
	f.parent_tgid = 100;
	assert_int_equal(decode__type(&f, sizeof(f)), EV_FORK);
	assert_int_equal(decode__fork(&f, sizeof(f), &out), 0);
	assert_ptr_equal(out, &f);
	assert_int_equal(out->child.tgid, 200);
	assert_int_equal(out->parent_tgid, 100);
}

static void test_fork_wrong_size_rejected(void **state)
{
	struct ev_fork f[2] = { { .hdr = { EV_FORK, EV_ABI_VERSION, 0, 0 } } };
	const struct ev_fork *out = NULL;

	(void)state;
	/* header and length agree, but the length is not a fork record's */
	for (size_t n = sizeof(struct ev_header); n < sizeof(f); n++) {
		if (n == sizeof(f[0]))
			continue;
		f[0].hdr.size = (uint32_t)n;
		assert_int_equal(decode__fork(f, n, &out), -EBADMSG);
	}
	assert_null(out);
	/* the right size but another type */
	f[0].hdr.size = sizeof(f[0]);
	f[0].hdr.type = EV_EXIT;
	assert_int_equal(decode__fork(f, sizeof(f[0]), &out), -EBADMSG);
	assert_null(out);
}

static void test_exit_good_record_decodes(void **state)
{
	struct ev_exit e = { .hdr = { EV_EXIT, EV_ABI_VERSION, sizeof(e), 9 }, .tgid = 300,
			     .exit_code = 9, .start_boot_ns = 5 };
	const struct ev_exit *out = NULL;

	(void)state;
	assert_int_equal(decode__type(&e, sizeof(e)), EV_EXIT);
	assert_int_equal(decode__exit(&e, sizeof(e), &out), 0);
	assert_ptr_equal(out, &e);
	assert_int_equal(out->tgid, 300);
	assert_int_equal(out->exit_code, 9);
}

static void test_exit_wrong_size_rejected(void **state)
{
	struct ev_exit e[3] = { { .hdr = { EV_EXIT, EV_ABI_VERSION, 0, 0 } } };
	const struct ev_exit *out = NULL;

	(void)state;
	for (size_t n = sizeof(struct ev_header); n < sizeof(e); n++) {
		if (n == sizeof(e[0]))
			continue;
		e[0].hdr.size = (uint32_t)n;
		assert_int_equal(decode__exit(e, n, &out), -EBADMSG);
	}
	assert_null(out);
	e[0].hdr.size = sizeof(e[0]);
	e[0].hdr.type = EV_FORK;
	assert_int_equal(decode__exit(e, sizeof(e[0]), &out), -EBADMSG);
	assert_null(out);
}

static void test_args_count_terminated(void **state)
{
	(void)state;
	assert_int_equal(decode__args_count(S("a\0b\0")), 2);
}

static void test_args_count_cut_last_counts(void **state)
{
	(void)state;
	assert_int_equal(decode__args_count(S("a\0b")), 2);
	assert_int_equal(decode__args_count(S("abc")), 1);
}

static void test_args_count_empty(void **state)
{
	(void)state;
	assert_int_equal(decode__args_count("", 0), 0);
	assert_int_equal(decode__args_count(NULL, 0), 0);
}

static void test_args_count_empty_strings(void **state)
{
	(void)state;
	assert_int_equal(decode__args_count(S("\0\0")), 2);
	assert_int_equal(decode__args_count(S("\0")), 1);
}

static void test_args_count_thousand(void **state)
{
	char buf[1000 * 4];
	size_t n = 0;

	(void)state;
	for (int i = 0; i < 1000; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%d", i % 100) + 1;
	assert_int_equal(decode__args_count(buf, n), 1000);
	assert_int_equal(decode__args_count(buf, n - 1), 1000);
	assert_int_equal(decode__args_count(buf, n - 2), 1000);	/* "99" cut to "9" */
}

/* ---- hostile input ---- */

/* A pointer p that decode handed out lies in buf[0..size) with its NUL there too. */
static void assert_string_inside(const char *p, const char *buf, size_t size)
{
	if (!p)
		return;
	assert_true(p >= buf + EV_EXEC_FIXED_SIZE && p < buf + size);
	assert_non_null(memchr(p, '\0', (size_t)(buf + size - p)));
}

/* Random bytes, sometimes shaped like a record so that decode gets past the header. */
static size_t random_record(unsigned char *buf, size_t max)
{
	static const size_t exact[] = { sizeof(struct ev_fork), sizeof(struct ev_exit),
					EV_EXEC_FIXED_SIZE };
	struct ev_exec *ev = (struct ev_exec *)buf;
	size_t size, lens[5], off = 0;

	switch (unit_rng() % 4) {
	case 0:
		size = unit_rng() % 64;
		break;
	case 1:
		/* around the exact sizes */
		size = exact[unit_rng() % 3] + (size_t)(unit_rng() % 5) - 2;
		break;
	default:
		size = EV_EXEC_FIXED_SIZE + unit_rng() % 600;
		break;
	}
	assert_true(size <= max);
	for (size_t i = 0; i < size; i++)
		buf[i] = (unsigned char)unit_rng();
	if (size < sizeof(struct ev_header) || unit_rng() % 4 == 0)
		return size;	/* pure noise */
	ev->hdr.abi = unit_rng() % 16 ? EV_ABI_VERSION : (uint16_t)unit_rng();
	ev->hdr.type = (uint16_t)(unit_rng() % 16 ? 1 + unit_rng() % 3 : unit_rng());
	ev->hdr.size = unit_rng() % 16 ? (uint32_t)size : unit_rng();
	if (ev->hdr.type != EV_EXEC || size < EV_EXEC_FIXED_SIZE || unit_rng() % 3 == 0)
		return size;
	/* plausible lengths with terminators where they say, then maybe one corruption */
	for (int i = 0; i < 5; i++)
		lens[i] = unit_rng() % 3 == 0 ? 0 : unit_rng() % 120;
	for (int i = 0; i < 5; i++) {
		if (off + lens[i] > size - EV_EXEC_FIXED_SIZE)
			lens[i] = 0;
		if (lens[i])
			ev->data[off + lens[i] - 1] = '\0';
		off += lens[i];
	}
	ev->filename_len = (uint16_t)lens[0];
	ev->interp_len = (uint16_t)lens[1];
	ev->exe_len = (uint16_t)lens[2];
	ev->mnt_root_len = (uint16_t)lens[3];
	ev->cwd_len = (uint16_t)lens[4];
	ev->exe_mnt_off = unit_rng() % 8 ? (uint16_t)(lens[2] ? unit_rng() % lens[2] : 0)
					 : (uint16_t)unit_rng();
	ev->args_len = (uint32_t)(size - EV_EXEC_FIXED_SIZE - off);
	if (unit_rng() % 4 == 0)
		ev->args_len += unit_rng() % 3;
	if (unit_rng() % 4 == 0)
		ev->filename_len = (uint16_t)(ev->filename_len + unit_rng() % 3);
	return size;
}

static void test_random_buffers_stay_inside(void **state)
{
	unsigned char *scratch = malloc(EV_EXEC_FIXED_SIZE + 600);
	unsigned int ok_exec = 0, ok_other = 0;

	(void)state;
	assert_non_null(scratch);
	unit_rng_seed(0xE3BA260);
	for (int round = 0; round < 5000; round++) {
		size_t size = random_record(scratch, EV_EXEC_FIXED_SIZE + 600);
		char *buf = unit_dup_exact(scratch, size);
		const struct ev_fork *f = NULL;
		const struct ev_exit *e = NULL;
		int type = decode__type(buf, size);
		struct exec_view v;

		assert_true(type == EV_EXEC || type == EV_FORK || type == EV_EXIT ||
			    type == -EBADMSG || type == -EPROTO || type == -ENOTSUP);
		if (!decode__exec(buf, size, &v)) {
			ok_exec++;
			assert_int_equal(type, EV_EXEC);
			assert_ptr_equal(v.ev, buf);
			assert_true(size >= EV_EXEC_FIXED_SIZE);
			assert_string_inside(v.filename, buf, size);
			assert_string_inside(v.interp, buf, size);
			assert_string_inside(v.exe, buf, size);
			assert_string_inside(v.exe_in_mount, buf, size);
			assert_true(!v.exe_in_mount || (v.exe_in_mount >= v.exe &&
							v.exe_in_mount < v.exe + v.ev->exe_len));
			assert_string_inside(v.mnt_root, buf, size);
			assert_string_inside(v.cwd, buf, size);
			assert_int_equal(v.args_len, v.ev->args_len);
			assert_true(v.args_len <= EV_ARGS_MAX);
			if (v.args) {
				assert_true(v.args >= buf + EV_EXEC_FIXED_SIZE);
				assert_true(v.args + v.args_len <= buf + size);
				decode__args_count(v.args, v.args_len);
			}
		}
		if (!decode__fork(buf, size, &f)) {
			ok_other++;
			assert_int_equal(type, EV_FORK);
			assert_ptr_equal(f, buf);
			assert_int_equal(size, sizeof(*f));
		}
		if (!decode__exit(buf, size, &e)) {
			ok_other++;
			assert_int_equal(type, EV_EXIT);
			assert_ptr_equal(e, buf);
			assert_int_equal(size, sizeof(*e));
		}
		free(buf);
	}
	/* the shaping must reach the success paths, or the bounds checks above are idle */
	assert_true(ok_exec >= 200);
	assert_true(ok_other >= 20);
	free(scratch);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_good_record_decodes),
		cmocka_unit_test(test_exec_path_within_its_filesystem),
		cmocka_unit_test(test_exec_absent_interp_is_null),
		cmocka_unit_test(test_exec_absent_strings_and_args_are_null),
		cmocka_unit_test(test_type_wrong_abi_is_eproto),
		cmocka_unit_test(test_type_size_mismatch_is_ebadmsg),
		cmocka_unit_test(test_type_shorter_than_header_is_ebadmsg),
		cmocka_unit_test(test_type_unknown_is_enotsup),
		cmocka_unit_test(test_exec_failure_leaves_no_record),
		cmocka_unit_test(test_exec_string_past_end_rejected),
		cmocka_unit_test(test_exec_string_not_terminated_rejected),
		cmocka_unit_test(test_exec_args_past_end_rejected),
		cmocka_unit_test(test_exec_args_over_max_rejected),
		cmocka_unit_test(test_exec_maximal_record_decodes),
		cmocka_unit_test(test_fork_good_record_decodes),
		cmocka_unit_test(test_fork_wrong_size_rejected),
		cmocka_unit_test(test_exit_good_record_decodes),
		cmocka_unit_test(test_exit_wrong_size_rejected),
		cmocka_unit_test(test_args_count_terminated),
		cmocka_unit_test(test_args_count_cut_last_counts),
		cmocka_unit_test(test_args_count_empty),
		cmocka_unit_test(test_args_count_empty_strings),
		cmocka_unit_test(test_args_count_thousand),
		cmocka_unit_test(test_random_buffers_stay_inside),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

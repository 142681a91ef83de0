/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Files created, renamed or linked into place or deleted, from the syscall tracepoints of
 * just those calls (no kprobes): package-manager sessions under the watched prefixes, and
 * any process writing a file named like an installer (the "future downloads" of a ban). The
 * classic raw sys_enter tracepoint would need no tracefs but runs on every syscall of the
 * machine (measured: +140 ns each); these run only on the calls that create or remove
 * files. The routes those tracepoints miss (32-bit syscalls, io_uring) are in
 * bpf/fileroute.bpf.h.
 */
#ifndef EMBARGO_FILE_BPF_H
#define EMBARGO_FILE_BPF_H

#include "maps.bpf.h"
#include "path.bpf.h"
#include "record.bpf.h"
#include "task.bpf.h"

#define O_CREAT_FLAG 0100
#define AT_FDCWD_VAL -100

static __always_inline char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* path (len bytes, NUL excluded) against one list entry: a suffix or a prefix */
static __always_inline bool list_match(const char *path, __u32 len, void *map, bool suffix)
{
	for (__u32 i = 0; i < EV_MATCH_MAX; i++) {
		__u32 key = i;
		struct ev_match *m = bpf_map_lookup_elem(map, &key);
		bool same = true;

		if (!m || !m->len || m->len > EV_MATCH_LEN)
			return false;
		if (m->len > len)
			continue;
		for (__u32 j = 0; j < EV_MATCH_LEN && j < m->len; j++) {
			__u32 at = suffix ? len - m->len + j : j;
			char c = path[at & (EV_PATH_MAX - 1)];

			if ((suffix ? lower(c) : c) != m->s[j]) {
				same = false;
				break;
			}
		}
		if (same)
			return true;
	}
	return false;
}

/* The directory a relative name is under, now: the cwd, or the open directory dfd. */
static __always_inline void resolve_dir(struct ev_file_op *e, struct task_struct *task,
					enum path_loop loop)
{
	struct path_scratch *s;
	struct path_result res;
	const struct path *dir = NULL;
	__u32 zero = 0, start;

	e->dir[0] = '\0';
	if (e->dfd == AT_FDCWD_VAL) {
		dir = &BPF_CORE_READ(task, fs)->pwd;
	} else if (e->dfd >= 0) {
		struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
		struct file **fds = BPF_CORE_READ(fdt, fd);
		struct file *f = NULL;

		if ((__u32)e->dfd < BPF_CORE_READ(fdt, max_fds))
			bpf_probe_read_kernel(&f, sizeof(f), &fds[e->dfd]);
		if (f)
			dir = &f->f_path;
	}
	s = bpf_map_lookup_elem(&emb_path_buf, &zero);
	if (!dir || !s || !path_resolve(s, dir, &res, loop) || res.truncated)
		return;
	start = res.start & (EV_PATH_MAX - 1);
	bpf_probe_read_kernel(e->dir, EV_PATH_MAX - start, &s->buf[start]);
}

/*
 * The name is read and judged in the path scratch space first, and a record reserved only
 * for a file worth reporting: most creates are of neither kind, and a failed reserve must
 * count a record that was lost, not one that would have been thrown away. The record is
 * made from that same copy, so what was judged is what is sent. resolve_dir() reuses the
 * scratch space afterwards. route (EV_FILE_COMPAT, EV_FILE_IO_URING or 0) says how the
 * call came; an io_uring request's name is the kernel's copy, every other one the caller's.
 */
static __always_inline void file_emit(__u32 op, __s32 dfd, const char *name, __u32 route,
				      enum path_loop loop)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32, zero = 0, flags = 0;
	bool pkg = bpf_map_lookup_elem(&emb_pkg_procs, &tgid) != NULL;
	struct task_struct *task;
	struct path_scratch *s;
	struct ev_file_op *e;
	long n;

	if (op == FILE_OP_UNLINK && !pkg)
		return;
	s = bpf_map_lookup_elem(&emb_path_buf, &zero);
	if (!s)
		return;
	if (route == EV_FILE_IO_URING)
		n = bpf_probe_read_kernel_str(s->buf, EV_PATH_MAX, name);
	else
		n = bpf_probe_read_user_str(s->buf, EV_PATH_MAX, name);
	if (n <= 1)
		return;
	if (pkg && (s->buf[0] != '/' || list_match(s->buf, n - 1, &emb_pkg_prefix, false)))
		flags |= EV_FILE_PKG;
	if (op != FILE_OP_UNLINK && list_match(s->buf, n - 1, &emb_dl_suffix, true))
		flags |= EV_FILE_DOWNLOAD;
	if (!flags)
		return;
	/* every byte up to path's and dir's NULs is written below: no need to zero 8 KiB */
	e = record_reserve(EV_FILE, sizeof(*e), false);
	if (!e)
		return;
	n = clamp_max(n, EV_PATH_MAX);
	bpf_probe_read_kernel(e->path, n, s->buf);
	e->op = op;
	e->flags = flags | route;
	e->dfd = dfd;
	e->path_len = n;
	task = (struct task_struct *)bpf_get_current_task();
	task_fill(&e->task, task);
	if (e->path[0] != '/')
		resolve_dir(e, task, loop);
	else
		e->dir[0] = '\0';
	stat_inc(STAT_FILE);
	bpf_ringbuf_submit(e, rb_flags());
}

#endif /* EMBARGO_FILE_BPF_H */

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Build and send one exec record. Everything a rule may need is captured here, in the
 * kernel, because a short-lived process is gone before user space looks at /proc.
 */
#ifndef EMBARGO_EXEC_BPF_H
#define EMBARGO_EXEC_BPF_H

#include "maps.bpf.h"
#include "path.bpf.h"
#include "pkg.bpf.h"
#include "record.bpf.h"
#include "task.bpf.h"

/* Copy a kernel string to data[off..]; returns its length including the NUL, 0 if absent. */
static __always_inline __u32 put_kernel_str(struct ev_exec *e, __u32 off, const char *src,
					    __u32 flag_trunc)
{
	long n;

	if (!src)
		return 0;
	off = clamp_max(off, 3 * EV_PATH_MAX);
	n = bpf_probe_read_kernel_str(&e->data[off], EV_PATH_MAX, src);
	if (n <= 0)
		return 0;
	if (n == EV_PATH_MAX)
		e->flags |= flag_trunc;	/* may be exactly full; better said than missed */
	return n;
}

/* Copy a walked path from the scratch buffer to data[off..]; returns its length with the NUL. */
static __always_inline __u32 put_walked(struct ev_exec *e, __u32 off, struct path_scratch *s,
					const struct path_result *res)
{
	/* the string always ends at EV_PATH_MAX: deriving len from start keeps it bounded */
	__u32 start = res->start & (EV_PATH_MAX - 1), len = EV_PATH_MAX - start;

	off = clamp_max(off, 4 * EV_PATH_MAX);
	if (bpf_probe_read_kernel(&e->data[off], len, &s->buf[start]))
		return 0;
	return len;
}

/* Resolve a struct path and copy it to data[off..]; returns its length including the NUL. */
static __always_inline __u32 put_path(struct ev_exec *e, __u32 off, struct path_scratch *s,
				      const struct path *path, __u32 flag_trunc,
				      enum path_loop loop)
{
	struct path_result res;
	__u32 len;

	if (!path_resolve(s, path, &res, loop))
		return 0;
	if (res.truncated) {
		e->flags |= flag_trunc;
		stat_inc(STAT_PATH_TRUNC);
	}
	len = put_walked(e, off, s, &res);
	if (flag_trunc == EV_EXEC_EXE_TRUNC) {
		if (res.unlinked)
			e->flags |= EV_EXEC_EXE_UNLINKED;
		if (len && res.mnt_start > res.start)
			e->exe_mnt_off = (res.mnt_start - res.start) & (EV_PATH_MAX - 1);
	}
	return len;
}

/*
 * The exe's mount root within its filesystem, when it is a bind mount of a directory.
 * Walked with bpf_loop() only: a third walk step by step puts the exec programs past what
 * the verifiers of 5.10 (the loop's layout) and 6.x (1M instructions) take. Without it a
 * bind mount is said cut, and the path within the mount is not taken for the file's.
 */
static __always_inline __u32 put_mnt_root(struct ev_exec *e, __u32 off, struct path_scratch *s,
					  struct file *file, enum path_loop loop)
{
	struct vfsmount *mnt = BPF_CORE_READ(file, f_path.mnt);
	struct dentry *root = BPF_CORE_READ(mnt, mnt_root);
	struct path_result res;

	if (loop == PATH_BOUNDED) {
		if (root && root != BPF_CORE_READ(root, d_parent))
			e->flags |= EV_EXEC_MNT_ROOT_TRUNC;
		return 0;
	}
	if (!path_of_mount_root(s, mnt, &res, loop))
		return 0;
	if (res.truncated) {
		e->flags |= EV_EXEC_MNT_ROOT_TRUNC;
		stat_inc(STAT_PATH_TRUNC);
		return 0;
	}
	return put_walked(e, off, s, &res);
}

/* argv as it sits in the new mm, up to EV_ARGS_MAX bytes. */
static __always_inline __u32 put_args(struct ev_exec *e, __u32 off, struct task_struct *task)
{
	unsigned long start = BPF_CORE_READ(task, mm, arg_start);
	unsigned long end = BPF_CORE_READ(task, mm, arg_end);
	__u64 len = end - start;

	if (end <= start)
		return 0;
	if (len > EV_ARGS_MAX) {
		len = EV_ARGS_MAX;
		e->flags |= EV_EXEC_ARGS_TRUNC;
	}
	len = clamp_max(len, EV_ARGS_MAX);
	off = clamp_max(off, 5 * EV_PATH_MAX);
	if (bpf_probe_read_user(&e->data[off], len, (void *)start)) {
		e->flags |= EV_EXEC_ARGS_FAULT;
		stat_inc(STAT_ARGS_FAULT);
		return 0;
	}
	return len;
}

/*
 * The lookup keys of an exec: its file's name (as is, and lowercase), its resolved path
 * (the first EV_HOT_PATH_LEN bytes) and its identity. NULL when they cannot be had.
 */
static __always_inline struct hot_scratch *exec_keys(struct ev_exec *e, __u32 exe_off,
						     struct file *file)
{
	__u32 zero = 0;
	struct hot_scratch *k = bpf_map_lookup_elem(&emb_hot_buf, &zero);
	const unsigned char *name;

	if (!k)
		return NULL;
	__builtin_memset(&k->name, 0, sizeof(k->name));
	name = BPF_CORE_READ(file, f_path.dentry, d_name.name);
	if (bpf_probe_read_kernel_str(k->name.name, sizeof(k->name.name) - 1, name) <= 0)
		__builtin_memset(&k->name, 0, sizeof(k->name));
	for (int i = 0; i < EV_HOT_NAME_LEN; i++) {
		char c = k->name.name[i];

		k->lower.name[i] = c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
	}
	/* bytes past the path's NUL are the next string: every key ends at its own NUL */
	exe_off = clamp_max(exe_off, 3 * EV_PATH_MAX);
	if (bpf_probe_read_kernel(k->path.path, sizeof(k->path.path), &e->data[exe_off]))
		return NULL;
	k->path.prefixlen = sizeof(k->path.path) * 8;
	k->file.dev = e->file.dev;
	k->file.ino = e->file.ino;
	return k;
}

/*
 * Whether a rule names this executable (the hot list): by its file name, lowercase, or by
 * its resolved path, exactly or by prefix. Only a hint to wake user space now: the rules
 * decide there, so keys may be cut to the maps' sizes.
 */
static __always_inline bool exec_is_hot(struct hot_scratch *k)
{
	return (k->lower.name[0] && bpf_map_lookup_elem(&emb_hot_names, &k->lower)) ||
	       bpf_map_lookup_elem(&emb_hot_paths, &k->path);
}

/*
 * Whether a block rule decides this exec by itself (exact keys only: never more). A file
 * listed by identity whose ctime moved is still banned (touch and ln move it too); user
 * space re-checks its content and takes it off if it changed.
 */
static __always_inline bool exec_is_banned(struct ev_exec *e, struct hot_scratch *k)
{
	struct ev_block_file *listed =
		e->file.ino ? bpf_map_lookup_elem(&emb_block_files, &k->file) : NULL;

	if (listed) {
		if (listed->ctime_sec != e->file.ctime_sec || listed->ctime_nsec != e->file.ctime_nsec)
			e->flags |= EV_EXEC_BLOCK_STALE;
		return true;
	}
	if (k->name.name[0] && bpf_map_lookup_elem(&emb_block_names, &k->name))
		return true;
	/* a cut path is not the path: no verdict from it */
	return !(e->flags & EV_EXEC_EXE_TRUNC) && bpf_map_lookup_elem(&emb_block_paths, &k->path);
}

/*
 * A banned program dies here, before it returns to user space from execve: SIGKILL to the
 * current task, which is the new program. Never PID 1, never embargo itself, never a
 * protected file (a rule that names bash must not take the desktop down), never a root
 * package manager's maintainer scripts (a banned package must stay removable).
 */
static __always_inline void exec_enforce(struct ev_exec *e, struct hot_scratch *k)
{
	if (!exec_is_banned(e, k))
		return;
	e->flags |= EV_EXEC_BLOCK_LISTED;
	if (e->file.ino && bpf_map_lookup_elem(&emb_protected, &k->file)) {
		e->flags |= EV_EXEC_PROTECTED;
		return;
	}
	if (!enforce || e->task.tgid == 1 || e->task.tgid == self_tgid ||
	    (e->flags & EV_EXEC_PKG_SCRIPT))
		return;
	if (!bpf_send_signal(9 /* SIGKILL */)) {
		e->flags |= EV_EXEC_KILLED;
		stat_inc(STAT_KILLED);
	}
}

/*
 * Wake user space now for a hot exec, for a program with no name left on disk (deleted,
 * memfd: once it exits, nothing is left to hash), and for every exec while user space
 * must judge execs to kill them (urgent_execs).
 */
static __always_inline bool exec_is_urgent(const struct ev_exec *e)
{
	return (e->flags & (EV_EXEC_HOT | EV_EXEC_EXE_UNLINKED | EV_EXEC_BLOCK_LISTED)) ||
	       !e->file.nlink || *(volatile __u32 *)&urgent_execs;
}

/*
 * bprm is NULL when attached as a classic tracepoint: then the filename comes from the
 * tracepoint record and the mapped file from mm->exe_file.
 */
static __always_inline int exec_emit(struct task_struct *task, struct linux_binprm *bprm,
				     const char *tp_filename, __u32 old_pid, enum path_loop loop)
{
	__u32 zero = 0, off = 0, size, len;
	struct hot_scratch *k;
	struct path_scratch *s = bpf_map_lookup_elem(&emb_path_buf, &zero);
	struct ev_exec *e = exec_scratch();
	const char *filename = tp_filename, *interp = NULL;
	struct file *file;
	struct fs_struct *fs;

	if (!e || !s)
		return 0;
	stat_inc(STAT_EXEC);
	record_header(&e->hdr, EV_EXEC, EV_EXEC_FIXED_SIZE);
	e->flags = 0;
	e->argc = 0;
	e->old_pid = old_pid;
	e->exe_mnt_off = 0;
	e->mnt_root_len = 0;
	e->pad = 0;
	task_fill(&e->task, task);
	if (bprm) {
		file = BPF_CORE_READ(bprm, file);
		filename = BPF_CORE_READ(bprm, filename);
		interp = BPF_CORE_READ(bprm, interp);
		e->argc = BPF_CORE_READ(bprm, argc);
	} else {
		file = BPF_CORE_READ(task, mm, exe_file);
	}
	/* before file_fill: the other order takes the bounded walks past 1M instructions on 6.18 */
	e->flags |= pkg_on_exec(e->task.tgid, e->task.euid, e->task.comm, file);
	file_fill(&e->file, file);

	e->filename_len = put_kernel_str(e, off, filename, EV_EXEC_FILENAME_TRUNC);
	off += e->filename_len;
	if (interp == filename) {
		e->flags |= EV_EXEC_INTERP_SAME;
		interp = NULL;
	}
	e->interp_len = put_kernel_str(e, off, interp, EV_EXEC_FILENAME_TRUNC);
	off += e->interp_len;
	len = file ? put_path(e, off, s, &file->f_path, EV_EXEC_EXE_TRUNC, loop) : 0;
	e->exe_len = len;
	k = len ? exec_keys(e, off, file) : NULL;
	if (k && exec_is_hot(k)) {
		e->flags |= EV_EXEC_HOT;
		stat_inc(STAT_HOT);
	}
	if (k)
		exec_enforce(e, k);
	off += len;	/* the register, still bounded: e->exe_len read back would not be */
	len = file && len ? put_mnt_root(e, off, s, file, loop) : 0;
	e->mnt_root_len = len;
	off += len;
	fs = BPF_CORE_READ(task, fs);
	e->cwd_len = fs ? put_path(e, off, s, &fs->pwd, EV_EXEC_CWD_TRUNC, loop) : 0;
	off += e->cwd_len;
	e->args_len = put_args(e, off, task);
	off += e->args_len;

	size = EV_EXEC_FIXED_SIZE + off;
	size = clamp_max(size, sizeof(*e));
	e->hdr.size = size;
	if (bpf_ringbuf_output(&emb_events, e, size, rb_flags_urgent(exec_is_urgent(e))))
		stat_inc(STAT_RB_DROP);
	return 0;
}

#endif /* EMBARGO_EXEC_BPF_H */

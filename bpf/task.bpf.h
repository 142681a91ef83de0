/* SPDX-License-Identifier: GPL-2.0-only */
/* Read who a task is, and what file it maps, into the contract structs. */
#ifndef EMBARGO_TASK_BPF_H
#define EMBARGO_TASK_BPF_H

#include "maps.bpf.h"

/* The kernel's new_encode_dev(): the encoding stat(2) reports as st_dev. */
static __always_inline __u64 encode_dev(__u32 dev)
{
	__u32 major = dev >> 20, minor = dev & ((1U << 20) - 1);

	return (minor & 0xff) | (major << 8) | ((__u64)(minor & ~0xffU) << 12);
}

static __always_inline void task_tty(struct ev_task *t, struct task_struct *task)
{
	struct tty_struct *tty = BPF_CORE_READ(task, signal, tty);

	t->tty_major = 0;
	t->tty_minor = 0;
	if (!tty)
		return;
	t->tty_major = BPF_CORE_READ(tty, driver, major);
	t->tty_minor = BPF_CORE_READ(tty, driver, minor_start) + BPF_CORE_READ(tty, index);
}

static __always_inline void task_fill(struct ev_task *t, struct task_struct *task)
{
	const struct cred *cred = BPF_CORE_READ(task, real_cred);

	t->tgid = BPF_CORE_READ(task, tgid);
	t->pid = BPF_CORE_READ(task, pid);
	t->ppid = BPF_CORE_READ(task, real_parent, tgid);
	t->uid = BPF_CORE_READ(cred, uid.val);
	t->euid = BPF_CORE_READ(cred, euid.val);
	t->gid = BPF_CORE_READ(cred, gid.val);
	t->egid = BPF_CORE_READ(cred, egid.val);
	t->loginuid = (__u32)-1;
	t->sessionid = (__u32)-1;
	if (bpf_core_field_exists(task->loginuid)) {
		t->loginuid = BPF_CORE_READ(task, loginuid.val);
		t->sessionid = BPF_CORE_READ(task, sessionid);
	}
	t->mntns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
	t->cgroup_id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	/* the leader's: a thread that execs takes over the leader's start time */
	t->start_boot_ns = BPF_CORE_READ(task, group_leader, start_boottime);
	task_tty(t, task);
	bpf_probe_read_kernel_str(t->comm, sizeof(t->comm), &task->comm);
}

/*
 * Inode timestamps have had four layouts: struct timespec64 i_mtime/i_ctime (up to 6.5),
 * __i_ctime (6.6), __i_mtime too (6.7 to 6.10), split i_*_sec/i_*_nsec fields (6.11+).
 * Each read is guarded by the field it reads: an unguarded read of a field this kernel
 * lacks makes the verifier refuse the whole program. Every layout is a flavor of its own,
 * so this builds against any kernel's vmlinux.h, whichever layout that kernel has.
 */
struct inode___split {
	time64_t i_mtime_sec;
	u32 i_mtime_nsec;
	time64_t i_ctime_sec;
	u32 i_ctime_nsec;
} __attribute__((preserve_access_index));

struct inode___timespec64 {
	struct timespec64 i_mtime;
	struct timespec64 __i_mtime;
	struct timespec64 i_ctime;
	struct timespec64 __i_ctime;
} __attribute__((preserve_access_index));

static __always_inline void inode_times(struct inode *inode, struct ev_file *f)
{
	struct inode___timespec64 *ts = (void *)inode;
	struct inode___split *split = (void *)inode;

	if (bpf_core_field_exists(split->i_mtime_sec)) {
		f->mtime_sec = BPF_CORE_READ(split, i_mtime_sec);
		f->mtime_nsec = BPF_CORE_READ(split, i_mtime_nsec);
	} else if (bpf_core_field_exists(ts->__i_mtime)) {
		f->mtime_sec = BPF_CORE_READ(ts, __i_mtime.tv_sec);
		f->mtime_nsec = BPF_CORE_READ(ts, __i_mtime.tv_nsec);
	} else {
		f->mtime_sec = BPF_CORE_READ(ts, i_mtime.tv_sec);
		f->mtime_nsec = BPF_CORE_READ(ts, i_mtime.tv_nsec);
	}
	if (bpf_core_field_exists(split->i_ctime_sec)) {
		f->ctime_sec = BPF_CORE_READ(split, i_ctime_sec);
		/* 6.13+ keeps a "ctime queried" flag in the top bit (multigrain timestamps) */
		f->ctime_nsec = BPF_CORE_READ(split, i_ctime_nsec) & ~(1U << 31);
	} else if (bpf_core_field_exists(ts->__i_ctime)) {
		f->ctime_sec = BPF_CORE_READ(ts, __i_ctime.tv_sec);
		f->ctime_nsec = BPF_CORE_READ(ts, __i_ctime.tv_nsec);
	} else {
		f->ctime_sec = BPF_CORE_READ(ts, i_ctime.tv_sec);
		f->ctime_nsec = BPF_CORE_READ(ts, i_ctime.tv_nsec);
	}
}

static __always_inline void file_fill(struct ev_file *f, struct file *file)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);

	__builtin_memset(f, 0, sizeof(*f));
	if (!inode)
		return;
	f->dev = encode_dev(BPF_CORE_READ(inode, i_sb, s_dev));
	f->ino = BPF_CORE_READ(inode, i_ino);
	f->size = BPF_CORE_READ(inode, i_size);
	f->nlink = BPF_CORE_READ(inode, __i_nlink);
	f->mode = BPF_CORE_READ(inode, i_mode);
	inode_times(inode, f);
}

#endif /* EMBARGO_TASK_BPF_H */

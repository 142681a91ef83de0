/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Resolve a struct path to an absolute path string in the kernel, the way d_path() does,
 * because a short-lived process is gone before user space can readlink /proc/PID/exe.
 * bpf_d_path() is not allowed on tracepoints, so the dentries are walked by hand.
 */
#ifndef EMBARGO_PATH_BPF_H
#define EMBARGO_PATH_BPF_H

#include "maps.bpf.h"

#define PATH_MAX_DEPTH 48	/* components walked; deeper paths are marked truncated */
#define NAME_MASK 255		/* NAME_MAX: a dentry name never exceeds it */

struct path_result {
	__u32 start;		/* the string runs from buf[start] to buf[EV_PATH_MAX - 1] (NUL) */
	bool truncated;
	bool unlinked;
};

struct mount___embargo {
	struct mount___embargo *mnt_parent;
	struct dentry *mnt_mountpoint;
	struct vfsmount mnt;
} __attribute__((preserve_access_index));

static __always_inline struct mount___embargo *real_mount(struct vfsmount *vfsmnt)
{
	return container_of(vfsmnt, struct mount___embargo, mnt);
}

/* State of one dentry walk, shared with the bpf_loop() callback. */
struct path_walk {
	char *buf;
	struct dentry *dentry;
	struct vfsmount *vfsmnt;
	__u32 pos;		/* the string starts at buf[pos] */
	bool done;		/* reached the root */
	bool truncated;		/* ran out of room */
};

/*
 * Prepend one dentry name before buf[pos]. buf has EV_PATH_MAX bytes of slack after the
 * masked index, so the verifier sees every write in bounds.
 */
static __always_inline bool path_prepend(struct path_walk *w, struct dentry *dentry)
{
	struct qstr name = BPF_CORE_READ(dentry, d_name);
	__u32 len = name.len & NAME_MASK, pos = w->pos & (EV_PATH_MAX - 1);

	if (len + 1 > pos)
		return false;
	pos -= len + 1;
	bpf_probe_read_kernel(&w->buf[(pos + 1) & (EV_PATH_MAX - 1)], len, name.name);
	w->buf[pos & (EV_PATH_MAX - 1)] = '/';
	w->pos = pos;
	return true;
}

/* One step up the tree; a bpf_loop() callback so the verifier checks the body once. */
static long path_step(__u32 index, void *ctx)
{
	struct path_walk *w = ctx;
	struct dentry *dentry = w->dentry;
	struct vfsmount *vfsmnt = w->vfsmnt;
	struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
	struct dentry *mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);

	if (dentry == mnt_root || dentry == parent) {
		struct mount___embargo *mnt = real_mount(vfsmnt);
		struct mount___embargo *mnt_parent = BPF_CORE_READ(mnt, mnt_parent);

		if (dentry != mnt_root) {
			/* a pseudo file (memfd) or a detached tree: its own name is all it has */
			w->truncated = !path_prepend(w, dentry);
			w->done = true;
			return 1;
		}
		if (mnt_parent == mnt) {
			w->done = true;	/* the namespace root */
			return 1;
		}
		w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->vfsmnt = &mnt_parent->mnt;
		return 0;
	}
	if (!path_prepend(w, dentry)) {
		w->truncated = true;
		return 1;
	}
	w->dentry = parent;
	return 0;
}

/*
 * Walk from dentry up to the root of its mount namespace, crossing mount points, as
 * d_path() does but ignoring a chroot. A sandboxed app (flatpak) shows the path it sees
 * (/app/...): user space identifies those by cgroup scope and content, not by this path.
 */
static __always_inline bool path_resolve(struct path_scratch *s, const struct path *path,
					 struct path_result *res)
{
	struct dentry *dentry = BPF_CORE_READ(path, dentry);
	struct path_walk w = {
		.buf = s->buf,
		.dentry = dentry,
		.vfsmnt = BPF_CORE_READ(path, mnt),
		.pos = EV_PATH_MAX - 1,
	};

	if (!w.dentry || !w.vfsmnt)
		return false;
	/* d_unhashed(): the name was unlinked after the file was opened (or memfd) */
	res->unlinked = !BPF_CORE_READ(dentry, d_hash.pprev);
	s->buf[EV_PATH_MAX - 1] = '\0';
	bpf_loop(PATH_MAX_DEPTH, path_step, &w, 0);
	res->truncated = w.truncated || !w.done;
	if (w.pos == EV_PATH_MAX - 1)
		s->buf[--w.pos] = '/';
	res->start = w.pos;
	return true;
}

#endif /* EMBARGO_PATH_BPF_H */

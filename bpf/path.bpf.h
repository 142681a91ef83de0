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
	__u32 mnt_start;	/* buf[mnt_start..]: the path within the file's own mount */
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

/*
 * Prepend one dentry name before buf[pos]. buf has EV_PATH_MAX bytes of slack after the
 * masked index, so the verifier sees every write in bounds.
 */
static __always_inline bool path_prepend(struct path_scratch *s, struct dentry *dentry)
{
	struct qstr name = BPF_CORE_READ(dentry, d_name);
	__u32 len = name.len & NAME_MASK, pos = s->w.pos & (EV_PATH_MAX - 1);

	if (len + 1 > pos)
		return false;
	pos -= len + 1;
	bpf_probe_read_kernel(&s->buf[(pos + 1) & (EV_PATH_MAX - 1)], len, name.name);
	s->buf[pos & (EV_PATH_MAX - 1)] = '/';
	s->w.pos = pos;
	return true;
}

/* One step up the tree; returns 1 when the walk is over. */
static __always_inline long path_step(struct path_scratch *s)
{
	struct path_walk *w = &s->w;
	struct dentry *dentry = w->dentry;
	struct vfsmount *vfsmnt = w->vfsmnt;
	struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
	struct dentry *mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);

	if (w->in_fs && dentry == parent) {
		w->done = true;	/* the filesystem's root */
		return 1;
	}
	if (!w->in_fs && (dentry == mnt_root || dentry == parent)) {
		struct mount___embargo *mnt = real_mount(vfsmnt);
		struct mount___embargo *mnt_parent = BPF_CORE_READ(mnt, mnt_parent);

		if (dentry != mnt_root) {
			/* a pseudo file (memfd) or a detached tree: its own name is all it has */
			w->truncated = !path_prepend(s, dentry);
			w->done = true;
			return 1;
		}
		if (!w->at_mnt_root) {
			w->at_mnt_root = true;
			w->mnt_pos = w->pos;
		}
		if (mnt_parent == mnt) {
			w->done = true;	/* the namespace root */
			return 1;
		}
		w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->vfsmnt = &mnt_parent->mnt;
		return 0;
	}
	if (!path_prepend(s, dentry)) {
		w->truncated = true;
		return 1;
	}
	w->dentry = parent;
	return 0;
}

/*
 * The bpf_loop() callback: the verifier checks the step once, not once per iteration.
 * Its context must be on the stack: it only carries the scratch map's pointer.
 */
struct path_loop_ctx {
	struct path_scratch *s;
};

static long path_step_cb(__u32 index, void *ctx)
{
	return path_step(((struct path_loop_ctx *)ctx)->s);
}

/*
 * How a walk loops. bpf_loop() needs 5.17 (and callbacks the 5.10 verifier refuses even
 * in dead code), so each program that walks paths exists twice and user space loads the
 * bounded copy only where the kernel has no bpf_loop (user/sensor/sensor.c). The bounded loop
 * takes the same steps: the verifier walks each iteration, which costs load time only.
 */
enum path_loop {
	PATH_BPF_LOOP,
	PATH_BOUNDED,
};

static __always_inline void path_walk_run(struct path_scratch *s, enum path_loop loop)
{
	if (loop == PATH_BPF_LOOP) {
		struct path_loop_ctx ctx = { .s = s };

		bpf_loop(PATH_MAX_DEPTH, path_step_cb, &ctx, 0);
		return;
	}
	/*
	 * Unrolled, never a loop: before 6.x the verifier takes a loop's way back only from a
	 * jump, and the compiler may close it with a plain fall-through into the loop's head
	 * ("back-edge from insn N to N+1").
	 */
#pragma unroll
	for (int i = 0; i < PATH_MAX_DEPTH; i++)
		if (path_step(s))
			break;
}

static __always_inline void path_walk_from(struct path_scratch *s, struct dentry *dentry,
					   struct vfsmount *vfsmnt, bool in_fs,
					   struct path_result *res, enum path_loop loop)
{
	__u32 pos;

	s->w = (struct path_walk){ .dentry = dentry, .vfsmnt = vfsmnt, .pos = EV_PATH_MAX - 1,
				   .in_fs = in_fs };
	s->buf[EV_PATH_MAX - 1] = '\0';
	path_walk_run(s, loop);
	res->truncated = s->w.truncated || !s->w.done;
	pos = s->w.pos & (EV_PATH_MAX - 1);
	if (pos == EV_PATH_MAX - 1)
		s->buf[--pos] = '/';
	res->start = pos;
	res->mnt_start = s->w.at_mnt_root ? s->w.mnt_pos & (EV_PATH_MAX - 1) : pos;
}

/*
 * Walk from dentry up to the root of its mount namespace, crossing mount points, as
 * d_path() does but ignoring a chroot. A sandboxed app (flatpak) shows the path it sees
 * (/app/...): user space identifies those by cgroup scope and content, not by this path.
 */
static __always_inline bool path_resolve(struct path_scratch *s, const struct path *path,
					 struct path_result *res, enum path_loop loop)
{
	struct dentry *dentry = BPF_CORE_READ(path, dentry);
	struct vfsmount *vfsmnt = BPF_CORE_READ(path, mnt);

	if (!dentry || !vfsmnt)
		return false;
	/* d_unhashed(): the name was unlinked after the file was opened (or memfd) */
	res->unlinked = !BPF_CORE_READ(dentry, d_hash.pprev);
	path_walk_from(s, dentry, vfsmnt, false, res, loop);
	return true;
}

/*
 * Where a mount's root sits in its own filesystem, when it is not the filesystem's root:
 * a bind mount of /opt/QQ shows /opt/QQ here wherever it is mounted, in whatever
 * namespace. False for a mount of a whole filesystem (nothing to walk).
 */
static __always_inline bool path_of_mount_root(struct path_scratch *s, struct vfsmount *vfsmnt,
					       struct path_result *res, enum path_loop loop)
{
	struct dentry *root = BPF_CORE_READ(vfsmnt, mnt_root);

	if (!root || root == BPF_CORE_READ(root, d_parent))
		return false;
	res->unlinked = false;
	path_walk_from(s, root, vfsmnt, true, res, loop);
	return true;
}

#endif /* EMBARGO_PATH_BPF_H */

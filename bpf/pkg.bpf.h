/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Package-manager sessions: a process whose command is a package manager begins one, its
 * children inherit it (maintainer scripts, dpkg under apt), and it ends when that first
 * process exits, which is when user space compares the installed inventory.
 */
#ifndef EMBARGO_PKG_BPF_H
#define EMBARGO_PKG_BPF_H

#include "maps.bpf.h"
#include "task.bpf.h"

/*
 * At exec: the EV_EXEC_PKG_* flags of a process, marking a new session's root, by its
 * command name or by its file (a package manager renamed or hard-linked). A session
 * begun as root by a manager that runs maintainer scripts marks its children
 * EV_EXEC_PKG_SCRIPT: removing a banned package runs its prerm, which may run its own
 * (banned) tool, and killing it would leave the package half-removed. Root only: a user
 * who names a program "dpkg" gets a session for the inventory, not a shelter.
 */
static __always_inline __u32 pkg_on_exec(__u32 tgid, __u32 euid, const char comm[EV_COMM_LEN],
					 struct file *file)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	struct ev_file_id id = {
		.dev = inode ? encode_dev(BPF_CORE_READ(inode, i_sb, s_dev)) : 0,
		.ino = inode ? BPF_CORE_READ(inode, i_ino) : 0,
	};
	struct pkg_session *in = bpf_map_lookup_elem(&emb_pkg_procs, &tgid);
	struct pkg_name name = {};
	struct pkg_session root = { .root_tgid = tgid };
	bool ended = false;
	__u8 *kind;

	if (in) {
		if (in->root_tgid == tgid)
			return EV_EXEC_PKG_ROOT;
		return EV_EXEC_PKG_CHILD | (in->scripts ? EV_EXEC_PKG_SCRIPT : 0);
	}
	/* the key is the name zero-padded: the scratch record holds old bytes past the NUL */
	for (int i = 0; i < EV_COMM_LEN; i++) {
		ended = ended || !comm[i];
		name.comm[i] = ended ? 0 : comm[i];
	}
	kind = bpf_map_lookup_elem(&emb_pkg_names, &name);
	if (!kind && id.ino)
		kind = bpf_map_lookup_elem(&emb_pkg_files, &id);
	if (!kind)
		return 0;
	root.scripts = *kind == PKG_NAME_SCRIPTS && euid == 0;
	bpf_map_update_elem(&emb_pkg_procs, &tgid, &root, BPF_ANY);
	return EV_EXEC_PKG_ROOT;
}

static __always_inline void pkg_on_fork(__u32 parent_tgid, __u32 child_tgid)
{
	struct pkg_session *in = bpf_map_lookup_elem(&emb_pkg_procs, &parent_tgid);

	if (in) {
		struct pkg_session copy = *in;

		bpf_map_update_elem(&emb_pkg_procs, &child_tgid, &copy, BPF_ANY);
	}
}

/* At exit: EV_EXIT_PKG_ROOT when the session ends with this process. */
static __always_inline __u32 pkg_on_exit(__u32 tgid)
{
	struct pkg_session *in = bpf_map_lookup_elem(&emb_pkg_procs, &tgid);
	__u32 flags;

	if (!in)
		return 0;
	flags = in->root_tgid == tgid ? EV_EXIT_PKG_ROOT : 0;
	bpf_map_delete_elem(&emb_pkg_procs, &tgid);
	return flags;
}

#endif /* EMBARGO_PKG_BPF_H */

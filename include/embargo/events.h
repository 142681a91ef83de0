/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one contract between bpf/ and user/: every record the sensors put in the ring buffer.
 *
 * Rules: fixed-width types only, explicit padding, every record starts with struct ev_header,
 * and the size of every struct that crosses (records, map keys and map values) and the offset
 * of each of its fields are pinned by a _Static_assert. Changing a layout bumps EV_ABI_VERSION
 * and changes the decoder (user/sensor/decode.c) in the same commit.
 */
#ifndef EMBARGO_EVENTS_H
#define EMBARGO_EVENTS_H

#ifdef __BPF__
/* vmlinux.h already defines the __u* types */
#else
#include <linux/types.h>
#endif

#define EV_ABI_VERSION 4

/*
 * Layout checks. This header is compiled twice, by clang for the BPF target and by gcc for
 * x86-64 user space, and each side then reads the other's bytes with nothing at run time to
 * say they disagree: a field added in the middle silently shifts every field after it, and
 * the other side reads the wrong bytes as the right ones; an implicit hole in a hash map key
 * is hashed too, so a key with stale bytes there is never found. So each struct that crosses
 * has its size and the offset of each field pinned to a number here, checked by both
 * compilers: a change that moves a field fails to build until the numbers are edited, and
 * the edit is the cue to bump EV_ABI_VERSION. Size and offsets together also prove there is
 * no implicit padding. (pedro pins its wire format the same way; tetragon compares the BPF
 * object's BTF with its Go mirror, which one shared header makes unnecessary here.)
 */
#define EV_CHECK_SIZE(type, size) \
	_Static_assert(sizeof(struct type) == (size), "size of struct " #type)
#define EV_CHECK_OFFSET(type, field, off) \
	_Static_assert(__builtin_offsetof(struct type, field) == (off), \
		       "offset of " #type "." #field)

#define EV_COMM_LEN 16
/* Bounds of the variable part of an exec record. Powers of two: the BPF side masks with them. */
#define EV_PATH_MAX 4096	/* bprm->filename, bprm->interp, resolved exe and cwd paths */
#define EV_ARGS_MAX 16384	/* argv bytes read from the new mm; longer argv sets EV_EXEC_ARGS_TRUNC */

enum ev_type {
	EV_EXEC = 1,
	EV_FORK = 2,
	EV_EXIT = 3,
	EV_FILE = 4,
};

/* Every record starts with this header; size is the whole record including the header. */
struct ev_header {
	__u16 type;		/* enum ev_type */
	__u16 abi;		/* EV_ABI_VERSION */
	__u32 size;
	__u64 ktime_ns;		/* bpf_ktime_get_boot_ns() when the record was made */
};
EV_CHECK_SIZE(ev_header, 16);
EV_CHECK_OFFSET(ev_header, type, 0);
EV_CHECK_OFFSET(ev_header, abi, 2);
EV_CHECK_OFFSET(ev_header, size, 4);
EV_CHECK_OFFSET(ev_header, ktime_ns, 8);

/* Who a task is: the fields every process record carries. */
struct ev_task {
	__u32 tgid;
	__u32 pid;		/* thread id */
	__u32 ppid;		/* tgid of the real parent */
	__u32 uid;
	__u32 euid;
	__u32 gid;
	__u32 egid;
	__u32 loginuid;		/* audit login uid: the human behind sudo; (u32)-1 when unset */
	__u32 sessionid;	/* audit session id; (u32)-1 when unset */
	__u32 mntns;		/* mount namespace inode */
	__u64 cgroup_id;	/* cgroup v2 id */
	__u64 start_boot_ns;	/* task->start_boottime: what /proc/PID/stat field 22 counts in ticks */
	__u32 tty_major;	/* controlling terminal; 0/0 when there is none */
	__u32 tty_minor;
	char comm[EV_COMM_LEN];
};
EV_CHECK_SIZE(ev_task, 80);
EV_CHECK_OFFSET(ev_task, tgid, 0);
EV_CHECK_OFFSET(ev_task, pid, 4);
EV_CHECK_OFFSET(ev_task, ppid, 8);
EV_CHECK_OFFSET(ev_task, uid, 12);
EV_CHECK_OFFSET(ev_task, euid, 16);
EV_CHECK_OFFSET(ev_task, gid, 20);
EV_CHECK_OFFSET(ev_task, egid, 24);
EV_CHECK_OFFSET(ev_task, loginuid, 28);
EV_CHECK_OFFSET(ev_task, sessionid, 32);
EV_CHECK_OFFSET(ev_task, mntns, 36);
EV_CHECK_OFFSET(ev_task, cgroup_id, 40);
EV_CHECK_OFFSET(ev_task, start_boot_ns, 48);
EV_CHECK_OFFSET(ev_task, tty_major, 56);
EV_CHECK_OFFSET(ev_task, tty_minor, 60);
EV_CHECK_OFFSET(ev_task, comm, 64);

/* Identity of the file the kernel actually mapped (bprm->file: the interpreter for scripts). */
struct ev_file {
	__u64 dev;		/* st_dev encoding: new_encode_dev(sb->s_dev) */
	__u64 ino;
	__u64 size;
	__s64 mtime_sec;
	__s64 ctime_sec;
	__u32 mtime_nsec;
	__u32 ctime_nsec;
	__u32 nlink;		/* 0: deleted or memfd */
	__u32 mode;
};
EV_CHECK_SIZE(ev_file, 56);
EV_CHECK_OFFSET(ev_file, dev, 0);
EV_CHECK_OFFSET(ev_file, ino, 8);
EV_CHECK_OFFSET(ev_file, size, 16);
EV_CHECK_OFFSET(ev_file, mtime_sec, 24);
EV_CHECK_OFFSET(ev_file, ctime_sec, 32);
EV_CHECK_OFFSET(ev_file, mtime_nsec, 40);
EV_CHECK_OFFSET(ev_file, ctime_nsec, 44);
EV_CHECK_OFFSET(ev_file, nlink, 48);
EV_CHECK_OFFSET(ev_file, mode, 52);

enum ev_exec_flags {
	EV_EXEC_ARGS_TRUNC	= 1 << 0,	/* argv longer than EV_ARGS_MAX */
	EV_EXEC_ARGS_FAULT	= 1 << 1,	/* argv could not be read */
	EV_EXEC_FILENAME_TRUNC	= 1 << 2,
	EV_EXEC_INTERP_SAME	= 1 << 3,	/* interp == filename: interp_len is 0 */
	EV_EXEC_EXE_TRUNC	= 1 << 4,	/* resolved path hit the depth/size bound */
	EV_EXEC_CWD_TRUNC	= 1 << 5,
	EV_EXEC_EXE_UNLINKED	= 1 << 6,	/* dentry unhashed: file deleted after open */
	EV_EXEC_PKG_ROOT	= 1 << 7,	/* a package manager started: a session begins */
	EV_EXEC_PKG_CHILD	= 1 << 8,	/* runs inside a package-manager session */
	EV_EXEC_HOT		= 1 << 9,	/* on the hot list: user space was woken at once */
	EV_EXEC_BLOCK_LISTED	= 1 << 10,	/* on the kernel's block list (emb_block_*) */
	EV_EXEC_KILLED		= 1 << 11,	/* SIGKILL from the probe, before its first instruction */
	EV_EXEC_PROTECTED	= 1 << 12,	/* block-listed, but a protected file: not killed */
	EV_EXEC_BLOCK_STALE	= 1 << 13,	/* listed by identity, but its ctime moved since */
	EV_EXEC_PKG_SCRIPT	= 1 << 14,	/* in a root package manager's session: its
						 * maintainer scripts' tree, never killed */
	EV_EXEC_MNT_ROOT_TRUNC	= 1 << 15,	/* mnt_root hit the depth/size bound: absent */
};

/*
 * An exec. The variable part data[] holds, in this order and each NUL-terminated where
 * it is a string: filename (as given to execve), interp, exe (the path the kernel resolved
 * from the mapped file's dentries), mnt_root (where the exe's mount has its root in its
 * own filesystem, when that is not the filesystem's root: a bind mount), cwd, then argv
 * (args_len bytes of NUL-separated strings, as they sit between mm->arg_start and
 * mm->arg_end). Only the used bytes are sent. exe + exe_mnt_off is the exe's path within
 * its own mount, so mnt_root + that is its path within its filesystem (file.dev): what no
 * bind mount, namespace or chroot changes.
 */
struct ev_exec {
	struct ev_header hdr;
	struct ev_task task;
	struct ev_file file;
	__u32 flags;		/* enum ev_exec_flags */
	__u32 argc;		/* bprm->argc: the real count even when argv is truncated */
	__u16 filename_len;	/* lengths include the NUL; 0 means absent */
	__u16 interp_len;
	__u16 exe_len;
	__u16 cwd_len;
	__u32 args_len;
	__u32 old_pid;		/* the thread id that called execve (a non-leader thread may exec) */
	__u16 exe_mnt_off;	/* exe + this: the path within its own mount */
	__u16 mnt_root_len;
	__u32 pad;
	char data[5 * EV_PATH_MAX + EV_ARGS_MAX];
};
EV_CHECK_SIZE(ev_exec, 16 + 80 + 56 + 32 + 5 * 4096 + 16384);
EV_CHECK_OFFSET(ev_exec, hdr, 0);
EV_CHECK_OFFSET(ev_exec, task, 16);
EV_CHECK_OFFSET(ev_exec, file, 96);
EV_CHECK_OFFSET(ev_exec, flags, 152);
EV_CHECK_OFFSET(ev_exec, argc, 156);
EV_CHECK_OFFSET(ev_exec, filename_len, 160);
EV_CHECK_OFFSET(ev_exec, interp_len, 162);
EV_CHECK_OFFSET(ev_exec, exe_len, 164);
EV_CHECK_OFFSET(ev_exec, cwd_len, 166);
EV_CHECK_OFFSET(ev_exec, args_len, 168);
EV_CHECK_OFFSET(ev_exec, old_pid, 172);
EV_CHECK_OFFSET(ev_exec, exe_mnt_off, 176);
EV_CHECK_OFFSET(ev_exec, mnt_root_len, 178);
EV_CHECK_OFFSET(ev_exec, pad, 180);
EV_CHECK_OFFSET(ev_exec, data, 184);
#define EV_EXEC_FIXED_SIZE (sizeof(struct ev_exec) - 5 * EV_PATH_MAX - EV_ARGS_MAX)

/* A new process (thread-group leader) forked: enough to keep the process table. */
struct ev_fork {
	struct ev_header hdr;
	struct ev_task child;
	__u32 parent_tgid;
	__u32 pad;
};
EV_CHECK_SIZE(ev_fork, 16 + 80 + 8);
EV_CHECK_OFFSET(ev_fork, hdr, 0);
EV_CHECK_OFFSET(ev_fork, child, 16);
EV_CHECK_OFFSET(ev_fork, parent_tgid, 96);
EV_CHECK_OFFSET(ev_fork, pad, 100);

enum ev_exit_flags {
	EV_EXIT_PKG_ROOT	= 1 << 0,	/* the process that began a package-manager session */
};

/* The last thread of a process exited. */
struct ev_exit {
	struct ev_header hdr;
	__u32 tgid;
	__u32 exit_code;	/* task->exit_code: (status << 8) | signal */
	__u64 start_boot_ns;
	__u32 flags;		/* enum ev_exit_flags */
	__u32 pad;
};
EV_CHECK_SIZE(ev_exit, 40);
EV_CHECK_OFFSET(ev_exit, hdr, 0);
EV_CHECK_OFFSET(ev_exit, tgid, 16);
EV_CHECK_OFFSET(ev_exit, exit_code, 20);
EV_CHECK_OFFSET(ev_exit, start_boot_ns, 24);
EV_CHECK_OFFSET(ev_exit, flags, 32);
EV_CHECK_OFFSET(ev_exit, pad, 36);

enum ev_file_ops {
	FILE_OP_CREATE = 1,	/* open with O_CREAT, creat */
	FILE_OP_RENAME = 2,	/* the new name of a rename */
	FILE_OP_UNLINK = 3,
	FILE_OP_LINK = 4,	/* the new name of a hard link (link, linkat; O_TMPFILE too) */
};

enum ev_file_flags {
	EV_FILE_PKG	 = 1 << 0,	/* by a package-manager session, under a watched prefix */
	EV_FILE_DOWNLOAD = 1 << 1,	/* the name ends like an installer (.deb, .AppImage...) */
	EV_FILE_COMPAT	 = 1 << 2,	/* a 32-bit syscall (int $0x80) */
	EV_FILE_IO_URING = 1 << 3,	/* an io_uring request, not a syscall */
};

/* A file created, renamed or linked into place or deleted, as the call named it (not resolved). */
struct ev_file_op {
	struct ev_header hdr;
	struct ev_task task;
	__u32 op;		/* enum ev_file_ops */
	__u32 flags;		/* enum ev_file_flags */
	__s32 dfd;		/* the directory a relative path is under (AT_FDCWD: the cwd) */
	__u32 path_len;		/* including the NUL */
	char path[EV_PATH_MAX];
	/* for a relative path: that directory, resolved in the kernel at the call ("" if not) */
	char dir[EV_PATH_MAX];
};
EV_CHECK_SIZE(ev_file_op, 16 + 80 + 16 + 2 * EV_PATH_MAX);
EV_CHECK_OFFSET(ev_file_op, hdr, 0);
EV_CHECK_OFFSET(ev_file_op, task, 16);
EV_CHECK_OFFSET(ev_file_op, op, 96);
EV_CHECK_OFFSET(ev_file_op, flags, 100);
EV_CHECK_OFFSET(ev_file_op, dfd, 104);
EV_CHECK_OFFSET(ev_file_op, path_len, 108);
EV_CHECK_OFFSET(ev_file_op, path, 112);
EV_CHECK_OFFSET(ev_file_op, dir, 112 + EV_PATH_MAX);

/* Lists user space fills before attach: installer suffixes, package-manager prefixes. */
#define EV_MATCH_LEN 32
#define EV_MATCH_MAX 16
struct ev_match {
	char s[EV_MATCH_LEN];	/* suffixes lowercase */
	__u32 len;		/* 0 ends the list */
};
EV_CHECK_SIZE(ev_match, EV_MATCH_LEN + 4);
EV_CHECK_OFFSET(ev_match, s, 0);
EV_CHECK_OFFSET(ev_match, len, EV_MATCH_LEN);

/* A package manager's command name (comm), as user space lists them in emb_pkg_names. */
struct pkg_name {
	char comm[EV_COMM_LEN];
};
EV_CHECK_SIZE(pkg_name, EV_COMM_LEN);

/* emb_pkg_names values: whether the manager runs maintainer scripts (dpkg, rpm, apt, ...). */
enum pkg_name_kind {
	PKG_NAME_SESSION = 1,
	PKG_NAME_SCRIPTS = 2,
};

/* A process in a package-manager session: the session's first process. */
struct pkg_session {
	__u32 root_tgid;
	__u32 scripts;		/* begun as root by a manager that runs maintainer scripts */
};
EV_CHECK_SIZE(pkg_session, 8);
EV_CHECK_OFFSET(pkg_session, root_tgid, 0);
EV_CHECK_OFFSET(pkg_session, scripts, 4);

/*
 * The hot list: executables a rule names, so that their exec wakes user space at once
 * instead of waiting for the next poll (user/rules/hotlist.h). Keys are cut, never widened:
 * a cut key can only match more, and user space decides whether a rule matched.
 */
#define EV_HOT_NAME_LEN 32	/* the file's name (last path component), lowercase */
struct ev_hot_name {
	char name[EV_HOT_NAME_LEN];
};
EV_CHECK_SIZE(ev_hot_name, EV_HOT_NAME_LEN);
#define EV_HOT_PATH_LEN 256	/* a BPF LPM trie key holds at most 256 bytes */
struct ev_hot_path {
	__u32 prefixlen;	/* in bits; an exact path counts its NUL */
	char path[EV_HOT_PATH_LEN];
};
/* an LPM trie key must start with its __u32 prefix length */
EV_CHECK_SIZE(ev_hot_path, 4 + EV_HOT_PATH_LEN);
EV_CHECK_OFFSET(ev_hot_path, prefixlen, 0);
EV_CHECK_OFFSET(ev_hot_path, path, 4);

/*
 * A file by identity, as in struct ev_file: the key of the block list and of the protected
 * set. No ctime in the key: touch, chmod or ln change it, and must not lift a block.
 */
struct ev_file_id {
	__u64 dev;
	__u64 ino;
};
EV_CHECK_SIZE(ev_file_id, 16);
EV_CHECK_OFFSET(ev_file_id, dev, 0);
EV_CHECK_OFFSET(ev_file_id, ino, 8);

/* The block list's value: the ctime when listed. A different one means the content may
 * have changed: the probe still kills, and says so (EV_EXEC_BLOCK_STALE) for a re-check. */
struct ev_block_file {
	__s64 ctime_sec;
	__u32 ctime_nsec;
	__u32 pad;
};
EV_CHECK_SIZE(ev_block_file, 16);
EV_CHECK_OFFSET(ev_block_file, ctime_sec, 0);
EV_CHECK_OFFSET(ev_block_file, ctime_nsec, 8);
EV_CHECK_OFFSET(ev_block_file, pad, 12);

/* Per-CPU counters in the stats map; user space sums them over CPUs and reports them. */
enum ev_stat {
	STAT_EXEC = 0,		/* execs seen by the probe */
	STAT_FORK,
	STAT_EXIT,
	STAT_RB_DROP,		/* ring buffer full: record lost */
	STAT_ARGS_FAULT,	/* argv unreadable */
	STAT_PATH_TRUNC,	/* a path hit its bound */
	STAT_FILE,		/* file operations reported */
	STAT_HOT,		/* execs on the hot list */
	STAT_KILLED,		/* execs killed by the probe (block list, --enforce) */
	STAT_MAX,
};

#endif /* EMBARGO_EVENTS_H */

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A process as embargo knows it: who runs it, what it runs (path, argv, the file's identity
 * and content), where it came from. The process table (proctable.h) keeps them; /proc
 * (procfs.h) and the identity cache (identity.h) fill them, without including the table.
 */
#ifndef EMBARGO_PROC_H
#define EMBARGO_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "embargo/events.h"

enum proc_exe_source {
	EXE_NONE = 0,
	EXE_KERNEL,	/* resolved from the mapped file's dentries at exec */
	EXE_PROC,	/* readlink /proc/PID/exe */
	EXE_FILENAME,	/* execve's filename, made absolute against the cwd */
	EXE_LOADER,	/* the program the dynamic loader was asked to run (ld.so PROG) */
};

struct file_ident;

struct proc {
	uint32_t pid;		/* tgid */
	uint32_t ppid;
	uint64_t start_boot_ns;
	uint32_t uid, euid, gid, egid;
	uint32_t loginuid, sessionid;	/* (uint32_t)-1: unset */
	uint32_t mntns;
	uint32_t tty_major, tty_minor;
	uint64_t cgroup_id;
	char comm[EV_COMM_LEN + 1];
	char *exe;		/* absolute path, NULL if unknown */
	char *cwd;
	char *filename;		/* as given to execve */
	char *interp;		/* bprm->interp when it differs from filename */
	char *args;		/* NUL-separated argv, args_len bytes, always NUL-terminated */
	size_t args_len;
	uint32_t argc;		/* the real count, even when args is cut */
	struct ev_file file;	/* identity of the executable */
	enum proc_exe_source exe_source;
	bool args_truncated;
	bool exe_deleted;	/* deleted, or memfd */
	bool late;		/* /proc was needed but the process was already gone */
	const char *ident_unavailable;	/* why it has no identity (ident__why_name); NULL */
	bool from_proc;		/* known from the /proc scan, not from a kernel record */
	bool killed;		/* the exec probe killed it (block list): it never ran */
	bool block_listed;	/* on the kernel's block list (killed unless dry-run) */
	bool block_stale;	/* listed by identity, its ctime moved since: re-check content */
	bool protected_file;	/* the probe found it protected: never killed */
	bool pkg_script;	/* a root package manager's maintainer-script tree */
	bool pkg_session;	/* in a package-manager session the kernel knows (root or child) */
	char entity_id[33];	/* "" until asked for: see entity__of() */
	uint32_t exec_seq;	/* counts execs, so a late answer finds the exec it belongs to */
	/* what it runs, by content (identity.c); NULL until known */
	struct file_ident *ident;	/* the executable (for ld.so PROG: PROG) */
	char *loader;		/* ld.so PROG: the loader's path; exe is then PROG */
	char *script;		/* #! scripts: the script's absolute path */
	char *origin_path;	/* the vendor file it runs, by inode, when exe names it otherwise */
	char *origin_source;	/* the vendor tree that file is in (origins.h) */
	const char *app_type;	/* sandbox.c: "flatpak", "snap", "appimage"; NULL if none */
	char *app_id;
	char *app_path;		/* an AppImage's file */
	struct file_ident *script_ident;
};

#endif /* EMBARGO_PROC_H */

/* SPDX-License-Identifier: GPL-2.0-only */
/* Every map of the sensors, in one place, with what it holds. Names are cut at 15 chars. */
#ifndef EMBARGO_MAPS_BPF_H
#define EMBARGO_MAPS_BPF_H

#include "embargo/events.h"

/* The one ring buffer every record goes through; user space sizes it before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	/* 4 MiB: seconds of records at the highest exec rate measured here; its data pages are
	 * mapped twice (for wrap-around), so it counts double in RSS */
	__uint(max_entries, 4 << 20);
} emb_events SEC(".maps");

/* enum ev_stat counters per CPU: exec/fork/exit seen, records dropped, reads that failed. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} emb_stats SEC(".maps");

/*
 * Scratch space for building an exec record: too big for the 512-byte BPF stack, and over
 * the 32 KiB a per-CPU value may have, so a plain array with one slot per possible CPU
 * (user space sets max_entries). Tracing programs run with migration disabled.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ev_exec);
} emb_exec_buf SEC(".maps");

/* Package managers by command name (dpkg, rpm, apt...): user space fills it before load. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct pkg_name);
	__type(value, __u8);
} emb_pkg_names SEC(".maps");

/* The package managers' own files: renamed or linked, one still begins a session. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct ev_file_id);
	__type(value, __u8);
} emb_pkg_files SEC(".maps");

/* Processes in a package-manager session, children included (maintainer scripts). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct pkg_session);
} emb_pkg_procs SEC(".maps");

/* Name endings of installers, downloaded by any process (.deb, .rpm, .appimage...). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EV_MATCH_MAX);
	__type(key, __u32);
	__type(value, struct ev_match);
} emb_dl_suffix SEC(".maps");

/* Where package managers install: their sessions' file activity is reported there. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EV_MATCH_MAX);
	__type(key, __u32);
	__type(value, struct ev_match);
} emb_pkg_prefix SEC(".maps");

/* The hot list (struct ev_hot_name / ev_hot_path in events.h); user space keeps it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct ev_hot_name);
	__type(value, __u8);
} emb_hot_names SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ev_hot_path);
	__type(value, __u8);
} emb_hot_paths SEC(".maps");

/*
 * The block list: exact names, paths and prefixes from block rules that nothing else
 * decides (sensor__set_blocklist() in user/sensor/sensor.c), and the identities (dev, ino)
 * of files user space found banned (user/enforce/blocklist.h).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct ev_hot_name);
	__type(value, __u8);
} emb_block_names SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ev_hot_path);
	__type(value, __u8);
} emb_block_paths SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct ev_file_id);
	__type(value, struct ev_block_file);
} emb_block_files SEC(".maps");

/*
 * Files no rule may kill (user/packages/protect.h): PID 1's world, the shells, the package
 * managers, the desktop. Sized by user space before load to what this host has.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ev_file_id);
	__type(value, __u8);
} emb_protected SEC(".maps");

/* Set before load: kill what is on the block list (--enforce), and who must never die. */
const volatile __u32 enforce = 0;
const volatile __u32 self_tgid = 0;

/* Lookup keys for the hot and block lists, per CPU: the path key is too big for the stack. */
struct hot_scratch {
	struct ev_hot_name name;	/* as on disk */
	struct ev_hot_name lower;	/* lowercase: the hot list's names */
	struct ev_hot_path path;
	struct ev_file_id file;
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hot_scratch);
} emb_hot_buf SEC(".maps");

/*
 * Scratch space where a path is assembled backwards from its dentries, and the state of
 * that walk (bpf/path.bpf.h). The state lives here, not on the stack, on purpose: a value
 * loaded from a map is unknown to the verifier, so the walk's many ways to end all look
 * alike and are checked once; kept on the stack, each would be checked separately, and
 * before 5.17 (no bpf_loop) that passes the verifier's limit.
 */
#define PATH_SCRATCH (2 * EV_PATH_MAX)
struct path_walk {
	struct dentry *dentry;
	struct vfsmount *vfsmnt;
	__u32 pos;		/* the string starts at buf[pos] */
	__u32 mnt_pos;		/* once at_mnt_root: where the path within the file's mount starts */
	__u8 done;		/* reached the root */
	__u8 truncated;		/* ran out of room */
	__u8 at_mnt_root;	/* reached the root of the file's own mount */
	__u8 in_fs;		/* stay in the filesystem: up to its root, crossing no mount */
};
struct path_scratch {
	char buf[PATH_SCRATCH];
	struct path_walk w;
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct path_scratch);
} emb_path_buf SEC(".maps");

/*
 * When to wake user space. One wakeup per record costs more than the probe itself in a VM,
 * so while user space is busy it polls every SENSOR_POLL_MS and records wait for it (or
 * for wakeup_watermark bytes, or for a hot exec: rb_flags_urgent()). Before it sleeps long
 * it sets consumer_idle, and then every record wakes it at once: a lone alert is not
 * delayed and an idle daemon does not tick.
 * wakeup_watermark 0 (the default before user space sets it): the kernel's own wakeups.
 */
const volatile __u64 wakeup_watermark = 0;
__u32 consumer_idle = 0;
/* Every exec is urgent: set while block rules wait for user space to decide (enforce). */
__u32 urgent_execs = 0;

static __always_inline __u64 rb_flags(void)
{
	if (!wakeup_watermark)
		return 0;
	if (*(volatile __u32 *)&consumer_idle ||
	    bpf_ringbuf_query(&emb_events, BPF_RB_AVAIL_DATA) >= wakeup_watermark)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

static __always_inline __u64 rb_flags_urgent(bool urgent)
{
	/* FORCE_WAKEUP wins over NO_WAKEUP in the kernel's commit */
	return rb_flags() | (urgent ? BPF_RB_FORCE_WAKEUP : 0);
}

static __always_inline struct ev_exec *exec_scratch(void)
{
	__u32 cpu = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&emb_exec_buf, &cpu);
}

static __always_inline void stat_inc(enum ev_stat idx)
{
	__u32 key = idx;
	__u64 *v = bpf_map_lookup_elem(&emb_stats, &key);

	if (v)
		*v += 1;
}

#endif /* EMBARGO_MAPS_BPF_H */

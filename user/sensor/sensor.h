/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel side as user space sees it: loads the BPF sensors (tp_btf, else raw_tp, else
 * classic tracepoints), attaches them, and hands every ring-buffer record to a callback.
 */
#ifndef EMBARGO_SENSOR_H
#define EMBARGO_SENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "embargo/events.h"
#include "sensor/kmaps.h"

enum sensor_family {
	SENSOR_TP_BTF = 0,
	SENSOR_RAW_TP,
	SENSOR_TRACEPOINT,
	SENSOR_FAMILY_COUNT,
};

/* Return 0 to go on; a negative value stops the current consume call. */
typedef int (*sensor_record_fn)(void *ctx, void *data, size_t size);

struct sensor_opts {
	enum sensor_family first;	/* try this family first, then the ones after it */
	int only;			/* nonzero: never fall back */
	__u32 ringbuf_bytes;		/* 0: the default; else a power of two, >= page size */
	sensor_record_fn on_record;
	void *ctx;
	/* command names (comm) that begin a package-manager session */
	const char *const *package_managers;
	size_t npackage_managers;
	/* their files: a renamed or linked one begins a session too (by name as above) */
	const struct ev_file_id *package_manager_files;
	const char *const *package_manager_file_names;
	size_t npackage_manager_files;
	/* those of them that run maintainer scripts: as root, their trees are never killed */
	const char *const *script_managers;
	size_t nscript_managers;
	/* where their sessions' file activity is reported (at most EV_MATCH_MAX each) */
	const char *const *package_prefixes;
	size_t npackage_prefixes;
	/* file name endings of installers, reported whoever writes them (lowercase) */
	const char *const *download_suffixes;
	size_t ndownload_suffixes;
	/* kill execs on the block list in the probe (watch --enforce) */
	bool enforce;
	/* files no block may kill (user/protect.h), in the map before the probes attach */
	const struct ev_file_id *protected_files;
	size_t nprotected_files;
};

/*
 * While records come, the kernel wakes user space only once a batch waits (see rb_flags()
 * in bpf/maps.bpf.h) or for an urgent exec: one on the hot list (rules/hotlist.h), or of a
 * program with no name left on disk. The consumer must poll at least every SENSOR_POLL_MS:
 * the longest any other record waits while execs keep coming. In this VM a wakeup costs
 * ~200 us of CPU, so the tick sets the daemon's CPU per exec in a burst (BENCHMARKS.md:
 * 48 us at 10 ms, 12 us at 50 ms, 6 us at 100 ms). Before sleeping longer
 * (SENSOR_IDLE_MS, housekeeping only) it says so with sensor__consume_before_sleep(), and
 * every record then wakes it; sensor__awake() after.
 */
#define SENSOR_POLL_MS 50
#define SENSOR_IDLE_MS 250

/*
 * What the kernel gave the sensors, in the `started` record (sensor.c): which probes,
 * what was used instead of the best, and what this kernel cannot do. Never a silent gap.
 */
struct capabilities {
	const char *kernel;		/* uname -r */
	const char *probes;		/* the probe family: tp_btf, raw_tp, tracepoint */
	const char *path_walk;		/* bpf_loop, or bounded (kernels before 5.17) */
	const char *fallbacks;		/* NUL-separated "what: instead" lines; NULL none */
	size_t fallbacks_len;
	const char *unavailable;	/* NUL-separated "what: why" lines; NULL none */
	size_t unavailable_len;
};

struct sensor;

/*
 * Keys for the kernel's name and path maps (hot list, block list), as rules/hotlist.c builds
 * them from the rules. The kernel maps' size is HOTLIST_MAX (bpf/maps.bpf.h); keys past it
 * are dropped and counted.
 */
#define HOTLIST_MAX 4096

struct hotlist {
	struct ev_hot_name *names;	/* sorted, unique */
	size_t nnames;
	struct ev_hot_path *paths;	/* sorted, unique */
	size_t npaths;
	size_t dropped;			/* keys past HOTLIST_MAX */
	size_t user_space_rules;	/* block lists: block rules the kernel cannot decide */
};

/*
 * Probe the kernel (user/kfeatures.h), then load and attach the first family that works,
 * with the copies of the programs this kernel can run. NULL with errno and a one-line
 * reason in why when none does.
 */
struct sensor *sensor__open(const struct sensor_opts *opts, char *why, size_t whylen);
/* What this kernel gave the sensors: for the started record. */
const struct capabilities *sensor__capabilities(const struct sensor *s);
void sensor__close(struct sensor *s);
/* An fd that becomes readable when records wait; add it to an epoll set. */
int sensor__fd(const struct sensor *s);
/* Hand every waiting record to the callback; returns the count or -errno. */
int sensor__consume(struct sensor *s);
/* Ask to be woken by the next record, and read what came before; returns records read. */
int sensor__consume_before_sleep(struct sensor *s);
void sensor__awake(struct sensor *s);
/* Replace the kernel's hot list (rules/hotlist.h) with h. */
int sensor__set_hotlist(struct sensor *s, const struct hotlist *h);
/* Replace the kernel's block list with h; the files learned so far are forgotten. */
int sensor__set_blocklist(struct sensor *s, const struct hotlist *h);
/* Wake user space at every exec (a wakeup each: for block rules only it can decide). */
void sensor__set_urgent_execs(struct sensor *s, bool urgent);
/* A file found banned (by its hash, say): its next exec dies in the probe, until written. */
int sensor__block_file(struct sensor *s, const struct ev_file *f);
/* Take one file off the kernel's block list (its content changed, its package went). */
int sensor__unblock_file(struct sensor *s, __u64 dev, __u64 ino);
/* Sum the per-CPU enum ev_stat counters into out[STAT_MAX]. */
int sensor__stats(const struct sensor *s, __u64 out[STAT_MAX]);
/*
 * Self-checks (cli/watch_selfcheck.c). The lists user space gave the probes (download
 * suffixes, install prefixes, package managers, protected files, hot and block lists) are
 * read back from the kernel and compared with what was written: out gets each map that
 * differs (at most n), the return value is their count, or -errno when one cannot be read.
 */
int sensor__check_lists(struct sensor *s, struct kmap_check *out, size_t n);
/* Write again what the last check found missing or changed, delete what it found extra. */
int sensor__repair_lists(struct sensor *s);
/* How many probes are no longer attached (their link is gone); *lost names the first. */
int sensor__check_links(struct sensor *s, const char **lost);
enum sensor_family sensor__family(const struct sensor *s);
const char *sensor__family_name(enum sensor_family f);
int sensor__family_parse(const char *name, enum sensor_family *out);
/* Whether the loaded family reports forks (the classic tracepoint one cannot). */
int sensor__has_fork(const struct sensor *s);

#endif /* EMBARGO_SENSOR_H */

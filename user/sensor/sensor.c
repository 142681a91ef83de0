// SPDX-License-Identifier: GPL-2.0-only
#include "sensor/sensor.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "embargo.skel.h"
#include "sensor/fault.h"
#include "sensor/fileprogs.h"
#include "sensor/kfeatures.h"
#include "lib/log.h"

#define SENSOR_MAX_LINKS 3
/* wake the consumer early when 1/8 of the ring buffer waits, well before it is full */
#define WAKEUP_FRACTION 8

/* NUL-separated lines, for struct capabilities */
struct caps_list {
	char s[512];
	size_t len;
};

/* The maps user space fills: each written through a kmap, so it can be checked. */
enum sensor_list {
	LIST_DL_SUFFIX = 0,
	LIST_PKG_PREFIX,
	LIST_PKG_NAMES,
	LIST_PKG_FILES,
	LIST_PROTECTED,
	LIST_HOT_NAMES,
	LIST_HOT_PATHS,
	LIST_BLOCK_NAMES,
	LIST_BLOCK_PATHS,
	LIST_BLOCK_FILES,
	LIST_COUNT,
};

struct sensor {
	struct embargo_bpf *skel;
	struct ring_buffer *rb;
	struct bpf_link *links[SENSOR_MAX_LINKS + FILE_PROGS];
	/* each link's id, to see it still there; 0: not a BPF link (a perf event before 5.15) */
	__u32 link_ids[SENSOR_MAX_LINKS + FILE_PROGS];
	const char *link_progs[SENSOR_MAX_LINKS + FILE_PROGS];
	struct kmap lists[LIST_COUNT];
	enum sensor_family family;
	int ncpus;
	struct kfeatures kf;
	struct caps_list fallbacks, unavailable;
	struct capabilities caps;
};

static const char *const family_names[SENSOR_FAMILY_COUNT] = {
	[SENSOR_TP_BTF] = "tp_btf",
	[SENSOR_RAW_TP] = "raw_tp",
	[SENSOR_TRACEPOINT] = "tracepoint",
};

const char *sensor__family_name(enum sensor_family f)
{
	return f < SENSOR_FAMILY_COUNT ? family_names[f] : "?";
}

int sensor__family_parse(const char *name, enum sensor_family *out)
{
	for (int f = 0; f < SENSOR_FAMILY_COUNT; f++) {
		if (!strcmp(name, family_names[f])) {
			*out = f;
			return 0;
		}
	}
	return -EINVAL;
}

/*
 * The programs of one family, in attach order; NULL where the family has no such hook.
 * Those that walk paths come in two copies (bpf/path.bpf.h): bpf_loop(), or bounded.
 */
static void family_programs(struct embargo_bpf *skel, enum sensor_family f, bool bpf_loop,
			    struct bpf_program *out[SENSOR_MAX_LINKS])
{
	struct bpf_program *exec[SENSOR_FAMILY_COUNT][2] = {
		[SENSOR_TP_BTF] = { skel->progs.handle_exec_btf_bounded,
				    skel->progs.handle_exec_btf },
		[SENSOR_RAW_TP] = { skel->progs.handle_exec_raw_bounded,
				    skel->progs.handle_exec_raw },
		[SENSOR_TRACEPOINT] = { skel->progs.handle_exec_tp_bounded,
					skel->progs.handle_exec_tp },
	};
	struct bpf_program *table[SENSOR_FAMILY_COUNT][SENSOR_MAX_LINKS - 1] = {
		[SENSOR_TP_BTF] = { skel->progs.handle_fork_btf, skel->progs.handle_exit_btf },
		[SENSOR_RAW_TP] = { skel->progs.handle_fork_raw, skel->progs.handle_exit_raw },
		[SENSOR_TRACEPOINT] = { NULL, skel->progs.handle_exit_tp },
	};

	out[0] = exec[f][bpf_loop];
	memcpy(out + 1, table[f], sizeof(table[f]));
}

/* One line of the started record's capabilities, said once in the log too. */
static void caps_add(struct caps_list *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void caps_add(struct caps_list *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->len >= sizeof(l->s))
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->s + l->len, sizeof(l->s) - l->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	log_warn("%s", l->s + l->len);
	l->len = l->len + (size_t)n + 1 < sizeof(l->s) ? l->len + (size_t)n + 1 : sizeof(l->s);
}

int sensor__has_fork(const struct sensor *s)
{
	return s->family != SENSOR_TRACEPOINT;
}

/* Classic tracepoints are found through tracefs, which is not mounted by default here. */
static int tracefs_ensure(void)
{
	struct stat st;

	if (!stat("/sys/kernel/tracing/events", &st))
		return 0;
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) && errno != EBUSY)
		return -errno;
	log_info("mounted tracefs on /sys/kernel/tracing for the tracepoint probes");
	return 0;
}

static void sensor_unload(struct sensor *s)
{
	for (int i = 0; i < SENSOR_MAX_LINKS + FILE_PROGS; i++) {
		bpf_link__destroy(s->links[i]);
		s->links[i] = NULL;
		s->link_ids[i] = 0;	/* a family tried after this one has its own */
	}
	for (int i = 0; i < LIST_COUNT; i++)
		kmap__free(&s->lists[i]);
	embargo_bpf__destroy(s->skel);
	s->skel = NULL;
}

/* Between load and filling: every list is written through its kmap. */
static int lists_init(struct sensor *s)
{
	struct bpf_map *maps[LIST_COUNT] = {
		[LIST_DL_SUFFIX] = s->skel->maps.emb_dl_suffix,
		[LIST_PKG_PREFIX] = s->skel->maps.emb_pkg_prefix,
		[LIST_PKG_NAMES] = s->skel->maps.emb_pkg_names,
		[LIST_PKG_FILES] = s->skel->maps.emb_pkg_files,
		[LIST_PROTECTED] = s->skel->maps.emb_protected,
		[LIST_HOT_NAMES] = s->skel->maps.emb_hot_names,
		[LIST_HOT_PATHS] = s->skel->maps.emb_hot_paths,
		[LIST_BLOCK_NAMES] = s->skel->maps.emb_block_names,
		[LIST_BLOCK_PATHS] = s->skel->maps.emb_block_paths,
		[LIST_BLOCK_FILES] = s->skel->maps.emb_block_files,
	};
	int err;

	for (int i = 0; i < LIST_COUNT; i++)
		if ((err = kmap__init(&s->lists[i], maps[i])))
			return err;
	return 0;
}

static bool runs_scripts(const struct sensor_opts *opts, const char *name)
{
	for (size_t i = 0; i < opts->nscript_managers; i++)
		if (!strcmp(opts->script_managers[i], name))
			return true;
	return false;
}

/* Set between load and attach, so no package manager starts unseen. */
static int set_package_managers(struct sensor *s, const struct sensor_opts *opts)
{
	int err;

	if ((err = kmap__put_matches(&s->lists[LIST_DL_SUFFIX], opts->download_suffixes,
				     opts->ndownload_suffixes)) ||
	    (err = kmap__put_matches(&s->lists[LIST_PKG_PREFIX], opts->package_prefixes,
				     opts->npackage_prefixes)))
		return err;
	for (size_t i = 0; i < opts->npackage_managers; i++) {
		struct pkg_name key = {};
		__u8 kind = runs_scripts(opts, opts->package_managers[i]) ? PKG_NAME_SCRIPTS
									   : PKG_NAME_SESSION;

		strncpy(key.comm, opts->package_managers[i], sizeof(key.comm) - 1);
		if ((err = kmap__put(&s->lists[LIST_PKG_NAMES], &key, &kind)))
			return err;
	}
	for (size_t i = 0; i < opts->npackage_manager_files; i++) {
		__u8 kind = runs_scripts(opts, opts->package_manager_file_names[i])
				    ? PKG_NAME_SCRIPTS : PKG_NAME_SESSION;

		if ((err = kmap__put(&s->lists[LIST_PKG_FILES], &opts->package_manager_files[i],
				     &kind)))
			return err;
	}
	return 0;
}

/* Set between load and attach, so no exec of a protected file is ever killed. */
static int set_protected(struct sensor *s, const struct sensor_opts *opts)
{
	__u8 one = 1;
	int err;

	for (size_t i = 0; i < opts->nprotected_files; i++)
		if ((err = kmap__put(&s->lists[LIST_PROTECTED], &opts->protected_files[i], &one)))
			return err;
	return 0;
}

/* The link's id, if it is a BPF link (libbpf attaches tracepoints through a perf event). */
static __u32 link_id(const struct bpf_link *link)
{
	struct bpf_link_info info = { 0 };
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(bpf_link__fd(link), &info, &len) ? 0 : info.id;
}

/*
 * Process probes must attach; a file probe whose syscall tracepoint this kernel lacks
 * (arm64 has no open(2), some kernels no syscall tracepoints at all) is one fewer source
 * of downloads, said in the capabilities, not a reason to watch nothing.
 */
static int sensor_attach(struct sensor *s,
			 struct bpf_program *progs[SENSOR_MAX_LINKS + FILE_PROGS])
{
	int err;

	/* the syscall tracepoints of the file programs are found through tracefs */
	if ((err = tracefs_ensure())) {
		log_warn("failed to mount tracefs on /sys/kernel/tracing: %s", strerror(-err));
		return err;
	}
	for (int i = 0; i < SENSOR_MAX_LINKS + FILE_PROGS; i++) {
		if (!progs[i])
			continue;
		s->links[i] = bpf_program__attach(progs[i]);
		if (s->links[i]) {
			s->link_ids[i] = link_id(s->links[i]);
			s->link_progs[i] = bpf_program__name(progs[i]);
			continue;
		}
		err = -errno;
		if (i >= SENSOR_MAX_LINKS) {
			caps_add(&s->unavailable, "file probe %s: %s",
				 bpf_program__section_name(progs[i]), strerror(-err));
			continue;
		}
		log_warn("failed to attach %s program '%s': %s", family_names[s->family],
			 bpf_program__name(progs[i]), strerror(-err));
		return err;
	}
	return 0;
}

/* The verifier's verdict, always: its last lines name the instruction and the reason. */
#define VERDICT_LINES 8

static void say_why_refused(enum sensor_family f, int err)
{
	const char *log, *prog = log__libbpf_refused(&log), *last = log__libbpf_last_warning();

	if (!prog) {
		log_warn("failed to load %s probes: %s (%s)", family_names[f], strerror(-err),
			 *last ? last : "no detail; run with -vv");
		return;
	}
	log_warn("failed to load %s probes: the kernel refused program '%s' (%s); the "
		 "verifier's last words (-v prints its whole log):", family_names[f], prog,
		 strerror(-err));
	for (const char *p = log__tail_lines(log, VERDICT_LINES); *p;) {
		size_t len = strcspn(p, "\n");

		log_warn("  %.*s", (int)len, p);
		p += len + (p[len] == '\n');
	}
}

static void sensor_configure(struct sensor *s, const struct sensor_opts *opts)
{
	bpf_map__set_max_entries(s->skel->maps.emb_exec_buf, s->ncpus);
	if (opts->ringbuf_bytes)
		bpf_map__set_max_entries(s->skel->maps.emb_events, opts->ringbuf_bytes);
	/* twice what this host protects, at least the default: the hash stays sparse */
	if (opts->nprotected_files * 2 > bpf_map__max_entries(s->skel->maps.emb_protected))
		bpf_map__set_max_entries(s->skel->maps.emb_protected,
					 (__u32)opts->nprotected_files * 2);
	s->skel->rodata->enforce = opts->enforce;
	s->skel->rodata->self_tgid = (__u32)getpid();
	s->skel->rodata->wakeup_watermark =
		bpf_map__max_entries(s->skel->maps.emb_events) / WAKEUP_FRACTION;
}

/*
 * CO-RE looks for a type this kernel lacks (io_hardlink on 6.x, io_link on 5.10)
 * in the modules' BTF next, and listing those needs CAP_SYS_ADMIN, which the
 * unit does not have: libbpf 1.1 then fails the whole load with EPERM. Naming
 * vmlinux's BTF as the target keeps CO-RE to it; no probe reads a module's types.
 */
static const char VMLINUX_BTF[] = "/sys/kernel/btf/vmlinux";

static struct embargo_bpf *open_skeleton(void)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts);

	if (access(VMLINUX_BTF, R_OK) == 0)
		opts.btf_custom_path = VMLINUX_BTF;
	return embargo_bpf__open_opts(&opts);
}

/*
 * Open, load and attach one family; on failure say which step failed and why.
 * EMBARGO_FAULT=load:FAMILY (sensor/fault.h) makes that family's load fail, so the tests can
 * walk the fallback chain on a kernel where every family works; refuse:FAMILY has the
 * verifier refuse its exec program for real (its scratch record shrunk to 8 bytes, every
 * write past them out of bounds), so the tests see the verifier's own words reported.
 */
static int sensor_try(struct sensor *s, const struct sensor_opts *opts)
{
	struct bpf_program *progs[SENSOR_MAX_LINKS + FILE_PROGS], *prog;
	int err;

	s->skel = open_skeleton();
	if (!s->skel)
		return -errno;
	bpf_object__for_each_program(prog, s->skel->obj)
		bpf_program__set_autoload(prog, false);
	family_programs(s->skel, s->family, s->kf.bpf_loop, progs);
	fileprogs__select(s->skel, &s->kf, progs + SENSOR_MAX_LINKS);
	for (int i = 0; i < SENSOR_MAX_LINKS + FILE_PROGS; i++)
		if (progs[i])
			bpf_program__set_autoload(progs[i], true);
	sensor_configure(s, opts);
	if (fault__injected("refuse", family_names[s->family]))
		bpf_map__set_value_size(s->skel->maps.emb_exec_buf, 8);

	log__libbpf_forget();
	if (fault__injected("load", family_names[s->family])) {
		log_warn("failed to load %s probes: fault injected by EMBARGO_FAULT",
			 family_names[s->family]);
		err = -ENOTSUP;
	} else if ((err = embargo_bpf__load(s->skel))) {
		say_why_refused(s->family, err);
	} else if ((err = lists_init(s))) {
		log_warn("failed to keep the probes' lists: %s", strerror(-err));
	} else if ((err = set_package_managers(s, opts))) {
		log_warn("failed to list the package managers for the probes: %s", strerror(-err));
	} else if ((err = set_protected(s, opts))) {
		log_warn("failed to give the probes the protected files: %s", strerror(-err));
	} else {
		err = sensor_attach(s, progs);
	}
	if (err) {
		sensor_unload(s);
		s->unavailable.len = 0;	/* said again by the family that loads */
	}
	return err;
}

/* What the started record says this kernel gave the sensors. */
static void caps_fill(struct sensor *s)
{
	if (!s->kf.bpf_loop)
		caps_add(&s->fallbacks, "path walk: bounded loop (no bpf_loop() before 5.17); "
			 "a bind mount's root is not walked");
	if (!sensor__has_fork(s))
		caps_add(&s->fallbacks, "fork: no probe in the %s family; parents not yet "
			 "exec'd come from /proc", family_names[s->family]);
	if (s->kf.io_uring_gap[0])
		caps_add(&s->unavailable, "%s", s->kf.io_uring_gap);
	s->caps = (struct capabilities){
		.kernel = s->kf.release,
		.probes = family_names[s->family],
		.path_walk = s->kf.bpf_loop ? "bpf_loop" : "bounded",
		.fallbacks = s->fallbacks.len ? s->fallbacks.s : NULL,
		.fallbacks_len = s->fallbacks.len,
		.unavailable = s->unavailable.len ? s->unavailable.s : NULL,
		.unavailable_len = s->unavailable.len,
	};
}

/* Try each family from the first asked; the first that loads and attaches wins. */
static int sensor_load_any(struct sensor *s, const struct sensor_opts *opts)
{
	int err;

	for (s->family = opts->first;; s->family++) {
		err = sensor_try(s, opts);
		if (!err)
			return 0;
		if (opts->only || s->family + 1 == SENSOR_FAMILY_COUNT)
			return err;
		caps_add(&s->fallbacks, "falling back from %s to %s probes: %s",
			 family_names[s->family], family_names[s->family + 1], strerror(-err));
	}
}

struct sensor *sensor__open(const struct sensor_opts *opts, char *why, size_t whylen)
{
	struct sensor *s = calloc(1, sizeof(*s));
	int err;

	if (!s) {
		snprintf(why, whylen, "%s", strerror(ENOMEM));
		return NULL;
	}
	if ((err = kfeatures__probe(&s->kf, why, whylen)))
		goto err_free;
	s->ncpus = libbpf_num_possible_cpus();
	if (s->ncpus <= 0) {
		err = -EINVAL;
		snprintf(why, whylen, "cannot count the possible CPUs");
		goto err_free;
	}
	if ((err = sensor_load_any(s, opts))) {
		snprintf(why, whylen, "failed to load the process probes on kernel %s: %s (the "
			 "reasons are above)", s->kf.release, strerror(-err));
		goto err_free;
	}
	s->rb = ring_buffer__new(bpf_map__fd(s->skel->maps.emb_events), opts->on_record,
				 opts->ctx, NULL);
	if (!s->rb) {
		err = -errno;
		snprintf(why, whylen, "cannot read the ring buffer: %s", strerror(-err));
		goto err_unload;
	}
	caps_fill(s);
	log_info("process probes attached as %s on kernel %s, paths walked with %s",
		 family_names[s->family], s->kf.release, s->caps.path_walk);
	return s;

err_unload:
	sensor_unload(s);
err_free:
	free(s);
	errno = -err;
	return NULL;
}

const struct capabilities *sensor__capabilities(const struct sensor *s)
{
	return &s->caps;
}

void sensor__close(struct sensor *s)
{
	if (!s)
		return;
	ring_buffer__free(s->rb);
	sensor_unload(s);
	free(s);
}

int sensor__fd(const struct sensor *s)
{
	return ring_buffer__epoll_fd(s->rb);
}

int sensor__consume(struct sensor *s)
{
	return ring_buffer__consume(s->rb);
}

int sensor__consume_before_sleep(struct sensor *s)
{
	/* idle first, then drain: a record committed after the flag wakes us, one before it
	 * is read now (only a record reserved before and committed after can wait the sleep) */
	__atomic_store_n(&s->skel->bss->consumer_idle, 1, __ATOMIC_SEQ_CST);
	return ring_buffer__consume(s->rb);
}

void sensor__awake(struct sensor *s)
{
	__atomic_store_n(&s->skel->bss->consumer_idle, 0, __ATOMIC_SEQ_CST);
}

/* Cleared, then filled: an exec in between finds neither list. */
static int set_lists(struct kmap *names, struct kmap *paths, const struct hotlist *h)
{
	__u8 one = 1;
	int err;

	if ((err = kmap__clear(names)) || (err = kmap__clear(paths)))
		return err;
	for (size_t i = 0; i < h->nnames; i++)
		if ((err = kmap__put(names, &h->names[i], &one)))
			return err;
	for (size_t i = 0; i < h->npaths; i++)
		if ((err = kmap__put(paths, &h->paths[i], &one)))
			return err;
	return 0;
}

int sensor__set_hotlist(struct sensor *s, const struct hotlist *h)
{
	return set_lists(&s->lists[LIST_HOT_NAMES], &s->lists[LIST_HOT_PATHS], h);
}

/* The files learned under the old rules go too: they were banned by those rules. */
int sensor__set_blocklist(struct sensor *s, const struct hotlist *h)
{
	int err = kmap__clear(&s->lists[LIST_BLOCK_FILES]);

	return err ? err : set_lists(&s->lists[LIST_BLOCK_NAMES], &s->lists[LIST_BLOCK_PATHS], h);
}

void sensor__set_urgent_execs(struct sensor *s, bool urgent)
{
	__atomic_store_n(&s->skel->bss->urgent_execs, urgent ? 1 : 0, __ATOMIC_SEQ_CST);
}

int sensor__block_file(struct sensor *s, const struct ev_file *f)
{
	struct ev_file_id key = { .dev = f->dev, .ino = f->ino };
	struct ev_block_file when = { .ctime_sec = f->ctime_sec, .ctime_nsec = f->ctime_nsec };

	return kmap__put(&s->lists[LIST_BLOCK_FILES], &key, &when);
}

int sensor__unblock_file(struct sensor *s, __u64 dev, __u64 ino)
{
	struct ev_file_id key = { .dev = dev, .ino = ino };

	return kmap__del(&s->lists[LIST_BLOCK_FILES], &key);
}

enum sensor_family sensor__family(const struct sensor *s)
{
	return s->family;
}

int sensor__stats(const struct sensor *s, __u64 out[STAT_MAX])
{
	__u64 *percpu = calloc(s->ncpus, sizeof(*percpu));

	if (!percpu)
		return -ENOMEM;
	for (__u32 key = 0; key < STAT_MAX; key++) {
		out[key] = 0;
		if (bpf_map__lookup_elem(s->skel->maps.emb_stats, &key, sizeof(key), percpu,
					 sizeof(*percpu) * s->ncpus, 0))
			continue;
		for (int cpu = 0; cpu < s->ncpus; cpu++)
			out[key] += percpu[cpu];
	}
	free(percpu);
	return 0;
}


int sensor__check_lists(struct sensor *s, struct kmap_check *out, size_t n)
{
	return kmaps__check(s->lists, LIST_COUNT, out, n);
}

int sensor__repair_lists(struct sensor *s)
{
	return kmaps__repair(s->lists, LIST_COUNT);
}

/*
 * A link whose fd someone closed (through ptrace) is forgotten without a close: the fd
 * number may be another file's by now. It stays counted as lost.
 */
int sensor__check_links(struct sensor *s, const char **lost)
{
	int n = 0;

	for (int i = 0; i < SENSOR_MAX_LINKS + FILE_PROGS; i++) {
		if (!s->link_ids[i] || (s->links[i] && link_id(s->links[i]) == s->link_ids[i]))
			continue;
		if (s->links[i])
			bpf_link__disconnect(s->links[i]);
		bpf_link__destroy(s->links[i]);
		s->links[i] = NULL;
		if (!n++)
			*lost = s->link_progs[i];
	}
	return n;
}

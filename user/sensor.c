// SPDX-License-Identifier: GPL-2.0-only
#include "sensor.h"
#include "hotlist.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "embargo.skel.h"
#include "log.h"

#define SENSOR_MAX_LINKS 3
#define FILE_PROGS 8
/* wake the consumer early when 1/8 of the ring buffer waits, well before it is full */
#define WAKEUP_FRACTION 8

struct sensor {
	struct embargo_bpf *skel;
	struct ring_buffer *rb;
	struct bpf_link *links[SENSOR_MAX_LINKS + FILE_PROGS];
	enum sensor_family family;
	int ncpus;
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

/* The programs of one family, in attach order; NULL where the family has no such hook. */
static void family_programs(struct embargo_bpf *skel, enum sensor_family f,
			    struct bpf_program *out[SENSOR_MAX_LINKS])
{
	struct bpf_program *table[SENSOR_FAMILY_COUNT][SENSOR_MAX_LINKS] = {
		[SENSOR_TP_BTF] = { skel->progs.handle_exec_btf, skel->progs.handle_fork_btf,
				    skel->progs.handle_exit_btf },
		[SENSOR_RAW_TP] = { skel->progs.handle_exec_raw, skel->progs.handle_fork_raw,
				    skel->progs.handle_exit_raw },
		[SENSOR_TRACEPOINT] = { skel->progs.handle_exec_tp, NULL,
					skel->progs.handle_exit_tp },
	};

	memcpy(out, table[f], sizeof(table[f]));
}

/* The file-activity programs: the same syscall tracepoints in every family. */
static void file_programs(struct embargo_bpf *skel, struct bpf_program *out[FILE_PROGS])
{
	struct bpf_program *progs[FILE_PROGS] = {
		skel->progs.handle_openat, skel->progs.handle_open, skel->progs.handle_creat,
		skel->progs.handle_rename, skel->progs.handle_renameat,
		skel->progs.handle_renameat2, skel->progs.handle_unlink,
		skel->progs.handle_unlinkat,
	};

	memcpy(out, progs, sizeof(progs));
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
	}
	embargo_bpf__destroy(s->skel);
	s->skel = NULL;
}

/* Fill one of the ev_match lists (suffixes are compared lowercase). */
static int set_match_list(struct bpf_map *map, const char *const *list, size_t n)
{
	for (__u32 i = 0; i < n && i < EV_MATCH_MAX; i++) {
		struct ev_match m = {};

		m.len = (__u32)strlen(list[i]);
		if (m.len >= EV_MATCH_LEN)
			return -ENAMETOOLONG;
		memcpy(m.s, list[i], m.len);
		if (bpf_map__update_elem(map, &i, sizeof(i), &m, sizeof(m), BPF_ANY))
			return -errno;
	}
	return 0;
}

/* Set between load and attach, so no package manager starts unseen. */
static int set_package_managers(struct sensor *s, const struct sensor_opts *opts)
{
	__u8 one = 1;
	int err;

	if ((err = set_match_list(s->skel->maps.emb_dl_suffix, opts->download_suffixes,
				  opts->ndownload_suffixes)) ||
	    (err = set_match_list(s->skel->maps.emb_pkg_prefix, opts->package_prefixes,
				  opts->npackage_prefixes)))
		return err;
	for (size_t i = 0; i < opts->npackage_managers; i++) {
		struct pkg_name key = {};

		strncpy(key.comm, opts->package_managers[i], sizeof(key.comm) - 1);
		if (bpf_map__update_elem(s->skel->maps.emb_pkg_names, &key, sizeof(key), &one,
					 sizeof(one), BPF_ANY))
			return -errno;
	}
	return 0;
}

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
		if (!s->links[i]) {
			err = -errno;
			log_warn("failed to attach %s program '%s': %s", family_names[s->family],
				 bpf_program__name(progs[i]), strerror(-err));
			return err;
		}
	}
	return 0;
}

/*
 * EMBARGO_FAULT=load:FAMILY makes that family's load fail, so the tests can walk the
 * fallback chain on a kernel where every family works.
 */
static bool fault_injected(enum sensor_family f)
{
	const char *fault = getenv("EMBARGO_FAULT");

	return fault && !strncmp(fault, "load:", 5) && strstr(fault + 5, family_names[f]);
}

/* Open, load and attach one family; on failure say which step failed and why. */
static int sensor_try(struct sensor *s, const struct sensor_opts *opts)
{
	struct bpf_program *progs[SENSOR_MAX_LINKS + FILE_PROGS], *prog;
	int err;

	s->skel = embargo_bpf__open();
	if (!s->skel)
		return -errno;
	bpf_object__for_each_program(prog, s->skel->obj)
		bpf_program__set_autoload(prog, false);
	family_programs(s->skel, s->family, progs);
	file_programs(s->skel, progs + SENSOR_MAX_LINKS);
	for (int i = 0; i < SENSOR_MAX_LINKS + FILE_PROGS; i++)
		if (progs[i])
			bpf_program__set_autoload(progs[i], true);
	bpf_map__set_max_entries(s->skel->maps.emb_exec_buf, s->ncpus);
	if (opts->ringbuf_bytes)
		bpf_map__set_max_entries(s->skel->maps.emb_events, opts->ringbuf_bytes);
	s->skel->rodata->enforce = opts->enforce;
	s->skel->rodata->self_tgid = (__u32)getpid();
	s->skel->rodata->wakeup_watermark =
		bpf_map__max_entries(s->skel->maps.emb_events) / WAKEUP_FRACTION;

	log__libbpf_forget();
	if (fault_injected(s->family)) {
		log_warn("failed to load %s probes: fault injected by EMBARGO_FAULT",
			 family_names[s->family]);
		err = -ENOTSUP;
	} else if ((err = embargo_bpf__load(s->skel))) {
		log_warn("failed to load %s probes: %s (%s)", family_names[s->family],
			 strerror(-err), *log__libbpf_last_warning() ?
			 log__libbpf_last_warning() : "no detail; run with -vv");
	} else if ((err = set_package_managers(s, opts))) {
		log_warn("failed to list the package managers for the probes: %s", strerror(-err));
	} else {
		err = sensor_attach(s, progs);
	}
	if (err)
		sensor_unload(s);
	return err;
}

struct sensor *sensor__open(const struct sensor_opts *opts)
{
	struct sensor *s = calloc(1, sizeof(*s));
	int err = -ENOENT;

	if (!s)
		return NULL;
	s->ncpus = libbpf_num_possible_cpus();
	if (s->ncpus <= 0) {
		free(s);
		errno = EINVAL;
		return NULL;
	}
	for (s->family = opts->first; s->family < SENSOR_FAMILY_COUNT; s->family++) {
		err = sensor_try(s, opts);
		if (!err)
			break;
		if (opts->only || s->family + 1 == SENSOR_FAMILY_COUNT)
			goto err_free;
		log_warn("falling back from %s to %s probes", family_names[s->family],
			 family_names[s->family + 1]);
	}
	s->rb = ring_buffer__new(bpf_map__fd(s->skel->maps.emb_events), opts->on_record,
				 opts->ctx, NULL);
	if (!s->rb) {
		err = -errno;
		goto err_unload;
	}
	log_info("process probes attached as %s%s", family_names[s->family],
		 sensor__has_fork(s) ? "" : " (no fork probe: parents not yet exec'd come from /proc)");
	return s;

err_unload:
	sensor_unload(s);
err_free:
	free(s);
	errno = -err;
	return NULL;
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

/* Empty a map by deleting its first key until none is left. */
static int map_clear(struct bpf_map *map)
{
	char key[sizeof(struct ev_hot_path)];

	if (bpf_map__key_size(map) > sizeof(key))
		return -EINVAL;
	while (!bpf_map__get_next_key(map, NULL, key, bpf_map__key_size(map)))
		if (bpf_map__delete_elem(map, key, bpf_map__key_size(map), 0))
			return -errno;
	return errno == ENOENT ? 0 : -errno;
}

/* Cleared, then filled: an exec in between finds neither list. */
static int set_lists(struct bpf_map *names, struct bpf_map *paths, const struct hotlist *h)
{
	__u8 one = 1;
	int err;

	if ((err = map_clear(names)) || (err = map_clear(paths)))
		return err;
	for (size_t i = 0; i < h->nnames; i++)
		if (bpf_map__update_elem(names, &h->names[i], sizeof(h->names[i]), &one,
					 sizeof(one), BPF_ANY))
			return -errno;
	for (size_t i = 0; i < h->npaths; i++)
		if (bpf_map__update_elem(paths, &h->paths[i], sizeof(h->paths[i]), &one,
					 sizeof(one), BPF_ANY))
			return -errno;
	return 0;
}

int sensor__set_hotlist(struct sensor *s, const struct hotlist *h)
{
	return set_lists(s->skel->maps.emb_hot_names, s->skel->maps.emb_hot_paths, h);
}

/* The files learned under the old rules go too: they were banned by those rules. */
int sensor__set_blocklist(struct sensor *s, const struct hotlist *h)
{
	int err = map_clear(s->skel->maps.emb_block_files);

	return err ? err : set_lists(s->skel->maps.emb_block_names, s->skel->maps.emb_block_paths, h);
}

void sensor__set_urgent_execs(struct sensor *s, bool urgent)
{
	__atomic_store_n(&s->skel->bss->urgent_execs, urgent ? 1 : 0, __ATOMIC_SEQ_CST);
}

int sensor__block_file(struct sensor *s, const struct ev_file *f)
{
	struct ev_file_id key = { .dev = f->dev, .ino = f->ino, .ctime_sec = f->ctime_sec,
				  .ctime_nsec = f->ctime_nsec };
	__u8 one = 1;

	return bpf_map__update_elem(s->skel->maps.emb_block_files, &key, sizeof(key), &one,
				    sizeof(one), BPF_ANY) ? -errno : 0;
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


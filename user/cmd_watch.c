// SPDX-License-Identifier: GPL-2.0-only
/*
 * embargo watch: the corridor every event walks, bpf -> ring buffer -> decode -> process
 * table -> output, wired together here and nowhere else.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "decode.h"
#include "ecs.h"
#include "event.h"
#include "log.h"
#include "proctable.h"
#include "sensor.h"
#include "text.h"

#define STATS_CHECK_MS 5000
#define PRUNE_EVERY_CHECKS 12	/* a minute */

struct watch_opts {
	bool all;
	enum output_format format;
	enum sensor_family family;
	bool family_only;
};

struct watch {
	struct watch_opts opts;
	struct host host;
	struct event_env env;
	struct proctable *procs;
	struct sensor *sensor;
	struct json_writer json;
	FILE *out;
	int output_err;
	__u64 records, events, decode_errors;
	__u64 drops_reported;
	__u64 next_stats_check_ms;
	unsigned int checks;
};

static const char watch_usage[] =
	"Usage: embargo watch [OPTIONS]\n"
	"\n"
	"Load the process probes and report until SIGINT or SIGTERM. Prints 'ready' on\n"
	"stderr once the probes are attached and running processes are known.\n"
	"\n"
	"Options:\n"
	"  -a, --all              print every process start\n"
	"  -f, --format FORMAT    text or json (default: text on a terminal, else json lines)\n"
	"      --probes FAMILY    use only this probe family: tp_btf, raw_tp or tracepoint\n"
	"                         (default: tp_btf, falling back to raw_tp, then tracepoint)\n"
	"  -v, --verbose          more detail on stderr; twice for libbpf's debug output\n"
	"  -h, --help             this help\n";

static void emit(struct watch *w, const struct event *ev)
{
	int err;

	w->events++;
	if (w->opts.format == FORMAT_TEXT) {
		err = text__write(w->out, ev, &w->env);
	} else {
		err = ecs__write(&w->json, ev, &w->env);
		if (err) {
			log_warn("failed to encode event of pid %u: %s", ev->proc->pid,
				 strerror(-err));
			return;
		}
		fwrite(json__buf(&w->json), 1, json__len(&w->json), w->out);
		err = fputc('\n', w->out) == EOF ? -EIO : 0;
	}
	if (err && !w->output_err)
		w->output_err = err;
}

static void on_exec(struct watch *w, const void *data, size_t size)
{
	struct exec_view view;
	struct event ev = { .category = "process", .type = "start", .action = "exec" };

	if (decode__exec(data, size, &view)) {
		w->decode_errors++;
		return;
	}
	ev.proc = proctable__exec(w->procs, &view);
	if (!ev.proc)
		return;
	ev.parent = proctable__parent(w->procs, ev.proc);
	ev.time_ns = host__boot_to_real_ns(view.ev->hdr.ktime_ns);
	if (w->opts.all)
		emit(w, &ev);
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct watch *w = ctx;
	const struct ev_fork *fork;
	const struct ev_exit *exit;

	w->records++;
	switch (decode__type(data, size)) {
	case EV_EXEC:
		on_exec(w, data, size);
		break;
	case EV_FORK:
		if (!decode__fork(data, size, &fork))
			proctable__fork(w->procs, fork);
		break;
	case EV_EXIT:
		if (!decode__exit(data, size, &exit))
			proctable__exit(w->procs, exit);
		break;
	default:
		w->decode_errors++;
	}
	return 0;
}

static __u64 monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000 + (__u64)ts.tv_nsec / 1000000;
}

/*
 * Housekeeping on a slow tick: kernel-side losses are said as soon as they are seen, not
 * only at the end, and entries of processes whose exit was lost are dropped.
 */
static void periodic_checks(struct watch *w)
{
	__u64 stats[STAT_MAX], now = monotonic_ms();
	size_t pruned;

	if (now < w->next_stats_check_ms)
		return;
	w->next_stats_check_ms = now + STATS_CHECK_MS;
	if (++w->checks % PRUNE_EVERY_CHECKS == 0 && (pruned = proctable__prune(w->procs)))
		log_debug("dropped %zu processes that exited unseen", pruned);
	if (sensor__stats(w->sensor, stats) || stats[STAT_RB_DROP] == w->drops_reported)
		return;
	log_warn("kernel ring buffer full: %llu records lost so far",
		 (unsigned long long)stats[STAT_RB_DROP]);
	w->drops_reported = stats[STAT_RB_DROP];
}

static int block_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static int epoll_add(int epfd, int fd)
{
	struct epoll_event e = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &e) ? -errno : 0;
}

/* Returns 0 on SIGINT/SIGTERM, -errno when the loop cannot go on. */
static int watch_loop(struct watch *w, int sigfd)
{
	int epfd = epoll_create1(EPOLL_CLOEXEC), err;
	struct epoll_event events[4];

	if (epfd < 0)
		return -errno;
	if ((err = epoll_add(epfd, sensor__fd(w->sensor))) || (err = epoll_add(epfd, sigfd)))
		goto out;
	for (;;) {
		int n = epoll_wait(epfd, events, 4, SENSOR_POLL_MS);

		if (n < 0 && errno != EINTR) {
			err = -errno;
			break;
		}
		for (int i = 0; i < n; i++) {
			struct signalfd_siginfo si;

			if (events[i].data.fd != sigfd)
				continue;
			if (read(sigfd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo != SIGHUP) {
				log_info("stopping on signal %u", si.ssi_signo);
				err = 0;
				goto out;
			}
		}
		err = sensor__consume(w->sensor);
		if (err < 0)
			break;
		fflush(w->out);
		if (w->output_err) {
			err = w->output_err;
			log_err("failed to write events: %s", strerror(-err));
			break;
		}
		periodic_checks(w);
	}
out:
	close(epfd);
	return err;
}

static void print_summary(struct watch *w)
{
	__u64 stats[STAT_MAX] = { 0 };

	sensor__stats(w->sensor, stats);
	fprintf(stderr,
		"embargo: stopped: %llu events printed, %llu records read; kernel saw exec=%llu "
		"fork=%llu exit=%llu; dropped=%llu argv_faults=%llu paths_truncated=%llu "
		"decode_errors=%llu; %zu processes known\n",
		(unsigned long long)w->events, (unsigned long long)w->records,
		(unsigned long long)stats[STAT_EXEC], (unsigned long long)stats[STAT_FORK],
		(unsigned long long)stats[STAT_EXIT], (unsigned long long)stats[STAT_RB_DROP],
		(unsigned long long)stats[STAT_ARGS_FAULT],
		(unsigned long long)stats[STAT_PATH_TRUNC],
		(unsigned long long)w->decode_errors, proctable__len(w->procs));
}

static int parse_opts(int argc, char **argv, struct watch_opts *o)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'f' },
		{ "probes", required_argument, NULL, 'P' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c, verbosity = LOG_INFO;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":af:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			o->all = true;
			break;
		case 'f':
			if (cli__parse_format(optarg, &o->format))
				return cli__usage_error("watch", "--format must be text or json, "
							"not '%s'", optarg);
			break;
		case 'P':
			if (sensor__family_parse(optarg, &o->family))
				return cli__usage_error("watch", "--probes must be tp_btf, raw_tp "
							"or tracepoint, not '%s'", optarg);
			o->family_only = true;
			break;
		case 'v':
			verbosity++;
			break;
		case 'h':
			fputs(watch_usage, stdout);
			return -1;
		case ':':
			return cli__usage_error("watch", "option '%s' needs a value",
						argv[optind - 1]);
		default:
			return cli__usage_error("watch", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli__usage_error("watch", "unexpected argument '%s'", argv[optind]);
	log__set_level(verbosity > LOG_TRACE ? LOG_TRACE : verbosity);
	o->format = cli__resolve_format(o->format);
	return 0;
}

static int watch_start(struct watch *w)
{
	struct sensor_opts so = {
		.first = w->opts.family,
		.only = w->opts.family_only,
		.on_record = on_record,
		.ctx = w,
	};
	int n;

	if ((n = host__load(&w->host, NULL)))
		log_warn("failed to read host name: %s, ignoring", strerror(-n));
	w->env.host = &w->host;
	w->env.users = users__new();
	w->procs = proctable__new("/proc", w->host.id);
	if (!w->env.users || !w->procs)
		return -ENOMEM;
	log__capture_libbpf();
	/* attach first, then scan /proc: a process born in between is in one or the other */
	w->sensor = sensor__open(&so);
	if (!w->sensor) {
		log_err("failed to load the process probes: %s", strerror(errno));
		return -errno;
	}
	n = proctable__seed(w->procs);
	if (n < 0)
		log_warn("failed to scan /proc: %s, ignoring", strerror(-n));
	log_info("ready: probes %s, %zu running processes known",
		 sensor__family_name(sensor__family(w->sensor)), proctable__len(w->procs));
	return 0;
}

static void watch_stop(struct watch *w)
{
	if (w->sensor) {
		sensor__consume(w->sensor);	/* what is still queued is still reported */
		fflush(w->out);
		print_summary(w);
	}
	sensor__close(w->sensor);
	proctable__free(w->procs);
	users__free(w->env.users);
	json__free(&w->json);
}

int cmd_watch(int argc, char **argv)
{
	struct watch w = { .out = stdout };
	int err, sigfd;

	err = parse_opts(argc, argv, &w.opts);
	if (err)
		return err < 0 ? EXIT_OK : err;
	json__init(&w.json);
	sigfd = block_signals();
	if (sigfd < 0) {
		log_err("failed to set up signal handling: %s", strerror(errno));
		return EXIT_USAGE;
	}
	err = watch_start(&w);
	if (!err)
		err = watch_loop(&w, sigfd);
	watch_stop(&w);
	close(sigfd);
	return err ? EXIT_USAGE : EXIT_OK;
}

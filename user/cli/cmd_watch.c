// SPDX-License-Identifier: GPL-2.0-only
/*
 * embargo watch: the corridor every event walks, bpf -> ring buffer -> decode -> process
 * table -> identity -> match -> enforce -> alert -> output, wired together here and nowhere
 * else: start, the loop, stop. Its rules are watch_rules.c's, its health watch_health.c's.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "cli/cli.h"
#include "cli/control.h"
#include "cli/runmark.h"
#include "cli/status.h"
#include "cli/watch.h"
#include "cli/watch_opts.h"
#include "cli/watch_selfcheck.h"
#include "core/pipeline.h"
#include "core/scan.h"
#include "enforce/enforce.h"
#include "lib/log.h"
#include "lib/mounttable.h"
#include "output/output.h"
#include "packages/managers.h"
#include "packages/pkgwatch.h"
#include "packages/protect.h"
#include "process/identity.h"
#include "process/sysprogs.h"
#include "process/origins.h"
#include "process/proctable.h"
#include "rules/rulebook.h"
#include "sensor/sensor.h"

#define IDENTITY_WORKERS 2	/* hashing threads (more stand in for ones stuck in a file) */

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

/* Returns true when asked to stop. */
static bool handle_signals(struct watch *w, int sigfd)
{
	struct signalfd_siginfo si;

	while (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo != SIGHUP) {
			log_info("stopping on signal %u", si.ssi_signo);
			return true;
		}
		output__reopen(w->out);	/* logrotate moved the files */
		watch_rules__reload(w, NULL, false);
	}
	return false;
}

/* A question on the control socket (control.h): status, or a rules reload. */
static bool answer_control(void *ctx, const struct control_request *req, struct buf *body)
{
	struct watch *w = ctx;
	struct output_status outputs[32];
	__u64 kernel[STAT_MAX] = { 0 };
	struct daemon_status st = {
		.pid = getpid(),
		.uptime_s = (watch_health__now_ms() - w->started_ms) / 1000,
		.probes = sensor__family_name(sensor__family(w->sensor)),
		.rules = w->rules ? rulebook__rules(w->rules) : NULL,
		.kernel = kernel,
		.pipeline = pipeline__stats(w->pl),
		.identity = identity__stats(w->identity),
		.alerts = output__alerts(w->out),
		.processes = proctable__len(w->procs),
		.outputs = outputs,
	};

	if (req->command == CONTROL_RELOAD)
		return watch_rules__reload(w, body, req->json);
	sensor__stats(w->sensor, kernel);
	watch_selfcheck__status(w, &st.selfcheck);
	identity__load(w->identity, &st.hash_load);
	st.noutputs = output__status(w->out, outputs, sizeof(outputs) / sizeof(outputs[0]));
	status__render(&st, req->json, body);
	return true;
}

/* The control socket is a convenience: without it the daemon still watches. */
static void open_control(struct watch *w)
{
	int err;

	if (!w->opts.control[0])
		return;
	w->control = control__open(w->opts.control, &err);
	if (!w->control)
		log_warn("no control socket at %s: %s%s; `embargo status` will not reach this "
			 "daemon", w->opts.control, strerror(-err),
			 err == -EADDRINUSE ? " (another embargo watch answers there)" : "");
}

/* Returns 0 on SIGINT/SIGTERM, -errno when the loop cannot go on. */
static int watch_loop(struct watch *w, int sigfd)
{
	int epfd = epoll_create1(EPOLL_CLOEXEC), err;
	struct epoll_event events[4];

	if (epfd < 0)
		return -errno;
	if ((err = epoll_add(epfd, sensor__fd(w->sensor))) || (err = epoll_add(epfd, sigfd)) ||
	    (err = epoll_add(epfd, identity__fd(w->identity))) ||
	    (err = epoll_add(epfd, pipeline__argv_fd(w->pl))) ||
	    (err = epoll_add(epfd, pkgwatch__fd(w->pkg))) ||
	    (w->control && (err = epoll_add(epfd, control__fd(w->control)))))
		goto out;
	for (unsigned int empty_turns = 0;;) {
		/* two empty ticks: sleep until the next record wakes us (sensor.h) */
		bool sleep = empty_turns >= 2 && sensor__consume_before_sleep(w->sensor) == 0;
		int n;

		if (empty_turns >= 2 && !sleep) {
			sensor__awake(w->sensor);	/* records came after all */
			empty_turns = 0;
		}
		n = epoll_wait(epfd, events, 4, sleep ? SENSOR_IDLE_MS : SENSOR_POLL_MS);
		if (sleep)
			sensor__awake(w->sensor);

		if (n < 0 && errno != EINTR) {
			err = -errno;
			break;
		}
		for (int i = 0; i < n; i++) {
			if (events[i].data.fd == sigfd && handle_signals(w, sigfd))
				goto out;
			if (w->control && events[i].data.fd == control__fd(w->control))
				control__serve(w->control, answer_control, w);
			if (events[i].data.fd == pkgwatch__fd(w->pkg))
				pipeline__packages_changed(w->pl);
		}
		err = sensor__consume(w->sensor);
		if (err < 0)
			break;
		empty_turns = err ? 0 : empty_turns + 1;
		pipeline__complete(w->pl);
		pipeline__tick(w->pl);
		if ((err = output__flush(w->out))) {
			log_err("failed to write events: %s", strerror(-err));
			break;
		}
		watch_health__tick(w);
	}
out:
	close(epfd);
	return err;
}

/* What predates the daemon is reported too: installed packages and running programs. */
static void startup_scan(struct watch *w)
{
	struct scan s = { .rules = w->rules, .id = w->identity, .env = &w->env, .out = w->out,
			  .enf = w->enforcer };

	if (!w->rules)
		return;
	scan__packages(&s, pkgwatch__inventory(w->pkg));
	scan__processes(&s, w->procs);
	output__flush(w->out);
	log_info("startup scan: %zu findings in %zu packages and %zu processes", s.alerts,
		 s.packages, s.nproc);
}

struct id_list {
	struct ev_file_id *ids;
	size_t n;
};

static void add_id(void *ctx, uint64_t dev, uint64_t ino)
{
	struct id_list *l = ctx;

	l->ids[l->n++] = (struct ev_file_id){ .dev = dev, .ino = ino };
}

/*
 * What no rule may kill (protect.h), read once: block rules are judged against it at every
 * load and reload (rules__guard), and under enforcement the probe gets its files.
 */
static int load_protected(struct watch *w)
{
	char why[256];

	w->protect = protect__load("/", why, sizeof(why));
	if (!w->protect) {
		log_err("cannot tell what enforcement must never kill: %s", why);
		return -EINVAL;
	}
	return 0;
}

/* Under enforcement, the protected files for the probe's map, before it attaches. */
static int protected_ids(struct watch *w, struct id_list *l)
{
	if (w->opts.enforce == ENFORCE_OFF)
		return 0;
	l->ids = calloc(protect__nfiles(w->protect) + 1, sizeof(*l->ids));
	if (!l->ids)
		return -ENOMEM;
	protect__each_file(w->protect, add_id, l);
	log_info("protected from enforcement: %zu files of %zu packages and the fixed list",
		 l->n, protect__npackages(w->protect));
	return 0;
}

/*
 * The marker in --state-dir says this run is going on from here (runmark.h); it said how the
 * previous run ended, which the started record will tell.
 */
static void open_runmark(struct watch *w)
{
	int err;

	w->runmark = runmark__open(w->opts.state_dir, w->host.run_id, &err);
	if (!w->runmark)
		log_warn("no run marker in %s: %s%s; the next start cannot tell how this run ended",
			 w->opts.state_dir, strerror(-err),
			 err == -EBUSY ? " (another embargo watch has it)" : "");
}

static void started_record(struct watch *w, const char *msg, const struct capabilities *caps)
{
	const struct previous_run *prev = runmark__previous(w->runmark);
	char started[768], unclean[320];

	runmark__describe(prev, unclean, sizeof(unclean));
	if (unclean[0])
		log_warn("%s", unclean + 2);
	snprintf(started, sizeof(started), "%s%s", msg, unclean);
	output__started(w->out, started, caps, prev);
	runmark__update(w->runmark, output__sequence(w->out), 0);
}

static int watch_start(struct watch *w)
{
	struct sensor_opts so = {
		.first = w->opts.family,
		.only = w->opts.family_only,
		.on_record = watch_selfcheck__record,	/* then pipeline__record */
	};
	const struct capabilities *caps;
	struct id_list protected = { 0 };
	char msg[320], why[256];
	int n;

	managers__sensor_opts(&so);

	if ((n = host__load(&w->host, NULL)))
		log_warn("failed to read host name: %s, ignoring", strerror(-n));
	w->env.host = &w->host;
	open_runmark(w);
	w->env.users = users__new();
	w->procs = proctable__new("/proc", w->host.id);
	w->identity = identity__new("/proc", IDENTITY_WORKERS);
	if (!w->env.users || !w->procs || !w->identity)
		return -ENOMEM;
	identity__set_max_size(w->identity, w->opts.hash_max);
	w->pl = pipeline__new(w->opts.all, w->procs, w->identity, w->out, &w->env);
	w->pkg = pkgwatch__new(&pkgdb__system_paths);
	if (!w->pl || !w->pkg)
		return -ENOMEM;
	pipeline__set_pkgwatch(w->pl, w->pkg);
	w->sysprogs = sysprogs__load(w->identity, so.package_managers, so.npackage_managers);
	pipeline__set_sysprogs(w->pl, w->sysprogs);
	so.npackage_manager_files = sysprogs__files(w->sysprogs, SYSPROG_PKG_MANAGER,
						    w->pkg_files, w->pkg_file_names,
						    SYSPROGS_MAX);
	so.package_manager_files = w->pkg_files;
	so.package_manager_file_names = w->pkg_file_names;
	w->mounts = mounttable__open(NULL);
	if (!w->mounts)
		log_warn("cannot read the host's mount table (%s): a file seen through a bind "
			 "mount keeps only the path its namespace shows", strerror(errno));
	pipeline__set_mounts(w->pl, w->mounts);
	if ((n = load_protected(w)) || (n = watch_rules__load(w)))
		return n;
	pipeline__set_rules(w->pl, w->rules);
	watch_rules__index_vendors(w);
	so.ctx = w;
	log__capture_libbpf();
	/* attach first, then scan /proc: a process born in between is in one or the other */
	so.enforce = w->opts.enforce == ENFORCE_ON;
	if ((n = protected_ids(w, &protected)))
		return n;
	so.protected_files = protected.ids;
	so.nprotected_files = protected.n;
	w->sensor = sensor__open(&so, why, sizeof(why));
	n = -errno;
	free(protected.ids);
	if (!w->sensor) {
		log_err("%s", why);
		return n;
	}
	w->enforcer = enforce__new(&(struct enforce_opts){
		.mode = w->opts.enforce, .sensor = w->sensor, .identity = w->identity,
		.protect = w->protect, .quarantine_dir = w->opts.quarantine_dir });
	if (!w->enforcer)
		return -ENOMEM;
	pipeline__set_enforcer(w->pl, w->enforcer);
	watch_rules__tell_kernel(w);
	w->selfcheck = selfcheck__new(w->opts.selfcheck_s);
	if (w->opts.selfcheck_s && !w->selfcheck)
		return -ENOMEM;
	n = proctable__seed(w->procs);
	if (n < 0)
		log_warn("failed to scan /proc: %s, ignoring", strerror(-n));
	startup_scan(w);
	caps = sensor__capabilities(w->sensor);
	snprintf(msg, sizeof(msg), "started: probes %s (paths: %s, kernel %s), %zu rules, %zu "
		 "running processes known, %zu packages installed", caps->probes, caps->path_walk,
		 caps->kernel,
		 w->rules ? rulebook__rules(w->rules)->nrules : 0, proctable__len(w->procs),
		 pkgwatch__inventory(w->pkg)->n);
	started_record(w, msg, caps);
	output__flush(w->out);
	open_control(w);
	log_info("ready: %s", msg + sizeof("started: ") - 1);
	sd_notifyf(0, "READY=1\nSTATUS=%s\nMAINPID=%d", msg, (int)getpid());
	return 0;
}

static void watch_stop(struct watch *w)
{
	sd_notify(0, "STOPPING=1");
	control__close(w->control);
	if (w->sensor) {
		sensor__consume(w->sensor);	/* what is still queued is still reported */
		pipeline__drain(w->pl);		/* and every event still waiting for a hash */
		output__fold_flush(w->out);
		pipeline__state(w->pl, "stopped", "success", "stopping", NULL);
		output__flush(w->out);
		watch_health__summary(w);
	}
	selfcheck__free(w->selfcheck);
	sensor__close(w->sensor);
	enforce__free(w->enforcer);
	protect__free(w->protect);
	pipeline__free(w->pl);
	origins__free(w->origins);
	sysprogs__free(w->sysprogs);
	mounttable__free(w->mounts);
	pkgwatch__free(w->pkg);
	rulebook__free(w->rules);
	identity__free(w->identity);
	proctable__free(w->procs);
	users__free(w->env.users);
	/* in order, whatever it got to: only a run that vanished leaves its marker running */
	runmark__stopped(w->runmark, output__sequence(w->out));
	runmark__close(w->runmark);
	output__free(w->out);
	watch_opts__free(&w->opts);
}

int cmd_watch(int argc, char **argv)
{
	struct watch w = { 0 };
	char why[512];
	int err, sigfd;

	err = watch_opts__parse(argc, argv, &w.opts);
	if (err) {
		watch_opts__free(&w.opts);
		return err < 0 ? EXIT_OK : err;
	}
	/* before any thread starts: threads inherit the mask, and a signal must reach signalfd */
	sigfd = block_signals();
	if (sigfd < 0) {
		log_err("failed to set up signal handling: %s", strerror(errno));
		watch_opts__free(&w.opts);
		return EXIT_USAGE;
	}
	w.out = output__open(w.opts.outputs, w.opts.noutputs, &w.opts.out, &w.env, why,
			     sizeof(why));
	if (!w.out) {
		log_err("cannot open the outputs: %s", why);
		watch_opts__free(&w.opts);
		close(sigfd);
		return EXIT_USAGE;
	}
	w.started_ms = watch_health__now_ms();
	w.next_heartbeat_ms = w.started_ms + w.opts.heartbeat_s * 1000ULL;
	err = watch_start(&w);
	if (!err)
		err = watch_loop(&w, sigfd);
	watch_stop(&w);
	close(sigfd);
	return err ? EXIT_USAGE : EXIT_OK;
}

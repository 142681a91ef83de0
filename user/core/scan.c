// SPDX-License-Identifier: GPL-2.0-only
#include "core/scan.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alert.h"
#include "lib/homes.h"
#include "lib/treewalk.h"
#include "process/filefacts.h"
#include "process/markers.h"
#include "lib/log.h"
#include "process/program.h"

#define MAX_FILES 500000	/* per scan: a runaway tree must not run forever */
#define MAX_DEPTH 24	/* install locations */

/* Where software gets installed outside the package managers' own records (and homes). */
static const char *const default_roots[] = {
	"/opt", "/usr/local", "/usr/share/applications", "/var/lib/flatpak/app",
	"/var/lib/snapd/snaps", "/snap", NULL,
};

static struct event scan_event(enum event_category category, const char *action)
{
	return (struct event){ .time_ns = host__now_real_ns(), .category = category,
			       .type = "info", .action = action };
}

void scan__packages(struct scan *s, const struct inventory *inv)
{
	for (size_t i = 0; i < inv->n; i++) {
		const struct pkg *p = &inv->pkgs[i];
		struct package_info pkg = { .name = p->name, .version = p->version,
					    .type = p->type,
					    .architecture = p->arch[0] ? p->arch : NULL,
					    .path = p->path[0] ? p->path : NULL };
		struct event ev = scan_event(EVENT_CATEGORY_PACKAGE, "package-installed");

		ev.package = &pkg;
		s->alerts += alert__raise(s->rules, ON_PACKAGE, MATCH_ALL_RULES, &ev, s->env, s->out, s->enf);
	}
	s->packages += inv->n;
}

/* Identify a running process's file now (the scan has time; the pipeline has not). */
static void identify_running(struct scan *s, struct proc *p)
{
	char path[64];
	int fd;

	if (p->ident)
		return;
	snprintf(path, sizeof(path), "/proc/%u/exe", p->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	p->ident = identity__of_fd(s->id, fd);
	close(fd);
}

void scan__processes(struct scan *s, struct proctable *pt)
{
	struct sandbox *sb = sandbox__new("/proc");
	uint32_t *pids;
	size_t n;

	/* a list first: the table grows while parents are looked up */
	if (proctable__pids(pt, &pids, &n)) {
		sandbox__free(sb);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct proc *p = proctable__get(pt, pids[i]);
		struct event ev = scan_event(EVENT_CATEGORY_PROCESS, "process-running");

		if (!p)
			continue;
		s->nproc++;
		if (!p->script && !p->loader && !p->app_type)
			program__resolve(p, sb, pt);
		identify_running(s, p);
		ev.proc = p;
		ev.parent = proctable__parent(pt, p);
		s->alerts += alert__raise(s->rules, ON_PROCESS, MATCH_ALL_RULES, &ev, s->env, s->out, s->enf);
	}
	free(pids);
	sandbox__free(sb);
}

/* A file found, and the home it is in (NULL: an install location). */
struct found {
	struct scan *s;
	const struct home *home;
};

/* A Windows program: wine runs it without an execute bit. */
static bool windows_program(const char *path)
{
	size_t len = strlen(path);

	return len > 4 && !strcasecmp(path + len - 4, ".exe");
}

static int visit(void *ctx, int fd, const char *path, const struct stat *st)
{
	struct found *f = ctx;
	struct scan *s = f->s;
	struct file_info file = { .path = path, .in_home = f->home != NULL,
				  .uid = f->home ? f->home->uid : 0 };
	struct event ev = scan_event(EVENT_CATEGORY_FILE, "file-present");
	struct file_as_proc fp;
	struct file_ident *ident = NULL;
	struct file_markers marks;
	struct package_info says;

	if (++s->files > MAX_FILES) {
		log_warn("scan: stopped after %d files", MAX_FILES);
		return 1;
	}
	/* as a file: installers, desktop entries, archives (by name, or content if asked) */
	if (s->hash_files) {
		ident = identity__of_fd_at(s->id, fd, st);
		file.sha256 = ident ? ident->sha256 : NULL;
	}
	ev.file = &file;
	/* a banned package saved as x.zip: by what it says it is, as a download is */
	if (s->read_markers && !markers__from_fd(fd, &marks) && marks.package[0]) {
		says = (struct package_info){ .name = marks.package, .type = marks.type };
		ev.package = &says;
	}
	s->alerts += alert__raise(s->rules, ON_FILE, MATCH_ALL_RULES, &ev, s->env, s->out, NULL);
	ident__put(ident);
	/* as a program: what would run if it were executed (by the home's owner) */
	if ((st->st_mode & 0111 || windows_program(path)) &&
	    !filefacts__as_proc_fd(fd, path, s->id, &fp)) {
		if (f->home)
			fp.proc.uid = fp.proc.euid = f->home->uid;
		ev = scan_event(EVENT_CATEGORY_PROCESS, "program-present");
		ev.proc = &fp.proc;
		s->alerts += alert__raise(s->rules, ON_PROCESS, MATCH_ALL_RULES, &ev, s->env, s->out, s->enf);
		filefacts__release(&fp);
	}
	return 0;
}

static void walk_home(struct scan *s, struct treewalk *w, const struct home *home,
		      const struct scan_files_opts *o)
{
	struct treewalk_opts to = { .max_depth = o->home_depth, .cross_mounts = o->cross_mounts,
				    .skip = o->skip, .nskip = o->nskip };
	struct treewalk_stats st = { 0 };
	struct found f = { .s = s, .home = home };

	if (treewalk__skipped(&to, home->path))
		return;
	if (o->home_time_ms)
		to.deadline_ms = treewalk__now_ms() + o->home_time_ms;
	homes__walk(w, home, &to, visit, &f, &st);
	s->homes++;
	if (st.timed_out) {
		s->homes_cut++;
		log_warn("scan: %s: stopped at the time bound (%llu ms), the rest of it not "
			 "checked", home->path, (unsigned long long)o->home_time_ms);
	}
	if (st.deep)
		log_info("scan: %s: %zu directories below the depth bound (%u) not entered",
			 home->path, st.deep, o->home_depth);
	if (st.mounts)
		log_info("scan: %s: %zu other filesystems mounted in it not entered", home->path,
			 st.mounts);
}

/* An install location (or a --path that is no home): deep, no time bound. */
static void walk_root(struct scan *s, struct treewalk *w, int fd, const char *path,
		      const struct scan_files_opts *o)
{
	struct treewalk_opts to = { .max_depth = MAX_DEPTH, .cross_mounts = o->cross_mounts,
				    .skip = o->skip, .nskip = o->nskip };
	struct treewalk_stats st = { 0 };
	struct found f = { .s = s };

	treewalk__walk(w, fd, path, &to, visit, &f, &st);
}

static void walk_path(struct scan *s, struct treewalk *w, const struct homes *homes,
		      const char *path, const struct scan_files_opts *o)
{
	char real[PATH_MAX];
	const struct home *home;
	int fd = -EREMOTE;

	/* an administrator's path, resolved once by name (not on FUSE, where a lookup may
	 * never end); below it nothing is followed */
	if (path[0] == '/' && treewalk__path_remote(w, path))
		real[0] = '\0';
	else if (!realpath(path, real))
		fd = -errno;
	else
		fd = treewalk__open_root(w, real);
	if (fd == -EREMOTE)
		log_warn("scan: %s is on FUSE or a network filesystem, not walked", path);
	else if (fd < 0 && fd != -ENOENT)
		log_warn("scan: failed to open '%s': %s, ignoring", path, strerror(-fd));
	if (fd < 0)
		return;
	home = homes__find(homes, fd);
	if (home)
		walk_home(s, w, home, o);
	else
		walk_root(s, w, fd, real, o);
	close(fd);
}

int scan__files(struct scan *s, const struct scan_files_opts *o)
{
	struct treewalk *w = treewalk__new();
	struct homes homes;
	int err;

	if (!w)
		return -errno;
	if ((err = homes__list(w, &homes))) {
		treewalk__free(w);
		return err;
	}
	if (o->nroots) {
		for (size_t i = 0; i < o->nroots; i++)
			walk_path(s, w, &homes, o->roots[i], o);
	} else {
		s->homes_remote = homes.remote;
		/* a home below another (or an install location) is walked as its own, once */
		for (size_t i = 0; i < homes.n; i++)
			treewalk__mark(w, homes.v[i].fd);
		for (size_t i = 0; default_roots[i]; i++)
			walk_path(s, w, &homes, default_roots[i], o);
		for (size_t i = 0; i < homes.n; i++)
			walk_home(s, w, &homes.v[i], o);
	}
	homes__free(&homes);
	treewalk__free(w);
	return 0;
}

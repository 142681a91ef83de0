// SPDX-License-Identifier: GPL-2.0-only
#include "core/scan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alert.h"
#include "process/filefacts.h"
#include "lib/log.h"
#include "process/program.h"

#define MAX_FILES 500000	/* per scan: a runaway tree must not run forever */
#define MAX_DEPTH 24

/* Where software gets installed outside the package managers' own records. */
static const char *const default_roots[] = {
	"/opt", "/usr/local", "/usr/share/applications", "/var/lib/flatpak/app",
	"/var/lib/snapd/snaps", "/snap", "/root/.local", "/home/*/.local", NULL,
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
					    .architecture = p->arch[0] ? p->arch : NULL };
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

/* nftw has no context argument: the scan in progress. */
static struct scan *walking;

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	struct scan *s = walking;
	struct file_info file = { .path = path };
	struct event ev = scan_event(EVENT_CATEGORY_FILE, "file-present");
	struct file_as_proc fp;
	struct file_ident *ident = NULL;

	if (type != FTW_F || !S_ISREG(st->st_mode) || ftw->level > MAX_DEPTH)
		return 0;
	if (++s->files > MAX_FILES) {
		log_warn("scan: stopped after %d files", MAX_FILES);
		return 1;
	}
	/* as a file: installers, desktop entries, archives (by name, or content if asked) */
	if (s->hash_files) {
		int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

		if (fd >= 0) {
			ident = identity__of_fd(s->id, fd);
			close(fd);
		}
		file.sha256 = ident ? ident->sha256 : NULL;
	}
	ev.file = &file;
	s->alerts += alert__raise(s->rules, ON_FILE, MATCH_ALL_RULES, &ev, s->env, s->out, NULL);
	ident__put(ident);
	/* as a program: what would run if it were executed */
	if (st->st_mode & 0111 && !filefacts__as_proc(path, s->id, &fp)) {
		ev = scan_event(EVENT_CATEGORY_PROCESS, "program-present");
		ev.proc = &fp.proc;
		s->alerts += alert__raise(s->rules, ON_PROCESS, MATCH_ALL_RULES, &ev, s->env, s->out, s->enf);
		filefacts__release(&fp);
	}
	return 0;
}

static void walk(struct scan *s, const char *root)
{
	walking = s;
	if (nftw(root, visit, 32, FTW_PHYS | FTW_MOUNT) < 0 && errno != ENOENT)
		log_debug("scan: failed to walk %s: %s, ignoring", root, strerror(errno));
	walking = NULL;
}

void scan__files(struct scan *s, char *const *roots, size_t nroots)
{
	glob_t g;

	if (nroots) {
		for (size_t i = 0; i < nroots; i++)
			walk(s, roots[i]);
		return;
	}
	for (size_t i = 0; default_roots[i]; i++) {
		if (glob(default_roots[i], GLOB_NOSORT, NULL, &g))
			continue;
		for (size_t j = 0; j < g.gl_pathc; j++)
			walk(s, g.gl_pathv[j]);
		globfree(&g);
	}
}

// SPDX-License-Identifier: GPL-2.0-only
#include "enforce/enforce.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "enforce/blocklist.h"
#include "rules/fields.h"
#include "lib/host.h"
#include "process/identity.h"
#include "process/killtree.h"
#include "lib/log.h"
#include "packages/pkgfiles.h"
#include "process/procfs.h"
#include "packages/protect.h"
#include "enforce/quarantine.h"
#include "sensor/sensor.h"

struct enforcer {
	enum enforce_mode mode;
	struct sensor *sensor;
	struct identity *id;			/* hashes a banned package's programs */
	const struct protect *protect;		/* NULL: only PID 1, embargo, kernel threads */
	struct blocklist *listed;		/* the kernel's block list, and why */
	const char *proc_root;
	const char *quarantine_dir;
	const char *dpkg_dir;			/* /var/lib/dpkg: packages' file lists */
	char last_id[QUARANTINE_ID_LEN];	/* the verdict of the file event being reported */
	char why[512];				/* the reason of the listed alert being reported */
	char pkgname[256];
	struct package_info listed_pkg;		/* and its package */
	pid_t self;
};

static const char *const mode_names[] = { "off", "dry-run", "on" };

int enforce__parse_mode(const char *s, enum enforce_mode *out)
{
	for (size_t i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++) {
		if (!strcmp(s, mode_names[i])) {
			*out = (enum enforce_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *enforce__mode_name(enum enforce_mode m)
{
	return m <= ENFORCE_ON ? mode_names[m] : "?";
}

struct enforcer *enforce__new(const struct enforce_opts *o)
{
	struct enforcer *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->mode = o->mode;
	e->sensor = o->sensor;
	e->id = o->identity;
	e->protect = o->protect;
	e->proc_root = o->proc_root ? o->proc_root : "/proc";
	e->quarantine_dir = o->quarantine_dir;
	e->dpkg_dir = o->dpkg_dir ? o->dpkg_dir : "/var/lib/dpkg";
	e->self = getpid();
	/* dry-run lists nothing in the kernel: the book is kept all the same */
	e->listed = blocklist__new(o->mode == ENFORCE_ON ? o->sensor : NULL);
	if (!e->listed) {
		free(e);
		return NULL;
	}
	return e;
}

void enforce__free(struct enforcer *e)
{
	if (e)
		blocklist__free(e->listed);
	free(e);
}

void enforce__rules_changed(struct enforcer *e)
{
	if (e)
		blocklist__clear(e->listed);
}

size_t enforce__listed_files(const struct enforcer *e)
{
	return e ? blocklist__len(e->listed) : 0;
}

/* Fields that say what a file is by its bytes: a rule on them alone bans the file itself. */
static bool content_only(const struct match_node *n)
{
	static const char *const content[] = { "process.hash.sha256", "embargo.elf.strings",
					       "embargo.elf.build_id" };

	if (n->op != MATCH_FIELD) {
		for (size_t i = 0; i < n->nkids; i++)
			if (n->op == MATCH_NOT || !content_only(n->kids[i]))
				return false;
		return n->nkids > 0;
	}
	for (size_t i = 0; i < sizeof(content) / sizeof(content[0]); i++)
		if (!strcmp(n->field->name, content[i]))
			return true;
	return false;
}

/* The identity of what p runs: for `ld.so PROG`, PROG (the loader is not the program). */
static bool program_id(const struct proc *p, uint64_t *dev, uint64_t *ino)
{
	if (p->loader) {
		if (!p->ident)
			return false;
		*dev = p->ident->key.dev;
		*ino = p->ident->key.ino;
		return true;
	}
	*dev = p->file.dev;
	*ino = p->file.ino;
	return p->file.ino != 0;
}

static bool file_protected(const struct enforcer *e, uint64_t dev, uint64_t ino)
{
	return e->protect && protect__file(e->protect, dev, ino);
}

/* No rule kills these: PID 1, embargo, kernel threads, a protected program. */
static bool proc_protected(const struct enforcer *e, const struct proc *p)
{
	uint64_t dev, ino;

	if (p->protected_file || protect__pid(e->proc_root, (pid_t)p->pid, e->self))
		return true;
	return program_id(p, &dev, &ino) && file_protected(e, dev, ino);
}

struct kill_ctx {
	const struct enforcer *e;
	pid_t root;		/* judged already, by what it runs (ld.so PROG: PROG) */
};

/* A descendant met on the way down the tree: protected by pid or by what it runs. */
static bool spare_descendant(void *arg, pid_t pid)
{
	const struct kill_ctx *ctx = arg;
	const struct enforcer *e = ctx->e;
	struct ev_file exe;

	if (pid == ctx->root)
		return false;
	if (protect__pid(e->proc_root, pid, e->self))
		return true;
	return !procfs__exe_file(e->proc_root, (uint32_t)pid, &exe) &&
	       file_protected(e, exe.dev, exe.ino);
}

/*
 * The process and every descendant it forked before the kill landed (killtree.h): a
 * program that forks at once must not live on in its child. The root is the process
 * that exec'd (its start time is checked): a reused pid is never hit.
 */
static void kill_process_tree(struct enforcer *e, const struct proc *p, uint64_t exec_ns,
			      struct verdict *v)
{
	struct kill_ctx ctx = { e, (pid_t)p->pid };
	struct killtree_result res;
	int n = killtree__kill(e->proc_root, (pid_t)p->pid, p->start_boot_ns, spare_descendant,
			       &ctx, &res);

	v->delay_us = (host__now_real_ns() - exec_ns) / 1000;
	if (n > 0) {
		v->result = VERDICT_KILLED;
		v->processes = (uint64_t)n;
		if (res.capped || res.failed)
			log_warn("enforce: pid %u (%s): %u processes killed, %u refused%s", p->pid,
				 p->exe ? p->exe : "?", res.killed, res.failed,
				 res.capped ? ", the tree was too large to walk whole" : "");
	} else if (n == -ESRCH || n == -ENOENT) {
		v->result = VERDICT_EXITED;	/* it ended, or its pid is another process now */
	} else {
		v->result = VERDICT_FAILED;
		log_warn("enforce: cannot kill pid %u (%s): %s", p->pid, p->exe ? p->exe : "?",
			 strerror(n < 0 ? -n : EPERM));
	}
}

/* The file p runs, on the kernel's list because rule r banned it (or the file it copies). */
static void list_program(struct enforcer *e, const struct rule *r, const struct proc *p,
			 const char *package)
{
	struct listed_file f = { .file = p->file, .path = p->exe, .rule = r,
				 .package = (char *)package };
	int err;

	if (p->loader || !p->file.ino || file_protected(e, p->file.dev, p->file.ino))
		return;	/* the kernel sees ld.so, not PROG: PROG is judged here every time */
	if (p->ident)
		snprintf(f.sha256, sizeof(f.sha256), "%s", p->ident->sha256);
	if ((err = blocklist__add(e->listed, &f)))
		log_warn("enforce: cannot put %s on the kernel's block list: %s", p->exe ? p->exe : "?",
			 strerror(-err));
}

static void learn(struct enforcer *e, const struct rule *r, const struct proc *p)
{
	if (content_only(r->match))
		list_program(e, r, p, NULL);
}

/*
 * Whether p may be killed, and if not, the verdict that says why: protected, a root
 * package manager's maintainer script (a banned package must stay removable), a process
 * that predates embargo (reported, not killed behind the admin's back).
 */
static bool spared(struct enforcer *e, const struct proc *p, struct verdict *v)
{
	if (proc_protected(e, p)) {
		v->result = VERDICT_PROTECTED;
		v->method = p->protected_file ? VERDICT_KERNEL : v->method;
		return true;
	}
	if (p->pkg_script || p->from_proc) {
		v->result = VERDICT_SPARED;
		return true;
	}
	return false;
}

/*
 * A block rule r matched the exec of p at exec_ns (wall clock): act as the mode says and
 * describe it in *v. False when enforcement is off (no verdict to report).
 */
static bool on_process(struct enforcer *e, const struct rule *r, const struct proc *p,
		       uint64_t exec_ns, struct verdict *v)
{
	if (!e || e->mode == ENFORCE_OFF || r->action != ACTION_BLOCK)
		return false;
	*v = (struct verdict){ .mode = mode_names[e->mode], .method = VERDICT_USER_SPACE };
	if (p->killed) {
		v->method = VERDICT_KERNEL;
		v->result = VERDICT_KILLED;
		return true;
	}
	if (spared(e, p, v)) {
		/* its file's next exec dies in the kernel all the same (never a protected one) */
		if (p->from_proc && e->mode == ENFORCE_ON)
			learn(e, r, p);
		return true;
	}
	if (e->mode == ENFORCE_DRY_RUN) {
		v->method = p->block_listed ? VERDICT_KERNEL : VERDICT_USER_SPACE;
		v->result = VERDICT_WOULD_KILL;
		return true;
	}
	kill_process_tree(e, p, exec_ns, v);
	learn(e, r, p);
	return true;
}

/*
 * A block rule matched a file written or renamed into place (an installer download): it is
 * moved into the quarantine (quarantine.h) and described in *v. False when off.
 */
static bool on_file(struct enforcer *e, const struct rule *r, const struct event *ev,
		    struct verdict *v)
{
	const struct proc *p = ev->proc;
	struct quarantine_meta m = {
		.path = (char *)ev->file->path, .sha256 = (char *)(ev->file->sha256 ? ev->file->sha256 : ""),
		.rule = r->id, .writer = p && p->exe ? p->exe : "",
		.writer_pid = p ? p->pid : 0, .writer_uid = p ? p->uid : 0,
	};
	int err;

	if (!e || e->mode == ENFORCE_OFF || r->action != ACTION_BLOCK || !ev->file->path ||
	    !strcmp(ev->action, "file-deleted"))
		return false;
	*v = (struct verdict){ .mode = mode_names[e->mode], .method = VERDICT_QUARANTINE };
	if (e->protect && protect__path(e->protect, ev->file->path)) {
		v->result = VERDICT_PROTECTED;	/* an upgrade renaming bash into place, say */
		return true;
	}
	if (e->mode == ENFORCE_DRY_RUN) {
		v->result = VERDICT_WOULD_QUARANTINE;
		return true;
	}
	err = quarantine__put(e->quarantine_dir, ev->file->path, &m);
	if (err) {
		v->result = err == -ENOENT ? VERDICT_EXITED : VERDICT_FAILED;
		log_warn("enforce: cannot quarantine %s: %s", ev->file->path, quarantine__why(err));
		return true;
	}
	memcpy(e->last_id, m.id, sizeof(e->last_id));
	v->result = VERDICT_QUARANTINED;
	v->quarantine_id = e->last_id;
	return true;
}

struct learning {
	struct enforcer *e;
	const struct rule *rule;
	const char *package;
	uint64_t listed, protected_files;
};

/* One of a banned package's programs: hashed (a copy elsewhere is known by it) and listed. */
static void learn_package_file(void *ctx, const char *path, int fd, const struct stat *st)
{
	struct learning *l = ctx;
	struct listed_file f = { .file = procfs__file_of_stat(st), .path = (char *)path, .rule = l->rule,
				 .package = (char *)l->package };
	struct file_ident *ident;
	int err;

	if (file_protected(l->e, st->st_dev, st->st_ino)) {
		l->protected_files++;
		log_warn("enforce: %s of banned package %s is protected: never blocked", path,
			 l->package);
		return;
	}
	if (l->e->id && (ident = identity__of_fd(l->e->id, fd))) {
		snprintf(f.sha256, sizeof(f.sha256), "%s", ident->sha256);
		ident__put(ident);
	}
	if ((err = blocklist__add(l->e->listed, &f)))
		log_warn("enforce: cannot list %s of package %s: %s", path, l->package,
			 strerror(-err));
	else
		l->listed++;
}

/*
 * A block rule matched an installed Debian package: every program of it (pkgfiles.h) that
 * is not protected goes on the kernel's block list (its programs die at exec), hashed. Its
 * removal takes them off (and reports nothing: false). False when off.
 */
static bool on_package(struct enforcer *e, const struct rule *r, const struct event *ev,
		       struct verdict *v)
{
	const struct package_info *pkg = ev->package;
	struct learning l = { .e = e, .rule = r, .package = pkg->name };
	struct pkgfiles_stats stats;

	if (!e || e->mode == ENFORCE_OFF || r->action != ACTION_BLOCK || !pkg->type ||
	    strcmp(pkg->type, "deb"))
		return false;
	if (!strcmp(ev->action, "package-removed")) {
		size_t n = blocklist__remove_package(e->listed, pkg->name);

		if (n)
			log_info("enforce: package %s removed: its %zu programs are off the block list",
				 pkg->name, n);
		return false;
	}
	*v = (struct verdict){ .mode = mode_names[e->mode], .method = VERDICT_KERNEL };
	if (e->mode == ENFORCE_DRY_RUN) {
		v->result = VERDICT_WOULD_LIST;
		return true;
	}
	if (!pkgfiles__each(e->dpkg_dir, pkg, learn_package_file, &l, &stats) &&
	    (stats.links || stats.diverted))
		log_info("enforce: package %s: %zu symlinks and %zu diverted files not listed "
			 "(not its programs)", pkg->name, stats.links, stats.diverted);
	v->programs = l.listed;
	v->protected_files = l.protected_files;
	v->result = VERDICT_LISTED;
	return true;
}

/* Why a listed file's exec is an alert, in words, and which package it belongs to. */
static void say_listed(struct enforcer *e, const struct listed_file *lf, const struct proc *p,
		       bool copy)
{
	const char *exe = p->exe ? p->exe : "?";
	int n;

	if (lf->package)
		n = snprintf(e->why, sizeof(e->why), "%s is %s program of banned package %s (%s)",
			     exe, copy ? "a copy of a" : "a", lf->package, lf->path ? lf->path : "?");
	else
		n = snprintf(e->why, sizeof(e->why), "%s is %s banned by its content (%s)", exe,
			     copy ? "a copy of a program" : "a program", lf->path ? lf->path : "?");
	if (lf->sha256[0] && n > 0 && (size_t)n < sizeof(e->why))
		snprintf(e->why + n, sizeof(e->why) - (size_t)n, ", SHA-256 %s", lf->sha256);
	snprintf(e->pkgname, sizeof(e->pkgname), "%s", lf->package ? lf->package : "");
	e->listed_pkg = (struct package_info){ .name = e->pkgname, .type = "deb" };
}

/*
 * The probe flagged the listing stale (the file's ctime moved: touch, ln, chmod, or a new
 * content): the same content stays listed under its new ctime; other content goes off.
 */
static void recheck(struct enforcer *e, const struct listed_file *lf, const struct proc *p)
{
	struct listed_file again = *lf;
	size_t n = strlen(e->why);

	if (!p->ident || !p->ident->sha256[0] || !lf->sha256[0])
		return;
	if (strcmp(p->ident->sha256, lf->sha256)) {
		snprintf(e->why + n, sizeof(e->why) - n,
			 "; its content changed since it was listed: taken off the list");
		blocklist__remove(e->listed, lf->file.dev, lf->file.ino);
		return;
	}
	again.file = p->file;
	blocklist__add(e->listed, &again);	/* copies what it keeps: lf goes */
}

/*
 * An exec no block rule acted on that is on the list all the same: killed in the probe
 * (the alert the kill owes the SIEM), or a copy (same SHA-256) or an ld.so run of a listed
 * program, killed here. Returns the rule that listed it, with the reason in *why and its
 * package in *pkg (NULL if none), valid until the next call; NULL when not listed.
 */
static const struct rule *listed(struct enforcer *e, const struct event *ev, struct verdict *v,
				 const char **why, const struct package_info **pkg)
{
	const struct proc *p = ev->proc;
	const struct listed_file *lf = NULL;
	const struct rule *r;
	bool by_kernel;
	uint64_t dev, ino;

	if (!e || e->mode == ENFORCE_OFF || !p)
		return NULL;
	if (p->killed || p->block_listed)
		lf = blocklist__by_id(e->listed, p->file.dev, p->file.ino);
	by_kernel = lf && !p->loader;
	if (!lf && program_id(p, &dev, &ino))
		lf = blocklist__by_id(e->listed, dev, ino);
	if (!lf && p->ident)
		lf = blocklist__by_hash(e->listed, p->ident->sha256);
	if (!lf)
		return NULL;
	r = lf->rule;
	say_listed(e, lf, p, !by_kernel && !(program_id(p, &dev, &ino) && dev == lf->file.dev &&
					      ino == lf->file.ino));
	*why = e->why;
	*pkg = e->pkgname[0] ? &e->listed_pkg : NULL;
	*v = (struct verdict){ .mode = mode_names[e->mode],
			       .method = by_kernel ? VERDICT_KERNEL : VERDICT_USER_SPACE };
	if (by_kernel && p->block_stale)
		recheck(e, lf, p);	/* lf may be gone now */
	if (p->killed) {
		v->result = VERDICT_KILLED;
	} else if (spared(e, p, v)) {
	} else if (e->mode == ENFORCE_DRY_RUN) {
		v->result = VERDICT_WOULD_KILL;
	} else {
		v->method = VERDICT_USER_SPACE;
		kill_process_tree(e, p, ev->time_ns, v);
		if (!by_kernel)
			list_program(e, r, p, e->pkgname[0] ? e->pkgname : NULL);
	}
	return r;
}

/* The first block rule enforcement acts on, by what the event is about. */
static bool act(struct enforcer *e, const struct event *ev, const struct rule *r,
		struct verdict *v)
{
	if (r->action != ACTION_BLOCK)
		return false;
	switch (ev->category) {
	case EVENT_CATEGORY_PROCESS:
		return ev->proc && on_process(e, r, ev->proc, ev->time_ns, v);
	case EVENT_CATEGORY_FILE:
		return ev->file && on_file(e, r, ev, v);
	case EVENT_CATEGORY_PACKAGE:
		return ev->package && on_package(e, r, ev, v);
	default:
		return false;
	}
}

bool enforce__event(struct enforcer *e, const struct event *ev, const struct rule *const *rules,
		    size_t n, bool check_listed, struct enforce_decision *d)
{
	*d = (struct enforce_decision){ .acted = n };
	for (size_t i = 0; i < n; i++) {
		if (act(e, ev, rules[i], &d->verdict)) {
			d->acted = i;
			return true;
		}
	}
	if (check_listed && ev->category == EVENT_CATEGORY_PROCESS)
		d->listed = listed(e, ev, &d->verdict, &d->listed_why, &d->listed_pkg);
	return d->listed != NULL;
}

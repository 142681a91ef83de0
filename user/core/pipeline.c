// SPDX-License-Identifier: GPL-2.0-only
#include "core/pipeline.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <string.h>

#include "core/alert.h"
#include "sensor/decode.h"
#include "lib/log.h"
#include "packages/pkgwatch.h"
#include "lib/path.h"
#include "process/sysprogs.h"
#include "process/argvread.h"
#include "process/markers.h"
#include "process/origins.h"
#include "process/procfs.h"
#include "process/program.h"
#include "process/sandbox.h"

struct pipeline {
	bool print_all;
	struct proctable *procs;
	struct identity *id;
	struct output *out;
	const struct event_env *env;
	struct rulebook *rules;
	struct sandbox *sandbox;
	struct pkgwatch *pkg;		/* NULL: packages not watched */
	struct enforcer *enf;		/* NULL: block rules only alert */
	const struct origins *origins;	/* NULL: no vendor file known by inode */
	const struct sysprogs *sysprogs;	/* NULL: loaders, package managers by name only */
	struct mounttable *mounts;	/* NULL: paths as the process's namespace shows them */
	struct argvread *argv;		/* NULL: a cut argv stays cut */
	bool hash_files;		/* a rule names file.hash.sha256 */
	struct pipeline_stats stats;
};

enum slot_kind {
	SLOT_EXE,
	SLOT_SCRIPT,
	SLOT_ARGS,	/* argv the kernel cut, read whole again (process/argvread.h) */
	SLOT_FILE,	/* file events ask one thing, in slots[0] */
};

struct pending;

/* One identity answer an event waits for: the cookie handed to identity.c. */
struct slot {
	struct pending *pe;
	enum slot_kind kind;
};

/*
 * An event waiting for a worker (its hashes; for a file, whether it is there), with copies
 * of its process and parent as they were.
 */
struct pending {
	struct pipeline *pl;
	struct event ev;
	unsigned int on;		/* ON_PROCESS or ON_FILE */
	struct proc *proc, *parent;	/* clones, owned */
	struct file_info file;		/* file events: path owned */
	struct file_ident *file_ident;	/* file events: a reference */
	struct package_info package;	/* downloads: what file_ident's content says it is */
	uint32_t pid, exec_seq;
	uint64_t start_boot_ns;
	int waiting;
	bool early;			/* the rules that need no content have been matched */
	bool delivered;			/* out of memory: already reported as it was */
	bool drop;			/* a file that is not there: the attempt failed */
	bool async_route;		/* an io_uring request: done after the record, by io-wq */
	bool args_pending;		/* argv is being read again: no early pass */
	struct slot slots[3];
};

static void on_ident(void *ctx, void *cookie, struct file_ident *f, enum ident_why why);
static void on_args(void *ctx, void *cookie, char *args, size_t len, int err);

struct pipeline *pipeline__new(bool print_all, struct proctable *procs, struct identity *id,
			       struct output *out, const struct event_env *env)
{
	struct pipeline *pl = calloc(1, sizeof(*pl));

	if (!pl)
		return NULL;
	pl->print_all = print_all;
	pl->procs = procs;
	pl->id = id;
	pl->out = out;
	pl->env = env;
	pl->sandbox = sandbox__new("/proc");
	pl->argv = argvread__new("/proc", on_args, pl);
	if (!pl->sandbox || !pl->argv) {
		pipeline__free(pl);
		return NULL;
	}
	identity__set_done(id, on_ident, pl);
	return pl;
}

void pipeline__free(struct pipeline *pl)
{
	if (!pl)
		return;
	sandbox__free(pl->sandbox);
	argvread__free(pl->argv);
	free(pl);
}

int pipeline__argv_fd(const struct pipeline *pl)
{
	return argvread__fd(pl->argv);
}

void pipeline__set_rules(struct pipeline *pl, struct rulebook *rb)
{
	pl->rules = rb;
	/* a download's content: its hash, or what it says it is (package.* on file rules) */
	pl->hash_files = rb && (rulebook__uses(rb, "file.hash.sha256") ||
				rulebook__uses(rb, "package.name"));
	identity__set_scanner(pl->id, rb ? rulebook__strscan(rb) : NULL);
}

const struct pipeline_stats *pipeline__stats(const struct pipeline *pl)
{
	return &pl->stats;
}

void pipeline__state(struct pipeline *pl, const char *action, const char *outcome,
		     const char *message, const char *error)
{
	output__state(pl->out, action, outcome, message, error);
	output__flush(pl->out);
}

static void raise_alerts(struct pipeline *pl, const struct event *ev, unsigned int on,
			 enum match_phase phase)
{
	pl->stats.alerts += (uint64_t)alert__raise(pl->rules, on, phase, ev, pl->env, pl->out,
						   pl->enf);
}

/* The end of the corridor: print it if asked, then every alert (of this phase) it raises. */
static void deliver_as(struct pipeline *pl, const struct event *ev, unsigned int on,
		       enum match_phase phase)
{
	pl->stats.events++;
	if (pl->print_all)
		output__event(pl->out, ev);
	raise_alerts(pl, ev, on, phase);
}

static void on_package(const struct pkgwatch_change *c)
{
	static const char *const types[] = { "installation", "change", "deletion" };
	static const char *const actions[] = { "package-installed", "package-upgraded",
					       "package-removed" };
	struct pipeline *pl = c->ctx;
	struct package_info pkg = {
		.name = c->pkg->name, .version = c->pkg->version, .type = c->pkg->type,
		.architecture = c->pkg->arch[0] ? c->pkg->arch : NULL,
		.path = c->pkg->path[0] ? c->pkg->path : NULL,
		.previous_version = c->kind == PKG_UPGRADED ? c->before->version : NULL,
		.installed_ns = c->kind != PKG_REMOVED ? host__now_real_ns() : 0,
	};
	struct event ev = {
		.time_ns = host__now_real_ns(), .category = EVENT_CATEGORY_PACKAGE,
		.type = types[c->kind], .action = actions[c->kind], .package = &pkg, .proc = c->by,
		.parent = c->by ? proctable__parent(pl->procs, c->by) : NULL,
	};

	pl->stats.packages++;
	deliver_as(pl, &ev, ON_PACKAGE, MATCH_ALL_RULES);
}

void pipeline__set_pkgwatch(struct pipeline *pl, struct pkgwatch *pw)
{
	pl->pkg = pw;
}

void pipeline__set_sysprogs(struct pipeline *pl, const struct sysprogs *s)
{
	pl->sysprogs = s;
}

void pipeline__set_mounts(struct pipeline *pl, struct mounttable *mt)
{
	pl->mounts = mt;
}

void pipeline__set_origins(struct pipeline *pl, const struct origins *o)
{
	pl->origins = o;
}

void pipeline__set_enforcer(struct pipeline *pl, struct enforcer *enf)
{
	pl->enf = enf;
}

void pipeline__packages_changed(struct pipeline *pl)
{
	pkgwatch__on_inotify(pl->pkg);
}

void pipeline__tick(struct pipeline *pl)
{
	identity__tick(pl->id);
	argvread__tick(pl->argv);
	if (pl->pkg)
		pkgwatch__tick(pl->pkg, on_package, pl);
}

static struct file_ident **slot_target(struct proc *p, enum slot_kind kind)
{
	return kind == SLOT_EXE ? &p->ident : &p->script_ident;
}

static void ask(struct pipeline *pl, struct pending *pe, struct proc *p, enum slot_kind kind)
{
	struct slot *slot = &pe->slots[kind];
	struct file_ident *f = NULL;
	enum ident_why why = IDENT_OK;
	enum ident_status st;

	*slot = (struct slot){ pe, kind };
	if (kind == SLOT_SCRIPT)
		st = identity__resolve_path(pl->id, p->script, slot, &f, &why);
	else if (p->loader)
		st = identity__resolve_path(pl->id, p->exe, slot, &f, &why);
	else
		st = identity__resolve_exe(pl->id, p, slot, &f, &why);
	if (st == IDENT_READY)
		*slot_target(p, kind) = f;
	else if (st == IDENT_PENDING)
		pe->waiting++;
	else if (kind == SLOT_EXE)
		p->ident_unavailable = ident__why_name(why);
}

/*
 * A copy of a package manager under another name (the kernel knows the real one's name
 * and inode, not its content) begins a session as the real one does: what it installs is
 * attributed to it. Not inside a session the kernel began: dpkg under apt is apt's.
 */
static void begin_session_if_package_manager(struct pipeline *pl, const struct proc *p)
{
	if (pl->pkg && p && p->ident && !p->pkg_session &&
	    sysprogs__by_hash(pl->sysprogs, SYSPROG_PKG_MANAGER, p->ident->sha256))
		pkgwatch__session_begins(pl->pkg, p);
}

/* argv the kernel cut: read whole again by a worker; the event waits for it */
static void ask_args(struct pipeline *pl, struct pending *pe, struct proc *p)
{
	struct slot *slot = &pe->slots[SLOT_ARGS];

	*slot = (struct slot){ pe, SLOT_ARGS };
	/* the terminator proctable added to a cut last argument is not the process's */
	if (!argvread__ask(pl->argv, p->pid, p->args, p->args_len - 1, slot)) {
		pe->waiting++;
		pe->args_pending = true;
	}
}

static void pending_free(struct pending *pe)
{
	proctable__clone_free(pe->proc);
	proctable__clone_free(pe->parent);
	ident__put(pe->file_ident);
	free((char *)pe->file.path);
	free(pe);
}

/*
 * The table moves on while the hash is made: keep the process and its parent as they are
 * now. false when out of memory.
 */
static bool keep_copies(struct pending *pe, struct proc *p)
{
	const struct proc *parent = pe->ev.parent;

	pe->pid = p->pid;
	pe->exec_seq = p->exec_seq;
	pe->start_boot_ns = p->start_boot_ns;
	pe->proc = proctable__clone(p);
	pe->parent = parent ? proctable__clone(parent) : NULL;
	pe->ev.proc = pe->proc;
	pe->ev.parent = pe->parent;
	return pe->proc && (!parent || pe->parent);
}

static void on_exec(struct pipeline *pl, const void *data, size_t size)
{
	struct exec_view view;
	struct pending *pe = calloc(1, sizeof(*pe));
	struct proc *p;

	if (!pe || decode__exec(data, size, &view)) {
		pl->stats.decode_errors += pe != NULL;
		free(pe);
		return;
	}
	p = proctable__exec(pl->procs, &view);
	if (!p) {
		free(pe);
		return;
	}
	program__resolve(p, pl->sandbox, pl->procs);
	/* ld.so under another name (a hard link, a bind mount): known by inode */
	if (sysprogs__by_inode(pl->sysprogs, SYSPROG_LOADER, &p->file))
		program__run_by_loader(p);
	/* a vendor's file under another path (a link, a bind mount, a chroot): its own path too;
	 * any file a mount shows elsewhere: the host's path for it */
	if (!origins__tag(pl->origins, p) &&
	    !(view.ev->flags & (EV_EXEC_EXE_TRUNC | EV_EXEC_MNT_ROOT_TRUNC)))
		origins__tag_mount(pl->mounts, p, view.mnt_root, view.exe_in_mount);
	if (pl->pkg && view.ev->flags & EV_EXEC_PKG_ROOT)
		pkgwatch__session_begins(pl->pkg, p);
	pe->pl = pl;
	pe->on = ON_PROCESS;
	pe->ev = (struct event){ .category = EVENT_CATEGORY_PROCESS, .type = "start",
				 .action = "exec",
				 .time_ns = host__boot_to_real_ns(view.ev->hdr.ktime_ns) };
	ask(pl, pe, p, SLOT_EXE);
	begin_session_if_package_manager(pl, p);
	if (p->script)
		ask(pl, pe, p, SLOT_SCRIPT);
	if (p->args_truncated && p->args_len > 1)
		ask_args(pl, pe, p);
	pe->ev.proc = p;
	pe->ev.parent = proctable__parent(pl->procs, p);
	if (!pe->waiting) {
		deliver_as(pl, &pe->ev, ON_PROCESS, MATCH_ALL_RULES);
		free(pe);
		return;
	}
	/* what a name, a path or argv shows goes out now; what the content shows follows
	 * (all of it together when argv is read again: an argv rule must see all of it) */
	pl->stats.waited++;
	if (!pe->args_pending) {
		raise_alerts(pl, &pe->ev, ON_PROCESS, MATCH_BEFORE_CONTENT);
		pe->early = true;
	}
	if (!keep_copies(pe, p)) {
		log_warn("out of memory: pid %u reported without waiting for its hash", p->pid);
		pe->ev.proc = p;
		pe->ev.parent = proctable__parent(pl->procs, p);
		p->ident_unavailable = ident__why_name(IDENT_FAILED);
		deliver_as(pl, &pe->ev, ON_PROCESS, pe->early ? MATCH_ON_CONTENT : MATCH_ALL_RULES);
		pe->delivered = true;
	}
}

/* The exec the answer was for, if the table still has that same exec. */
static struct proc *live_exec(const struct pending *pe)
{
	struct proc *live = proctable__get(pe->pl->procs, pe->pid);

	return live && live->exec_seq == pe->exec_seq &&
	       live->start_boot_ns == pe->start_boot_ns ? live : NULL;
}

/* An answer about a program: to the waiting copy and, if still the same exec, to the table. */
static void fill_process(struct pending *pe, enum slot_kind kind, struct file_ident *f,
			 enum ident_why why)
{
	struct proc *live = live_exec(pe);

	if (f && live && !*slot_target(live, kind))
		*slot_target(live, kind) = ident__get(f);
	if (!pe->proc)
		return;
	if (f)
		*slot_target(pe->proc, kind) = ident__get(f);
	else if (kind == SLOT_EXE)
		pe->proc->ident_unavailable = ident__why_name(why);
	if (kind == SLOT_EXE)
		begin_session_if_package_manager(pe->pl, pe->proc);
}

/* An answer about a file just written: there or not, and its content if asked. */
static void fill_file(struct pending *pe, struct file_ident *f, enum ident_why why)
{
	/* the tracepoint sees the attempt: a create or rename that failed left nothing; an
	 * io_uring request may simply not have run yet, and is reported (without content) */
	pe->drop = why == IDENT_GONE && !pe->async_route;
	pe->file_ident = ident__get(f);
	pe->file.sha256 = f ? f->sha256 : NULL;
	if (f && f->markers && f->markers->package[0]) {
		pe->package = (struct package_info){ .name = f->markers->package,
						     .type = f->markers->type };
		pe->ev.package = &pe->package;
	}
}

/*
 * The executable hashes as one of the system's loaders (a copy under another name): the
 * program it was asked to run is what runs. Asks for that program's identity, and matches
 * the event against every rule when it comes (its name and path were not those of the
 * exec). false when it is not a loader or argv names no program.
 */
static bool ran_by_loader_copy(struct pending *pe, struct file_ident *f)
{
	struct proc *live = live_exec(pe);

	if (!f || !pe->proc || !sysprogs__by_hash(pe->pl->sysprogs, SYSPROG_LOADER, f->sha256) ||
	    !program__run_by_loader(pe->proc))
		return false;
	if (live)
		program__run_by_loader(live);
	pe->early = false;
	ask(pe->pl, pe, pe->proc, SLOT_EXE);
	return true;
}

/* One answer in: once the last has come, the event goes out. */
static void slot_answered(struct pending *pe)
{
	if (--pe->waiting)
		return;
	if (!pe->delivered && !pe->drop)
		deliver_as(pe->pl, &pe->ev, pe->on, pe->early ? MATCH_ON_CONTENT : MATCH_ALL_RULES);
	pending_free(pe);
}

static void on_ident(void *ctx, void *cookie, struct file_ident *f, enum ident_why why)
{
	struct slot *slot = cookie;
	struct pending *pe = slot->pe;

	(void)ctx;
	if (slot->kind == SLOT_FILE)
		fill_file(pe, f, why);
	else if (slot->kind != SLOT_EXE || !ran_by_loader_copy(pe, f))
		fill_process(pe, slot->kind, f, why);
	slot_answered(pe);
}

/* argv read whole: to the waiting copy and, if still the same exec, to the table */
static void on_args(void *ctx, void *cookie, char *args, size_t len, int err)
{
	struct slot *slot = cookie;
	struct pending *pe = slot->pe;
	struct proc *live = live_exec(pe);
	char *copy;

	(void)ctx;
	if (!err && live && (copy = malloc(len)) != NULL) {
		memcpy(copy, args, len);
		proctable__set_args(live, copy, len);
	}
	if (!err && pe->proc)
		proctable__set_args(pe->proc, args, len);
	else
		free(args);
	slot_answered(pe);
}

void pipeline__complete(struct pipeline *pl)
{
	identity__complete(pl->id);
	argvread__complete(pl->argv);
}

void pipeline__drain(struct pipeline *pl)
{
	identity__drain(pl->id, PIPELINE_DRAIN_MS);
	argvread__drain(pl->argv, 0);	/* its budget ran while the hashes did */
}

/* "dir/rel" for a relative path: the directory the kernel saw, else as it is now */
static char *file_path(const struct ev_file_op *f)
{
	char link[64], *dir, *out;

	if (f->path[0] == '/')
		return strdup(f->path);
	if (f->dir[0] == '/')
		return path__absolute(f->dir, f->path);
	if (f->dfd == -100)
		snprintf(link, sizeof(link), "cwd");
	else
		snprintf(link, sizeof(link), "fd/%d", f->dfd);
	dir = procfs__link("/proc", f->task.tgid, link, NULL);
	if (!dir)
		return strdup(f->path);	/* gone: the path as given, relative */
	out = path__absolute(dir, f->path);
	free(dir);
	return out;
}

/*
 * A file an installer or a download put on disk (or a package manager removed). Whether it
 * is there, and its content when a rule asks for file.hash.sha256, are a worker's to find:
 * the path is the user's, and may be on a FUSE mount that never answers.
 */
static void on_file(struct pipeline *pl, const struct ev_file_op *f)
{
	static const char *const types[] = { NULL, "creation", "change", "deletion",
					     "creation" };
	static const char *const actions[] = { NULL, "file-created", "file-renamed",
					       "file-deleted", "file-linked" };
	struct pending *pe = calloc(1, sizeof(*pe));
	struct proc *p = proctable__get(pl->procs, f->task.tgid);
	struct file_ident *ident = NULL;
	enum ident_why why = IDENT_OK;
	enum ident_status st = IDENT_READY;

	if (!pe)
		return;
	*pe = (struct pending){
		.pl = pl, .on = ON_FILE, .file.path = file_path(f),
		.ev = { .time_ns = host__boot_to_real_ns(f->hdr.ktime_ns),
			.category = EVENT_CATEGORY_FILE,
			.type = types[f->op <= FILE_OP_LINK ? f->op : 0],
			.action = actions[f->op <= FILE_OP_LINK ? f->op : 0],
			.proc = p, .parent = p ? proctable__parent(pl->procs, p) : NULL },
	};
	pe->ev.file = &pe->file;
	pe->async_route = f->flags & EV_FILE_IO_URING;
	if (!pe->file.path || !pe->ev.action) {
		pending_free(pe);
		return;
	}
	pe->slots[0] = (struct slot){ pe, SLOT_FILE };
	if (f->op != FILE_OP_UNLINK)
		st = identity__probe_file(pl->id, pe->file.path, pl->hash_files, &pe->slots[0],
					  &ident, &why);
	if (st != IDENT_PENDING) {
		/* a full queue: said as it is, unchecked, rather than late or not at all */
		pe->waiting = 1;
		on_ident(pl, &pe->slots[0], ident, why == IDENT_BACKLOG ? IDENT_OK : why);
		ident__put(ident);
		return;
	}
	pe->waiting = 1;
	if (p && !keep_copies(pe, p)) {
		log_warn("out of memory: file event of pid %u reported unchecked", p->pid);
		pe->ev.proc = p;
		pe->ev.parent = proctable__parent(pl->procs, p);
		deliver_as(pl, &pe->ev, ON_FILE, MATCH_ALL_RULES);
		pe->delivered = true;
	}
}

int pipeline__record(void *ctx, void *data, size_t size)
{
	struct pipeline *pl = ctx;
	const struct ev_fork *fork;
	const struct ev_exit *exit;
	const struct ev_file_op *file;

	pl->stats.records++;
	switch (decode__type(data, size)) {
	case EV_EXEC:
		on_exec(pl, data, size);
		break;
	case EV_FORK:
		if (!decode__fork(data, size, &fork))
			proctable__fork(pl->procs, fork);
		break;
	case EV_EXIT:
		if (decode__exit(data, size, &exit))
			break;
		if (pl->pkg && (exit->flags & EV_EXIT_PKG_ROOT ||
				pkgwatch__has_session(pl->pkg, exit->tgid)))
			pkgwatch__session_ends(pl->pkg, exit->tgid, on_package, pl);
		proctable__exit(pl->procs, exit);
		break;
	case EV_FILE:
		if (!decode__file(data, size, &file))
			on_file(pl, file);
		else
			pl->stats.decode_errors++;
		break;
	default:
		pl->stats.decode_errors++;
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only
#include "process/proctable.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>


#include "lib/hmap.h"
#include "process/argvread.h"
#include "process/identity.h"
#include "lib/host.h"
#include "lib/path.h"
#include "process/procfs.h"

struct proctable {
	struct hmap procs;	/* pid -> struct proc */
	char *proc_root;
	char *host_id;
};


struct proctable *proctable__new(const char *proc_root, const char *host_id)
{
	struct proctable *pt = calloc(1, sizeof(*pt));

	if (!pt)
		return NULL;
	hmap__init(&pt->procs);
	pt->proc_root = strdup(proc_root);
	pt->host_id = strdup(host_id ? host_id : "");
	if (!pt->proc_root || !pt->host_id) {
		proctable__free(pt);
		return NULL;
	}
	return pt;
}

static void proc_free_strings(struct proc *p)
{
	free(p->exe);
	free(p->cwd);
	free(p->filename);
	free(p->interp);
	free(p->args);
	free(p->loader);
	free(p->script);
	free(p->app_id);
	free(p->app_path);
	free(p->origin_path);
	free(p->origin_source);
	p->origin_path = p->origin_source = NULL;
	p->exe = p->cwd = p->filename = p->interp = p->args = p->loader = p->script = NULL;
	p->app_id = p->app_path = NULL;
	p->app_type = NULL;
	p->args_len = 0;
	ident__put(p->ident);
	ident__put(p->script_ident);
	p->ident = p->script_ident = NULL;
}

static void proc_free(struct proc *p)
{
	if (!p)
		return;
	proc_free_strings(p);
	free(p);
}

void proctable__free(struct proctable *pt)
{
	uint64_t pid;
	void *p;

	if (!pt)
		return;
	for (size_t it = 0; hmap__next(&pt->procs, &it, &pid, &p);)
		proc_free(p);
	hmap__free(&pt->procs);
	free(pt->proc_root);
	free(pt->host_id);
	free(pt);
}

size_t proctable__len(const struct proctable *pt)
{
	return hmap__len(&pt->procs);
}

struct proc *proctable__get(const struct proctable *pt, uint32_t pid)
{
	return hmap__get(&pt->procs, pid);
}

int proctable__pids(const struct proctable *pt, uint32_t **pids, size_t *n)
{
	uint64_t pid;
	void *p;

	*n = 0;
	*pids = malloc((hmap__len(&pt->procs) + 1) * sizeof(**pids));
	if (!*pids)
		return -ENOMEM;
	for (size_t it = 0; hmap__next(&pt->procs, &it, &pid, &p);)
		(*pids)[(*n)++] = (uint32_t)pid;
	return 0;
}

/* Put p in the table, replacing (and freeing) a stale entry of a reused pid. */
static struct proc *proctable_insert(struct proctable *pt, struct proc *p)
{
	void *old;

	if (hmap__put(&pt->procs, p->pid, p, &old)) {
		proc_free(p);
		return NULL;
	}
	proc_free(old);
	return p;
}

static struct proc *proctable_load(struct proctable *pt, uint32_t pid)
{
	struct proc *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	if (procfs__load(pt->proc_root, pid, p)) {
		proc_free(p);
		return NULL;
	}
	return proctable_insert(pt, p);
}

int proctable__seed(struct proctable *pt)
{
	DIR *dir = opendir(pt->proc_root);
	struct dirent *de;
	int n = 0;

	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		char *end;
		unsigned long pid = strtoul(de->d_name, &end, 10);

		if (!isdigit((unsigned char)de->d_name[0]) || *end || !pid || pid > UINT32_MAX)
			continue;
		if (!proctable__get(pt, (uint32_t)pid) && proctable_load(pt, (uint32_t)pid))
			n++;
	}
	closedir(dir);
	return n;
}

const struct proc *proctable__parent(struct proctable *pt, const struct proc *p)
{
	struct proc *parent;

	if (!p->ppid)
		return NULL;
	parent = proctable__get(pt, p->ppid);
	return parent ? parent : proctable_load(pt, p->ppid);
}

static void proc_set_task(struct proc *p, const struct ev_task *t)
{
	p->pid = t->tgid;
	p->ppid = t->ppid;
	p->start_boot_ns = t->start_boot_ns;
	p->uid = t->uid;
	p->euid = t->euid;
	p->gid = t->gid;
	p->egid = t->egid;
	p->loginuid = t->loginuid;
	p->sessionid = t->sessionid;
	p->mntns = t->mntns;
	p->tty_major = t->tty_major;
	p->tty_minor = t->tty_minor;
	p->cgroup_id = t->cgroup_id;
	memcpy(p->comm, t->comm, EV_COMM_LEN);
	p->comm[strnlen(p->comm, EV_COMM_LEN)] = '\0';
}

static char *strdup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* The kernel's path first; /proc when it was cut; the filename when /proc is gone. */
static void proc_resolve_exe(struct proctable *pt, struct proc *p, const struct exec_view *v)
{
	__u32 flags = v->ev->flags;

	p->exe_source = EXE_NONE;
	p->exe_deleted = false;
	if (v->exe && !(flags & EV_EXEC_EXE_TRUNC)) {
		p->exe = strdup(v->exe);
		p->exe_source = EXE_KERNEL;
		p->exe_deleted = flags & EV_EXEC_EXE_UNLINKED || !v->ev->file.nlink;
		return;
	}
	p->exe = procfs__link(pt->proc_root, p->pid, "exe", &p->exe_deleted);
	if (p->exe) {
		p->exe_source = EXE_PROC;
		return;
	}
	p->late = true;
	if (!v->filename)
		return;
	p->exe = path__absolute(p->cwd, v->filename);
	p->exe_source = p->exe ? EXE_FILENAME : EXE_NONE;
}

static void proc_set_args(struct proc *p, const struct exec_view *v)
{
	size_t len = v->args_len;

	p->argc = v->ev->argc;
	p->args_truncated = v->ev->flags & EV_EXEC_ARGS_TRUNC;
	if (!v->args)
		return;
	/* a cut last argument gets the terminator it lacks */
	p->args = malloc(len + 1);
	if (!p->args)
		return;
	memcpy(p->args, v->args, len);
	if (!len || v->args[len - 1] != '\0')
		p->args[len++] = '\0';
	p->args_len = len;
	if (!p->argc)	/* the tracepoint family has no bprm->argc */
		p->argc = decode__args_count(p->args, p->args_len);
}

struct proc *proctable__exec(struct proctable *pt, const struct exec_view *v)
{
	struct proc *p = proctable__get(pt, v->ev->task.tgid);

	if (!p || p->start_boot_ns != v->ev->task.start_boot_ns) {
		p = calloc(1, sizeof(*p));
		if (!p)
			return NULL;
		proc_set_task(p, &v->ev->task);
		p = proctable_insert(pt, p);
		if (!p)
			return NULL;
	}
	proc_free_strings(p);
	proc_set_task(p, &v->ev->task);
	p->exec_seq++;
	p->from_proc = false;
	p->ident_unavailable = NULL;
	p->late = false;
	p->file = v->ev->file;
	p->filename = strdup_or_null(v->filename);
	p->interp = strdup_or_null(v->interp);
	if (v->cwd && !(v->ev->flags & EV_EXEC_CWD_TRUNC))
		p->cwd = strdup(v->cwd);
	else
		p->cwd = procfs__link(pt->proc_root, p->pid, "cwd", NULL);
	proc_resolve_exe(pt, p, v);
	proc_set_args(p, v);
	p->killed = v->ev->flags & EV_EXEC_KILLED;
	p->block_listed = v->ev->flags & EV_EXEC_BLOCK_LISTED;
	p->block_stale = v->ev->flags & EV_EXEC_BLOCK_STALE;
	p->protected_file = v->ev->flags & EV_EXEC_PROTECTED;
	p->pkg_script = v->ev->flags & EV_EXEC_PKG_SCRIPT;
	p->pkg_session = v->ev->flags & (EV_EXEC_PKG_ROOT | EV_EXEC_PKG_CHILD);
	return p;
}

/* What runs in `from`, copied into `to`: a forked child inherits it until it execs. */
static void proc_copy_program(struct proc *to, const struct proc *from)
{
	to->exe = strdup_or_null(from->exe);
	to->cwd = strdup_or_null(from->cwd);
	to->filename = strdup_or_null(from->filename);
	to->interp = strdup_or_null(from->interp);
	to->loader = strdup_or_null(from->loader);
	to->script = strdup_or_null(from->script);
	to->app_type = from->app_type;
	to->app_id = strdup_or_null(from->app_id);
	to->app_path = strdup_or_null(from->app_path);
	to->origin_path = strdup_or_null(from->origin_path);
	to->origin_source = strdup_or_null(from->origin_source);
	to->args = NULL;
	to->args_len = 0;
	if (from->args && (to->args = malloc(from->args_len))) {
		memcpy(to->args, from->args, from->args_len);
		to->args_len = from->args_len;
	}
	to->argc = from->argc;
	to->args_truncated = from->args_truncated;
	to->file = from->file;
	to->ident = ident__get(from->ident);
	to->script_ident = ident__get(from->script_ident);
	to->exe_source = from->exe_source;
	to->exe_deleted = from->exe_deleted;
}

void proctable__set_args(struct proc *p, char *args, size_t len)
{
	char *grown;

	if (!len || args[len - 1] != '\0') {	/* cut at ARGVREAD_MAX: terminate it */
		grown = realloc(args, len + 1);
		if (!grown) {
			free(args);
			return;
		}
		args = grown;
		args[len++] = '\0';
		p->args_truncated = true;
	} else {
		p->args_truncated = len >= ARGVREAD_MAX;
	}
	free(p->args);
	p->args = args;
	p->args_len = len;
}

struct proc *proctable__clone(const struct proc *p)
{
	struct proc *c = malloc(sizeof(*c));

	if (!c)
		return NULL;
	*c = *p;
	proc_copy_program(c, p);
	return c;
}

void proctable__clone_free(struct proc *p)
{
	proc_free(p);
}

struct proc *proctable__fork(struct proctable *pt, const struct ev_fork *f)
{
	struct proc *p = calloc(1, sizeof(*p));
	const struct proc *parent;

	if (!p)
		return NULL;
	proc_set_task(p, &f->child);
	parent = proctable__get(pt, f->parent_tgid);
	if (parent)
		proc_copy_program(p, parent);
	else if (procfs__load(pt->proc_root, p->pid, p))
		p->late = true;
	return proctable_insert(pt, p);
}

void proctable__exit(struct proctable *pt, const struct ev_exit *e)
{
	struct proc *p = proctable__get(pt, e->tgid);

	/* a start time that differs is an older entry of a reused pid: gone all the same */
	if (p)
		proc_free(hmap__del(&pt->procs, e->tgid));
}

size_t proctable__prune(struct proctable *pt)
{
	uint32_t gone[256];
	size_t n, total = 0;

	/* collect, then delete: the map must not change while it is iterated */
	do {
		uint64_t pid;
		void *p;
		char path[64];
		struct stat st;

		n = 0;
		for (size_t it = 0; n < sizeof(gone) / sizeof(gone[0]) &&
				    hmap__next(&pt->procs, &it, &pid, &p);) {
			snprintf(path, sizeof(path), "%s/%u", pt->proc_root, (uint32_t)pid);
			if (stat(path, &st) && errno == ENOENT)
				gone[n++] = (uint32_t)pid;
		}
		for (size_t i = 0; i < n; i++)
			proc_free(hmap__del(&pt->procs, gone[i]));
		total += n;
	} while (n == sizeof(gone) / sizeof(gone[0]));
	return total;
}

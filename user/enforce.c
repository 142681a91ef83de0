// SPDX-License-Identifier: GPL-2.0-only
#include "enforce.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fields.h"
#include "fsdev.h"
#include "host.h"
#include "log.h"
#include "procfs.h"
#include "quarantine.h"
#include "sensor.h"

struct enforcer {
	enum enforce_mode mode;
	struct sensor *sensor;
	const char *proc_root;
	const char *quarantine_dir;
	const char *dpkg_info;			/* /var/lib/dpkg/info: packages' file lists */
	char last_id[QUARANTINE_ID_LEN];	/* the verdict of the file event being reported */
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

struct enforcer *enforce__new(enum enforce_mode mode, struct sensor *sensor, const char *proc_root,
			      const char *quarantine_dir)
{
	struct enforcer *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->mode = mode;
	e->sensor = sensor;
	e->proc_root = proc_root;
	e->quarantine_dir = quarantine_dir;
	e->dpkg_info = "/var/lib/dpkg/info";
	e->self = getpid();
	return e;
}

void enforce__free(struct enforcer *e)
{
	free(e);
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

/*
 * SIGKILL through a pidfd, once /proc says the pid still is the process that exec'd (the
 * start times agree to the clock tick /proc keeps): a reused pid is never hit.
 */
static int kill_same_process(struct enforcer *e, const struct proc *p)
{
	uint64_t tick = 1000000000ULL / host__ticks_per_sec(), start;
	int fd = (int)syscall(SYS_pidfd_open, (pid_t)p->pid, 0), err = 0;

	if (fd < 0)
		return -errno;
	if ((err = procfs__start_ns(e->proc_root, p->pid, &start)))
		goto out;
	if (start / tick != p->start_boot_ns / tick) {
		err = -ESRCH;
		goto out;
	}
	if (syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0))
		err = -errno;
out:
	close(fd);
	return err;
}

static void learn(struct enforcer *e, const struct rule *r, const struct proc *p)
{
	int err;

	if (!p->file.ino || !content_only(r->match))
		return;
	if ((err = sensor__block_file(e->sensor, &p->file)))
		log_warn("enforce: cannot put %s on the kernel's block list: %s", p->exe ? p->exe : "?",
			 strerror(-err));
}

bool enforce__process(struct enforcer *e, const struct rule *r, const struct proc *p,
		      uint64_t exec_ns, struct verdict *v)
{
	int err;

	if (!e || e->mode == ENFORCE_OFF || r->action != ACTION_BLOCK)
		return false;
	*v = (struct verdict){ .mode = mode_names[e->mode], .method = "user-space" };
	if (p->killed) {
		v->method = "kernel";
		v->result = "killed";
		return true;
	}
	if (p->pid <= 1 || (pid_t)p->pid == e->self || p->from_proc) {
		/* from_proc: it predates embargo: reported, not killed behind the admin's back;
		 * its file's next exec dies in the kernel all the same */
		v->result = "spared";
		if (p->from_proc && e->mode == ENFORCE_ON)
			learn(e, r, p);
		return true;
	}
	if (e->mode == ENFORCE_DRY_RUN) {
		v->method = p->block_listed ? "kernel" : "user-space";
		v->result = "would-kill";
		return true;
	}
	err = kill_same_process(e, p);
	v->delay_us = (host__now_real_ns() - exec_ns) / 1000;
	if (!err) {
		v->result = "killed";
	} else if (err == -ESRCH || err == -ENOENT) {
		v->result = "exited";	/* it ended, or its pid is another process now */
	} else {
		v->result = "failed";
		log_warn("enforce: cannot kill pid %u (%s): %s", p->pid, p->exe ? p->exe : "?",
			 strerror(-err));
	}
	learn(e, r, p);
	return true;
}

bool enforce__file(struct enforcer *e, const struct rule *r, const struct event *ev,
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
	*v = (struct verdict){ .mode = mode_names[e->mode], .method = "quarantine" };
	if (e->mode == ENFORCE_DRY_RUN) {
		v->result = "would-quarantine";
		return true;
	}
	err = quarantine__put(e->quarantine_dir, ev->file->path, &m);
	if (err) {
		v->result = err == -ENOENT ? "exited" : "failed";
		log_warn("enforce: cannot quarantine %s: %s", ev->file->path, strerror(-err));
		return true;
	}
	memcpy(e->last_id, m.id, sizeof(e->last_id));
	v->result = "quarantined";
	v->quarantine_id = e->last_id;
	return true;
}

/* dpkg's list of a package's files: NAME:ARCH.list for multi-arch packages, else NAME.list. */
static FILE *dpkg_list(const char *info_dir, const struct package_info *pkg)
{
	char path[4096];
	FILE *f = NULL;

	if (pkg->architecture) {
		snprintf(path, sizeof(path), "%s/%s:%s.list", info_dir, pkg->name, pkg->architecture);
		f = fopen(path, "re");
	}
	if (!f) {
		snprintf(path, sizeof(path), "%s/%s.list", info_dir, pkg->name);
		f = fopen(path, "re");
	}
	return f;
}

/* Every executable regular file the package installed goes on the kernel's block list. */
static size_t learn_package_files(struct enforcer *e, const struct package_info *pkg)
{
	FILE *f = dpkg_list(e->dpkg_info, pkg);
	char line[4096];
	size_t n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		struct stat st;
		struct ev_file file = { 0 };

		line[strcspn(line, "\n")] = '\0';
		/* keyed by the device the kernel will see (overlayfs: not stat's) */
		if (fsdev__stat(line, NULL, &st) || !S_ISREG(st.st_mode) || !(st.st_mode & 0111))
			continue;
		file.dev = st.st_dev;
		file.ino = st.st_ino;
		file.ctime_sec = st.st_ctim.tv_sec;
		file.ctime_nsec = (uint32_t)st.st_ctim.tv_nsec;
		if (!sensor__block_file(e->sensor, &file))
			n++;
	}
	fclose(f);
	return n;
}

bool enforce__package(struct enforcer *e, const struct rule *r, const struct event *ev,
		      struct verdict *v)
{
	const struct package_info *pkg = ev->package;

	if (!e || e->mode == ENFORCE_OFF || r->action != ACTION_BLOCK || !pkg->type ||
	    strcmp(pkg->type, "deb") || !strcmp(ev->action, "package-removed"))
		return false;
	*v = (struct verdict){ .mode = mode_names[e->mode], .method = "kernel" };
	if (e->mode == ENFORCE_DRY_RUN) {
		v->result = "would-list";
		return true;
	}
	v->programs = learn_package_files(e, pkg);
	v->result = "listed";
	return true;
}

// SPDX-License-Identifier: GPL-2.0-only
#include "packages/pkgwatch.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/homes.h"
#include "lib/log.h"
#include "lib/treewalk.h"
#include "packages/privatedb.h"

#define QUIET_MS 1000	/* a database that stopped changing this long ago is compared */
#define MAX_SESSIONS 64
#define MAX_TARGETS 1024	/* state directories watched: the system's, and each home's */
#define HOME_PARENT "/home"
#define MAX_TARGET_DEPTH 16	/* directories made below a watched one before it was watched */

struct pkgwatch {
	struct pkgdb_paths paths;
	struct inventory known;
	int ifd;
	uint64_t changed_at_ms;		/* 0: no change waiting */
	struct proc *sessions[MAX_SESSIONS];	/* roots of running sessions (clones) */
	size_t nsessions;
	/* the state directories (a change in one is a change) and their inotify watches */
	char *targets[MAX_TARGETS];
	size_t ntargets;
	int target_wds[MAX_TARGETS];	/* -1: not there (yet): an ancestor is watched */
	int homes_wd;			/* /home: the homes are listed again */
	struct privatedbs *private;	/* dpkg --admindir/--root databases; NULL: not read */
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int add_target(struct pkgwatch *pw, const char *dir)
{
	for (size_t i = 0; i < pw->ntargets; i++)
		if (!strcmp(pw->targets[i], dir))
			return 0;	/* listed again: a home that was there before */
	if (pw->ntargets == MAX_TARGETS || !(pw->targets[pw->ntargets] = strdup(dir)))
		return -ENOMEM;
	pw->target_wds[pw->ntargets++] = -1;
	return 0;
}

/*
 * The state directories: dpkg's (it replaces its status file by rename), flatpak's and
 * snap's, and each home's own flatpak installation. A test's own dpkg tree is compared on
 * session ends only.
 */
static void list_targets(struct pkgwatch *pw)
{
	struct treewalk *w;
	struct homes homes;

	if (!pw->paths.dpkg_status || !strcmp(pw->paths.dpkg_status, "/var/lib/dpkg/status"))
		add_target(pw, "/var/lib/dpkg");
	if (pw->paths.flatpak_dirs[0])
		add_target(pw, pw->paths.flatpak_dirs[0]);
	if (pw->paths.snap_dir)
		add_target(pw, pw->paths.snap_dir);
	if (!pw->paths.user_flatpaks || !(w = treewalk__new()))
		return;
	/* a home made after start (a first login) is listed when /home changes */
	pw->homes_wd = inotify_add_watch(pw->ifd, HOME_PARENT, IN_CREATE | IN_MOVED_TO |
					 IN_ONLYDIR);
	if (!homes__list(w, &homes)) {
		for (size_t i = 0; i < homes.n; i++) {
			char dir[PATH_MAX];

			if (snprintf(dir, sizeof(dir), "%s/%s", homes.v[i].path,
				     PKGDB_USER_FLATPAK_APPS) < (int)sizeof(dir))
				add_target(pw, dir);
		}
		homes__free(&homes);
	}
	treewalk__free(w);
}

/*
 * While a target is not there, watch the nearest directory above it that is. Returns
 * whether the next directory down appeared before that watch was set (mkdir -p outran us):
 * its creation made no event, so the caller looks again.
 */
static bool watch_nearest_ancestor(struct pkgwatch *pw, const char *target)
{
	char path[PATH_MAX], *slash;
	size_t below = 0;
	struct stat st;

	snprintf(path, sizeof(path), "%s", target);
	while ((slash = strrchr(path, '/')) && slash != path) {
		below = (size_t)(slash - path);
		*slash = '\0';
		if (inotify_add_watch(pw->ifd, path, IN_CREATE | IN_MOVED_TO | IN_ONLYDIR) >= 0)
			break;
		if (errno != ENOENT)
			return false;
	}
	if (!below)
		return false;
	snprintf(path, sizeof(path), "%s", target);
	if ((slash = strchr(path + below + 1, '/')))
		*slash = '\0';
	return !fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW);
}

/*
 * Watch a target, or while it is not there, the nearest directory above it that is, for it
 * to appear (flatpak creates /var/lib/flatpak, and ~/.local/share/flatpak, at its first
 * install). Returns whether the target itself is newly watched.
 */
static bool watch_target(struct pkgwatch *pw, size_t i)
{
	const uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE |
			      IN_MOVED_FROM | IN_ONLYDIR | IN_DONT_FOLLOW;

	for (int depth = 0; depth < MAX_TARGET_DEPTH; depth++) {
		int wd = inotify_add_watch(pw->ifd, pw->targets[i], mask);

		if (wd >= 0) {
			bool fresh = pw->target_wds[i] != wd;

			pw->target_wds[i] = wd;
			return fresh;
		}
		pw->target_wds[i] = -1;
		if (errno != ENOENT) {
			log_debug("failed to watch %s: %s, ignoring", pw->targets[i],
				  strerror(errno));
			return false;
		}
		if (!watch_nearest_ancestor(pw, pw->targets[i]))
			return false;
	}
	return false;
}

/* Watch every target that is there; true if one appeared since the last time. */
static bool watch_targets(struct pkgwatch *pw)
{
	bool appeared = false;

	for (size_t i = 0; i < pw->ntargets; i++)
		appeared |= watch_target(pw, i);
	return appeared;
}

static bool is_target(const struct pkgwatch *pw, int wd)
{
	for (size_t i = 0; i < pw->ntargets; i++)
		if (pw->target_wds[i] == wd)
			return true;
	return false;
}

struct pkgwatch *pkgwatch__new(const struct pkgdb_paths *paths)
{
	struct pkgwatch *pw = calloc(1, sizeof(*pw));
	int err;

	if (!pw)
		return NULL;
	pw->paths = *paths;
	err = pkgdb__read(paths, &pw->known);
	if (err)
		log_warn("failed to read the installed packages: %s, ignoring", strerror(-err));
	pw->homes_wd = -1;
	pw->private = privatedbs__new();
	pw->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (pw->ifd < 0) {
		pkgwatch__free(pw);
		return NULL;
	}
	list_targets(pw);
	watch_targets(pw);
	return pw;
}

void pkgwatch__free(struct pkgwatch *pw)
{
	if (!pw)
		return;
	for (size_t i = 0; i < pw->nsessions; i++)
		proctable__clone_free(pw->sessions[i]);
	for (size_t i = 0; i < pw->ntargets; i++)
		free(pw->targets[i]);
	pkgdb__free(&pw->known);
	privatedbs__free(pw->private);
	if (pw->ifd >= 0)
		close(pw->ifd);
	free(pw);
}

int pkgwatch__fd(const struct pkgwatch *pw)
{
	return pw->ifd;
}

const struct inventory *pkgwatch__inventory(const struct pkgwatch *pw)
{
	return &pw->known;
}

/*
 * A change in a state directory waits to be compared; one above a state directory that is
 * not there yet (or one removed: IN_IGNORED) means the watches are set again, and a state
 * directory that appeared is a change (it may hold an install already).
 */
void pkgwatch__on_inotify(struct pkgwatch *pw)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool changed = false, rewatch = false, relist = false;
	ssize_t n;

	while ((n = read(pw->ifd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *e = (const struct inotify_event *)p;

			if (e->wd == pw->homes_wd)
				relist = rewatch = true;
			if (e->mask & IN_IGNORED)
				rewatch = changed = true;
			else if (is_target(pw, e->wd))
				changed = true;
			else
				rewatch = true;
			p += sizeof(*e) + e->len;
		}
	}
	if (relist)
		list_targets(pw);
	if (rewatch && watch_targets(pw))
		changed = true;
	if (changed)
		pw->changed_at_ms = now_ms();
}

void pkgwatch__session_begins(struct pkgwatch *pw, const struct proc *root)
{
	struct proc *copy;

	for (size_t i = 0; i < pw->nsessions; i++)
		if (pw->sessions[i]->pid == root->pid)
			return;	/* the root exec'd again (apt -> apt-get) */
	if (pw->nsessions == MAX_SESSIONS || !(copy = proctable__clone(root)))
		return;
	pw->sessions[pw->nsessions++] = copy;
}

bool pkgwatch__has_session(const struct pkgwatch *pw, uint32_t pid)
{
	for (size_t i = 0; i < pw->nsessions; i++)
		if (pw->sessions[i]->pid == pid)
			return true;
	return false;
}

/* Read the inventory again and report what changed, on behalf of by (may be NULL). */
static void compare(struct pkgwatch *pw, const struct proc *by, pkgwatch_fn fn, void *ctx)
{
	struct inventory now;
	struct pkgwatch_change change = { .by = by, .ctx = ctx };
	int err = pkgdb__read(&pw->paths, &now);

	pw->changed_at_ms = 0;
	if (err) {
		log_warn("failed to read the installed packages: %s, ignoring", strerror(-err));
		return;
	}
	pkgdb__diff(&pw->known, &now, pkgwatch__dispatch, &(struct pkgwatch_dispatch){
		.fn = fn, .change = &change });
	pkgdb__free(&pw->known);
	pw->known = now;
}

void pkgwatch__dispatch(void *arg, enum pkg_change kind, const struct pkg *now,
			const struct pkg *before)
{
	struct pkgwatch_dispatch *d = arg;

	d->change->kind = kind;
	d->change->pkg = now;
	d->change->before = before;
	d->fn(d->change);
}

/* A session that kept its own dpkg database: what it installed there. */
static void compare_private(struct pkgwatch *pw, const struct proc *root, pkgwatch_fn fn,
			    void *ctx)
{
	struct pkgwatch_change change = { .by = root, .ctx = ctx };
	char admindir[PATH_MAX];

	if (pw->private && privatedbs__admindir_of(root, admindir, sizeof(admindir)))
		privatedbs__compare(pw->private, admindir, pkgwatch__dispatch,
				    &(struct pkgwatch_dispatch){ .fn = fn, .change = &change });
}

void pkgwatch__session_ends(struct pkgwatch *pw, uint32_t root_pid, pkgwatch_fn fn, void *ctx)
{
	for (size_t i = 0; i < pw->nsessions; i++) {
		struct proc *root = pw->sessions[i];

		if (root->pid != root_pid)
			continue;
		compare(pw, root, fn, ctx);
		compare_private(pw, root, fn, ctx);
		proctable__clone_free(root);
		pw->sessions[i] = pw->sessions[--pw->nsessions];
		return;
	}
	compare(pw, NULL, fn, ctx);
}

void pkgwatch__tick(struct pkgwatch *pw, pkgwatch_fn fn, void *ctx)
{
	/* a change no session end explains (yet): the newest running session made it */
	if (pw->changed_at_ms && now_ms() - pw->changed_at_ms >= QUIET_MS)
		compare(pw, pw->nsessions ? pw->sessions[pw->nsessions - 1] : NULL, fn, ctx);
}

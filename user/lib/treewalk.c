// SPDX-License-Identifier: GPL-2.0-only
#include "lib/treewalk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "lib/fsdev.h"
#include "lib/hmap.h"

/* statx that never asks the filesystem (FUSE, NFS: cached attributes) nor mounts anything */
#define QUIET_STATX (AT_SYMLINK_NOFOLLOW | AT_STATX_DONT_SYNC | AT_NO_AUTOMOUNT)
#define STATX_WANT (STATX_TYPE | STATX_INO | STATX_MNT_ID)

struct mount {
	uint64_t id;
	char *point;
	bool remote;
};

struct treewalk {
	struct mount *mounts;
	size_t nmounts;
	struct hmap seen;	/* device -> struct hmap of inodes: directories walked */
};

uint64_t treewalk__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* "ID PARENT MAJ:MIN ROOT POINT OPTS [OPTIONAL...] - TYPE SOURCE SUPEROPTS" */
static int parse_mount(const char *line, struct mount *m)
{
	unsigned long long id;
	char point[PATH_MAX * 4 + 1];
	const char *type = strstr(line, " - ");

	if (!type || sscanf(line, "%llu %*u %*u:%*u %*s %4096s", &id, point) != 2)
		return -EINVAL;
	type += 3;
	fsdev__mountinfo_unescape(point);
	m->id = id;
	m->remote = fsdev__remote_type(type, strcspn(type, " \n"));
	m->point = strdup(point);
	return m->point ? 0 : -ENOMEM;
}

static int read_mounts(struct treewalk *w)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t size = 0;
	int err = 0;

	if (!f)
		return -errno;
	while (!err && getline(&line, &size, f) > 0) {
		struct mount *grown = realloc(w->mounts, (w->nmounts + 1) * sizeof(*grown));

		if (!grown) {
			err = -ENOMEM;
			break;
		}
		w->mounts = grown;
		if (!parse_mount(line, &w->mounts[w->nmounts]))
			w->nmounts++;
	}
	free(line);
	fclose(f);
	return err;
}

struct treewalk *treewalk__new(void)
{
	struct treewalk *w = calloc(1, sizeof(*w));
	int err;

	if (!w)
		return NULL;
	hmap__init(&w->seen);
	if ((err = read_mounts(w))) {
		treewalk__free(w);
		errno = -err;
		return NULL;
	}
	return w;
}

void treewalk__free(struct treewalk *w)
{
	uint64_t dev;
	void *inodes;

	if (!w)
		return;
	for (size_t i = 0; hmap__next(&w->seen, &i, &dev, &inodes);) {
		hmap__free(inodes);
		free(inodes);
	}
	hmap__free(&w->seen);
	for (size_t i = 0; i < w->nmounts; i++)
		free(w->mounts[i].point);
	free(w->mounts);
	free(w);
}

/* A mount the table does not have yet is taken for remote: it is not entered. */
static bool mount_remote(const struct treewalk *w, uint64_t id)
{
	for (size_t i = 0; i < w->nmounts; i++)
		if (w->mounts[i].id == id)
			return w->mounts[i].remote;
	return true;
}

bool treewalk__path_remote(const struct treewalk *w, const char *path)
{
	size_t best = 0;
	bool remote = false;

	for (size_t i = 0; i < w->nmounts; i++) {
		const char *p = w->mounts[i].point;
		size_t len = strlen(p);

		if (!strcmp(p, "/"))
			len = 0;
		else if (strncmp(path, p, len) || (path[len] != '/' && path[len] != '\0'))
			continue;
		if (len >= best) {
			best = len;
			remote = w->mounts[i].remote;
		}
	}
	return remote;
}

/* Mark a directory walked; true if it was already. */
static bool seen_before(struct treewalk *w, dev_t dev, ino_t ino)
{
	struct hmap *inodes = hmap__get(&w->seen, dev);

	if (!inodes) {
		inodes = calloc(1, sizeof(*inodes));
		if (!inodes)
			return false;
		hmap__init(inodes);
		if (hmap__put(&w->seen, dev, inodes, NULL)) {
			free(inodes);
			return false;
		}
	}
	if (hmap__get(inodes, ino))
		return true;
	hmap__put(inodes, ino, (void *)1, NULL);
	return false;
}

static dev_t statx_dev(const struct statx *sx)
{
	return makedev(sx->stx_dev_major, sx->stx_dev_minor);
}

/* Another filesystem is mounted here (statx with STATX_MNT_ID of the entry, parent's device). */
static bool is_mount(const struct statx *sx, dev_t parent_dev)
{
	if ((sx->stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
	    (sx->stx_attributes & STATX_ATTR_MOUNT_ROOT))
		return true;
	/* overlayfs gives files a device per layer, directories its own: compare directories */
	return S_ISDIR(sx->stx_mode) && statx_dev(sx) != parent_dev;
}

/* May the walk enter the mount at sx? Only a local one, and only when asked. */
static bool may_enter_mount(const struct treewalk *w, const struct statx *sx, bool cross)
{
	return cross && (sx->stx_mask & STATX_MNT_ID) && !mount_remote(w, sx->stx_mnt_id);
}

/* Open name below dirfd as statx saw it: the same inode, never through a symlink. */
static int open_checked(int dirfd, const char *name, const struct statx *sx, int flags,
			struct stat *st)
{
	int fd = openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0)
		return -errno;
	if (fstat(fd, st) || st->st_ino != sx->stx_ino || st->st_dev != statx_dev(sx) ||
	    (st->st_mode & S_IFMT) != (sx->stx_mode & S_IFMT)) {
		close(fd);
		return -ESTALE;	/* replaced between the two looks */
	}
	return fd;
}

int treewalk__open_root(struct treewalk *w, const char *path)
{
	struct statx sx;
	struct stat st;
	int fd;

	if (path[0] != '/')
		return -EINVAL;
	if (treewalk__path_remote(w, path))
		return -EREMOTE;
	if (statx(AT_FDCWD, path, QUIET_STATX, STATX_WANT, &sx))
		return -errno;
	if (!(sx.stx_mask & STATX_MNT_ID) || mount_remote(w, sx.stx_mnt_id))
		return -EREMOTE;
	if (!S_ISDIR(sx.stx_mode))
		return S_ISLNK(sx.stx_mode) ? -ELOOP : -ENOTDIR;
	fd = open_checked(AT_FDCWD, path, &sx, O_RDONLY | O_DIRECTORY, &st);
	return fd;
}

static int open_dir_entry(struct treewalk *w, int dirfd, const char *name,
			  const struct statx *sx, bool cross)
{
	struct stat parent, st;
	int fd;

	if (!S_ISDIR(sx->stx_mode))
		return S_ISLNK(sx->stx_mode) ? -ELOOP : -ENOTDIR;
	if (fstat(dirfd, &parent))
		return -errno;
	if (is_mount(sx, parent.st_dev) && !may_enter_mount(w, sx, cross))
		return -EXDEV;
	fd = open_checked(dirfd, name, sx, O_RDONLY | O_DIRECTORY, &st);
	return fd;
}

int treewalk__open_subdir(struct treewalk *w, int dirfd, const char *name, bool cross_mounts)
{
	struct statx sx;

	if (statx(dirfd, name, QUIET_STATX, STATX_WANT, &sx))
		return -errno;
	return open_dir_entry(w, dirfd, name, &sx, cross_mounts);
}

int treewalk__open_path(struct treewalk *w, int dirfd, const char *rel, bool cross_mounts)
{
	char part[NAME_MAX + 1];
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	while (*rel) {
		size_t n = strcspn(rel, "/");
		int next;

		if (n >= sizeof(part)) {
			close(fd);
			return -ENAMETOOLONG;
		}
		memcpy(part, rel, n);
		part[n] = '\0';
		rel += n + (rel[n] == '/');
		if (!n)
			continue;
		next = treewalk__open_subdir(w, fd, part, cross_mounts);
		close(fd);
		if (next < 0)
			return next;
		fd = next;
	}
	return fd;
}

bool treewalk__skipped(const struct treewalk_opts *o, const char *path)
{
	for (size_t i = 0; i < o->nskip; i++)
		if (!fnmatch(o->skip[i], path, FNM_PATHNAME))
			return true;
	return false;
}

/* One walk in progress. */
struct walk {
	struct treewalk *w;
	const struct treewalk_opts *o;
	treewalk_fn fn;
	void *ctx;
	struct treewalk_stats *st;
	char path[PATH_MAX];
};

static bool over(struct walk *x)
{
	if (!x->st->timed_out && x->o->deadline_ms && treewalk__now_ms() >= x->o->deadline_ms)
		x->st->timed_out = true;
	return x->st->timed_out || x->st->stopped;
}

static void walk_dir(struct walk *x, int dirfd, size_t len, unsigned int depth);

static void visit_file(struct walk *x, int dirfd, const char *name, const struct statx *sx)
{
	struct stat st;
	int fd = open_checked(dirfd, name, sx, O_RDONLY, &st);

	if (fd < 0)
		return;
	x->st->files++;
	if (x->fn(x->ctx, fd, x->path, &st))
		x->st->stopped = true;
	close(fd);
}

static void visit(struct walk *x, int dirfd, const char *name, dev_t dir_dev, size_t len,
		  unsigned int depth)
{
	struct statx sx;
	int fd;

	if (statx(dirfd, name, QUIET_STATX, STATX_WANT, &sx))
		return;
	if (S_ISLNK(sx.stx_mode)) {
		x->st->links++;
		return;
	}
	if (is_mount(&sx, dir_dev) && !may_enter_mount(x->w, &sx, x->o->cross_mounts)) {
		x->st->mounts++;
		return;
	}
	if (S_ISREG(sx.stx_mode)) {
		visit_file(x, dirfd, name, &sx);
	} else if (S_ISDIR(sx.stx_mode)) {
		if (depth >= x->o->max_depth) {
			x->st->deep++;
			return;
		}
		if (seen_before(x->w, statx_dev(&sx), sx.stx_ino))
			return;
		fd = open_dir_entry(x->w, dirfd, name, &sx, x->o->cross_mounts);
		if (fd >= 0)
			walk_dir(x, fd, len, depth);
	}
}

/* Walk the directory open at dirfd (taken over), x->path[0..len) its name, at depth. */
static void walk_dir(struct walk *x, int dirfd, size_t len, unsigned int depth)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *de;
	struct stat dir;

	if (!d) {
		close(dirfd);
		return;
	}
	if (fstat(dirfd, &dir)) {
		closedir(d);
		return;
	}
	while (!over(x) && (de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (de->d_type == DT_LNK) {	/* known from the listing: not even looked at */
			x->st->links++;
			continue;
		}
		if (len + 1 + n >= sizeof(x->path))
			continue;
		x->path[len] = '/';
		memcpy(x->path + len + 1, de->d_name, n + 1);
		if (treewalk__skipped(x->o, x->path))
			x->st->skipped++;
		else
			visit(x, dirfd, de->d_name, dir.st_dev, len + 1 + n, depth + 1);
		x->path[len] = '\0';
	}
	closedir(d);
}

/* A walk from path (its trailing slashes dropped), or NULL: too long, or skipped. */
static struct walk *new_walk(struct treewalk *w, const char *path,
			     const struct treewalk_opts *o, treewalk_fn fn, void *ctx,
			     struct treewalk_stats *st)
{
	struct walk *x;
	size_t len = strlen(path);

	while (len > 1 && path[len - 1] == '/')
		len--;
	if (len >= sizeof(x->path) || treewalk__skipped(o, path) || !(x = malloc(sizeof(*x))))
		return NULL;
	*x = (struct walk){ .w = w, .o = o, .fn = fn, .ctx = ctx, .st = st };
	memcpy(x->path, path, len);
	x->path[len == 1 ? 0 : len] = '\0';	/* "/": entries are "/name" */
	return x;
}

/* Mark the directory open at fd walked; true if it was already. */
static bool seen_before_fd(struct treewalk *w, int fd)
{
	struct stat st;

	return !fstat(fd, &st) && seen_before(w, st.st_dev, st.st_ino);
}

void treewalk__walk(struct treewalk *w, int dirfd, const char *path,
		    const struct treewalk_opts *o, treewalk_fn fn, void *ctx,
		    struct treewalk_stats *st)
{
	struct walk *x = new_walk(w, path, o, fn, ctx, st);
	int fd;

	if (!x)
		return;
	seen_before_fd(w, dirfd);	/* a root is walked even if seen: the caller chose it */
	/* a listing of its own: the caller's fd keeps its offset */
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK);
	if (fd >= 0)
		walk_dir(x, fd, strlen(x->path), 0);
	free(x);
}

void treewalk__mark(struct treewalk *w, int dirfd)
{
	seen_before_fd(w, dirfd);
}

static void walk_matches(struct walk *x, int dirfd, size_t len, const char *pattern);

/* Entry name of dirfd, then the rest of the pattern below it (none left: walk it). */
static void enter_match(struct walk *x, int dirfd, size_t len, const char *name,
			const char *rest)
{
	size_t n = strlen(name);
	int fd;

	if (len + 1 + n >= sizeof(x->path))
		return;
	x->path[len] = '/';
	memcpy(x->path + len + 1, name, n + 1);
	if (!treewalk__skipped(x->o, x->path) &&
	    (fd = treewalk__open_subdir(x->w, dirfd, name, x->o->cross_mounts)) >= 0) {
		if (*rest) {
			walk_matches(x, fd, len + 1 + n, rest);
		} else if (!seen_before_fd(x->w, fd)) {
			walk_dir(x, fd, len + 1 + n, 0);
			fd = -1;	/* taken over */
		}
		if (fd >= 0)
			close(fd);
	}
	x->path[len] = '\0';
}

static void walk_matches(struct walk *x, int dirfd, size_t len, const char *pattern)
{
	const char *slash = strchr(pattern, '/');
	const char *rest = slash ? slash + 1 : "";
	char part[NAME_MAX + 1];
	size_t n = slash ? (size_t)(slash - pattern) : strlen(pattern);
	struct dirent *de;
	DIR *d;
	int fd;

	if (n >= sizeof(part))
		return;
	memcpy(part, pattern, n);
	part[n] = '\0';
	if (!strpbrk(part, "*?[")) {
		enter_match(x, dirfd, len, part, rest);
		return;
	}
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while (!over(x) && (de = readdir(d)))
		if (de->d_type != DT_LNK && !fnmatch(part, de->d_name, FNM_PERIOD))
			enter_match(x, dirfd, len, de->d_name, rest);
	closedir(d);
}

void treewalk__walk_matches(struct treewalk *w, int dirfd, const char *path,
			    const char *pattern, const struct treewalk_opts *o, treewalk_fn fn,
			    void *ctx, struct treewalk_stats *st)
{
	struct walk *x = new_walk(w, path, o, fn, ctx, st);

	if (!x)
		return;
	walk_matches(x, dirfd, strlen(x->path), pattern);
	free(x);
}

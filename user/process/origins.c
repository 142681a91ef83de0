// SPDX-License-Identifier: GPL-2.0-only
#include "process/origins.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fsdev.h"
#include "lib/hmap.h"

/* One indexed file; files whose keys collide are chained. */
struct origin {
	uint64_t dev, ino;
	char *path;
	const char *tree;	/* the root it was found under (owned by the index) */
	struct origin *next;
};

struct origins {
	struct hmap files;	/* key_of(dev, ino) -> struct origin chain */
	char **trees;
	size_t ntrees;
	size_t nfiles;
};

static uint64_t key_of(uint64_t dev, uint64_t ino)
{
	return (dev * 0x9e3779b97f4a7c15ULL) ^ ino;
}

struct origins *origins__new(void)
{
	struct origins *o = calloc(1, sizeof(*o));

	if (o)
		hmap__init(&o->files);
	return o;
}

void origins__free(struct origins *o)
{
	uint64_t key;
	void *value;

	if (!o)
		return;
	for (size_t it = 0; hmap__next(&o->files, &it, &key, &value);) {
		for (struct origin *e = value, *next; e; e = next) {
			next = e->next;
			free(e->path);
			free(e);
		}
	}
	hmap__free(&o->files);
	for (size_t i = 0; i < o->ntrees; i++)
		free(o->trees[i]);
	free(o->trees);
	free(o);
}

size_t origins__len(const struct origins *o)
{
	return o->nfiles;
}

static const struct origin *find(const struct origins *o, uint64_t dev, uint64_t ino)
{
	for (const struct origin *e = hmap__get(&o->files, key_of(dev, ino)); e; e = e->next)
		if (e->dev == dev && e->ino == ino)
			return e;
	return NULL;
}

static int remember(struct origins *o, const struct stat *st, const char *path, const char *tree)
{
	struct origin *e, *head;
	void *old;

	if (find(o, st->st_dev, st->st_ino))
		return 0;	/* a second name of a file already known: the first stands */
	if (o->nfiles >= ORIGINS_FILES)
		return -E2BIG;
	e = calloc(1, sizeof(*e));
	if (!e || !(e->path = strdup(path))) {
		free(e);
		return -ENOMEM;
	}
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	e->tree = tree;
	head = hmap__get(&o->files, key_of(e->dev, e->ino));
	e->next = head;
	if (hmap__put(&o->files, key_of(e->dev, e->ino), e, &old)) {
		free(e->path);
		free(e);
		return -ENOMEM;
	}
	o->nfiles++;
	return 0;
}

/* The tree's own name, kept once for every file found under it. */
static const char *tree_name(struct origins *o, const char *dir)
{
	char **grown;

	for (size_t i = 0; i < o->ntrees; i++)
		if (!strcmp(o->trees[i], dir))
			return o->trees[i];
	grown = realloc(o->trees, (o->ntrees + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	o->trees = grown;
	if (!(o->trees[o->ntrees] = strdup(dir)))
		return NULL;
	return o->trees[o->ntrees++];
}

/* An entry of dirfd, as the kernel names its device; -errno. */
static int stat_at(int dirfd, const char *name, struct stat *st)
{
	int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	err = fsdev__fstat(fd, NULL, st);
	close(fd);
	return err;
}

struct walk {
	struct origins *o;
	const char *tree;
	dev_t fs;		/* the tree's own filesystem (fstat's device) */
	char path[4096];
};

static int walk_dir(struct walk *w, int dirfd, size_t len, unsigned int depth)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *de;
	int err = 0;

	if (!d) {
		close(dirfd);
		return -errno;
	}
	while (!err && (de = readdir(d))) {
		struct stat raw, st;
		size_t n = strlen(de->d_name);
		int sub;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    len + 1 + n >= sizeof(w->path) ||
		    fstatat(dirfd, de->d_name, &raw, AT_SYMLINK_NOFOLLOW) || raw.st_dev != w->fs)
			continue;	/* a symlink is not followed, another mount not entered */
		snprintf(w->path + len, sizeof(w->path) - len, "/%s", de->d_name);
		if (S_ISREG(raw.st_mode) && !stat_at(dirfd, de->d_name, &st))
			err = remember(w->o, &st, w->path, w->tree);
		else if (S_ISDIR(raw.st_mode) && depth < ORIGINS_DEPTH &&
			 (sub = openat(dirfd, de->d_name,
				       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0)
			err = walk_dir(w, sub, len + 1 + n, depth + 1);
	}
	w->path[len] = '\0';
	closedir(d);
	return err;
}

int origins__add_tree(struct origins *o, const char *dir)
{
	struct walk w = { .o = o };
	struct stat st;
	int fd;

	if (dir[0] != '/' || strlen(dir) >= sizeof(w.path))
		return -EINVAL;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !(w.tree = tree_name(o, dir))) {
		close(fd);
		return -ENOMEM;
	}
	w.fs = st.st_dev;
	snprintf(w.path, sizeof(w.path), "%s", dir);
	return walk_dir(&w, fd, strlen(w.path), 1);
}

int origins__add_file(struct origins *o, const char *path)
{
	const char *tree;
	struct stat st;
	int fd, err;

	if (path[0] != '/')
		return -EINVAL;
	fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = fsdev__fstat(fd, NULL, &st);
	close(fd);
	if (err)
		return err;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	tree = tree_name(o, path);
	return tree ? remember(o, &st, path, tree) : -ENOMEM;
}

bool origins__tag(const struct origins *o, struct proc *p)
{
	const struct origin *e;

	if (!o || !p->file.ino || !(e = find(o, p->file.dev, p->file.ino)))
		return false;
	if (p->exe && !strcmp(p->exe, e->path))
		return false;	/* run from where it is: nothing to add */
	free(p->origin_path);
	free(p->origin_source);
	p->origin_path = strdup(e->path);
	p->origin_source = strdup(e->tree);
	return p->origin_path != NULL;
}

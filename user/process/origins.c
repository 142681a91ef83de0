// SPDX-License-Identifier: GPL-2.0-only
#include "process/origins.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fsdev.h"
#include "lib/hmap.h"
#include "lib/mounttable.h"
#include "lib/treewalk.h"

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

struct indexing {
	struct origins *o;
	const char *tree;
	int err;
};

/* A file of the tree, known by the device the kernel names it by (overlayfs: not fstat's). */
static int index_file(void *ctx, int fd, const char *path, const struct stat *walked)
{
	struct indexing *ix = ctx;
	struct stat st;

	(void)walked;
	if (fsdev__fstat(fd, NULL, &st))
		return 0;
	ix->err = remember(ix->o, &st, path, ix->tree);
	return ix->err;		/* full, or out of memory: stop */
}

int origins__add_tree(struct origins *o, const char *dir)
{
	struct treewalk_opts opts = { .max_depth = ORIGINS_DEPTH };
	struct indexing ix = { .o = o };
	struct treewalk_stats stats = { 0 };
	struct treewalk *w;
	int fd;

	if (dir[0] != '/')
		return -EINVAL;
	if (!(ix.tree = tree_name(o, dir)) || !(w = treewalk__new()))
		return -ENOMEM;
	fd = treewalk__open_root(w, dir);
	if (fd >= 0) {
		treewalk__walk(w, fd, dir, &opts, index_file, &ix, &stats);
		close(fd);
	}
	treewalk__free(w);
	return fd < 0 ? fd : ix.err;
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

/* p runs path (owned now), found by source; nothing when exe says it already. */
static bool set_origin(struct proc *p, char *path, const char *source)
{
	if (!path || (p->exe && !strcmp(p->exe, path))) {
		free(path);
		return false;	/* run from where it is: nothing to add */
	}
	free(p->origin_path);
	free(p->origin_source);
	p->origin_path = path;
	p->origin_source = strdup(source);
	return true;
}

bool origins__tag(const struct origins *o, struct proc *p)
{
	const struct origin *e;

	if (!o || !p->file.ino || !(e = find(o, p->file.dev, p->file.ino)))
		return false;
	return set_origin(p, strdup(e->path), e->tree);
}

bool origins__tag_mount(struct mounttable *mt, struct proc *p, const char *mnt_root,
			const char *in_mount)
{
	char *fs_path = NULL, *host;

	if (!mt || !p->file.ino || !in_mount)
		return false;
	/* a bind mount's root, then the tail ("/" alone: the mount's root itself) */
	if (mnt_root && asprintf(&fs_path, "%s%s", mnt_root,
				 strcmp(in_mount, "/") ? in_mount : "") < 0)
		return false;
	host = mounttable__path_of(mt, (dev_t)p->file.dev, fs_path ? fs_path : in_mount);
	free(fs_path);
	return set_origin(p, host, "mount");
}

// SPDX-License-Identifier: GPL-2.0-only
#include "process/loaders.h"

#include <fcntl.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fsdev.h"

#define LOADERS_MAX 16

/* Where distributions put them: /lib64/ld-linux-x86-64.so.2, /lib/ld-musl-*.so.1, ... */
static const char *const patterns[] = {
	"/lib/ld-*.so*", "/lib64/ld-*.so*", "/lib/*/ld-*.so*", "/usr/lib/ld-*.so*",
	"/usr/lib64/ld-*.so*", "/usr/lib/*/ld-*.so*",
};

struct loader {
	uint64_t dev, ino;
	char sha256[65];
};

struct loaders {
	struct loader list[LOADERS_MAX];
	size_t n;
};

static bool known(const struct loaders *l, uint64_t dev, uint64_t ino)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->list[i].dev == dev && l->list[i].ino == ino)
			return true;
	return false;
}

/* One candidate: a regular file (links followed: /lib64 names the real one), hashed. */
static void add(struct loaders *l, struct identity *id, const char *path)
{
	struct file_ident *f;
	struct stat st;
	int fd;

	if (l->n == LOADERS_MAX)
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return;
	if (!fsdev__fstat(fd, NULL, &st) && S_ISREG(st.st_mode) &&
	    !known(l, st.st_dev, st.st_ino) && (f = identity__of_fd(id, fd))) {
		l->list[l->n] = (struct loader){ .dev = st.st_dev, .ino = st.st_ino };
		memcpy(l->list[l->n].sha256, f->sha256, sizeof(f->sha256));
		l->n++;
		ident__put(f);
	}
	close(fd);
}

struct loaders *loaders__load(struct identity *id)
{
	struct loaders *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		glob_t g;

		if (glob(patterns[i], 0, NULL, &g))
			continue;
		for (size_t j = 0; j < g.gl_pathc; j++)
			add(l, id, g.gl_pathv[j]);
		globfree(&g);
	}
	return l;
}

void loaders__free(struct loaders *l)
{
	free(l);
}

bool loaders__by_inode(const struct loaders *l, const struct ev_file *f)
{
	return l && f->ino && known(l, f->dev, f->ino);
}

bool loaders__by_hash(const struct loaders *l, const char *sha256)
{
	for (size_t i = 0; l && sha256 && i < l->n; i++)
		if (!strcmp(l->list[i].sha256, sha256))
			return true;
	return false;
}

size_t loaders__len(const struct loaders *l)
{
	return l ? l->n : 0;
}

// SPDX-License-Identifier: GPL-2.0-only
#include "process/sysprogs.h"

#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fsdev.h"

/* Where distributions put the loaders: /lib64/ld-linux-x86-64.so.2, /lib/ld-musl-*.so.1... */
static const char *const loader_patterns[] = {
	"/lib/ld-*.so*", "/lib64/ld-*.so*", "/lib/*/ld-*.so*", "/usr/lib/ld-*.so*",
	"/usr/lib64/ld-*.so*", "/usr/lib/*/ld-*.so*",
};

/* Where the package managers' commands are (root's directories, not a user's PATH). */
static const char *const bin_dirs[] = { "/usr/bin", "/usr/sbin", "/bin", "/sbin" };

struct sysprog {
	uint64_t dev, ino;
	enum sysprog_kind kind;
	char sha256[65];
	char name[32];
};

struct sysprogs {
	struct sysprog list[SYSPROGS_MAX];
	size_t n;
};

static const struct sysprog *find(const struct sysprogs *s, uint64_t dev, uint64_t ino)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->list[i].dev == dev && s->list[i].ino == ino)
			return &s->list[i];
	return NULL;
}

/* One candidate: a regular file, hashed. */
static void add_file(struct sysprogs *s, struct identity *id, enum sysprog_kind kind,
		     const char *path, const char *name)
{
	struct file_ident *f;
	struct sysprog *p;
	struct stat st;
	int fd;

	if (s->n == SYSPROGS_MAX)
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return;
	if (!fsdev__fstat(fd, NULL, &st) && S_ISREG(st.st_mode) &&
	    !find(s, st.st_dev, st.st_ino) && (f = identity__of_fd(id, fd))) {
		p = &s->list[s->n++];
		*p = (struct sysprog){ .dev = st.st_dev, .ino = st.st_ino, .kind = kind };
		memcpy(p->sha256, f->sha256, sizeof(f->sha256));
		snprintf(p->name, sizeof(p->name), "%s", name ? name : strrchr(path, '/') + 1);
		ident__put(f);
	}
	close(fd);
}

void sysprogs__add(struct sysprogs *s, struct identity *id, enum sysprog_kind kind,
		   const char *pattern, const char *name)
{
	glob_t g;

	if (glob(pattern, 0, NULL, &g))
		return;
	for (size_t i = 0; i < g.gl_pathc; i++)
		add_file(s, id, kind, g.gl_pathv[i], name);
	globfree(&g);
}

struct sysprogs *sysprogs__new(void)
{
	return calloc(1, sizeof(struct sysprogs));
}

struct sysprogs *sysprogs__load(struct identity *id, const char *const *pkg_managers,
				size_t npkg_managers)
{
	struct sysprogs *s = sysprogs__new();
	char path[256];

	if (!s)
		return NULL;
	for (size_t i = 0; i < sizeof(loader_patterns) / sizeof(loader_patterns[0]); i++)
		sysprogs__add(s, id, SYSPROG_LOADER, loader_patterns[i], NULL);
	for (size_t i = 0; i < npkg_managers; i++)
		for (size_t d = 0; d < sizeof(bin_dirs) / sizeof(bin_dirs[0]); d++) {
			snprintf(path, sizeof(path), "%s/%s", bin_dirs[d], pkg_managers[i]);
			add_file(s, id, SYSPROG_PKG_MANAGER, path, pkg_managers[i]);
		}
	return s;
}

void sysprogs__free(struct sysprogs *s)
{
	free(s);
}

bool sysprogs__by_inode(const struct sysprogs *s, enum sysprog_kind kind, const struct ev_file *f)
{
	const struct sysprog *p = s && f->ino ? find(s, f->dev, f->ino) : NULL;

	return p && p->kind == kind;
}

bool sysprogs__by_hash(const struct sysprogs *s, enum sysprog_kind kind, const char *sha256)
{
	for (size_t i = 0; s && sha256 && i < s->n; i++)
		if (s->list[i].kind == kind && !strcmp(s->list[i].sha256, sha256))
			return true;
	return false;
}

size_t sysprogs__len(const struct sysprogs *s, enum sysprog_kind kind)
{
	size_t n = 0;

	for (size_t i = 0; s && i < s->n; i++)
		n += s->list[i].kind == kind;
	return n;
}

size_t sysprogs__files(const struct sysprogs *s, enum sysprog_kind kind, struct ev_file_id *ids,
		       const char **names, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; s && i < s->n && n < max; i++) {
		if (s->list[i].kind != kind)
			continue;
		ids[n] = (struct ev_file_id){ .dev = s->list[i].dev, .ino = s->list[i].ino };
		names[n++] = s->list[i].name;
	}
	return n;
}

// SPDX-License-Identifier: GPL-2.0-only
#include "lib/mounttable.h"

#include "lib/fsdev.h"

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

struct mount {
	dev_t dev;
	char *root;		/* the mount's root within its filesystem */
	char *point;		/* where the namespace shows it */
};

struct mounttable {
	int fd;			/* kept open: poll says when the table changed */
	struct mount *mounts;
	size_t n;
	bool stale;
};

static void forget(struct mounttable *mt)
{
	for (size_t i = 0; i < mt->n; i++) {
		free(mt->mounts[i].root);
		free(mt->mounts[i].point);
	}
	free(mt->mounts);
	mt->mounts = NULL;
	mt->n = 0;
}

/* "ID PARENT MAJ:MIN ROOT POINT ...": the fields this table keeps. */
static bool parse_line(char *line, struct mount *m)
{
	char *field[5], *next = line;
	unsigned int major, minor;

	for (int i = 0; i < 5; i++)
		if (!(field[i] = strsep(&next, " \n")) || !*field[i])
			return false;
	if (sscanf(field[2], "%u:%u", &major, &minor) != 2)
		return false;
	fsdev__mountinfo_unescape(field[3]);
	fsdev__mountinfo_unescape(field[4]);
	m->dev = makedev(major, minor);
	m->root = strdup(field[3]);
	m->point = strdup(field[4]);
	if (m->root && m->point)
		return true;
	free(m->root);
	free(m->point);
	return false;
}

/* Read the table again from the kept fd; on failure the table is empty until next time. */
static void reload(struct mounttable *mt)
{
	int fd = dup(mt->fd);
	FILE *f;
	char *line = NULL;
	size_t size = 0, cap = 0;

	forget(mt);
	mt->stale = false;
	if (fd < 0 || lseek(fd, 0, SEEK_SET) < 0 || !(f = fdopen(fd, "re"))) {
		if (fd >= 0)
			close(fd);
		mt->stale = true;
		return;
	}
	while (getline(&line, &size, f) > 0) {
		struct mount m;

		if (mt->n == cap) {
			size_t ncap = cap ? 2 * cap : 64;
			struct mount *grown = realloc(mt->mounts, ncap * sizeof(*grown));

			if (!grown) {
				mt->stale = true;
				break;
			}
			mt->mounts = grown;
			cap = ncap;
		}
		if (parse_line(line, &m))
			mt->mounts[mt->n++] = m;
	}
	free(line);
	fclose(f);
}

struct mounttable *mounttable__open(const char *mountinfo)
{
	struct mounttable *mt = calloc(1, sizeof(*mt));

	if (!mt)
		return NULL;
	mt->fd = open(mountinfo ? mountinfo : "/proc/1/mountinfo", O_RDONLY | O_CLOEXEC);
	if (mt->fd < 0) {
		free(mt);
		return NULL;
	}
	mt->stale = true;
	return mt;
}

void mounttable__free(struct mounttable *mt)
{
	if (!mt)
		return;
	forget(mt);
	close(mt->fd);
	free(mt);
}

/* The kernel flags a mountinfo fd POLLPRI | POLLERR after the namespace's mounts change. */
static void refresh(struct mounttable *mt)
{
	struct pollfd pfd = { .fd = mt->fd, .events = POLLPRI };

	if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLPRI | POLLERR)))
		mt->stale = true;
	if (mt->stale)
		reload(mt);
}

/* root is "/" or a directory that fs_path lies in (or is): the length to drop, else -1. */
static long root_covers(const char *root, const char *fs_path)
{
	size_t len = strlen(root);

	if (!strcmp(root, "/"))
		return 0;
	if (strncmp(fs_path, root, len) || (fs_path[len] && fs_path[len] != '/'))
		return -1;
	return (long)len;
}

char *mounttable__path_of(struct mounttable *mt, dev_t dev, const char *fs_path)
{
	const struct mount *best = NULL;
	long best_len = -1;
	const char *rest;
	char *out;

	if (!mt || fs_path[0] != '/')
		return NULL;
	refresh(mt);
	for (size_t i = 0; i < mt->n; i++) {
		const struct mount *m = &mt->mounts[i];
		long len = m->dev == dev ? root_covers(m->root, fs_path) : -1;

		if (len < 0)
			continue;
		if (!best || len < best_len ||
		    (len == best_len && strlen(m->point) < strlen(best->point))) {
			best = m;
			best_len = len;
		}
	}
	if (!best)
		return NULL;
	rest = fs_path + best_len;
	if (!strcmp(rest, "/"))
		rest = "";	/* the mount's root itself */
	if (!strcmp(best->point, "/"))
		return strdup(*rest ? rest : "/");
	if (asprintf(&out, "%s%s", best->point, rest) < 0)
		return NULL;
	return out;
}

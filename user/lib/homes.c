// SPDX-License-Identifier: GPL-2.0-only
#include "lib/homes.h"

#include <dirent.h>
#include <errno.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"

#define HOME_PARENT "/home"

static bool have(const struct homes *h, dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->v[i].dev == dev && h->v[i].ino == ino)
			return true;
	return false;
}

static int add(struct homes *h, const char *path, int fd, const struct stat *st)
{
	struct home *grown = realloc(h->v, (h->n + 1) * sizeof(*grown));
	size_t len = strlen(path);
	char *copy;

	while (len > 1 && path[len - 1] == '/')	/* "/home/u/" in passwd */
		len--;
	copy = strndup(path, len);

	if (!grown || !copy) {
		free(copy);
		if (grown)
			h->v = grown;
		return -ENOMEM;
	}
	h->v = grown;
	h->v[h->n++] = (struct home){ .path = copy, .fd = fd, .uid = st->st_uid,
				      .dev = st->st_dev, .ino = st->st_ino };
	return 0;
}

/*
 * path is a home if it is a directory (not a symlink) off FUSE and network filesystems;
 * from the user database only if that user owns it: system accounts name /, /bin,
 * /usr/sbin, /nonexistent, which are nobody's home.
 */
static int consider(struct treewalk *w, struct homes *h, const char *path, const uid_t *owner)
{
	struct stat st;
	int fd, err;

	if (path[0] != '/' || !path[1])
		return 0;
	fd = treewalk__open_root(w, path);
	if (fd == -EREMOTE) {
		log_debug("home %s is on FUSE or a network filesystem: left alone", path);
		h->remote++;
		return 0;
	}
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) || (owner && st.st_uid != *owner) || have(h, st.st_dev, st.st_ino)) {
		close(fd);
		return 0;
	}
	if ((err = add(h, path, fd, &st)))
		close(fd);
	return err;
}

static int from_passwd(struct treewalk *w, struct homes *h)
{
	struct passwd *pw;
	int err = 0;

	setpwent();
	while (!err && (pw = getpwent()))
		if (pw->pw_dir)
			err = consider(w, h, pw->pw_dir, &pw->pw_uid);
	endpwent();
	return err;
}

static int from_home_dir(struct treewalk *w, struct homes *h)
{
	int fd = treewalk__open_root(w, HOME_PARENT);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	int err = 0;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while (!err && (de = readdir(d))) {
		char path[sizeof(HOME_PARENT) + 256];

		if (de->d_name[0] == '.' || de->d_type == DT_LNK)
			continue;
		snprintf(path, sizeof(path), "%s/%s", HOME_PARENT, de->d_name);
		err = consider(w, h, path, NULL);
	}
	closedir(d);
	return err;
}

int homes__list(struct treewalk *w, struct homes *h)
{
	int err;

	memset(h, 0, sizeof(*h));
	err = from_passwd(w, h);
	if (!err)
		err = from_home_dir(w, h);
	if (err)
		homes__free(h);
	return err;
}

const struct home *homes__find(const struct homes *h, int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return NULL;
	for (size_t i = 0; i < h->n; i++)
		if (h->v[i].dev == st.st_dev && h->v[i].ino == st.st_ino)
			return &h->v[i];
	return NULL;
}

void homes__free(struct homes *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->v[i].path);
		close(h->v[i].fd);
	}
	free(h->v);
	memset(h, 0, sizeof(*h));
}

/* Relative to a home; a component with a wildcard is any matching entry (fnmatch). */
static const char *const places[] = {
	"Applications",
	"Downloads",
	"Desktop",
	".local/share/flatpak/app/*",			/* flatpak install --user */
	".wine/drive_c/Program Files*",			/* wine's default prefix */
	".local/share/wineprefixes/*/drive_c/Program Files*",	/* winetricks */
	".deepinwine/*/drive_c/Program Files*",		/* deepin-wine (WeChat, QQ) */
	"Games/*/drive_c/Program Files*",		/* Lutris */
	NULL,
};

void homes__walk(struct treewalk *w, const struct home *home, const struct treewalk_opts *o,
		 treewalk_fn fn, void *ctx, struct treewalk_stats *st)
{
	for (size_t i = 0; places[i] && !st->timed_out && !st->stopped; i++)
		treewalk__walk_matches(w, home->fd, home->path, places[i], o, fn, ctx, st);
	treewalk__walk(w, home->fd, home->path, o, fn, ctx, st);
}

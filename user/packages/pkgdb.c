// SPDX-License-Identifier: GPL-2.0-only
#include "packages/pkgdb.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/homes.h"
#include "lib/treewalk.h"

#define MAX_STATUS_BYTES (256 << 20)
#define MAX_FIELD 1024

const struct pkgdb_paths pkgdb__system_paths = {
	.dpkg_status = "/var/lib/dpkg/status",
	.flatpak_dirs = { "/var/lib/flatpak/app", NULL },
	.snap_dir = "/var/lib/snapd/snaps",
	.user_flatpaks = true,
};

static int inv_add_at(struct inventory *inv, const char *type, const char *name,
		      const char *version, const char *arch, const char *path)
{
	struct pkg *grown = realloc(inv->pkgs, (inv->n + 1) * sizeof(*grown));
	struct pkg *p;

	if (!grown)
		return -ENOMEM;
	inv->pkgs = grown;
	p = &inv->pkgs[inv->n];
	*p = (struct pkg){ 0 };
	p->type = strdup(type);
	p->name = strndup(name, MAX_FIELD);
	p->version = strndup(version ? version : "", MAX_FIELD);
	p->arch = strndup(arch ? arch : "", MAX_FIELD);
	p->path = strdup(path);
	if (!p->type || !p->name || !p->version || !p->arch || !p->path) {
		free(p->type), free(p->name), free(p->version), free(p->arch), free(p->path);
		return -ENOMEM;
	}
	inv->n++;
	return 0;
}

static int inv_add(struct inventory *inv, const char *type, const char *name,
		   const char *version, const char *arch)
{
	return inv_add_at(inv, type, name, version, arch, "");
}

static void pkg_free(struct pkg *p);

void pkgdb__free(struct inventory *inv)
{
	for (size_t i = 0; i < inv->n; i++)
		pkg_free(&inv->pkgs[i]);
	free(inv->pkgs);
	inv->pkgs = NULL;
	inv->n = 0;
}

/* One dpkg stanza's fields of interest, as [start, len) slices of the text. */
struct stanza {
	const char *name, *version, *arch, *status, *essential, *priority;
	size_t name_len, version_len, arch_len, status_len, essential_len, priority_len;
};

/* A package whose files are on disk: installed, or part-way through (unpacked...). */
static bool on_disk(const char *status, size_t len)
{
	static const char *const states[] = { "installed", "unpacked", "half-configured",
					      "triggers-awaited", "triggers-pending" };
	const char *last = status + len;

	while (last > status && last[-1] != ' ')
		last--;
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if ((size_t)(status + len - last) == strlen(states[i]) &&
		    !memcmp(last, states[i], strlen(states[i])))
			return true;
	return false;
}

static char *slice(const char *s, size_t n)
{
	return strndup(s ? s : "", s ? (n < MAX_FIELD ? n : MAX_FIELD) : 0);
}

/* A field's value is exactly word. */
static bool is(const char *val, size_t len, const char *word)
{
	return val && len == strlen(word) && !memcmp(val, word, len);
}

static int stanza_end(struct stanza *st, struct inventory *inv)
{
	char *name, *version, *arch;
	int err = 0;

	if (st->name && st->status && on_disk(st->status, st->status_len)) {
		name = slice(st->name, st->name_len);
		version = slice(st->version, st->version_len);
		arch = slice(st->arch, st->arch_len);
		err = name && version && arch && *name ? inv_add(inv, "deb", name, version, arch) :
			(name && version && arch ? 0 : -ENOMEM);
		if (!err && name && *name) {
			inv->pkgs[inv->n - 1].essential = is(st->essential, st->essential_len, "yes");
			inv->pkgs[inv->n - 1].base_priority =
				is(st->priority, st->priority_len, "required") ||
				is(st->priority, st->priority_len, "important");
		}
		free(name), free(version), free(arch);
	}
	memset(st, 0, sizeof(*st));
	return err;
}

/* "Field: value" -> value slice, when line starts with the field. */
static bool field(const char *line, size_t len, const char *key, const char **val,
		  size_t *val_len)
{
	size_t k = strlen(key);

	if (len <= k || memcmp(line, key, k) || line[k] != ':')
		return false;
	line += k + 1, len -= k + 1;
	while (len && (*line == ' ' || *line == '\t'))
		line++, len--;
	while (len && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r'))
		len--;
	*val = line;
	*val_len = len;
	return true;
}

static int by_identity(const void *a, const void *b)
{
	const struct pkg *x = a, *y = b;
	int c = strcmp(x->type, y->type);

	if (!c)
		c = strcmp(x->name, y->name);
	if (!c)
		c = strcmp(x->arch, y->arch);
	return c ? c : strcmp(x->path, y->path);
}

int pkgdb__parse_dpkg(const char *text, size_t len, struct inventory *inv)
{
	struct stanza st = { 0 };
	const char *end = text + len;
	int err = 0;

	for (const char *line = text; !err && line < end;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t n = nl ? (size_t)(nl - line) : (size_t)(end - line);

		if (!n || (n == 1 && line[0] == '\r')) {
			err = stanza_end(&st, inv);
		} else if (line[0] != ' ' && line[0] != '\t') {	/* not a continuation */
			if (!field(line, n, "Package", &st.name, &st.name_len) &&
			    !field(line, n, "Version", &st.version, &st.version_len) &&
			    !field(line, n, "Architecture", &st.arch, &st.arch_len) &&
			    !field(line, n, "Essential", &st.essential, &st.essential_len) &&
			    !field(line, n, "Priority", &st.priority, &st.priority_len))
				field(line, n, "Status", &st.status, &st.status_len);
		}
		line += n + 1;
	}
	if (!err)
		err = stanza_end(&st, inv);
	return err;
}

static int read_dpkg(const char *path, struct inventory *inv)
{
	/* a FIFO in a database's place must not hold the reader (privatedb.h) */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK), err;
	struct stat st;
	char *buf;
	ssize_t n;
	size_t got = 0;

	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > MAX_STATUS_BYTES) {
		close(fd);
		return S_ISREG(st.st_mode) ? -EFBIG : -EINVAL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size && (n = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	err = pkgdb__parse_dpkg(buf, got, inv);
	free(buf);
	return err;
}

/* Each entry of the directory open at fd (taken over) that is a directory, not a symlink. */
typedef int (*subdir_fn)(int dirfd, const char *name, void *ctx);

static int each_subdir(int fd, subdir_fn fn, void *ctx)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	int err = 0;

	if (!d) {
		close(fd);
		return 0;
	}
	while (!err && (de = readdir(d))) {
		struct stat st;

		if (de->d_name[0] == '.' ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISDIR(st.st_mode))
			continue;
		err = fn(dirfd(d), de->d_name, ctx);
	}
	closedir(d);
	return err;
}

/* Entry name of dirfd as a directory, never through a symlink (a user's tree). */
static int open_subdir(int dirfd, const char *name)
{
	return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
}

/* One flatpak installation's app directory being read. */
struct flatpak_read {
	struct inventory *inv;
	const char *path;	/* a user's installation; "" system-wide */
	const char *app, *arch;
};

/*
 * branch/active names the deployed commit: a symlink to a directory beside it (read, not
 * followed: a user's tree may point anywhere), or that directory itself.
 */
static bool deployed(int dirfd, const char *branch)
{
	char path[2 * NAME_MAX + 8], target[NAME_MAX + 1];
	struct stat st;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/active", branch);
	if (fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW))
		return false;
	if (S_ISDIR(st.st_mode))
		return true;
	n = readlinkat(dirfd, path, target, sizeof(target) - 1);
	if (n <= 0 || !S_ISLNK(st.st_mode))
		return false;
	target[n] = '\0';
	if (strchr(target, '/') || !strcmp(target, "..") || !strcmp(target, "."))
		return false;
	snprintf(path, sizeof(path), "%s/%s", branch, target);
	return !fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) && S_ISDIR(st.st_mode);
}

static int read_branch(int dirfd, const char *branch, void *ctx)
{
	struct flatpak_read *r = ctx;

	if (!deployed(dirfd, branch))
		return 0;
	return inv_add_at(r->inv, "flatpak", r->app, branch, r->arch, r->path);
}

static int read_arch(int dirfd, const char *arch, void *ctx)
{
	struct flatpak_read *r = ctx;
	int fd = open_subdir(dirfd, arch);

	r->arch = arch;
	return fd < 0 ? 0 : each_subdir(fd, read_branch, r);
}

static int read_app(int dirfd, const char *app, void *ctx)
{
	struct flatpak_read *r = ctx;
	int fd = open_subdir(dirfd, app);

	r->app = app;
	return fd < 0 ? 0 : each_subdir(fd, read_arch, r);
}

/* <apps>/<app id>/<arch>/<branch>/active: one installed flatpak per active deployment. */
static int read_flatpak_at(int fd, const char *path, struct inventory *inv)
{
	struct flatpak_read r = { .inv = inv, .path = path };

	return each_subdir(fd, read_app, &r);
}

static int read_flatpak(const char *dir, struct inventory *inv)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	return fd < 0 ? 0 : read_flatpak_at(fd, "", inv);
}

/* Every home's own flatpak installation (flatpak install --user: no privilege needed). */
static int read_user_flatpaks(struct inventory *inv)
{
	struct treewalk *w = treewalk__new();
	struct homes homes;
	int err;

	if (!w)
		return 0;
	if ((err = homes__list(w, &homes))) {
		treewalk__free(w);
		return err;
	}
	for (size_t i = 0; !err && i < homes.n; i++) {
		char path[PATH_MAX];
		int fd = treewalk__open_path(w, homes.v[i].fd, PKGDB_USER_FLATPAK_APPS, false);

		if (fd < 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", homes.v[i].path, PKGDB_USER_FLATPAK_APPS);
		err = read_flatpak_at(fd, path, inv);
	}
	homes__free(&homes);
	treewalk__free(w);
	return err;
}

/* <dir>/<name>_<revision>.snap */
static int read_snap(const char *dir, struct inventory *inv)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int err = 0;

	while (d && !err && (de = readdir(d))) {
		char name[256];
		const char *us = strrchr(de->d_name, '_');
		size_t len = strlen(de->d_name);

		if (!us || len < 6 || strcmp(de->d_name + len - 5, ".snap") ||
		    (size_t)(us - de->d_name) >= sizeof(name))
			continue;
		memcpy(name, de->d_name, (size_t)(us - de->d_name));
		name[us - de->d_name] = '\0';
		de->d_name[len - 5] = '\0';
		err = inv_add(inv, "snap", name, us + 1, "");
	}
	if (d)
		closedir(d);
	return err;
}

static void pkg_free(struct pkg *p)
{
	free(p->type);
	free(p->name);
	free(p->version);
	free(p->arch);
	free(p->path);
}

/*
 * One entry per package: snapd keeps earlier revisions' files beside the current one
 * (refresh.retain), which would make one snap several packages. The newest stays.
 */
static void keep_newest(struct inventory *inv)
{
	size_t out = 0;

	for (size_t i = 0; i < inv->n; i++) {
		/* only snaps: flatpak branches (stable, beta) are installs of their own */
		if (out && !strcmp(inv->pkgs[i].type, "snap") &&
		    !by_identity(&inv->pkgs[out - 1], &inv->pkgs[i])) {
			if (strverscmp(inv->pkgs[i].version, inv->pkgs[out - 1].version) > 0) {
				pkg_free(&inv->pkgs[out - 1]);
				inv->pkgs[out - 1] = inv->pkgs[i];
			} else {
				pkg_free(&inv->pkgs[i]);
			}
			continue;
		}
		inv->pkgs[out++] = inv->pkgs[i];
	}
	inv->n = out;
}

int pkgdb__read(const struct pkgdb_paths *paths, struct inventory *inv)
{
	int err = 0;

	memset(inv, 0, sizeof(*inv));
	if (paths->dpkg_status)
		err = read_dpkg(paths->dpkg_status, inv);
	for (size_t i = 0; !err && i < 4 && paths->flatpak_dirs[i]; i++)
		err = read_flatpak(paths->flatpak_dirs[i], inv);
	if (!err && paths->user_flatpaks)
		err = read_user_flatpaks(inv);
	if (!err && paths->snap_dir)
		err = read_snap(paths->snap_dir, inv);
	if (err) {
		pkgdb__free(inv);
		return err;
	}
	if (inv->n)
		qsort(inv->pkgs, inv->n, sizeof(*inv->pkgs), by_identity);
	keep_newest(inv);
	return 0;
}

void pkgdb__diff(const struct inventory *old, const struct inventory *new, pkg_change_fn fn,
		 void *ctx)
{
	size_t i = 0, j = 0;

	while (i < old->n || j < new->n) {
		int c = i == old->n ? 1 : j == new->n ? -1 :
			by_identity(&old->pkgs[i], &new->pkgs[j]);

		if (c < 0) {
			fn(ctx, PKG_REMOVED, &old->pkgs[i], &old->pkgs[i]);
			i++;
		} else if (c > 0) {
			fn(ctx, PKG_INSTALLED, &new->pkgs[j], NULL);
			j++;
		} else {
			if (strcmp(old->pkgs[i].version, new->pkgs[j].version))
				fn(ctx, PKG_UPGRADED, &new->pkgs[j], &old->pkgs[i]);
			i++, j++;
		}
	}
}

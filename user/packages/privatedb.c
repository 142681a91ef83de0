// SPDX-License-Identifier: GPL-2.0-only
#include "packages/privatedb.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/path.h"
#include "lib/treewalk.h"

#define SYSTEM_ADMINDIR "/var/lib/dpkg"

struct privatedb {
	char *admindir;
	struct inventory known;	/* empty at first: all it holds was installed out of sight */
};

struct privatedbs {
	struct privatedb v[PRIVATEDB_MAX];
	size_t n;
};

struct privatedbs *privatedbs__new(void)
{
	return calloc(1, sizeof(struct privatedbs));
}

static void forget(struct privatedb *db)
{
	free(db->admindir);
	pkgdb__free(&db->known);
}

void privatedbs__free(struct privatedbs *dbs)
{
	if (!dbs)
		return;
	for (size_t i = 0; i < dbs->n; i++)
		forget(&dbs->v[i]);
	free(dbs);
}

/* "--name=VALUE" or "--name" "VALUE" at argv[*i]: the value (and *i past it), or NULL. */
static const char *option(const char *const *argv, size_t argc, size_t *i, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n))
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] || *i + 1 == argc)
		return NULL;
	return argv[++*i];
}

bool privatedbs__admindir_of(const struct proc *root, char *out, size_t size)
{
	const char *argv[256], *dir = NULL, *suffix = "";
	size_t argc = 0;
	char *abs;

	for (size_t at = 0; root->args && at < root->args_len && argc < 256;
	     at += strlen(root->args + at) + 1)
		argv[argc++] = root->args + at;
	for (size_t i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		const char *v;

		if ((v = option(argv, argc, &i, "--admindir")))
			dir = v, suffix = "";
		else if ((v = option(argv, argc, &i, "--root")))
			dir = v, suffix = SYSTEM_ADMINDIR;
	}
	if (!dir || !dir[0])
		return false;
	if (dir[0] == '/')
		abs = strdup(dir);
	else if (root->cwd && root->cwd[0] == '/')
		abs = path__absolute(root->cwd, dir);
	else
		return false;	/* relative to a directory no longer known */
	if (abs && suffix[0])
		for (size_t n = strlen(abs); n && abs[n - 1] == '/'; n--)
			abs[n - 1] = '\0';	/* --root=/ is the system's */
	if (!abs || snprintf(out, size, "%s%s", abs, suffix) >= (int)size) {
		free(abs);
		return false;
	}
	free(abs);
	return strcmp(out, SYSTEM_ADMINDIR) != 0;	/* the system's: watched already */
}

static struct privatedb *find_or_add(struct privatedbs *dbs, const char *admindir)
{
	struct privatedb *db;

	for (size_t i = 0; i < dbs->n; i++)
		if (!strcmp(dbs->v[i].admindir, admindir))
			return &dbs->v[i];
	if (dbs->n == PRIVATEDB_MAX) {
		forget(&dbs->v[0]);
		memmove(&dbs->v[0], &dbs->v[1], (PRIVATEDB_MAX - 1) * sizeof(dbs->v[0]));
		dbs->n--;
	}
	db = &dbs->v[dbs->n];
	*db = (struct privatedb){ .admindir = strdup(admindir) };
	if (!db->admindir)
		return NULL;
	dbs->n++;
	return db;
}

/* Its packages are that directory's, as a user's own flatpak installs are their home's. */
static int mark_path(struct inventory *inv, const char *admindir)
{
	for (size_t i = 0; i < inv->n; i++) {
		char *copy = strdup(admindir);

		if (!copy)
			return -ENOMEM;
		free(inv->pkgs[i].path);
		inv->pkgs[i].path = copy;
	}
	return 0;
}

/* Never asks a FUSE or network filesystem anything: the event loop does not wait on one. */
static int read_private(const char *admindir, struct inventory *inv)
{
	struct pkgdb_paths paths = { 0 };
	char status[PATH_MAX];
	struct treewalk *w = treewalk__new();
	bool remote;
	int err;

	if (!w)
		return -errno;
	remote = treewalk__path_remote(w, admindir);
	treewalk__free(w);
	if (remote)
		return -EREMOTE;
	if (snprintf(status, sizeof(status), "%s/status", admindir) >= (int)sizeof(status))
		return -ENAMETOOLONG;
	paths.dpkg_status = status;
	if ((err = pkgdb__read(&paths, inv)))
		return err;
	if ((err = mark_path(inv, admindir)))
		pkgdb__free(inv);
	return err;
}

void privatedbs__compare(struct privatedbs *dbs, const char *admindir, pkg_change_fn fn,
			 void *ctx)
{
	struct privatedb *db = find_or_add(dbs, admindir);
	struct inventory now;
	int err;

	if (!db)
		return;
	if ((err = read_private(admindir, &now))) {
		log_warn("dpkg database %s of a package-manager session not read: %s", admindir,
			 strerror(-err));
		return;
	}
	pkgdb__diff(&db->known, &now, fn, ctx);
	pkgdb__free(&db->known);
	db->known = now;
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The installed-software inventory, read from the package managers' own state on disk
 * (dpkg's status file, flatpak's and snap's install trees, every user's own flatpak
 * installs), and what changed between two
 * readings: the package events that `on: [package]` rules match.
 */
#ifndef EMBARGO_PKGDB_H
#define EMBARGO_PKGDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pkg {
	char *type;		/* deb, flatpak, snap */
	char *name;
	char *version;
	char *arch;		/* "" when the manager has none */
	char *path;		/* a user's own install: its directory; "" system-wide */
	/* dpkg only: "Essential: yes"; "Priority: required" or "important" (user/protect.c) */
	bool essential, base_priority;
};

struct inventory {
	struct pkg *pkgs;	/* sorted by type, name, arch */
	size_t n;
};

/* Where each manager keeps its state; tests point these into a temporary tree. */
struct pkgdb_paths {
	const char *dpkg_status;	/* /var/lib/dpkg/status */
	const char *flatpak_dirs[4];	/* /var/lib/flatpak/app, ... (NULL-terminated) */
	const char *snap_dir;		/* /var/lib/snapd/snaps */
	bool user_flatpaks;		/* every home's ~/.local/share/flatpak/app too */
};

/* Where `flatpak install --user` puts apps, relative to the home. */
#define PKGDB_USER_FLATPAK_APPS ".local/share/flatpak/app"

extern const struct pkgdb_paths pkgdb__system_paths;

/* Parse dpkg's status file text: packages whose files are on disk. -errno, or 0. */
int pkgdb__parse_dpkg(const char *text, size_t len, struct inventory *inv);
/* Read every manager's state; a manager that is absent contributes nothing. */
int pkgdb__read(const struct pkgdb_paths *paths, struct inventory *inv);
void pkgdb__free(struct inventory *inv);

enum pkg_change {
	PKG_INSTALLED,
	PKG_UPGRADED,		/* or downgraded: the version changed */
	PKG_REMOVED,
};

typedef void (*pkg_change_fn)(void *ctx, enum pkg_change change, const struct pkg *now,
			      const struct pkg *before);
/* Call fn for every package that differs from old to new (before is NULL on install). */
void pkgdb__diff(const struct inventory *old, const struct inventory *new, pkg_change_fn fn,
		 void *ctx);

#endif /* EMBARGO_PKGDB_H */

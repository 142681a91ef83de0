// SPDX-License-Identifier: GPL-2.0-only
#include "process/filefacts.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fsdev.h"
#include "process/procfs.h"

#define DPKG_INFO "/var/lib/dpkg/info"

/* The proc of exe at st, as if root had just executed it with argv [argv0]. */
static int fill(struct file_as_proc *fp, const struct stat *st, const char *argv0)
{
	struct proc *p = &fp->proc;

	fp->args = strdup(argv0);
	if (!fp->args)
		return -ENOMEM;
	p->exe = fp->exe;
	p->exe_source = EXE_FILENAME;
	p->filename = fp->args;
	p->args = fp->args;
	p->args_len = strlen(argv0) + 1;
	p->argc = 1;
	p->loginuid = p->sessionid = (uint32_t)-1;
	snprintf(p->comm, sizeof(p->comm), "%.15s", strrchr(fp->exe, '/') + 1);
	p->file = procfs__file_of_stat(st);
	return 0;
}

int filefacts__as_proc(const char *path, struct identity *id, struct file_as_proc *fp)
{
	struct stat st;
	int fd, err;

	memset(fp, 0, sizeof(*fp));
	if (!realpath(path, fp->exe))
		return -errno;
	/* the device as an exec of it would report it (overlayfs: not stat's) */
	if ((err = fsdev__stat(fp->exe, NULL, &st)) || (err = fill(fp, &st, path)))
		return err;
	if (!S_ISREG(st.st_mode))
		return 0;
	fd = open(fp->exe, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd >= 0) {
		fp->proc.ident = identity__of_fd(id, fd);
		close(fd);
	}
	return 0;
}

int filefacts__as_proc_fd(int fd, const char *path, struct identity *id,
			  struct file_as_proc *fp)
{
	struct stat st;
	int err;

	memset(fp, 0, sizeof(*fp));
	if (path[0] != '/' || strlen(path) >= sizeof(fp->exe))
		return -EINVAL;
	strcpy(fp->exe, path);
	if ((err = fsdev__fstat(fd, NULL, &st)) || (err = fill(fp, &st, path)))
		return err;
	if (S_ISREG(st.st_mode))
		fp->proc.ident = identity__of_fd_at(id, fd, &st);
	return 0;
}

void filefacts__release(struct file_as_proc *fp)
{
	ident__put(fp->proc.ident);
	free(fp->args);
	memset(fp, 0, sizeof(*fp));
}

/*
 * Debian 12 merged /bin into /usr/bin, but packages still list /bin/ls: a path under
 * /usr/{bin,sbin,lib*} is also looked up without its /usr.
 */
static const char *unmerged(const char *path)
{
	static const char *const merged[] = { "/usr/bin/", "/usr/sbin/", "/usr/lib" };

	for (size_t i = 0; i < sizeof(merged) / sizeof(merged[0]); i++)
		if (!strncmp(path, merged[i], strlen(merged[i])))
			return path + 4;
	return NULL;
}

static bool list_has(const char *list_file, const char *path)
{
	const char *alias = unmerged(path);
	char line[4096];
	bool found = false;
	FILE *f = fopen(list_file, "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		found = !strcmp(line, path) || (alias && !strcmp(line, alias));
	}
	fclose(f);
	return found;
}

char *filefacts__dpkg_owner(const char *path)
{
	DIR *dir = opendir(DPKG_INFO);
	struct dirent *de;
	char *owner = NULL;

	while (dir && !owner && (de = readdir(dir))) {
		size_t len = strlen(de->d_name);
		char full[512];

		if (len < 6 || strcmp(de->d_name + len - 5, ".list"))
			continue;
		snprintf(full, sizeof(full), "%s/%s", DPKG_INFO, de->d_name);
		if (list_has(full, path))
			owner = strndup(de->d_name, len - 5);	/* "pkg" or "pkg:arch" */
	}
	if (dir)
		closedir(dir);
	return owner;
}

/* SPDX-License-Identifier: GPL-2.0-only */
/* A file at rest seen as the process it would be: for `rules test` and `inspect`. */
#ifndef EMBARGO_FILEFACTS_H
#define EMBARGO_FILEFACTS_H

#include <limits.h>

#include "process/identity.h"
#include "process/proctable.h"

struct file_as_proc {
	struct proc proc;	/* as if root had just executed it with argv [path] */
	char exe[PATH_MAX];
	char *args;
};

/* Fill fp for path (its identity from id); -errno when it cannot be read. */
int filefacts__as_proc(const char *path, struct identity *id, struct file_as_proc *fp);
/*
 * The same for a file already open (fd: O_RDONLY), named path (absolute, as found: not
 * resolved again by name, which a user could have changed meanwhile).
 */
int filefacts__as_proc_fd(int fd, const char *path, struct identity *id,
			  struct file_as_proc *fp);
void filefacts__release(struct file_as_proc *fp);
/* The Debian package whose file list has path, or NULL (a new string). */
char *filefacts__dpkg_owner(const char *path);

#endif /* EMBARGO_FILEFACTS_H */

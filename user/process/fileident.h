/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a file is by content (identity.h makes them): shared, reference-counted, by the
 * identity cache and the processes that run it; why a file has none; and whether a file
 * at hand is the one the kernel ran.
 */
#ifndef EMBARGO_FILEIDENT_H
#define EMBARGO_FILEIDENT_H

#include <stdbool.h>
#include <sys/stat.h>

#include "embargo/events.h"
#include "process/elfinfo.h"
#include "process/filehash.h"

/* What a file is, shared (reference-counted) by the cache and the processes running it. */
struct file_ident {
	unsigned int refs;
	struct file_key key;
	char sha256[65];
	struct elf_info elf;
	unsigned int scan_gen;	/* the string scanner its elf.strings came from */
	struct file_markers *markers;	/* downloads: what the content says (markers.h); NULL */
};

struct file_ident *ident__get(struct file_ident *f);
void ident__put(struct file_ident *f);

/* Why a file has no identity: embargo.process.identity_unavailable_reason. */
enum ident_why {
	IDENT_OK = 0,
	IDENT_GONE,		/* not there any more, or not the file that ran */
	IDENT_NOT_REGULAR,	/* a directory, a device, a symlink not followed */
	IDENT_TOO_LARGE,
	IDENT_CHANGED,		/* changed while hashed */
	IDENT_BACKLOG,		/* the workers' queue was full */
	IDENT_TIMEOUT,		/* over its time budget */
	IDENT_REMOTE_TIMEOUT,	/* over the short budget of FUSE and network filesystems */
	IDENT_STOPPING,		/* embargo stopped or reloaded before it was done */
	IDENT_FAILED,		/* a read or memory failure */
};

/* "changed-while-hashing", "backlog", ...; NULL for IDENT_OK. */
const char *ident__why_name(enum ident_why why);

/*
 * The file fstat describes is the one the kernel ran: the same device and inode, or, on
 * overlayfs (where the two disagree on the device), the same inode, size, mtime and ctime.
 */
bool ident__same_file(const struct ev_file *ran, const struct stat *st, bool on_overlay);

#endif /* EMBARGO_FILEIDENT_H */

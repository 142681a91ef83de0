/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The quarantine: installer downloads a block rule matched, moved out of the user's reach
 * into a root-only directory, one entry per file: DIR/ID/file (mode 0000) and DIR/ID/meta
 * (where it came from, its mode and owner, its hash, who wrote it, when, which rule).
 * `embargo quarantine list|restore` reads them back. docs/enforcement.md.
 */
#ifndef EMBARGO_QUARANTINE_H
#define EMBARGO_QUARANTINE_H

#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

#define QUARANTINE_DEFAULT_DIR "/var/lib/embargo/quarantine"
#define QUARANTINE_ID_LEN 40

struct quarantine_meta {
	char id[QUARANTINE_ID_LEN];
	char *path;		/* where it was */
	char *sha256;		/* "" when unknown */
	char *rule;		/* the rule's id */
	char *writer;		/* the writing process's executable, "" when unknown */
	uint32_t writer_pid, writer_uid;
	uint64_t size, time_ns;
	mode_t mode;
	uid_t uid;
	gid_t gid;
};

/*
 * Move path (a regular file) into the quarantine. The caller sets meta's path (= path),
 * sha256, rule and writer fields (not taken over); id, size, mode, owner and time are
 * filled here. 0 or -errno; on failure the file stays where it was.
 */
int quarantine__put(const char *dir, const char *path, struct quarantine_meta *meta);
/* Read DIR/ID/meta. */
int quarantine__read(const char *dir, const char *id, struct quarantine_meta *meta);
/* Put the file back where it was, with its mode and owner; -EEXIST if a file is there. */
int quarantine__restore(const char *dir, const char *id, struct quarantine_meta *meta);
void quarantine__meta_free(struct quarantine_meta *meta);

#endif /* EMBARGO_QUARANTINE_H */

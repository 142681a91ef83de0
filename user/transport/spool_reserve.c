// SPDX-License-Identifier: GPL-2.0-only
/*
 * The spool's reserve: a file of SPOOL_RESERVE_BYTES (spool.h) with its blocks allocated on disk.
 * Ordinary records go into the spool only while it is whole, so on a full disk they stop
 * short and leave that room to state records, which take it by removing the file and
 * writing again. The next ordinary record makes it anew, once the disk has room.
 */
#include "transport/spool_reserve.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"

static bool disk_full(int err)
{
	return err == -ENOSPC || err == -EDQUOT;
}

static void drop(int dirfd, const char *name)
{
	if (unlinkat(dirfd, name, 0) && errno != ENOENT)
		log_warn("spool: cannot remove %s: %s", name, strerror(errno));
}

/* name, r->bytes allocated (an existing one kept, or grown); 0 or -errno. */
static int make(const struct spool_reserve *r, const char *name)
{
	int fd = openat(r->dirfd, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	int err;

	if (fd < 0)
		return -errno;
	err = posix_fallocate(fd, 0, (off_t)r->bytes);
	close(fd);
	/* a file system may keep what a failed fallocate got: a part of a reserve is none */
	if (err)
		drop(r->dirfd, name);
	return -err;
}

/*
 * After a refusal for want of room, room again is a reserve's worth of it, free: the rest
 * of a page a record left half used is no sign, and would make an output seem to come and
 * go with every record.
 */
static int room_again(struct spool_reserve *r)
{
	int err = make(r, SPOOL_ROOM_PROBE_NAME);

	if (!err)
		drop(r->dirfd, SPOOL_ROOM_PROBE_NAME);
	return err;
}

int spool_reserve_before(struct spool_reserve *r)
{
	int err = r->wanting_room ? room_again(r) : 0;

	if (!disk_full(err) && !r->held) {
		err = make(r, SPOOL_RESERVE_NAME);
		r->held = !err;
	}
	/* refused only for want of room: a file system that cannot keep a reserve still spools */
	return disk_full(err) ? err : 0;
}

void spool_reserve_after(struct spool_reserve *r, int err)
{
	r->wanting_room = disk_full(err);
}

bool spool_reserve_release(struct spool_reserve *r, int err)
{
	if (!disk_full(err) || !r->held)
		return false;
	drop(r->dirfd, SPOOL_RESERVE_NAME);
	r->held = false;
	return true;
}

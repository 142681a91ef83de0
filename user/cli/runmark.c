// SPDX-License-Identifier: GPL-2.0-only
/*
 * The run marker (runmark.h). On disk, text, one "key=value" a line:
 *
 *     # embargo watch: its last run (docs/outputs.md, "Unclean ends")
 *     run_id=0e1f5f7a-7b0c-4e43-9f6c-1b9d6e4b6a11-1795425662123456789
 *     state=running
 *     pid=4242
 *     last_sequence=1742
 *     last_heartbeat=1795429262123456789
 *
 * state is running from start to a stop in order, then clean. A marker found running at the
 * next start was left by a run that did not stop in order.
 */
#include "cli/runmark.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/host.h"

#define TMP_NAME RUNMARK_NAME ".tmp"
#define MARKER_MAX 4096		/* far more than a marker takes: anything longer is not ours */

struct runmark {
	int dirfd;
	char run_id[sizeof(((struct previous_run *)0)->run_id)];
	uint64_t last_heartbeat_ns;
	struct previous_run prev;	/* state "": none */
};

/* --- reading what the previous run left --- */

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return !errno && !*end;
}

/* A run id as host.c makes them: [0-9a-z-], nothing that could upset a record. */
static bool valid_run_id(const char *s)
{
	size_t n = strspn(s, "0123456789abcdefghijklmnopqrstuvwxyz-");

	return n && !s[n] && n < sizeof(((struct previous_run *)0)->run_id);
}

static bool parse_line(char *line, struct previous_run *p, bool *running)
{
	char *eq = strchr(line, '=');
	const char *v;

	if (!line[0] || line[0] == '#')
		return true;
	if (!eq)
		return false;
	*eq = '\0';
	v = eq + 1;
	if (!strcmp(line, "run_id")) {
		if (!valid_run_id(v))
			return false;
		snprintf(p->run_id, sizeof(p->run_id), "%s", v);
	} else if (!strcmp(line, "state")) {
		if (strcmp(v, "running") && strcmp(v, "clean"))
			return false;
		*running = !strcmp(v, "running");
	} else if (!strcmp(line, "last_sequence")) {
		return parse_u64(v, &p->last_sequence);
	} else if (!strcmp(line, "last_heartbeat")) {
		return parse_u64(v, &p->last_heartbeat_ns);
	}
	return true;	/* pid, and keys a later version may add */
}

/*
 * The marker's text into *p. A marker that does not read as one (cut, edited, not a regular
 * file) says nothing of how the run ended: it counts as unclean, with no run id.
 */
static void parse_marker(char *text, struct previous_run *p)
{
	bool running = true, ok = true;

	for (char *line = text, *nl; ok && line; line = nl) {
		if ((nl = strchr(line, '\n')))
			*nl++ = '\0';
		ok = parse_line(line, p, &running);
	}
	if (!ok || !p->run_id[0]) {
		memset(p, 0, sizeof(*p));
		running = true;
	}
	snprintf(p->state, sizeof(p->state), "%s", running ? "unclean" : "clean");
}

static int read_marker(int dirfd, struct previous_run *p)
{
	char text[MARKER_MAX + 1];
	struct stat st;
	ssize_t n;
	int fd = openat(dirfd, RUNMARK_NAME, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	memset(p, 0, sizeof(*p));
	if (fd < 0 && errno != ELOOP)
		return errno == ENOENT ? 0 : -errno;
	/* a link or anything but a file in its place is no marker: read as damaged, replaced */
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode))
		n = -1;
	else
		n = read(fd, text, MARKER_MAX + 1);
	if (fd >= 0)
		close(fd);
	if (n < 0 || n > MARKER_MAX)
		n = 0;	/* parsed as damaged */
	text[n] = '\0';
	if (strlen(text) != (size_t)n)
		text[0] = '\0';	/* a NUL inside: not ours either */
	parse_marker(text, p);
	return 0;
}

/* --- writing this run down --- */

static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The whole marker, durably: a temporary file, synced, renamed over the old one. */
static int write_marker(struct runmark *m, bool clean, uint64_t last_sequence)
{
	char text[512];
	int n, fd, err;

	n = snprintf(text, sizeof(text),
		     "# embargo watch: its last run (docs/outputs.md, \"Unclean ends\")\n"
		     "run_id=%s\nstate=%s\npid=%d\nlast_sequence=%" PRIu64 "\n"
		     "last_heartbeat=%" PRIu64 "\n", m->run_id, clean ? "clean" : "running",
		     (int)getpid(), last_sequence, m->last_heartbeat_ns);
	fd = openat(m->dirfd, TMP_NAME, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		    0600);
	if (fd < 0)
		return -errno;
	err = write_all(fd, text, (size_t)n);
	if (!err && fdatasync(fd))
		err = -errno;
	close(fd);
	if (!err && renameat(m->dirfd, TMP_NAME, m->dirfd, RUNMARK_NAME))
		err = -errno;
	if (err) {
		unlinkat(m->dirfd, TMP_NAME, 0);
		return err;
	}
	return fsync(m->dirfd) ? -errno : 0;	/* the rename itself */
}

static int open_dir(const char *dir)
{
	int fd;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* two runs would each think the other's marker their own */
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int err = errno == EWOULDBLOCK ? -EBUSY : -errno;

		close(fd);
		return err;
	}
	return fd;
}

struct runmark *runmark__open(const char *dir, const char *run_id, int *err)
{
	struct runmark *m = calloc(1, sizeof(*m));

	*err = m ? 0 : -ENOMEM;
	if (m && (m->dirfd = open_dir(dir)) < 0) {
		*err = m->dirfd;
		m->dirfd = -1;
	}
	if (!*err)
		*err = read_marker(m->dirfd, &m->prev);
	if (!*err) {
		snprintf(m->run_id, sizeof(m->run_id), "%s", run_id);
		*err = write_marker(m, false, 0);
	}
	if (*err) {
		runmark__close(m);
		return NULL;
	}
	return m;
}

const struct previous_run *runmark__previous(const struct runmark *m)
{
	return m && m->prev.state[0] ? &m->prev : NULL;
}

int runmark__update(struct runmark *m, uint64_t last_sequence, uint64_t heartbeat_ns)
{
	if (!m)
		return 0;
	if (heartbeat_ns)
		m->last_heartbeat_ns = heartbeat_ns;
	return write_marker(m, false, last_sequence);
}

int runmark__stopped(struct runmark *m, uint64_t last_sequence)
{
	return m ? write_marker(m, true, last_sequence) : 0;
}

void runmark__close(struct runmark *m)
{
	if (!m)
		return;
	if (m->dirfd >= 0)
		close(m->dirfd);	/* and with it the lock */
	free(m);
}

void runmark__describe(const struct previous_run *prev, char *buf, size_t len)
{
	char when[32] = "none";

	buf[0] = '\0';
	if (!prev || strcmp(prev->state, "unclean"))
		return;
	if (!prev->run_id[0]) {
		snprintf(buf, len, "; the previous run's marker (" RUNMARK_NAME ") is damaged: it "
			 "may not have stopped in order");
		return;
	}
	if (prev->last_heartbeat_ns)
		host__format_time(prev->last_heartbeat_ns, when);
	snprintf(buf, len, "; the previous run %s did not stop in order (killed, crashed or the "
		 "power went): the last record it wrote down was number %" PRIu64 ", its last "
		 "heartbeat %s", prev->run_id, prev->last_sequence, when);
}

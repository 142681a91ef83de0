// SPDX-License-Identifier: GPL-2.0-only
#include "quarantine.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host.h"

/* meta lines are KEY=VALUE; a value's '%' and newlines are %-escaped so any path fits */
static void put_value(FILE *f, const char *key, const char *v)
{
	fprintf(f, "%s=", key);
	for (; *v; v++) {
		if (*v == '%' || *v == '\n')
			fprintf(f, "%%%02x", (unsigned char)*v);
		else
			fputc(*v, f);
	}
	fputc('\n', f);
}

static char *unescape(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;
	unsigned int c;

	for (; out && *s; s++) {
		if (*s == '%' && sscanf(s + 1, "%2x", &c) == 1) {
			*o++ = (char)c;
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	if (o)
		*o = '\0';
	return out;
}

static int write_meta(const char *file, const struct quarantine_meta *m)
{
	FILE *f = fopen(file, "wxe");

	if (!f)
		return -errno;
	put_value(f, "path", m->path);
	put_value(f, "sha256", m->sha256);
	put_value(f, "rule", m->rule);
	put_value(f, "writer", m->writer);
	fprintf(f, "writer_pid=%u\nwriter_uid=%u\nsize=%llu\ntime_ns=%llu\nmode=%o\nuid=%u\n"
		   "gid=%u\n", m->writer_pid, m->writer_uid, (unsigned long long)m->size,
		(unsigned long long)m->time_ns, (unsigned int)m->mode, (unsigned int)m->uid,
		(unsigned int)m->gid);
	if (fflush(f) || fsync(fileno(f))) {
		int err = -errno;

		fclose(f);
		return err;
	}
	return fclose(f) ? -errno : 0;
}

/* Across filesystems: copied whole and synced before the original goes. */
static int copy_file(int src, const char *dst, off_t size)
{
	int fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	off_t off = 0;

	if (fd < 0)
		return -errno;
	while (off < size) {
		ssize_t n = sendfile(fd, src, &off, (size_t)(size - off));

		if (n <= 0) {
			int err = n ? -errno : -EIO;

			close(fd);
			unlink(dst);
			return err;
		}
	}
	if (fsync(fd)) {
		int err = -errno;

		close(fd);
		unlink(dst);
		return err;
	}
	return close(fd) ? -errno : 0;
}

static int move_in(const char *path, const char *dst, const struct stat *st)
{
	int fd, err;

	if (!rename(path, dst))
		return chmod(dst, 0) ? -errno : 0;
	if (errno != EXDEV)
		return -errno;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	err = copy_file(fd, dst, st->st_size);
	close(fd);
	if (!err && unlink(path)) {
		err = -errno;
		unlink(dst);
	}
	return err;
}

int quarantine__put(const char *dir, const char *path, struct quarantine_meta *m)
{
	char entry[4096], file[4200];
	struct stat st;
	int err;

	if (lstat(path, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;	/* only regular files: never a directory or a link's target */
	m->size = (uint64_t)st.st_size;
	m->mode = st.st_mode & 07777;
	m->uid = st.st_uid;
	m->gid = st.st_gid;
	m->time_ns = host__now_real_ns();
	snprintf(m->id, sizeof(m->id), "%.16s-%llx", m->sha256[0] ? m->sha256 : "nohash",
		 (unsigned long long)m->time_ns);
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	snprintf(entry, sizeof(entry), "%s/%s", dir, m->id);
	if (mkdir(entry, 0700))
		return -errno;
	snprintf(file, sizeof(file), "%s/file", entry);
	if ((err = move_in(path, file, &st)))
		goto fail;
	snprintf(file, sizeof(file), "%s/meta", entry);
	if ((err = write_meta(file, m))) {
		snprintf(file, sizeof(file), "%s/file", entry);
		rename(file, path);	/* without its record it must not vanish */
		goto fail;
	}
	return 0;
fail:
	rmdir(entry);
	return err;
}

int quarantine__read(const char *dir, const char *id, struct quarantine_meta *m)
{
	char file[4200], line[8192];
	FILE *f;

	memset(m, 0, sizeof(*m));
	if (strchr(id, '/') || !strcmp(id, "..") || !strcmp(id, "."))
		return -EINVAL;
	snprintf(m->id, sizeof(m->id), "%s", id);
	snprintf(file, sizeof(file), "%s/%s/meta", dir, id);
	f = fopen(file, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '='), **str = NULL;
		unsigned long long v;

		if (!eq)
			continue;
		*eq++ = '\0';
		eq[strcspn(eq, "\n")] = '\0';
		if (!strcmp(line, "path"))
			str = &m->path;
		else if (!strcmp(line, "sha256"))
			str = &m->sha256;
		else if (!strcmp(line, "rule"))
			str = &m->rule;
		else if (!strcmp(line, "writer"))
			str = &m->writer;
		if (str) {
			free(*str);
			*str = unescape(eq);
			continue;
		}
		v = strtoull(eq, NULL, !strcmp(line, "mode") ? 8 : 10);
		if (!strcmp(line, "writer_pid"))
			m->writer_pid = (uint32_t)v;
		else if (!strcmp(line, "writer_uid"))
			m->writer_uid = (uint32_t)v;
		else if (!strcmp(line, "size"))
			m->size = v;
		else if (!strcmp(line, "time_ns"))
			m->time_ns = v;
		else if (!strcmp(line, "mode"))
			m->mode = (mode_t)v;
		else if (!strcmp(line, "uid"))
			m->uid = (uid_t)v;
		else if (!strcmp(line, "gid"))
			m->gid = (gid_t)v;
	}
	fclose(f);
	return m->path && m->sha256 && m->rule && m->writer ? 0 : -EBADMSG;
}

int quarantine__restore(const char *dir, const char *id, struct quarantine_meta *m)
{
	char entry[4200], file[4300];
	struct stat st;
	int err = quarantine__read(dir, id, m);

	if (err)
		return err;
	if (!lstat(m->path, &st))
		return -EEXIST;
	snprintf(entry, sizeof(entry), "%s/%s", dir, id);
	snprintf(file, sizeof(file), "%s/file", entry);
	if (!stat(file, &st) && (err = move_in(file, m->path, &st)))
		return err;
	if (chown(m->path, m->uid, m->gid) || chmod(m->path, m->mode))
		return -errno;
	snprintf(file, sizeof(file), "%s/meta", entry);
	unlink(file);
	return rmdir(entry) ? -errno : 0;
}

void quarantine__meta_free(struct quarantine_meta *m)
{
	free(m->path);
	free(m->sha256);
	free(m->rule);
	free(m->writer);
	memset(m, 0, sizeof(*m));
}

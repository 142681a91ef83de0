// SPDX-License-Identifier: GPL-2.0-only
#include "process/sandbox.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "lib/fsdev.h"
#include "lib/hmap.h"
#include "process/procfs.h"

#define CACHE_MAX 4096
#define APPIMAGE_DEPTH 4	/* ancestors looked at for the image that mounted the tree */

struct sandbox {
	char *proc_root;
	struct hmap by_cgroup;	/* cgroup id -> struct app_info (negative answers too) */
};

struct sandbox *sandbox__new(const char *proc_root)
{
	struct sandbox *sb = calloc(1, sizeof(*sb));

	if (!sb)
		return NULL;
	hmap__init(&sb->by_cgroup);
	sb->proc_root = strdup(proc_root);
	if (!sb->proc_root) {
		free(sb);
		return NULL;
	}
	return sb;
}

static void cache_clear(struct sandbox *sb)
{
	uint64_t key;
	void *value;

	for (size_t it = 0; hmap__next(&sb->by_cgroup, &it, &key, &value);)
		free(value);
	hmap__free(&sb->by_cgroup);
}

void sandbox__free(struct sandbox *sb)
{
	if (!sb)
		return;
	cache_clear(sb);
	free(sb->proc_root);
	free(sb);
}

/* "app-flatpak-com.tencent.WeChat-12345.scope" -> com.tencent.WeChat */
static int parse_flatpak(const char *unit, struct app_info *app)
{
	const char *start = unit + strlen("app-flatpak-"), *dash = strrchr(unit, '-');

	if (strncmp(unit, "app-flatpak-", 12) || !dash || dash <= start ||
	    (size_t)(dash - start) >= sizeof(app->id))
		return -EINVAL;
	memcpy(app->id, start, (size_t)(dash - start));
	app->id[dash - start] = '\0';
	app->type = "flatpak";
	return 0;
}

/* "snap.wechat.wechat-<uuid>.scope" or "snap.wechat.daemon.service" -> wechat */
static int parse_snap(const char *unit, struct app_info *app)
{
	const char *start = unit + 5, *dot = strchr(start, '.');

	if (strncmp(unit, "snap.", 5) || !dot || dot == start ||
	    (size_t)(dot - start) >= sizeof(app->id))
		return -EINVAL;
	memcpy(app->id, start, (size_t)(dot - start));
	app->id[dot - start] = '\0';
	app->type = "snap";
	return 0;
}

int sandbox__parse_unit(const char *cgroup_path, struct app_info *app)
{
	struct app_info found = { 0 };
	bool named = false;

	/* the innermost unit of the path names the app: the last one that parses wins */
	for (const char *seg = cgroup_path; seg && *seg; seg = strchr(seg, '/')) {
		char one[512];
		size_t n;

		while (*seg == '/')
			seg++;
		n = strcspn(seg, "/");
		if (n >= sizeof(one) || (strncmp(seg, "app-flatpak-", 12) && strncmp(seg, "snap.", 5)))
			continue;
		memcpy(one, seg, n);
		one[n] = '\0';
		if (parse_flatpak(one, &found) && parse_snap(one, &found))
			continue;
		*app = found;
		named = true;
	}
	return named ? 0 : -ENOENT;
}

/* The cgroup v2 path of a process, or the systemd one on a hybrid v1 system. */
static int cgroup_path(const struct sandbox *sb, uint32_t pid, char *out, size_t size)
{
	char path[64], buf[4096];
	const char *line;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%u/cgroup", sb->proc_root, pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	/* "0::/path" on cgroup v2; on a hybrid system the units are under name=systemd */
	line = strstr(buf, "0::");
	if (line && (line == buf || line[-1] == '\n') && strncmp(line + 3, "/\n", 2))
		line += 3;
	else if ((line = strstr(buf, ":name=systemd:")))
		line += strlen(":name=systemd:");
	else
		return -ENOENT;
	snprintf(out, size, "%.*s", (int)strcspn(line, "\n"), line);
	return 0;
}

/*
 * A cgroup's path from its id alone, for a process already gone: kernfs takes the id as a
 * file handle (FILEID_KERNFS), and the opened directory's link names it.
 */
static int cgroup_path_by_id(uint64_t id, char *out, size_t size)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} h = { .fh = { .handle_bytes = sizeof(uint64_t), .handle_type = 0xfe } };
	const char *root = procfs__cgroup2_mount();
	char link[64], target[4096];
	int mount_fd, fd;
	ssize_t n;

	if (!root)
		return -ENOENT;
	memcpy(h.fh.f_handle, &id, sizeof(id));
	mount_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mount_fd < 0)
		return -errno;
	fd = open_by_handle_at(mount_fd, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(mount_fd);
	if (fd < 0)
		return -errno;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	target[n] = '\0';
	snprintf(out, size, "%s", strncmp(target, root, strlen(root)) ? target :
				  target + strlen(root));
	return 0;
}

/* app_info is 4 KiB of buffers: on every exec, touch only what is set */
static void app_copy(struct app_info *dst, const struct app_info *src)
{
	dst->type = src->type;
	if (!src->type)
		return;
	memcpy(dst->id, src->id, strnlen(src->id, sizeof(src->id) - 1) + 1);
	memcpy(dst->path, src->path, strnlen(src->path, sizeof(src->path) - 1) + 1);
}

static void identify_cgroup(struct sandbox *sb, const struct proc *p, struct app_info *app)
{
	struct app_info *cached = p->cgroup_id ? hmap__get(&sb->by_cgroup, p->cgroup_id) : NULL;
	char path[4096];

	if (cached) {
		app_copy(app, cached);
		return;
	}
	/*
	 * The id is the cgroup at exec time; /proc says where the process is now, which may
	 * be another cgroup already. So the id first, /proc only when the id cannot be opened.
	 */
	if ((!p->cgroup_id || cgroup_path_by_id(p->cgroup_id, path, sizeof(path))) &&
	    cgroup_path(sb, p->pid, path, sizeof(path)))
		return;	/* unknown: do not cache a guess */
	sandbox__parse_unit(path, app);
	if (!p->cgroup_id || !(cached = malloc(sizeof(*cached))))
		return;
	*cached = *app;
	if (hmap__len(&sb->by_cgroup) >= CACHE_MAX)
		cache_clear(sb);
	if (hmap__put(&sb->by_cgroup, p->cgroup_id, cached, NULL))
		free(cached);
}

/* The fields of a mountinfo line we need: its mount point and its filesystem type. */
static bool mountinfo_fields(char *line, char **mount_point, char **fstype)
{
	char *dash = strstr(line, " - "), *save = NULL, *f = strtok_r(line, " ", &save);

	for (int i = 1; f && i < 5; i++)
		f = strtok_r(NULL, " ", &save);
	if (!f || !dash || f > dash)
		return false;
	*mount_point = f;
	*fstype = dash + 3;
	(*fstype)[strcspn(*fstype, " \n")] = '\0';
	fsdev__mountinfo_unescape(*mount_point);
	fsdev__mountinfo_unescape(*fstype);
	return true;
}

/*
 * The image an AppImage's FUSE tree was mounted from. The runtime mounts it with the
 * image's file name as the FUSE subtype ("fuse.WeChatLinux_x86_64.AppImage"), while the
 * mount point keeps only the name's first letters (/tmp/.mount_WeChatXXXXXX): two images
 * whose names begin alike share that, so the mount table names the image, not the path.
 */
/* 0: found; 1: the table was read and has no such FUSE mount; -errno: it cannot be read. */
static int mounted_image(const struct sandbox *sb, const char *who, const char *exe, char *name,
			 size_t size)
{
	const char *mnt = strstr(exe, "/.mount_");
	size_t len;
	char path[256], *line = NULL, *mount_point, *fstype;
	size_t cap = 0;
	int err = 1;
	FILE *f;

	if (!mnt)
		return 1;
	len = (size_t)(mnt - exe) + 1 + strcspn(mnt + 1, "/");
	snprintf(path, sizeof(path), "%s/%s/mountinfo", sb->proc_root, who);
	if (!(f = fopen(path, "re")))
		return -errno;
	while (err && getline(&line, &cap, f) > 0) {
		if (!mountinfo_fields(line, &mount_point, &fstype) ||
		    strlen(mount_point) != len || strncmp(mount_point, exe, len) ||
		    strncmp(fstype, "fuse.", 5) || !fstype[5] || strlen(fstype + 5) >= size)
			continue;
		strcpy(name, fstype + 5);
		err = 0;
	}
	free(line);
	fclose(f);
	return err;
}

/*
 * The mount table the process saw, else (a short-lived program, gone already) its parent's,
 * else ours: the same for a desktop's processes, which share one mount namespace.
 */
static int mounted_images(const struct sandbox *sb, const struct proc *p, char *name,
			  size_t size)
{
	char who[3][16];
	int found = -ENOENT;

	snprintf(who[0], sizeof(who[0]), "%u", p->pid);
	snprintf(who[1], sizeof(who[1]), "%u", p->ppid);
	snprintf(who[2], sizeof(who[2]), "self");
	for (int i = 0; i < 3 && found < 0; i++)
		found = mounted_image(sb, who[i], p->exe, name, size);
	return found;
}

/* The nearest ancestor (a few up) running an AppImage named name, or any if name is NULL. */
static const struct proc *appimage_ancestor(struct proctable *pt, const struct proc *p,
					    const char *name)
{
	const struct proc *up = p;

	for (int depth = 0; depth < APPIMAGE_DEPTH && up; depth++) {
		up = proctable__parent(pt, up);
		if (!up || !up->exe)
			continue;
		if (name ? !strcmp(strrchr(up->exe, '/') + 1, name) :
			   !fnmatch("*.appimage", up->exe, FNM_CASEFOLD))
			return up;
	}
	return NULL;
}

/*
 * A program inside an AppImage's mount (/tmp/.mount_XXXX) runs from that image: named by
 * the mount table where the process can still be read, else (gone already) by an ancestor
 * running one.
 */
static void identify_appimage(struct sandbox *sb, struct proctable *pt, const struct proc *p,
			      struct app_info *app)
{
	const struct proc *up;
	int found;

	if (!p->exe || fnmatch("*/.mount_*/*", p->exe, 0))
		return;
	found = mounted_images(sb, p, app->id, sizeof(app->id));
	if (found > 0)
		return;
	if (!found) {
		app->type = "appimage";
		up = appimage_ancestor(pt, p, app->id);
		snprintf(app->path, sizeof(app->path), "%s", up ? up->exe : "");
		return;
	}
	if ((up = appimage_ancestor(pt, p, NULL))) {
		app->type = "appimage";
		snprintf(app->path, sizeof(app->path), "%s", up->exe);
		snprintf(app->id, sizeof(app->id), "%s", strrchr(up->exe, '/') + 1);
	}
}

void sandbox__identify(struct sandbox *sb, struct proctable *pt, const struct proc *p,
		       struct app_info *app)
{
	app->type = NULL;
	app->id[0] = app->path[0] = '\0';
	identify_cgroup(sb, p, app);
	if (!app->type)
		identify_appimage(sb, pt, p, app);
	/* the AppImage file itself, run directly */
	if (!app->type && p->exe && !fnmatch("*.appimage", p->exe, FNM_CASEFOLD)) {
		app->type = "appimage";
		snprintf(app->path, sizeof(app->path), "%s", p->exe);
		snprintf(app->id, sizeof(app->id), "%s", strrchr(p->exe, '/') + 1);
	}
}

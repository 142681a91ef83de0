/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a downloaded file says it is, read from its own bytes, whatever its name: a .deb's
 * control Package: field (control.tar plain, gzip or xz; not zstd), a .flatpakref's Name=,
 * an AppImage's desktop id (process/appimage.h). Only what the file itself states, so a
 * banned package saved as x.zip is still that package. The input is a user's file: every
 * size is bounded, and a file that is not what it claims gives no marker, never a crash.
 */
#ifndef EMBARGO_MARKERS_H
#define EMBARGO_MARKERS_H

#include <stddef.h>

#define MARKERS_READ_MAX (1u << 20)	/* bytes read from the start of a file */
#define MARKERS_INFLATE_MAX (1u << 20)	/* a .deb's control.tar, once decompressed */

enum marker_kind {
	MARKER_NONE = 0,
	MARKER_DEB,		/* a Debian package (ar archive with debian-binary) */
	MARKER_FLATPAKREF,	/* a flatpak reference file ([Flatpak Ref]) */
	MARKER_APPIMAGE,	/* an AppImage (type 2): its root desktop file (appimage.h) */
};

struct file_markers {
	enum marker_kind kind;
	char package[256];	/* Package: / Name= / desktop id; "" when the file does not say */
	const char *type;	/* package.type: "deb", "flatpak", "appimage"; NULL when none */
	const char *unread;	/* why a recognised file gave no name ("control.tar.xz"...); NULL */
};

/*
 * Read the markers of len bytes of a file's start. Always fills m (MARKER_NONE at worst).
 * An AppImage's image is read only as far as it lies in buf.
 */
void markers__from_buf(const void *buf, size_t len, struct file_markers *m);
/*
 * The same from an open file: its first MARKERS_READ_MAX bytes (an AppImage's image
 * metadata, wherever it is). -errno when unreadable.
 */
int markers__from_fd(int fd, struct file_markers *m);

#endif /* EMBARGO_MARKERS_H */

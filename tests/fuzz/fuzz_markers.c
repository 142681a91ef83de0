// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the content markers (user/process/markers.c): any bytes as the start
 * of a downloaded file. A name it keeps is whole and plain (2..255 characters of a package
 * name or an app id), typed as its kind says, and the same bytes give the same answer.
 */
#include <assert.h>
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "process/markers.h"

static void check(const struct file_markers *m)
{
	size_t n = strnlen(m->package, sizeof(m->package));

	assert(n < sizeof(m->package));
	assert(m->kind != MARKER_NONE || (!n && !m->type && !m->unread));
	assert(m->kind != MARKER_DEB || !strcmp(m->type, "deb"));
	assert(m->kind != MARKER_FLATPAKREF || !strcmp(m->type, "flatpak"));
	assert(m->kind != MARKER_APPIMAGE || !strcmp(m->type, "appimage"));
	assert(!n || (n >= 2 && !m->unread));
	for (size_t i = 0; i < n; i++)
		assert(isalnum((unsigned char)m->package[i]) || strchr("+-._", m->package[i]));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct file_markers a, b;

	markers__from_buf(data, size, &a);
	check(&a);
	markers__from_buf(data, size, &b);
	assert(a.kind == b.kind && !strcmp(a.package, b.package));
	return 0;
}
